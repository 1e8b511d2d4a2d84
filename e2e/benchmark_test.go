package e2e

import (
	"context"
	"net"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// benchResult matches the final line redis-benchmark -q prints for a test,
// "NAME: 12345.67 requests per second, p50=0.123 msec".
var benchResult = regexp.MustCompile(`^(.+): [0-9.]+ requests per second`)

// runBenchmark runs redis-benchmark's default tests against addr and
// returns the names of the tests that completed and every other line it
// printed. redis-benchmark 7.0 exits at the first error reply, printing
// "Error from server: ...", which fails the test here.
func runBenchmark(t *testing.T, addr string, requests string) (tests, other []string) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "redis-benchmark", "-h", host, "-p", port,
		"-q", "-n", requests, "-c", "10").CombinedOutput()
	if err != nil {
		t.Fatalf("redis-benchmark against %s: %v\n%s", addr, err, out)
	}
	// Progress updates end in '\r' and are overwritten by the result line,
	// which ends in '\n'.
	for _, line := range strings.Split(string(out), "\n") {
		if i := strings.LastIndexByte(line, '\r'); i >= 0 {
			line = line[i+1:]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if m := benchResult.FindStringSubmatch(line); m != nil {
			tests = append(tests, m[1])
			continue
		}
		other = append(other, line)
	}
	return tests, other
}

// TestRedisBenchmarkDefaultTestsRunWithoutErrors runs redis-benchmark's
// default test list (no -t) against slotd and against redis-server: every
// test Redis completes must complete on slotd, and slotd must answer no
// request with an error or make the tool print anything else.
func TestRedisBenchmarkDefaultTestsRunWithoutErrors(t *testing.T) {
	if _, err := exec.LookPath("redis-benchmark"); err != nil {
		t.Skip("redis-benchmark is not installed (it comes with redis-server)")
	}
	redis := startRedis(t)
	slotd := startSlotd(t)
	want, redisOther := runBenchmark(t, redis.addr, "2000")
	if len(want) == 0 || len(redisOther) > 0 {
		t.Fatalf("redis-benchmark against redis-server: tests %q, other output %q", want, redisOther)
	}
	got, other := runBenchmark(t, slotd.addr, "2000")
	for _, line := range other {
		t.Errorf("redis-benchmark against slotd printed %q", line)
	}
	for _, name := range want {
		if !slices.Contains(got, name) {
			t.Errorf("test %q completed against redis-server but not against slotd", name)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("tests against slotd %q, want %q as against redis-server", got, want)
	}
}

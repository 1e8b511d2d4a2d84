package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// composeProject isolates the test's containers, network and volumes from a
// cluster a developer started from the same file.
const composeProject = "slotde2e"

// composeTimeout bounds one docker or docker-compose command.
const composeTimeout = 5 * time.Minute

// composeCommand returns the compose command line of this machine:
// docker-compose (v1) or the docker compose plugin (v2).
func composeCommand(t *testing.T) []string {
	t.Helper()
	if p, err := exec.LookPath("docker-compose"); err == nil {
		return []string{p}
	}
	if err := exec.Command("docker", "compose", "version").Run(); err == nil {
		return []string{"docker", "compose"}
	}
	t.Skip("Docker answers but neither docker-compose nor the docker compose plugin is installed")
	return nil
}

// runIn runs a command in dir and returns its combined output.
func runIn(dir string, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), composeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %w", strings.Join(args, " "), err)
	}
	return string(out), nil
}

// TestComposeClusterServesKeysOnAllMasters builds the image from a static
// slotd, starts docker-compose.yml (six nodes and the cluster-init job) and
// checks, from the host, that the cluster forms and that redis-cli -c
// stores keys on all three masters through the published ports. It needs a
// Docker engine and the host ports 7000-7005.
func TestComposeClusterServesKeysOnAllMasters(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Skip("no Docker engine: `docker info` failed")
	}
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli is not installed (apt-get install redis-tools)")
	}
	compose := composeCommand(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := runIn(root, []string{"CGO_ENABLED=0"}, "go", "build", "-o", "deploy/slotd", "./cmd/slotd"); err != nil {
		t.Fatalf("static build: %v\n%s", err, out)
	}
	dc := func(args ...string) (string, error) {
		return runIn(root, nil, append(append(append([]string(nil), compose...), "-p", composeProject), args...)...)
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := dc("ps", "-a")
			logs, _ := dc("logs", "--no-color", "--tail", "30")
			t.Logf("compose ps:\n%s\ncompose logs:\n%s", out, logs)
		}
		if out, err := dc("down", "-v", "--remove-orphans"); err != nil {
			t.Errorf("compose down: %v\n%s", err, out)
		}
	})
	if out, err := dc("build"); err != nil {
		t.Fatalf("compose build: %v\n%s", err, out)
	}
	if out, err := dc("up", "-d"); err != nil {
		t.Fatalf("compose up: %v\n%s", err, out)
	}

	ports := []int{7000, 7001, 7002, 7003, 7004, 7005}
	for _, port := range ports {
		addr := "127.0.0.1:" + strconv.Itoa(port)
		clusterWaitFor(t, 60*time.Second, "PONG from the published port "+addr, func() (bool, string) {
			c, err := dialRaw(addr)
			if err != nil {
				return false, err.Error()
			}
			defer c.close()
			v, err := c.do("PING")
			if err != nil {
				return false, err.Error()
			}
			return v.String() == "+PONG", v.String()
		})
	}
	clusterWaitFor(t, 120*time.Second, "cluster_state:ok on 127.0.0.1:7000", func() (bool, string) {
		out, err := runIn(root, nil, "redis-cli", "-p", "7000", "cluster", "info")
		return err == nil && strings.Contains(out, "cluster_state:ok"), out
	})

	// cluster-init must have succeeded.
	clusterWaitFor(t, 60*time.Second, "cluster-init to exit 0", func() (bool, string) {
		id, err := dc("ps", "-a", "-q", "cluster-init")
		if err != nil || strings.TrimSpace(id) == "" {
			return false, id
		}
		state, err := runIn(root, nil, "docker", "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", strings.TrimSpace(id))
		if st := strings.TrimSpace(state); strings.HasPrefix(st, "exited ") && st != "exited 0" {
			logs, _ := dc("logs", "--no-color", "cluster-init")
			t.Fatalf("cluster-init %s:\n%s", st, logs)
		}
		return err == nil && strings.TrimSpace(state) == "exited 0", state
	})

	// Keys written through every entry port land on their slot's master and
	// read back through another port, following MOVED to 127.0.0.1.
	const keys = 60
	for i := 0; i < keys; i++ {
		key, port := "compose-key-"+strconv.Itoa(i), strconv.Itoa(ports[i%len(ports)])
		if out, err := runIn(root, nil, "redis-cli", "-c", "-p", port, "set", key, "v"+strconv.Itoa(i)); err != nil || strings.TrimSpace(out) != "OK" {
			t.Fatalf("redis-cli -c -p %s set %s: %v %q", port, key, err, out)
		}
	}
	for i := 0; i < keys; i++ {
		key, port := "compose-key-"+strconv.Itoa(i), strconv.Itoa(ports[(i+1)%len(ports)])
		out, err := runIn(root, nil, "redis-cli", "-c", "-p", port, "get", key)
		if want := "v" + strconv.Itoa(i); err != nil || strings.TrimSpace(out) != want {
			t.Fatalf("redis-cli -c -p %s get %s = %q, %v; want %q", port, key, out, err, want)
		}
	}
	clusterWaitFor(t, 60*time.Second, "3 masters and 3 replicas in CLUSTER NODES of 127.0.0.1:7000", func() (bool, string) {
		text, err := clusterNodesOf("127.0.0.1:7000", "")
		if err != nil {
			return false, err.Error()
		}
		return topologyOK(text)
	})
	text, err := clusterNodesOf("127.0.0.1:7000", "")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range mustParseNodes(t, text) {
		if n.IsReplica() {
			continue
		}
		// The announced client address must be the published one.
		if n.IP != "127.0.0.1" || n.Port < 7000 || n.Port > 7005 {
			t.Fatalf("master %s announces %s, want 127.0.0.1:7000-7005", n.ID, n.Addr())
		}
		out, err := runIn(root, nil, "redis-cli", "-p", strconv.Itoa(n.Port), "dbsize")
		keysHere, convErr := strconv.Atoi(strings.TrimSpace(out))
		if err != nil || convErr != nil || keysHere == 0 {
			t.Fatalf("master %s holds %q keys (%v), want some of the %d", n.Addr(), out, err, keys)
		}
		total += keysHere
	}
	if total != keys {
		t.Fatalf("the 3 masters hold %d keys, want %d", total, keys)
	}

	// From the host, both tools check the cluster through the announced
	// 127.0.0.1 addresses.
	for _, tool := range [][]string{{slotdBin, "cluster", "check"}, {"redis-cli", "--cluster", "check"}} {
		out, err := runIn(root, nil, append(tool, "127.0.0.1:7000")...)
		if err != nil || !strings.Contains(out, "[OK] All nodes agree about slots configuration.") || !strings.Contains(out, "[OK] All 16384 slots covered.") {
			t.Fatalf("%s 127.0.0.1:7000: %v\n%s", strings.Join(tool, " "), err, out)
		}
	}

	// Running cluster-init again must be a no-op
	// that succeeds too.
	if out, err := dc("run", "--rm", "cluster-init"); err != nil || !strings.Contains(out, "already form one cluster") {
		t.Fatalf("cluster-init re-run: %v\n%s", err, out)
	}
}

package node

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestSlowlogWithZeroThresholdLogsEveryCommand(t *testing.T) {
	s, _ := startServer(t, func(c *Config) { c.SlowlogLogSlowerThan = 0 })
	c := dial(t, s)
	c.expect("+OK", "CLIENT", "SETNAME", "slow")
	c.expect("+OK", "SLOWLOG", "RESET")
	// RESET itself is logged once it has run.
	c.expect(":1", "SLOWLOG", "LEN")
	c.expect("+OK", "SET", "k", strings.Repeat("v", 130))
	c.expect("+OK", "AUTH", "default", "any-password-without-requirepass")
	addr := c.c.LocalAddr().String()
	got := c.do("SLOWLOG", "GET", "2")
	want := regexp.MustCompile(`^\*\[\*\[:4 :\d+ :\d+ \*\["AUTH" "\(redacted\)" "\(redacted\)"\] "` + regexp.QuoteMeta(addr) + `" "slow"\] ` +
		`\*\[:3 :\d+ :\d+ \*\["SET" "k" "v{128}\.\.\. \(2 more bytes\)"\] "` + regexp.QuoteMeta(addr) + `" "slow"\]\]$`)
	if !want.MatchString(got) {
		t.Fatalf("SLOWLOG GET 2 = %s", got)
	}
	c.expect("-ERR count should be greater than or equal to -1", "SLOWLOG", "GET", "-2")
	if n := strings.Count(c.do("SLOWLOG", "GET", "-1"), "*[:"); n != 6 {
		t.Fatalf("SLOWLOG GET -1 returned %d entries, want 6", n)
	}
}

func TestSlowlogKeepsOnlyMaxLenNewestEntries(t *testing.T) {
	s, _ := startServer(t, func(c *Config) { c.SlowlogLogSlowerThan = 0; c.SlowlogMaxLen = 2 })
	c := dial(t, s)
	for _, k := range []string{"a", "b", "c"} {
		c.expect("(nil)", "GET", k)
	}
	c.expect(":2", "SLOWLOG", "LEN")
	if got := c.do("SLOWLOG", "GET"); !strings.Contains(got, `*["SLOWLOG" "LEN"]`) || !strings.Contains(got, `*["GET" "c"]`) {
		t.Fatalf("SLOWLOG GET = %s, want the LEN and GET c entries", got)
	}
}

// stringDataset is the dataset whose digest was taken from redis-server
// 7.0.15.
var stringDataset = [][]string{{"SET", "a", "1"}, {"SET", "b", "hello"}, {"SET", "c", strings.Repeat("a", 56)}}

func TestDebugDigestMatchesRedisAndFollowsWrites(t *testing.T) {
	s1, _ := startServer(t, nil)
	s2, _ := startServer(t, nil)
	c1, c2 := dial(t, s1), dial(t, s2)
	c1.expect("+"+strings.Repeat("0", 40), "DEBUG", "DIGEST")
	for _, cmd := range stringDataset {
		c1.expect("+OK", cmd...)
	}
	// Same data written in another order gives the same digest.
	for i := len(stringDataset) - 1; i >= 0; i-- {
		c2.expect("+OK", stringDataset[i]...)
	}
	const redisDigest = "+cebb599642ff07203a9eb0c3e409ce307346e0a4"
	c1.expect(redisDigest, "DEBUG", "DIGEST")
	c2.expect(redisDigest, "DEBUG", "DIGEST")
	if s1.Digest() != redisDigest[1:] {
		t.Fatalf("Server.Digest() = %s", s1.Digest())
	}
	c1.expect(`*[+b4fc66738120fba0b5aa500ab5c2bf89cea1c5da +36b23a1456b2dce2c3ed252c456761301dba8060 +0000000000000000000000000000000000000000]`,
		"DEBUG", "DIGEST-VALUE", "a", "b", "nokey")

	c2.expect("+OK", "SET", "b", "hellO")
	if d := c2.do("DEBUG", "DIGEST"); d == redisDigest {
		t.Fatal("a write did not change the digest")
	}
	c2.expect("+OK", "SET", "b", "hello")
	c2.expect(redisDigest, "DEBUG", "DIGEST")
	// A TTL and the database number are part of the digest.
	c2.expect(":1", "PEXPIRE", "b", "100000")
	if d := c2.do("DEBUG", "DIGEST"); d == redisDigest {
		t.Fatal("a TTL did not change the digest")
	}
	c1.expect("+OK", "SELECT", "1")
	c1.expect("+OK", "SET", "x", "y")
	if d := c1.do("DEBUG", "DIGEST"); d == redisDigest {
		t.Fatal("a key in another database did not change the digest")
	}
}

func TestDebugIsRefusedUnlessEnabled(t *testing.T) {
	off, _ := startServer(t, func(c *Config) { c.EnableDebugCommand = "no" })
	dial(t, off).expect("-"+errDebugDisabled, "DEBUG", "DIGEST")
	local, _ := startServer(t, func(c *Config) { c.EnableDebugCommand = "local" })
	dial(t, local).expect("+"+strings.Repeat("0", 40), "DEBUG", "DIGEST")
}

func TestDebugPopulateNamesKeysLikeRedisAndSkipsExisting(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	c.expect("+OK", "SET", "key:1", "mine")
	c.expect("+OK", "DEBUG", "POPULATE", "3")
	c.expect(":3", "DBSIZE")
	c.expect(`"value:0"`, "GET", "key:0")
	c.expect(`"mine"`, "GET", "key:1")
	c.expect("+OK", "DEBUG", "POPULATE", "2", "p", "10")
	c.expect(`"value:1\x00\x00\x00"`, "GET", "p:1")
	c.expect("-ERR value is out of range, must be positive", "DEBUG", "POPULATE", "-1")
	if got := rec.take(); !reflect.DeepEqual(got, []string{"0 SET key:1 mine"}) {
		t.Fatalf("DEBUG POPULATE propagated: %q", got)
	}
}

func TestDebugObjectAndSetActiveExpire(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect("+OK", "SET", "k", "hello")
	got := c.do("DEBUG", "OBJECT", "k")
	if !regexp.MustCompile(`^\+Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:6 lru:\d+ lru_seconds_idle:\d+$`).MatchString(got) {
		t.Fatalf("DEBUG OBJECT = %s", got)
	}
	c.expect("-ERR no such key", "DEBUG", "OBJECT", "nokey")
	c.expect("+OK", "DEBUG", "SET-ACTIVE-EXPIRE", "0")
	if s.activeExpireEnabled() {
		t.Fatal("active expiry still on after SET-ACTIVE-EXPIRE 0")
	}
	c.expect("+OK", "DEBUG", "SET-ACTIVE-EXPIRE", "1")
	if !s.activeExpireEnabled() {
		t.Fatal("active expiry off after SET-ACTIVE-EXPIRE 1")
	}
	c.expect("-ERR unknown subcommand or wrong number of arguments for 'object'. Try DEBUG HELP.", "DEBUG", "object")
	c.expect("+OK", "DEBUG", "SLEEP", "0.001")
}

func TestFlushallEmptiesEveryDatabaseAndPropagates(t *testing.T) {
	s, rec := startServer(t, nil)
	c, w := dial(t, s), dial(t, s)
	c.expect("+OK", "SET", "a", "1")
	c.expect("+OK", "SELECT", "5")
	c.expect("+OK", "SET", "b", "2")
	c.expect("+OK", "SET", "c", "3")
	// A watched key that FLUSHALL removes fails the transaction.
	w.expect("+OK", "WATCH", "a")
	c.expect("+OK", "FLUSHDB")
	c.expect(":0", "DBSIZE")
	c.expect("+OK", "SELECT", "0")
	c.expect(":1", "DBSIZE")
	c.expect("-ERR syntax error", "FLUSHALL", "FOO")
	c.expect("+OK", "FLUSHALL", "ASYNC")
	c.expect(":0", "DBSIZE")
	w.expect("+OK", "MULTI")
	w.expect("+QUEUED", "PING")
	w.expect("(nil array)", "EXEC")
	// An empty FLUSHALL is still propagated.
	c.expect("+OK", "FLUSHALL")
	want := []string{"0 SET a 1", "5 SET b 2", "5 SET c 3", "5 FLUSHDB", "0 FLUSHALL ASYNC", "0 FLUSHALL"}
	if got := rec.take(); !reflect.DeepEqual(got, want) {
		t.Fatalf("records %q, want %q", got, want)
	}
}

func TestShutdownClosesTheConnectionAndSignalsTheProcess(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect("-ERR syntax error", "SHUTDOWN", "SAVE", "NOSAVE")
	c.expect("-ERR No shutdown in progress.", "SHUTDOWN", "ABORT")
	select {
	case <-s.ShutdownRequested():
		t.Fatal("shutdown requested by a refused SHUTDOWN")
	default:
	}
	c.send("SHUTDOWN", "NOSAVE", "NOW")
	c.expectClosed()
	<-s.ShutdownRequested()
	// A second SHUTDOWN does not close the channel twice.
	d := dial(t, s)
	d.send("SHUTDOWN")
	d.expectClosed()
}

func TestMemoryUsageMatchesRedisForStrings(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	for _, cmd := range stringDataset {
		c.expect("+OK", cmd...)
	}
	// The values redis-server 7.0.15 reports.
	c.expect(":48", "MEMORY", "USAGE", "a")
	c.expect(":64", "MEMORY", "USAGE", "b")
	c.expect(":112", "MEMORY", "USAGE", "c", "SAMPLES", "0")
	c.expect("(nil)", "MEMORY", "USAGE", "nokey")
	c.expect("-ERR syntax error", "MEMORY", "USAGE", "a", "SAMPLES", "-1")
}

func TestObjectReportsEncodingWithoutTouchingTheKey(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	for _, cmd := range stringDataset {
		c.expect("+OK", cmd...)
	}
	c.expect(`"int"`, "OBJECT", "ENCODING", "a")
	c.expect(`"embstr"`, "OBJECT", "ENCODING", "b")
	c.expect(`"raw"`, "OBJECT", "ENCODING", "c")
	c.expect(":2147483647", "OBJECT", "REFCOUNT", "a")
	c.expect(":1", "OBJECT", "REFCOUNT", "b")
	c.expect("(nil)", "OBJECT", "IDLETIME", "nokey")
	c.expect("-"+errFreqNotLFU, "OBJECT", "FREQ", "b")
	lfu, _ := startServer(t, func(c *Config) { c.MaxmemoryPolicy = "allkeys-lfu" })
	l := dial(t, lfu)
	l.expect("+OK", "SET", "k", "v")
	l.expect(":5", "OBJECT", "FREQ", "k")
	l.expect("-"+errIdletimeLFU, "OBJECT", "IDLETIME", "k")
}

func TestObjectIdletimeCountsFromLastAccess(t *testing.T) {
	now := int64(1_700_000_000_000)
	s, _ := startServer(t, func(c *Config) { c.Clock = func() int64 { return now } })
	c := dial(t, s)
	c.expect("+OK", "SET", "k", "v")
	c.expect(`"v"`, "GET", "k")
	now += 10_000
	c.expect(":10", "OBJECT", "IDLETIME", "k")
	// OBJECT itself does not count as an access.
	c.expect(":10", "OBJECT", "IDLETIME", "k")
	c.expect(`"v"`, "GET", "k")
	c.expect(":0", "OBJECT", "IDLETIME", "k")
}

func TestLatencyMonitorRecordsSlowCommands(t *testing.T) {
	s, _ := startServer(t, func(c *Config) { c.LatencyMonitorThreshold = 1 })
	c := dial(t, s)
	c.expect(`"Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n"`,
		"LATENCY", "DOCTOR")
	c.expect("+OK", "DEBUG", "SLEEP", "0.005")
	if got := c.do("LATENCY", "LATEST"); !regexp.MustCompile(`^\*\[\*\["command" :\d+ :\d+ :\d+\]\]$`).MatchString(got) {
		t.Fatalf("LATENCY LATEST = %s", got)
	}
	if got := c.do("LATENCY", "HISTORY", "command"); !regexp.MustCompile(`^\*\[\*\[:\d+ :\d+\]\]$`).MatchString(got) {
		t.Fatalf("LATENCY HISTORY = %s", got)
	}
	graph := c.do("LATENCY", "GRAPH", "command")
	if !strings.HasPrefix(graph, `"command - high `) || !strings.Contains(graph, `\n_\n \n`) {
		t.Fatalf("LATENCY GRAPH = %s", graph)
	}
	c.expect(":1", "LATENCY", "RESET", "COMMAND")
	c.expect("*[]", "LATENCY", "LATEST")
	c.expect("-ERR No samples available for event 'command'", "LATENCY", "GRAPH", "command")
}

func TestSparklineMatchesRedis(t *testing.T) {
	// latencyCommandGenSparkeline's body for samples 5 ms (2 s ago) and
	// 30 ms (now), as redis-server 7.0.15 drew it.
	var b strings.Builder
	renderSparkline(&b, []sparkSample{{5, "2s"}, {30, "0s"}}, latencyGraphCols, 4)
	if want := " #\n |\n |\n_|\n  \n20\nss\n"; b.String() != want {
		t.Fatalf("sparkline %q, want %q", b.String(), want)
	}
}

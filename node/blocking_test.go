package node

import (
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/slotd/slotd/slots"
)

// blockOn sends a blocking command and waits until the server counts n
// blocked clients.
func blockOn(t *testing.T, s *Server, c *testConn, n int, args ...string) {
	t.Helper()
	c.send(args...)
	waitFor(t, 5*time.Second, "client to block", func() bool { return s.blocking.count() == n })
}

func TestBlockedClientsAreServedInFIFOOrder(t *testing.T) {
	s, _ := startServer(t, nil)
	p := dial(t, s)
	var cs []*testConn
	for i := 0; i < 3; i++ {
		c := dial(t, s)
		blockOn(t, s, c, i+1, "BLPOP", "k", "other", "0")
		cs = append(cs, c)
	}
	p.expect(":3", "RPUSH", "k", "a", "b", "c")
	for i, want := range []string{`*["k" "a"]`, `*["k" "b"]`, `*["k" "c"]`} {
		if got := cs[i].read().String(); got != want {
			t.Fatalf("client %d got %s, want %s", i, got, want)
		}
	}
	p.expect(":0", "EXISTS", "k")
	if n := s.blocking.count(); n != 0 {
		t.Fatalf("blocked clients after serving: %d", n)
	}
}

func TestWokenClientGetsElementBeforeTheWritersNextCommand(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	p := dial(t, s)
	blockOn(t, s, c, 1, "BLPOP", "k", "0")
	// Pipelined: the pop must find the element already handed over.
	p.send("RPUSH", "k", "a")
	p.send("LPOP", "k")
	if got := p.read().String(); got != ":1" {
		t.Fatalf("RPUSH: %s", got)
	}
	if got := p.read().String(); got != "(nil)" {
		t.Fatalf("LPOP after the push served a blocked client: %s, want (nil)", got)
	}
	if got := c.read().String(); got != `*["k" "a"]` {
		t.Fatalf("blocked client got %s", got)
	}
	expectRecords(t, rec, "0 RPUSH k a", "0 LPOP k")
}

func TestDisconnectedBlockedClientIsSkipped(t *testing.T) {
	s, _ := startServer(t, nil)
	gone := dial(t, s)
	next := dial(t, s)
	p := dial(t, s)
	blockOn(t, s, gone, 1, "BLPOP", "k", "0")
	blockOn(t, s, next, 2, "BLPOP", "k", "0")
	_ = gone.c.Close()
	waitFor(t, 5*time.Second, "disconnected client to leave", func() bool { return s.blocking.count() == 1 })
	p.expect(":1", "RPUSH", "k", "a")
	if got := next.read().String(); got != `*["k" "a"]` {
		t.Fatalf("next blocked client got %s", got)
	}
}

func TestClientKillRemovesBlockedClient(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	p := dial(t, s)
	id := c.do("CLIENT", "ID")[1:]
	blockOn(t, s, c, 1, "BLPOP", "k", "0")
	p.expect(":1", "CLIENT", "KILL", "ID", id)
	waitFor(t, 5*time.Second, "killed client to leave", func() bool { return s.blocking.count() == 0 })
	p.expect(":1", "RPUSH", "k", "a")
	p.expect(":1", "LLEN", "k")
}

func TestCloseEndsBlockedClients(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	blockOn(t, s, c, 1, "BLPOP", "k", "0")
	done := make(chan struct{})
	go func() {
		_ = s.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return while a client was blocked")
	}
}

func TestBlockingTimeoutRepliesNullArray(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect("(nil array)", "BLPOP", "k", "0.01")
	c.expect("(nil array)", "BLMOVE", "k", "d", "LEFT", "LEFT", "0.01")
	c.expect("(nil array)", "BLMPOP", "0.01", "1", "k", "LEFT")
	c.expect("+PONG", "PING")
	if n := s.blocking.count(); n != 0 {
		t.Fatalf("blocked clients after timeouts: %d", n)
	}
}

func TestPushInsideExecServesAfterTheTransaction(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	p := dial(t, s)
	blockOn(t, s, c, 1, "BLPOP", "k", "0")
	// The transaction's own pop takes the element, as in Redis, where
	// blocked clients are served only once EXEC is over.
	p.expect("+OK", "MULTI")
	p.expect("+QUEUED", "RPUSH", "k", "a")
	p.expect("+QUEUED", "LPOP", "k")
	p.expect(`*[:1 "a"]`, "EXEC")
	p.expect("+PONG", "PING")
	if n := s.blocking.count(); n != 1 {
		t.Fatalf("blocked clients: %d, want 1", n)
	}
	p.expect("+OK", "MULTI")
	p.expect("+QUEUED", "RPUSH", "k", "b")
	p.expect(`*[:1]`, "EXEC")
	if got := c.read().String(); got != `*["k" "b"]` {
		t.Fatalf("blocked client got %s", got)
	}
	expectRecords(t, rec, "0 MULTI", "0 RPUSH k a", "0 LPOP k", "0 EXEC",
		"0 MULTI", "0 RPUSH k b", "0 EXEC", "0 LPOP k")
}

// crossSlotKeys returns two keys in different slots, the first in the
// higher one, so a push to it cannot lock the other in order.
func crossSlotKeys() (string, string) {
	ks := []string{"a", "b"}
	sort.Slice(ks, func(i, j int) bool { return slots.KeySlotString(ks[i]) > slots.KeySlotString(ks[j]) })
	return ks[0], ks[1]
}

func TestBlmoveToAnotherSlotIsServed(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	p := dial(t, s)
	src, dst := crossSlotKeys()
	blockOn(t, s, c, 1, "BLMOVE", src, dst, "RIGHT", "LEFT", "0")
	p.expect(":1", "LPUSH", src, "x")
	if got := c.read().String(); got != `"x"` {
		t.Fatalf("BLMOVE got %s", got)
	}
	p.expect(`*["x"]`, "LRANGE", dst, "0", "-1")
	p.expect(":0", "EXISTS", src)
	expectRecords(t, rec, "0 LPUSH "+src+" x", "0 LMOVE "+src+" "+dst+" RIGHT LEFT")
}

func TestBlmoveChainServesClientsBlockedOnTheDestination(t *testing.T) {
	s, _ := startServer(t, nil)
	mover := dial(t, s)
	popper := dial(t, s)
	p := dial(t, s)
	blockOn(t, s, mover, 1, "BLMOVE", "{t}src", "{t}dst", "LEFT", "LEFT", "0")
	blockOn(t, s, popper, 2, "BLPOP", "{t}dst", "0")
	p.expect(":1", "RPUSH", "{t}src", "v")
	if got := mover.read().String(); got != `"v"` {
		t.Fatalf("BLMOVE got %s", got)
	}
	if got := popper.read().String(); got != `*["{t}dst" "v"]` {
		t.Fatalf("BLPOP on the destination got %s", got)
	}
}

func TestBlmoveServedOntoWrongTypeRepliesWrongType(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	p := dial(t, s)
	p.expect("+OK", "SET", "{t}dst", "str")
	blockOn(t, s, c, 1, "BLMOVE", "{t}src", "{t}dst", "LEFT", "LEFT", "0")
	p.expect(":1", "RPUSH", "{t}src", "v")
	if got := c.read().String(); got != "-"+errWrongType {
		t.Fatalf("BLMOVE got %s", got)
	}
	p.expect(":1", "LLEN", "{t}src")
}

func TestUnblockHookEndsTheWait(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	id, _ := strconv.ParseInt(c.do("CLIENT", "ID")[1:], 10, 64)
	blockOn(t, s, c, 1, "BRPOP", "k", "0")
	if !s.blocking.isBlocked(id) {
		t.Fatal("isBlocked is false for a blocked client")
	}
	if !s.blocking.unblock(id, false) {
		t.Fatal("unblock of a blocked client returned false")
	}
	if got := c.read().String(); got != "(nil array)" {
		t.Fatalf("unblocked as timeout: %s", got)
	}
	blockOn(t, s, c, 1, "BLPOP", "k", "0")
	if !s.blocking.unblock(id, true) {
		t.Fatal("unblock with error returned false")
	}
	if got := c.read().String(); got != "-"+errUnblocked {
		t.Fatalf("unblocked with error: %s", got)
	}
	if s.blocking.unblock(id, false) {
		t.Fatal("unblock of a client that is not blocked returned true")
	}
}

func TestCommandsPipelinedBehindABlockedOneRunAfterIt(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	p := dial(t, s)
	c.send("BLPOP", "k", "0")
	c.send("PING")
	waitFor(t, 5*time.Second, "client to block", func() bool { return s.blocking.count() == 1 })
	p.expect(":1", "RPUSH", "k", "a")
	if got := c.read().String(); got != `*["k" "a"]` {
		t.Fatalf("BLPOP got %s", got)
	}
	if got := c.read().String(); got != "+PONG" {
		t.Fatalf("pipelined PING got %s", got)
	}
}

// wakeLatencies measures, n times, the time from sending a push to the
// blocked client reading its reply.
func wakeLatencies(t testing.TB, n int) []time.Duration {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	p := dial(t, s)
	lat := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		c.send("BLPOP", "k", "0")
		for s.blocking.count() != 1 {
			runtime.Gosched()
		}
		start := time.Now()
		p.send("LPUSH", "k", "x")
		c.read()
		lat = append(lat, time.Since(start))
		p.read()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat
}

// TestBlpopWakeLatency logs the latency from a push to the blocked client's
// reply; the bound is loose, as test machines are noisy.
func TestBlpopWakeLatency(t *testing.T) {
	lat := wakeLatencies(t, 500)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	t.Logf("BLPOP wake-up after LPUSH: p50 %v p99 %v max %v", p50, p99, lat[len(lat)-1])
	if p99 > 50*time.Millisecond {
		t.Fatalf("p99 wake-up latency %v", p99)
	}
}

func BenchmarkBlpopWake(b *testing.B) {
	lat := wakeLatencies(b, b.N)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-us")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-us")
}

func TestBlmoveInsideExecServesTheDestinationAfterwards(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	p := dial(t, s)
	blockOn(t, s, c, 1, "BLPOP", "{t}dst", "0")
	p.expect("+OK", "MULTI")
	p.expect("+QUEUED", "RPUSH", "{t}src", "x")
	p.expect("+QUEUED", "BLMOVE", "{t}src", "{t}dst", "LEFT", "LEFT", "0")
	p.expect(`*[:1 "x"]`, "EXEC")
	if got := c.read().String(); got != `*["{t}dst" "x"]` {
		t.Fatalf("BLPOP on the destination got %s", got)
	}
}

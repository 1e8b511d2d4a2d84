package node

import (
	"reflect"
	"sync/atomic"
	"testing"
)

func TestExecRunsQueuedCommandsInOrder(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	c.expect("+OK", "MULTI")
	c.expect("+QUEUED", "SET", "a", "1")
	c.expect("+QUEUED", "INCR", "a")
	c.expect("+QUEUED", "GET", "a")
	c.expect(`*[+OK :2 "2"]`, "EXEC")
	want := []string{"0 MULTI", "0 SET a 1", "0 INCR a", "0 EXEC"}
	if got := rec.take(); !reflect.DeepEqual(got, want) {
		t.Fatalf("records %q, want %q", got, want)
	}
}

func TestExecAbortsAfterQueueTimeError(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	c.expect("+OK", "MULTI")
	c.expect("+QUEUED", "SET", "a", "1")
	c.expect("-ERR wrong number of arguments for 'get' command", "GET")
	c.expect("-ERR unknown command 'NOSUCH', with args beginning with: ", "NOSUCH")
	c.expect("-EXECABORT Transaction discarded because of previous errors.", "EXEC")
	c.expect("(nil)", "GET", "a")
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("an aborted transaction propagated %q", got)
	}
}

func TestExecDoesNotRollBackRuntimeErrors(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect("+OK", "SET", "s", "abc")
	c.expect("+OK", "MULTI")
	c.expect("+QUEUED", "INCR", "s")
	c.expect("+QUEUED", "SET", "b", "2")
	c.expect(`*[-ERR value is not an integer or out of range +OK]`, "EXEC")
	c.expect(`"2"`, "GET", "b")
}

func TestWatchAbortsExecWhenAnotherClientWrites(t *testing.T) {
	s, _ := startServer(t, nil)
	c1, c2 := dial(t, s), dial(t, s)
	c1.expect("+OK", "WATCH", "k")
	c2.expect("+OK", "SET", "k", "other")
	c1.expect("+OK", "MULTI")
	c1.expect("+QUEUED", "SET", "k", "mine")
	c1.expect("(nil array)", "EXEC")
	c1.expect(`"other"`, "GET", "k")
}

func TestWatchIgnoresWritesToOtherKeys(t *testing.T) {
	s, _ := startServer(t, nil)
	c1, c2 := dial(t, s), dial(t, s)
	c1.expect("+OK", "WATCH", "k")
	c2.expect("+OK", "SET", "unrelated", "x")
	c1.expect("+OK", "MULTI")
	c1.expect("+QUEUED", "SET", "k", "mine")
	c1.expect("*[+OK]", "EXEC")
}

func TestWatchAbortsWhenWatchedKeyExpires(t *testing.T) {
	var now atomic.Int64
	now.Store(1_000_000)
	s, _ := startServer(t, func(c *Config) {
		c.Clock = now.Load
	})
	c := dial(t, s)
	c.expect("+OK", "SET", "k", "v", "PX", "100")
	c.expect("+OK", "WATCH", "k")
	now.Add(200)
	c.expect("+OK", "MULTI")
	c.expect("+QUEUED", "PING")
	c.expect("(nil array)", "EXEC")
}

func TestUnwatchAndDiscardClearWatches(t *testing.T) {
	s, _ := startServer(t, nil)
	c1, c2 := dial(t, s), dial(t, s)
	c1.expect("+OK", "WATCH", "k")
	c1.expect("+OK", "UNWATCH")
	c2.expect("+OK", "SET", "k", "x")
	c1.expect("+OK", "MULTI")
	c1.expect("+QUEUED", "PING")
	c1.expect("*[+PONG]", "EXEC")

	c1.expect("+OK", "WATCH", "k")
	c1.expect("+OK", "MULTI")
	c1.expect("+OK", "DISCARD")
	c2.expect("+OK", "SET", "k", "y")
	c1.expect("+OK", "MULTI")
	c1.expect("*[]", "EXEC")
}

func TestMultiErrors(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect("-ERR EXEC without MULTI", "EXEC")
	c.expect("-ERR DISCARD without MULTI", "DISCARD")
	c.expect("+OK", "MULTI")
	c.expect("-ERR MULTI calls can not be nested", "MULTI")
	c.expect("-ERR WATCH inside MULTI is not allowed", "WATCH", "x")
	c.expect("*[]", "EXEC")
}

func TestExecWithWholeKeyspaceCommand(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	c.expect("+OK", "SET", "a", "1")
	rec.take()
	c.expect("+OK", "MULTI")
	c.expect("+QUEUED", "FLUSHALL")
	c.expect("+QUEUED", "SET", "b", "2")
	c.expect("+QUEUED", "DBSIZE")
	c.expect("*[+OK +OK :1]", "EXEC")
}

package node

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/slotd/slotd/internal/resp"
	"github.com/slotd/slotd/replication"
)

// recorder is a Propagator that keeps every record, for propagation tests.
type recorder struct {
	mu   sync.Mutex
	recs []string
}

func (r *recorder) Propagate(rec replication.Record) {
	s := fmt.Sprintf("%d", rec.DB)
	for _, a := range rec.Argv {
		s += " " + string(a)
	}
	r.mu.Lock()
	r.recs = append(r.recs, s)
	r.mu.Unlock()
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.recs
	r.recs = nil
	return out
}

// startServer runs a node on a loopback port with a recording propagator.
func startServer(t testing.TB, tune func(*Config)) (*Server, *recorder) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Logger = zaptest.NewLogger(t)
	rec := &recorder{}
	cfg.Propagator = rec
	cfg.EnableDebugCommand = "yes"
	if tune != nil {
		tune(cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s.Serve(ln)
	t.Cleanup(func() { _ = s.Close() })
	return s, rec
}

// testConn is a raw RESP client.
type testConn struct {
	t  testing.TB
	c  net.Conn
	w  *bufio.Writer
	rd *resp.Reader
}

func dial(t testing.TB, s *Server) *testConn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &testConn{t: t, c: c, w: bufio.NewWriter(c), rd: resp.NewReader(c)}
}

func (tc *testConn) send(args ...string) {
	tc.t.Helper()
	fmt.Fprintf(tc.w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(tc.w, "$%d\r\n%s\r\n", len(a), a)
	}
	if err := tc.w.Flush(); err != nil {
		tc.t.Fatalf("send %v: %v", args, err)
	}
}

func (tc *testConn) read() resp.Value {
	tc.t.Helper()
	_ = tc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	v, err := tc.rd.Read()
	if err != nil {
		tc.t.Fatalf("read: %v", err)
	}
	return v
}

// do sends a command and returns its reply rendered by resp.Value.String.
func (tc *testConn) do(args ...string) string {
	tc.t.Helper()
	tc.send(args...)
	return tc.read().String()
}

// expect runs a command and fails unless its reply renders as want.
func (tc *testConn) expect(want string, args ...string) {
	tc.t.Helper()
	if got := tc.do(args...); got != want {
		tc.t.Fatalf("%v: got %s, want %s", args, got, want)
	}
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

package node

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/slots"
)

// fillKeys stores n string keys named prefix:0..n-1 in database 0, through
// the store under each key's slot lock, as a handler would.
func fillKeys(s *Server, prefix string, n int) []string {
	keys := make([]string, n)
	st := s.Store()
	for i := range keys {
		k := prefix + ":" + strconv.Itoa(i)
		keys[i] = k
		slot := slots.KeySlotString(k)
		st.Lock(slot)
		st.DB(0).Set(k, store.NewString([]byte("v")), false, 0)
		st.Unlock(slot)
	}
	return keys
}

// newTestClock returns a settable clock for Config.Clock, read by the
// server's goroutines while the test advances it.
func newTestClock() *atomic.Int64 {
	c := new(atomic.Int64)
	c.Store(1_000_000)
	return c
}

// scanCall is one SCAN reply.
type scanCall struct {
	next uint64
	keys []string
}

func scanOnce(t *testing.T, c *testConn, cursor uint64, args ...string) scanCall {
	t.Helper()
	c.send(append([]string{"SCAN", strconv.FormatUint(cursor, 10)}, args...)...)
	r := c.read()
	if r.Type != '*' || len(r.Elems) != 2 {
		t.Fatalf("SCAN %d %v: unexpected reply %s", cursor, args, r.String())
	}
	next, err := strconv.ParseUint(string(r.Elems[0].Str), 10, 64)
	if err != nil {
		t.Fatalf("SCAN cursor %q: %v", r.Elems[0].Str, err)
	}
	call := scanCall{next: next}
	for _, e := range r.Elems[1].Elems {
		call.keys = append(call.keys, string(e.Str))
	}
	return call
}

func TestScanReturnsEachKeyOnceAndBoundsEachCall(t *testing.T) {
	s, _ := startServer(t, nil)
	keys := fillKeys(s, "k", 5000)
	c := dial(t, s)
	const count = 100
	maxSlot := 0
	for slot := slots.Slot(0); slot < slots.NumSlots; slot++ {
		s.Store().Lock(slot)
		maxSlot = max(maxSlot, s.Store().DB(0).SlotSize(slot))
		s.Store().Unlock(slot)
	}
	seen := make(map[string]int)
	cursor, calls := uint64(0), 0
	for {
		call := scanOnce(t, c, cursor, "COUNT", strconv.Itoa(count))
		calls++
		for _, k := range call.keys {
			seen[k]++
		}
		if call.next == 0 {
			break
		}
		if call.next <= cursor {
			t.Fatalf("cursor went from %d to %d", cursor, call.next)
		}
		if len(call.keys) < count || len(call.keys) >= count+maxSlot {
			t.Fatalf("a non-final call returned %d keys, want [%d, %d)", len(call.keys), count, count+maxSlot)
		}
		cursor = call.next
	}
	for _, k := range keys {
		if seen[k] != 1 {
			t.Fatalf("key %s returned %d times by a scan over a static keyspace, want once", k, seen[k])
		}
	}
	if len(seen) != len(keys) {
		t.Fatalf("scan returned %d distinct keys, want %d", len(seen), len(keys))
	}
	if calls < len(keys)/(count+maxSlot) {
		t.Fatalf("scan took %d calls: it returned far more than COUNT per call", calls)
	}
}

// TestScanReturnsKeysPresentThroughoutConcurrentWrites is SCAN's guarantee:
// a key present from the start to the end of a full iteration is returned,
// while another client creates, expires, renames and deletes other keys.
func TestScanReturnsKeysPresentThroughoutConcurrentWrites(t *testing.T) {
	s, _ := startServer(t, nil)
	stable := fillKeys(s, "stable", 3000)
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr().String(), Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { _ = rdb.Close() })

	ctx := context.Background()
	stop := make(chan struct{})
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				errc <- nil
				return
			default:
			}
			churn := fmt.Sprintf("churn:%d", i)
			pipe := rdb.Pipeline()
			pipe.Copy(ctx, stable[i%len(stable)], churn, 0, false)
			pipe.Expire(ctx, churn, 1000e9)
			pipe.Rename(ctx, churn, churn+":r")
			pipe.Del(ctx, fmt.Sprintf("churn:%d:r", i-200))
			if _, err := pipe.Exec(ctx); err != nil {
				errc <- fmt.Errorf("writer step %d: %w", i, err)
				return
			}
		}
	}()

	c := dial(t, s)
	seen := make(map[string]bool)
	for cursor, first := uint64(0), true; first || cursor != 0; first = false {
		call := scanOnce(t, c, cursor, "COUNT", "50")
		for _, k := range call.keys {
			seen[k] = true
		}
		cursor = call.next
	}
	close(stop)
	wg.Wait()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	for _, k := range stable {
		if !seen[k] {
			t.Fatalf("SCAN missed %s, present for the whole iteration", k)
		}
	}
}

// TestScanCountsKeysBeforeFiltering checks that MATCH and TYPE filter the
// keys a call looked at, as in Redis, so a selective pattern cannot turn one
// call into a walk of the whole keyspace.
func TestScanCountsKeysBeforeFiltering(t *testing.T) {
	s, _ := startServer(t, nil)
	fillKeys(s, "k", 2000)
	c := dial(t, s)
	for _, args := range [][]string{{"MATCH", "nomatch*"}, {"TYPE", "hash"}} {
		call := scanOnce(t, c, 0, append(args, "COUNT", "10")...)
		if call.next == 0 || len(call.keys) != 0 {
			t.Fatalf("SCAN 0 %v COUNT 10 = %d keys, cursor %d; want none and a cursor to go on", args, len(call.keys), call.next)
		}
	}
	call := scanOnce(t, c, 0, "MATCH", "k:1?", "COUNT", "100000", "TYPE", "STRING")
	if call.next != 0 || len(call.keys) != 10 {
		t.Fatalf("SCAN 0 MATCH k:1? = %v (cursor %d), want the 10 keys k:10..k:19 and cursor 0", call.keys, call.next)
	}
}

func TestScanAndKeysSkipExpiredKeys(t *testing.T) {
	clock := newTestClock()
	s, rec := startServer(t, func(c *Config) { c.Clock = clock.Load })
	c := dial(t, s)
	c.expect("+OK", "SET", "live", "v")
	c.expect("+OK", "SET", "gone", "v")
	c.expect(":1", "PEXPIRE", "gone", "100")
	clock.Add(100)
	rec.take()
	c.expect(`*["live"]`, "KEYS", "*")
	if s.Store().DB(0).Size() != 2 {
		t.Fatalf("KEYS deleted an expired key; Redis only skips it")
	}
	c.expect(`*["0" *["live"]]`, "SCAN", "0")
	if s.Store().DB(0).Size() != 1 {
		t.Fatalf("SCAN left the expired key in place: size %d", s.Store().DB(0).Size())
	}
	if got := rec.take(); len(got) != 1 || got[0] != "0 DEL gone" {
		t.Fatalf("records after SCAN met an expired key = %q, want [0 DEL gone]", got)
	}
}

func TestScanInvalidCursorBeyondSlotsEndsTheScan(t *testing.T) {
	s, _ := startServer(t, nil)
	fillKeys(s, "k", 10)
	c := dial(t, s)
	c.expect(`*["0" *[]]`, "SCAN", strconv.Itoa(slots.NumSlots))
	c.expect(`*["0" *[]]`, "SCAN", "-1")
	c.expect("-ERR invalid cursor", "SCAN", "1x")
}

func TestKeyspaceCommandsPropagateDeterministicRecords(t *testing.T) {
	clock := newTestClock()
	s, rec := startServer(t, func(c *Config) { c.Clock = clock.Load })
	c := dial(t, s)
	steps := []struct {
		args  []string
		reply string
		recs  []string
	}{
		{[]string{"SET", "k", "v"}, "+OK", nil},
		{[]string{"EXPIRE", "k", "100"}, ":1", []string{"0 PEXPIREAT k 1100000"}},
		{[]string{"PEXPIRE", "k", "5000", "NX"}, ":0", nil},
		{[]string{"PEXPIRE", "k", "5000", "XX"}, ":1", []string{"0 PEXPIREAT k 1005000"}},
		{[]string{"EXPIREAT", "k", "2000", "GT"}, ":1", []string{"0 PEXPIREAT k 2000000"}},
		{[]string{"PEXPIREAT", "k", "3000000"}, ":1", []string{"0 PEXPIREAT k 3000000"}},
		{[]string{"PERSIST", "k"}, ":1", []string{"0 PERSIST k"}},
		{[]string{"PERSIST", "k"}, ":0", nil},
		{[]string{"TOUCH", "k", "k"}, ":2", nil},
		{[]string{"EXISTS", "k"}, ":1", nil},
		{[]string{"TTL", "k"}, ":-1", nil},
		{[]string{"DEL", "nokey"}, ":0", nil},
		{[]string{"DEL", "k", "nokey"}, ":1", []string{"0 DEL k nokey"}},
		{[]string{"SET", "a", "1"}, "+OK", nil},
		{[]string{"UNLINK", "a", "b"}, ":1", []string{"0 UNLINK a b"}},
		{[]string{"SET", "x", "1"}, "+OK", nil},
		{[]string{"EXPIRE", "x", "0"}, ":1", []string{"0 DEL x"}},
		{[]string{"SET", "s", "1"}, "+OK", nil},
		{[]string{"RENAME", "s", "d"}, "+OK", []string{"0 RENAME s d"}},
		{[]string{"RENAME", "d", "d"}, "+OK", nil},
		{[]string{"RENAMENX", "d", "d"}, ":0", nil},
		{[]string{"COPY", "d", "e", "DB", "3"}, ":1", []string{"0 COPY d e DB 3"}},
		{[]string{"COPY", "d", "e", "DB", "3"}, ":0", nil},
		{[]string{"MOVE", "d", "2"}, ":1", []string{"0 MOVE d 2"}},
		{[]string{"MOVE", "d", "2"}, ":0", nil},
	}
	for _, st := range steps {
		c.expect(st.reply, st.args...)
		got := rec.take()
		if st.args[0] == "SET" {
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(st.recs) {
			t.Fatalf("%v propagated %q, want %q", st.args, got, st.recs)
		}
	}
}

func TestMoveAndCopyKeepTTLAndCopyIsDeep(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect("+OK", "SET", "k", "v")
	c.expect(":1", "PEXPIREAT", "k", "4000000000000")
	c.expect(":1", "COPY", "k", "k", "DB", "1")
	c.expect(":1", "MOVE", "k", "2")
	c.expect(":0", "EXISTS", "k")
	c.expect("+OK", "SELECT", "2")
	c.expect(":4000000000000", "PEXPIRETIME", "k")
	c.expect(":1", "COPY", "k", "copy")
	c.expect("+OK", "SET", "k", "changed")
	c.expect(`"v"`, "GET", "copy")
	c.expect(":4000000000000", "PEXPIRETIME", "copy")
	c.expect("+OK", "SELECT", "1")
	c.expect(`"v"`, "GET", "k")
	c.expect(":4000000000000", "PEXPIRETIME", "k")
	if n := s.Store().DB(2).VolatileSize(); n != 1 {
		t.Fatalf("db 2 counts %d volatile keys after SET dropped one TTL, want 1", n)
	}
}

// TestKeyspaceWritesInvalidateWatch checks that RENAME, MOVE, COPY, EXPIRE
// and PERSIST touch the watched keys they change, in whichever database.
func TestKeyspaceWritesInvalidateWatch(t *testing.T) {
	cases := []struct {
		name   string
		db     string
		watch  string
		setup  [][]string
		change []string
	}{
		{"rename source", "0", "src", [][]string{{"SET", "src", "v"}}, []string{"RENAME", "src", "dst"}},
		{"rename destination", "0", "dst", [][]string{{"SET", "src", "v"}}, []string{"RENAME", "src", "dst"}},
		{"move into watched db", "1", "k", [][]string{{"SET", "k", "v"}}, []string{"MOVE", "k", "1"}},
		{"copy into watched db", "1", "k", [][]string{{"SET", "k", "v"}}, []string{"COPY", "k", "k", "DB", "1"}},
		{"expire", "0", "k", [][]string{{"SET", "k", "v"}}, []string{"EXPIRE", "k", "100"}},
		{"persist", "0", "k", [][]string{{"SET", "k", "v"}, {"EXPIRE", "k", "100"}}, []string{"PERSIST", "k"}},
		{"del", "0", "k", [][]string{{"SET", "k", "v"}}, []string{"DEL", "k"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := startServer(t, nil)
			watcher, writer := dial(t, s), dial(t, s)
			for _, cmd := range tc.setup {
				writer.send(cmd...)
				writer.read()
			}
			watcher.expect("+OK", "SELECT", tc.db)
			watcher.expect("+OK", "WATCH", tc.watch)
			writer.send(tc.change...)
			writer.read()
			watcher.expect("+OK", "MULTI")
			watcher.expect("+QUEUED", "PING")
			watcher.expect("(nil array)", "EXEC")
		})
	}
}

func TestRandomKeyPicksAmongLiveKeys(t *testing.T) {
	clock := newTestClock()
	s, _ := startServer(t, func(c *Config) { c.Clock = clock.Load })
	c := dial(t, s)
	c.expect("(nil)", "RANDOMKEY")
	for _, k := range []string{"a", "b", "c"} {
		c.expect("+OK", "SET", k, "v")
	}
	seen := make(map[string]bool)
	for i := 0; i < 300; i++ {
		v := c.do("RANDOMKEY")
		switch v {
		case `"a"`, `"b"`, `"c"`:
			seen[v] = true
		default:
			t.Fatalf("RANDOMKEY = %s, want one of a b c", v)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("300 RANDOMKEY calls only returned %v", seen)
	}
	for _, k := range []string{"a", "b", "c"} {
		c.expect(":1", "PEXPIRE", k, "10")
	}
	clock.Add(10)
	c.expect("(nil)", "RANDOMKEY")
	if n := s.Store().DB(0).Size(); n != 0 {
		t.Fatalf("RANDOMKEY left %d expired keys it met", n)
	}
}

func TestWalkingCommandsInsideExec(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect("+OK", "SET", "k", "v")
	c.expect("+OK", "MULTI")
	c.expect("+QUEUED", "KEYS", "*")
	c.expect("+QUEUED", "SCAN", "0")
	c.expect("+QUEUED", "RANDOMKEY")
	c.expect("+QUEUED", "RENAME", "k", "r")
	c.expect(`*[*["k"] *["0" *["k"]] "k" +OK]`, "EXEC")
}

func TestMoveAndCopyToAnotherDBWakeClientsBlockedThere(t *testing.T) {
	tests := []struct {
		name    string
		setup   [][]string
		block   []string
		write   []string
		wantPop string
		records []string
	}{
		{
			name:    "MOVE list wakes BLPOP",
			setup:   [][]string{{"RPUSH", "k", "a", "b"}},
			block:   []string{"BLPOP", "k", "0"},
			write:   []string{"MOVE", "k", "1"},
			wantPop: `*["k" "a"]`,
			records: []string{"0 MOVE k 1", "1 LPOP k"},
		},
		{
			name:    "COPY zset wakes BZPOPMIN",
			setup:   [][]string{{"ZADD", "src", "1", "m", "2", "n"}},
			block:   []string{"BZPOPMIN", "k", "0"},
			write:   []string{"COPY", "src", "k", "DB", "1"},
			wantPop: `*["k" "m" "1"]`,
			records: []string{"0 COPY src k DB 1", "1 ZPOPMIN k"},
		},
		{
			name:    "COPY REPLACE list wakes BLMOVE",
			setup:   [][]string{{"RPUSH", "src", "x"}},
			block:   []string{"BLMOVE", "k", "dst", "LEFT", "RIGHT", "0"},
			write:   []string{"COPY", "src", "k", "DB", "1", "REPLACE"},
			wantPop: `"x"`,
			records: []string{"0 COPY src k DB 1 REPLACE", "1 LMOVE k dst LEFT RIGHT"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, rec := startServer(t, nil)
			w := dial(t, s)
			b := dial(t, s)
			for _, cmd := range tc.setup {
				w.do(cmd...)
			}
			b.expect("+OK", "SELECT", "1")
			rec.take()
			blockOn(t, s, b, 1, tc.block...)
			w.expect(":1", tc.write...)
			if got := b.read().String(); got != tc.wantPop {
				t.Fatalf("client blocked in db 1 got %s, want %s", got, tc.wantPop)
			}
			expectRecords(t, rec, tc.records...)
		})
	}
}

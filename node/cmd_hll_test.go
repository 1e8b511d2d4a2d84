package node

import (
	"strings"
	"testing"
)

// TestHLLCommandsPropagateLikeRedis checks the records against what Redis
// 7.0.15 writes to its AOF: PFADD and PFMERGE as sent when they change the
// value, PFCOUNT when it stores a freshly computed cardinality in the
// header, PFDEBUG TODENSE and GETREG when they convert, nothing otherwise.
func TestHLLCommandsPropagateLikeRedis(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	steps := []struct {
		args []string
		want string
		recs []string
	}{
		{[]string{"PFADD", "h", "a", "b", "c"}, ":1", []string{"0 PFADD h a b c"}},
		{[]string{"PFADD", "h", "a"}, ":0", nil},
		{[]string{"PFADD", "h"}, ":0", nil},
		{[]string{"PFCOUNT", "h"}, ":3", []string{"0 PFCOUNT h"}},
		{[]string{"PFCOUNT", "h"}, ":3", nil},
		{[]string{"PFCOUNT", "h", "nokey"}, ":3", nil},
		{[]string{"PFCOUNT", "nokey"}, ":0", nil},
		{[]string{"PFADD", "e"}, ":1", []string{"0 PFADD e"}},
		{[]string{"PFMERGE", "m", "h", "e"}, "+OK", []string{"0 PFMERGE m h e"}},
		{[]string{"PFDEBUG", "ENCODING", "m"}, "+sparse", nil},
		{[]string{"PFDEBUG", "DECODE", "m"}, `"Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"`, nil},
		{[]string{"PFDEBUG", "TODENSE", "m"}, ":1", []string{"0 PFDEBUG TODENSE m"}},
		{[]string{"PFDEBUG", "TODENSE", "m"}, ":0", nil},
		{[]string{"PFDEBUG", "DECODE", "m"}, "-ERR HLL encoding is not sparse", nil},
		{[]string{"PFDEBUG", "ENCODING", "nokey"}, "-ERR The specified key does not exist", nil},
		{[]string{"PFDEBUG", "NOPE", "m"}, "-ERR Unknown PFDEBUG subcommand 'NOPE'", nil},
		{[]string{"OBJECT", "ENCODING", "h"}, `"raw"`, nil},
		{[]string{"SET", "s", "HYLL"}, "+OK", []string{"0 SET s HYLL"}},
		{[]string{"PFADD", "s", "x"}, "-WRONGTYPE Key is not a valid HyperLogLog string value.", nil},
		{[]string{"SETRANGE", "h", "16", "\x7f"}, ":27", []string{"0 SETRANGE h 16 \x7f"}},
		{[]string{"PFCOUNT", "h"}, ":3", nil},
		{[]string{"SETRANGE", "h", "15", "\x80"}, ":27", []string{"0 SETRANGE h 15 \x80"}},
		{[]string{"PFCOUNT", "h"}, "-INVALIDOBJ Corrupted HLL object detected", nil},
	}
	for _, st := range steps {
		c.expect(st.want, st.args...)
		if got := rec.take(); strings.Join(got, "|") != strings.Join(st.recs, "|") {
			t.Fatalf("%q propagated %q, want %q", st.args, got, st.recs)
		}
	}
}

// TestPFAddTouchesWatchedKey checks that a PFADD that changes registers,
// and a PFCOUNT that caches, abort a transaction watching the key, as
// signalModifiedKey does in Redis.
func TestPFAddTouchesWatchedKey(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	p := dial(t, s)
	for _, write := range [][]string{{"PFADD", "h", "new"}, {"PFCOUNT", "h"}} {
		c.expect(":1", "PFADD", "h", "a")
		c.expect("+OK", "WATCH", "h")
		p.do(write...)
		c.expect("+OK", "MULTI")
		c.expect("+QUEUED", "PING")
		c.expect("(nil array)", "EXEC")
		p.do("DEL", "h")
	}
}

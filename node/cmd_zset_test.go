package node

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"testing"
)

// TestZSetWritesPropagateLikeRedis checks the records of the sorted set
// writes against what Redis 7.0.15 sends its replicas (captured with SYNC):
// commands as sent, ZMPOP rewritten to ZPOPMIN/ZPOPMAX with the number
// popped, and nothing for writes that change nothing.
func TestZSetWritesPropagateLikeRedis(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	c.expect(":5", "ZADD", "k", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
	c.expect(":0", "ZADD", "k", "1", "a")
	c.expect(`"3"`, "ZADD", "k", "incr", "2", "a")
	c.expect(`"3"`, "ZINCRBY", "k", "1", "b")
	c.expect(`*["a" "3"]`, "ZPOPMIN", "k")
	c.expect(`*["e" "5" "d" "4"]`, "ZPOPMAX", "k", "2")
	c.expect(`*["k" *[*["b" "3"]]]`, "ZMPOP", "2", "nokey", "k", "MIN")
	c.expect(":2", "ZADD", "k", "1", "x", "2", "y")
	c.expect(`*["k" *[*["c" "3"] *["y" "2"] *["x" "1"]]]`, "ZMPOP", "1", "k", "MAX", "COUNT", "10")
	c.expect("*[]", "ZPOPMIN", "k")
	c.expect(":1", "ZADD", "d", "1", "a")
	c.expect(":0", "ZUNIONSTORE", "d", "1", "nokey")
	c.expect(":0", "ZUNIONSTORE", "d", "1", "nokey")
	c.expect(":2", "ZADD", "k", "1", "a", "2", "b")
	c.expect(":0", "ZRANGESTORE", "d2", "k", "5", "6")
	c.expect(":1", "ZRANGESTORE", "d2", "k", "0", "0")
	c.expect(":0", "ZRANGESTORE", "d2", "k", "5", "6")
	c.expect(":0", "ZREM", "k", "nope")
	c.expect(":1", "ZREMRANGEBYSCORE", "k", "0", "1")
	c.expect(":1", "ZREM", "k", "b", "zz")
	want := []string{
		"0 ZADD k 1 a 2 b 3 c 4 d 5 e",
		"0 ZADD k incr 2 a",
		"0 ZINCRBY k 1 b",
		"0 ZPOPMIN k",
		"0 ZPOPMAX k 2",
		"0 ZPOPMIN k 1",
		"0 ZADD k 1 x 2 y",
		"0 ZPOPMAX k 3",
		"0 ZADD d 1 a",
		"0 ZUNIONSTORE d 1 nokey",
		"0 ZADD k 1 a 2 b",
		"0 ZRANGESTORE d2 k 0 0",
		"0 ZRANGESTORE d2 k 5 6",
		"0 ZREMRANGEBYSCORE k 0 1",
		"0 ZREM k b zz",
	}
	if got := rec.take(); !reflect.DeepEqual(got, want) {
		t.Fatalf("records\n%q\nwant\n%q", got, want)
	}
}

func TestZSetEncodingFollowsConfiguredThresholds(t *testing.T) {
	s, _ := startServer(t, func(c *Config) {
		c.ZsetMaxListpackEntries = 3
		c.ZsetMaxListpackValue = 4
	})
	c := dial(t, s)
	c.expect(":3", "ZADD", "z", "1", "a", "2", "b", "3", "c")
	c.expect(`"listpack"`, "OBJECT", "ENCODING", "z")
	c.expect(":1", "ZADD", "z", "4", "d")
	c.expect(`"skiplist"`, "OBJECT", "ENCODING", "z")
	c.expect(":3", "ZREM", "z", "a", "b", "c")
	c.expect(`"skiplist"`, "OBJECT", "ENCODING", "z")
	c.expect(":1", "ZADD", "long", "1", "abcde")
	c.expect(`"skiplist"`, "OBJECT", "ENCODING", "long")
	// A STORE result is re-encoded by its own size.
	c.expect(":1", "ZUNIONSTORE", "u", "1", "z")
	c.expect(`"listpack"`, "OBJECT", "ENCODING", "u")
	c.expect(":1", "ZRANGESTORE", "r", "long", "0", "-1")
	c.expect(`"skiplist"`, "OBJECT", "ENCODING", "r")
	c.expect(":1", "COPY", "z", "zc")
	c.expect(`"skiplist"`, "OBJECT", "ENCODING", "zc")
}

// TestZScanVisitsEveryMemberOfABigSet pages through a skiplist set whose
// scores repeat, and checks that every member comes back and each page
// ends.
func TestZScanVisitsEveryMemberOfABigSet(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	const n = 1000
	for i := 0; i < n; i++ {
		c.expect(":1", "ZADD", "big", strconv.Itoa(i/7), fmt.Sprintf("m%d", i))
	}
	seen := map[string]bool{}
	cursor := "0"
	for calls := 0; ; calls++ {
		if calls > n {
			t.Fatal("ZSCAN did not finish")
		}
		c.send("ZSCAN", "big", cursor, "COUNT", "20")
		v := c.read()
		page := v.Elems[1].Elems
		if len(page) > 2*(20+7) {
			t.Fatalf("page of %d entries for COUNT 20", len(page)/2)
		}
		for i := 0; i < len(page); i += 2 {
			seen[string(page[i].Str)] = true
		}
		cursor = string(v.Elems[0].Str)
		if cursor == "0" {
			break
		}
	}
	if len(seen) != n {
		t.Fatalf("ZSCAN returned %d distinct members, want %d", len(seen), n)
	}
}

func TestZAddInvalidatesWatch(t *testing.T) {
	s, _ := startServer(t, nil)
	c1, c2 := dial(t, s), dial(t, s)
	c1.expect(":1", "ZADD", "z", "1", "a")
	c1.expect("+OK", "WATCH", "z")
	c2.expect(":0", "ZADD", "z", "2", "a")
	c1.expect("+OK", "MULTI")
	c1.expect("+QUEUED", "ZCARD", "z")
	c1.expect("(nil array)", "EXEC")
	// A write that changes nothing leaves the watch alone.
	c1.expect("+OK", "WATCH", "z")
	c2.expect(":0", "ZADD", "z", "2", "a")
	c1.expect("+OK", "MULTI")
	c1.expect("+QUEUED", "ZCARD", "z")
	c1.expect("*[:1]", "EXEC")
}

func TestZRangeRepliesPairsInRESP3(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.send("HELLO", "3")
	c.read()
	c.expect(":2", "ZADD", "z", "1.5", "a", "inf", "b")
	c.expect(`*[*["a" ,1.5] *["b" ,inf]]`, "ZRANGE", "z", "0", "-1", "WITHSCORES")
	c.expect(`,1.5`, "ZSCORE", "z", "a")
	c.expect(`*[*["b" ,inf]]`, "ZPOPMAX", "z", "1")
	c.expect(`*["a" ,1.5]`, "ZPOPMAX", "z")
}

func TestParseDoubleFollowsStrtod(t *testing.T) {
	good := map[string]float64{
		"1": 1, "-1.5": -1.5, "+3": 3, ".5": 0.5, "5.": 5, "1e2": 100, "1E-2": 0.01,
		"inf": math.Inf(1), "-Infinity": math.Inf(-1), "0x10": 16, "0x1p4": 16, "0X.8": 0.5,
		"4e-320": 4e-320, "-0": math.Copysign(0, -1),
	}
	for in, want := range good {
		got, ok := parseDouble([]byte(in))
		if !ok || got != want || math.Signbit(got) != math.Signbit(want) {
			t.Errorf("parseDouble(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", " 1", "1 ", "nan", "1e400", "1e-400", "1_0", "0x", "1\x00", "e5", "1e", "--1", "infx"} {
		if v, ok := parseDouble([]byte(in)); ok {
			t.Errorf("parseDouble(%q) accepted as %v", in, v)
		}
	}
	// Range bounds: strtod up to the C string's end, NaN refused.
	for in, want := range map[string]float64{"": 0, "(": 0, " 2": 2, "2\x00x": 2, "(1e400": math.Inf(1)} {
		v, _, ok := parseScoreBound([]byte(in))
		if !ok || v != want {
			t.Errorf("parseScoreBound(%q) = %v, %v; want %v", in, v, ok, want)
		}
	}
	for _, in := range []string{"x", "2 ", "nan", "(nan", "  "} {
		if _, _, ok := parseScoreBound([]byte(in)); ok {
			t.Errorf("parseScoreBound(%q) accepted", in)
		}
	}
}

func FuzzParseDouble(f *testing.F) {
	for _, s := range []string{"1", "-0x1.8p3", "inf", "1e308", "nan(123)", "  +.5e-3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, n, _ := cStrtod([]byte(s))
		if n < 0 || n > len(s) {
			t.Fatalf("cStrtod(%q) consumed %d", s, n)
		}
		if n == 0 && v != 0 {
			t.Fatalf("cStrtod(%q) = %v without consuming", s, v)
		}
	})
}

func BenchmarkZAddCommand(b *testing.B) {
	s, _ := startServer(b, nil)
	c := dial(b, s)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.send("ZADD", "z", strconv.Itoa(i%1000), "element:"+strconv.Itoa(i%100000))
		if v := c.read(); v.Type != ':' {
			b.Fatalf("ZADD replied %v", v)
		}
	}
}

func TestBZPopMinIsServedByZAddFromAnotherConnection(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	p := dial(t, s)
	blockOn(t, s, c, 1, "BZPOPMIN", "nokey", "z", "0")
	p.expect(":2", "ZADD", "z", "2", "b", "1", "a")
	if got := c.read().String(); got != `*["z" "a" "1"]` {
		t.Fatalf("blocked BZPOPMIN got %s, want [z a 1]", got)
	}
	p.expect(`*["b" "2"]`, "ZRANGE", "z", "0", "-1", "WITHSCORES")
	// Redis propagates a served BZPOPMIN as ZPOPMIN key, after the write
	// that served it.
	expectRecords(t, rec, "0 ZADD z 2 b 1 a", "0 ZPOPMIN z")
	if n := s.blocking.count(); n != 0 {
		t.Fatalf("blocked clients after serving: %d", n)
	}
}

func TestBZPopWaitersAreServedInFIFOOrder(t *testing.T) {
	s, rec := startServer(t, nil)
	p := dial(t, s)
	waiters := []struct {
		args []string
		want string
	}{
		{[]string{"BZPOPMAX", "k", "0"}, `*["k" "c" "3"]`},
		{[]string{"BZPOPMIN", "other", "k", "0"}, `*["k" "a" "1"]`},
		{[]string{"BZMPOP", "0", "1", "k", "MIN", "COUNT", "5"}, `*["k" *[*["b" "2"]]]`},
		{[]string{"BZPOPMIN", "k", "0"}, `*["k" "late" "9"]`},
	}
	var cs []*testConn
	for i, w := range waiters {
		c := dial(t, s)
		blockOn(t, s, c, i+1, w.args...)
		cs = append(cs, c)
	}
	p.expect(":3", "ZADD", "k", "1", "a", "2", "b", "3", "c")
	for i, w := range waiters[:3] {
		if got := cs[i].read().String(); got != w.want {
			t.Fatalf("waiter %d got %s, want %s", i, got, w.want)
		}
	}
	p.expect(":0", "EXISTS", "k")
	if n := s.blocking.count(); n != 1 {
		t.Fatalf("blocked clients: %d, want the last waiter still blocked", n)
	}
	p.expect(":1", "ZADD", "k", "9", "late")
	if got := cs[3].read().String(); got != waiters[3].want {
		t.Fatalf("last waiter got %s, want %s", got, waiters[3].want)
	}
	expectRecords(t, rec,
		"0 ZADD k 1 a 2 b 3 c", "0 ZPOPMAX k", "0 ZPOPMIN k", "0 ZPOPMIN k 1",
		"0 ZADD k 9 late", "0 ZPOPMIN k")
}

func TestBZPopTimesOutWithNullArray(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	for _, args := range [][]string{
		{"BZPOPMIN", "k", "0.01"},
		{"BZPOPMAX", "k", "k2", "0.01"},
		{"BZMPOP", "0.01", "1", "k", "MAX", "COUNT", "2"},
	} {
		c.expect("(nil array)", args...)
	}
	if n := s.blocking.count(); n != 0 {
		t.Fatalf("blocked clients after timeouts: %d", n)
	}
	expectRecords(t, rec)
}

func TestBlockingZPopsThatFindDataPropagateAsZPop(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	c.expect(":3", "ZADD", "z", "1", "a", "2", "b", "3", "c")
	c.expect(`*["z" "c" "3"]`, "BZPOPMAX", "nokey", "z", "0")
	c.expect(`*["z" *[*["a" "1"] *["b" "2"]]]`, "BZMPOP", "0", "1", "z", "MIN", "COUNT", "10")
	c.expect(":0", "EXISTS", "z")
	c.expect("-ERR timeout is not a float or out of range", "BZPOPMIN", "z", "x")
	c.expect("-ERR timeout is negative", "BZPOPMIN", "z", "-1")
	c.expect("-ERR numkeys should be greater than 0", "BZMPOP", "x", "0", "z", "MIN")
	c.expect("-ERR timeout is not a float or out of range", "BZMPOP", "x", "1", "z", "MIN")
	expectRecords(t, rec, "0 ZADD z 1 a 2 b 3 c", "0 ZPOPMAX z", "0 ZPOPMIN z 2")
	if n := s.blocking.count(); n != 0 {
		t.Fatalf("blocked clients: %d", n)
	}
}

// TestZSetCreationWakesWaitersButOverwriteDoesNot mirrors Redis 7.0, where
// only dbAdd signals a key: ZADD, ZINCRBY and the STORE commands wake a
// waiter when they create the key, not when they replace or extend it.
func TestZSetCreationWakesWaitersButOverwriteDoesNot(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	p := dial(t, s)
	p.expect(":2", "ZADD", "src", "1", "a", "2", "b")
	for _, tc := range []struct {
		create []string
		want   string
	}{
		{[]string{"ZINCRBY", "d", "5", "m"}, `*["d" "m" "5"]`},
		{[]string{"ZUNIONSTORE", "d", "1", "src"}, `*["d" "a" "1"]`},
		{[]string{"ZINTERSTORE", "d", "2", "src", "src"}, `*["d" "a" "2"]`},
		{[]string{"ZDIFFSTORE", "d", "1", "src"}, `*["d" "a" "1"]`},
		{[]string{"ZRANGESTORE", "d", "src", "1", "1"}, `*["d" "b" "2"]`},
	} {
		p.do("DEL", "d")
		blockOn(t, s, c, 1, "BZPOPMIN", "d", "0")
		p.do(tc.create...)
		if got := c.read().String(); got != tc.want {
			t.Fatalf("%v: waiter got %s, want %s", tc.create, got, tc.want)
		}
	}
	p.do("DEL", "d")
	rec.take()
	blockOn(t, s, c, 1, "BZPOPMIN", "d", "0")
	p.expect(":1", "LPUSH", "d", "x")
	p.expect(":2", "ZUNIONSTORE", "d", "1", "src")
	p.expect(":1", "ZADD", "d", "3", "c")
	if n := s.blocking.count(); n != 1 {
		t.Fatalf("blocked clients: %d, want the waiter still blocked", n)
	}
	p.expect(":1", "DEL", "d")
	p.expect(":1", "ZADD", "d", "7", "z")
	if got := c.read().String(); got != `*["d" "z" "7"]` {
		t.Fatalf("waiter got %s after the key was created", got)
	}
	expectRecords(t, rec, "0 LPUSH d x", "0 ZUNIONSTORE d 1 src", "0 ZADD d 3 c", "0 DEL d", "0 ZADD d 7 z", "0 ZPOPMIN d")
}

func TestBZPopInsideMultiDoesNotBlock(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	c.expect("+OK", "MULTI")
	c.expect("+QUEUED", "BZPOPMIN", "k", "0")
	c.expect("+QUEUED", "BZMPOP", "0", "1", "k", "MAX")
	c.expect("+QUEUED", "ZADD", "k", "1", "a")
	c.expect("+QUEUED", "BZPOPMAX", "k", "0")
	c.expect(`*[(nil array) (nil array) :1 *["k" "a" "1"]]`, "EXEC")
	expectRecords(t, rec, "0 MULTI", "0 ZADD k 1 a", "0 ZPOPMAX k", "0 EXEC")
	if n := s.blocking.count(); n != 0 {
		t.Fatalf("blocked clients: %d", n)
	}
}

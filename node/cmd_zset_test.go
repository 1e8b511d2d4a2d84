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

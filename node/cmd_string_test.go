package node

import (
	"reflect"
	"strings"
	"testing"

	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/slots"
)

// fixedNow is the injected clock of the propagation tests, in Unix ms.
const fixedNow = int64(1_700_000_000_000)

func startClockedServer(t *testing.T) (*Server, *recorder, *testConn) {
	t.Helper()
	s, rec := startServer(t, func(c *Config) { c.Clock = func() int64 { return fixedNow } })
	return s, rec, dial(t, s)
}

// putList stores a non-string value at key, for WRONGTYPE paths.
func putList(s *Server, key string) {
	slot := slots.KeySlotString(key)
	s.store.Lock(slot)
	s.store.DB(0).Set(key, &store.Object{Type: store.TypeList}, false, 0)
	s.store.Unlock(slot)
}

// peek returns the object at key, or nil.
func peek(s *Server, key string) *store.Object {
	slot := slots.KeySlotString(key)
	s.store.Lock(slot)
	defer s.store.Unlock(slot)
	return s.store.DB(0).Peek(key, fixedNow)
}

func TestIncrByFloatMatchesRedisLongDoubleFormatting(t *testing.T) {
	// Expected values were produced by redis-server 7.0.15 on amd64.
	cases := []struct{ old, incr, want string }{
		{"10.5", "0.1", "10.6"},
		{"0.1", "0.2", "0.3"},
		{"3", "0", "3"},
		{"1.5", "-1.5", "0"},
		{"5.0e3", "2.0e-3", "5000.00199999999999978"},
		{"-0.0000001", "0", "-0.0000001"},
		{"9223372036854775807", "1", "9223372036854775808"},
		{"0.000000000000000005", "0.000000000000000005", "0.00000000000000001"},
		{"0.000000000000000015", "0", "0.00000000000000002"},
		{"0x1p-2", "0", "0.25"},
		{"1.23456789012345678901", "0", "1.23456789012345679"},
		{"-1", "0.5", "-0.5"},
		{"7", "-7", "0"},
		{"100", "1e-17", "100.00000000000000001"},
		{"-1e-30", "0", "0"},
	}
	for _, c := range cases {
		a, ok1 := parseLongDouble([]byte(c.old))
		b, ok2 := parseLongDouble([]byte(c.incr))
		if !ok1 || !ok2 {
			t.Fatalf("parse %q/%q failed", c.old, c.incr)
		}
		sum, ok := addLongDouble(a, b)
		if !ok {
			t.Fatalf("%s + %s overflowed", c.old, c.incr)
		}
		if got := string(formatLongDoubleHuman(sum)); got != c.want {
			t.Errorf("%s + %s = %s, want %s", c.old, c.incr, got, c.want)
		}
	}
	// 1e4000 is not exact in long double: Redis prints 4000 digits ending so.
	a, _ := parseLongDouble([]byte("1e4000"))
	sum, _ := addLongDouble(a, zeroLongDouble())
	got := string(formatLongDoubleHuman(sum))
	if len(got) != 4000 || !strings.HasSuffix(got, "06648276349901340672") {
		t.Errorf("1e4000 formats as %d chars ending %q", len(got), got[len(got)-20:])
	}
}

func TestParseLongDoubleFollowsStrtoldAndString2ld(t *testing.T) {
	valid := []string{"1", "-1", "+1", "1.", ".5", "1e5", "1E-5", "0x10", "0X1.8P1", "0x1p-16445",
		"inf", "-Infinity", "3.6e-4951", "1.18973149535723176502e+4932", "0e999999999999"}
	invalid := []string{"", " 1", "1 ", "\t1", "abc", "nan", "-nan", "nan(1)", ".", "-", "1e", "1e+",
		"0x", "0x.", "0x1p", "1,5", "infin", "1\x00", "\x00", "1e5000", "1e-5000", "0x1p16384",
		"0x1p-16447", "1.19e4932", strings.Repeat("1", 5120)}
	for _, s := range valid {
		if _, ok := parseLongDouble([]byte(s)); !ok {
			t.Errorf("parseLongDouble(%q) failed, want a value", s)
		}
	}
	for _, s := range invalid {
		if _, ok := parseLongDouble([]byte(s)); ok {
			t.Errorf("parseLongDouble(%q) succeeded, want an error", s)
		}
	}
	inf, _ := parseLongDouble([]byte("inf"))
	if _, ok := addLongDouble(zeroLongDouble(), inf); ok {
		t.Error("adding infinity succeeded, want NaN or Infinity error")
	}
	max, _ := parseLongDouble([]byte("1.18e4932"))
	if _, ok := addLongDouble(max, max); ok {
		t.Error("overflowing sum succeeded, want NaN or Infinity error")
	}
}

func TestClampRangeFollowsGetrange(t *testing.T) {
	cases := []struct {
		start, end, n int64
		lo, hi        int64
		ok            bool
	}{
		{0, 4, 11, 0, 4, true},
		{-5, -1, 11, 6, 10, true},
		{0, 1000, 11, 0, 10, true},
		{5, 2, 11, 0, 0, false},
		{-1, -5, 11, 0, 0, false},
		{-100, -200, 11, 0, 0, false},
		{-100, 2, 11, 0, 2, true},
		{20, 30, 11, 0, 0, false},
		{0, -1, 0, 0, 0, false},
		{-9223372036854775808, 9223372036854775807, 3, 0, 2, true},
	}
	for _, c := range cases {
		lo, hi, ok := clampRange(c.start, c.end, c.n)
		if ok != c.ok || (ok && (lo != c.lo || hi != c.hi)) {
			t.Errorf("clampRange(%d,%d,%d) = %d,%d,%v, want %d,%d,%v", c.start, c.end, c.n, lo, hi, ok, c.lo, c.hi, c.ok)
		}
	}
}

func TestStringWritesPropagateDeterministicRecords(t *testing.T) {
	_, rec, c := startClockedServer(t)
	steps := []struct {
		cmd  []string
		recs []string
	}{
		{[]string{"SET", "k", "v", "EX", "10"}, []string{"0 SET k v PXAT 1700000010000"}},
		{[]string{"SET", "k", "v", "PX", "500", "NX"}, nil},
		{[]string{"set", "k", "w", "xx", "GET", "KEEPTTL", "get"}, []string{"0 set k w xx KEEPTTL"}},
		{[]string{"SET", "k", "x", "GET", "EXAT", "1800000000"}, []string{"0 SET k x PXAT 1800000000000"}},
		{[]string{"set", "k", "y"}, []string{"0 set k y"}},
		{[]string{"SETEX", "k", "5", "z"}, []string{"0 SET k z PXAT 1700000005000"}},
		{[]string{"PSETEX", "k", "5", "z"}, []string{"0 SET k z PXAT 1700000000005"}},
		{[]string{"SETNX", "k", "z"}, nil},
		{[]string{"GETEX", "k", "EX", "100"}, []string{"0 PEXPIREAT k 1700000100000"}},
		{[]string{"GETEX", "k", "PERSIST"}, []string{"0 PERSIST k"}},
		{[]string{"GETEX", "k", "PERSIST"}, nil},
		{[]string{"GETEX", "k"}, nil},
		{[]string{"GETSET", "k", "a"}, []string{"0 SET k a"}},
		{[]string{"GETEX", "k", "PXAT", "1"}, []string{"0 DEL k"}},
		{[]string{"GETDEL", "k"}, nil},
		{[]string{"SET", "k", "1"}, []string{"0 SET k 1"}},
		{[]string{"GETDEL", "k"}, []string{"0 DEL k"}},
		{[]string{"INCRBYFLOAT", "f", "1.5"}, []string{"0 SET f 1.5 KEEPTTL"}},
		{[]string{"INCRBYFLOAT", "f", "nan"}, nil},
		{[]string{"INCR", "n"}, []string{"0 INCR n"}},
		{[]string{"MSETNX", "n", "1", "m", "2"}, nil},
		{[]string{"MSETNX", "m", "1", "o", "2"}, []string{"0 MSETNX m 1 o 2"}},
		{[]string{"SETRANGE", "m", "0", ""}, nil},
		{[]string{"SETRANGE", "m", "3", "x"}, []string{"0 SETRANGE m 3 x"}},
		{[]string{"APPEND", "e", ""}, []string{"0 APPEND e "}},
	}
	for _, st := range steps {
		c.do(st.cmd...)
		if got := rec.take(); !reflect.DeepEqual(got, st.recs) {
			t.Fatalf("%v propagated %q, want %q", st.cmd, got, st.recs)
		}
	}
}

func TestStringCommandsReplyWrongTypeOnOtherTypes(t *testing.T) {
	s, rec, c := startClockedServer(t)
	putList(s, "l")
	const wrongType = "-" + errWrongType
	for _, cmd := range [][]string{
		{"GET", "l"}, {"SET", "l", "v", "GET"}, {"GETSET", "l", "v"}, {"GETDEL", "l"},
		{"GETEX", "l", "EX", "10"}, {"APPEND", "l", "x"}, {"STRLEN", "l"}, {"INCR", "l"},
		{"INCRBYFLOAT", "l", "1"}, {"GETRANGE", "l", "0", "1"}, {"SETRANGE", "l", "0", "x"},
	} {
		c.expect(wrongType, cmd...)
	}
	c.expect("-"+errLCSKeyType, "LCS", "l", "nokey")
	c.expect(`*[(nil) (nil)]`, "MGET", "l", "nokey")
	// SET without GET replaces a value of any type.
	c.expect("+OK", "SET", "l", "v")
	if got := rec.take(); !reflect.DeepEqual(got, []string{"0 SET l v"}) {
		t.Fatalf("records %q, want only the SET", got)
	}
}

func TestStringEncodingsFollowRedis(t *testing.T) {
	s, _, c := startClockedServer(t)
	// Expected encodings were read with OBJECT ENCODING from redis-server 7.0.15.
	steps := []struct {
		cmd      []string
		key, enc string
	}{
		{[]string{"SET", "a", "123"}, "a", "int"},
		{[]string{"SET", "a", "012"}, "a", "embstr"},
		{[]string{"SET", "a", "12345678901234567890"}, "a", "embstr"},
		{[]string{"SET", "a", strings.Repeat("x", 45)}, "a", "raw"},
		{[]string{"APPEND", "ap", "12"}, "ap", "int"},
		{[]string{"APPEND", "ap", "3"}, "ap", "raw"},
		{[]string{"INCR", "ap"}, "ap", "int"},
		{[]string{"SETRANGE", "sr", "0", "12"}, "sr", "raw"},
		{[]string{"SET", "sr2", "12"}, "sr2", "int"},
		{[]string{"SETRANGE", "sr2", "0", ""}, "sr2", "int"},
		{[]string{"SETRANGE", "sr2", "0", "3"}, "sr2", "raw"},
		{[]string{"SET", "f", "1.5"}, "f", "embstr"},
		{[]string{"INCRBYFLOAT", "f", "1"}, "f", "embstr"},
		{[]string{"MSET", "m1", "1", "m2", "abc"}, "m1", "int"},
		{[]string{"SETEX", "se", "100", "5"}, "se", "int"},
	}
	for _, st := range steps {
		c.do(st.cmd...)
		if got := peek(s, st.key).Encoding(); got != st.enc {
			t.Fatalf("after %v encoding is %s, want %s", st.cmd, got, st.enc)
		}
	}
}

func TestSetKeepsShortValuesPrivate(t *testing.T) {
	_, _, c := startClockedServer(t)
	c.expect("+OK", "SET", "a", "abc")
	c.expect(":6", "APPEND", "a", "def")
	c.expect("+OK", "SET", "b", "abc")
	c.expect(":4", "APPEND", "b", "X")
	c.expect(`"abcdef"`, "GET", "a")
	c.expect(`"abcX"`, "GET", "b")
	c.expect(":101", "INCRBY", "n", "101")
	c.expect(":100000000000000101", "INCRBY", "n", "100000000000000000")
}

func TestLCSRefusesTablesLargerThanProtoMaxBulkLen(t *testing.T) {
	s, _ := startServer(t, func(c *Config) { c.ProtoMaxBulkLen = 1 << 20 })
	c := dial(t, s)
	c.expect("+OK", "SET", "a", strings.Repeat("a", 600))
	c.expect("+OK", "SET", "b", strings.Repeat("b", 300)+strings.Repeat("a", 300))
	c.expect("-"+errLCSMemory, "LCS", "a", "b", "LEN")
	c.expect("+OK", "SET", "b", strings.Repeat("b", 400))
	c.expect(":0", "LCS", "a", "b", "LEN")
	c.expect("-"+errStringTooBig, "SETRANGE", "a", "1048576", "x")
	c.expect(":1048576", "SETRANGE", "a", "1048575", "x")
	c.expect("-"+errStringTooBig, "APPEND", "a", "x")
}

func TestOptIsComparesLikeStrcasecmp(t *testing.T) {
	cases := []struct {
		arg  string
		opt  string
		want bool
	}{
		{"nx", "NX", true}, {"Nx", "NX", true}, {"NX\x00junk", "NX", true},
		{"N", "NX", false}, {"NXX", "NX", false}, {"", "NX", false}, {"keepttl", "KEEPTTL", true},
	}
	for _, c := range cases {
		if got := optIs([]byte(c.arg), c.opt); got != c.want {
			t.Errorf("optIs(%q, %q) = %v, want %v", c.arg, c.opt, got, c.want)
		}
	}
}

func BenchmarkSetGetHandlers(b *testing.B) {
	s, _ := startServer(b, func(c *Config) { c.Propagator = nil })
	x := &ctx{s: s, db: s.store.DB(0), w: &reply{}, cmd: s.table.cmds["set"], now: fixedNow}
	set := [][]byte{[]byte("SET"), []byte("key:000001"), []byte("value-abc")}
	get := [][]byte{[]byte("GET"), []byte("key:000001")}
	slot := slots.KeySlot(set[1])
	b.ReportAllocs()
	for b.Loop() {
		s.store.Lock(slot)
		x.argv = set
		cmdSet(x)
		x.argv = get
		cmdGet(x)
		s.store.Unlock(slot)
		x.w.b = x.w.b[:0]
	}
}

func TestGetEXPastExpiryPropagatesUnlinkUnderLazyfreeLazyExpire(t *testing.T) {
	s, rec := startServer(t, func(c *Config) { c.tuning["lazyfree-lazy-expire"] = "yes" })
	c := dial(t, s)
	c.expect("+OK", "SET", "k", "v")
	c.expect(`"v"`, "GETEX", "k", "EXAT", "1")
	c.expect(":0", "EXISTS", "k")
	if got := rec.take(); !reflect.DeepEqual(got, []string{"0 SET k v", "0 UNLINK k"}) {
		t.Fatalf("records %q, want SET then UNLINK", got)
	}
}

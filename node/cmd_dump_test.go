package node

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/slotd/slotd/node/store/rdb"
)

// payloadOf returns a DUMP payload of the string s.
func payloadOf(s string) string {
	return string(rdb.EncodePayload(&rdb.Value{Type: rdb.TypeString, Str: []byte(s)}, rdb.DefaultOptions()))
}

func TestRestorePropagatesAbsoluteTTLsAndDeletes(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	p := payloadOf("v")

	c.expect("+OK", "RESTORE", "k", "0", p)
	expectRecords(t, rec, "0 RESTORE k 0 "+p)

	// The node's clock is a per-command cache, so allow it a second of
	// skew against the test's.
	before := time.Now().UnixMilli()
	c.expect("+OK", "RESTORE", "rel", "100000", p, "IDLETIME", "5")
	after := time.Now().UnixMilli()
	got := rec.take()
	if len(got) != 1 {
		t.Fatalf("relative TTL propagated %q, want one record", got)
	}
	f := strings.Fields(got[0])
	at, err := strconv.ParseInt(f[3], 10, 64)
	if f[1] != "RESTORE" || f[2] != "rel" || err != nil || at < before-1000+100000 || at > after+1000+100000 ||
		!strings.HasSuffix(got[0], " IDLETIME 5 ABSTTL") {
		t.Fatalf("relative TTL propagated %q, want RESTORE rel <now+100000> payload IDLETIME 5 ABSTTL", got[0])
	}

	c.expect("+OK", "RESTORE", "abs", "4102444800000", p, "ABSTTL")
	expectRecords(t, rec, "0 RESTORE abs 4102444800000 "+p+" ABSTTL")

	c.expect("+OK", "RESTORE", "past", "1", p, "ABSTTL")
	expectRecords(t, rec)
	c.expect(":0", "EXISTS", "past")

	c.expect("+OK", "RESTORE", "k", "1", p, "ABSTTL", "REPLACE")
	expectRecords(t, rec, "0 DEL k")
	c.expect(":0", "EXISTS", "k")

	c.expect("+OK", "CONFIG", "SET", "lazyfree-lazy-server-del", "yes")
	c.expect("+OK", "RESTORE", "abs", "1", p, "ABSTTL", "REPLACE")
	expectRecords(t, rec, "0 UNLINK abs")
}

func TestRestoreNeverHalfApplies(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	c.expect(":3", "RPUSH", "l", "a", "b", "c")
	rec.take()
	good := []byte(payloadOf("v"))
	badCRC := string(append(good[:len(good)-1:len(good)-1], good[len(good)-1]^1))
	badData := string(rdb.EncodePayload(&rdb.Value{Type: rdb.TypeSet}, rdb.DefaultOptions()))
	tests := []struct {
		payload, want string
	}{
		{badCRC, "ERR DUMP payload version or checksum are wrong"},
		{badData, "ERR Bad data format"},
		{"", "ERR DUMP payload version or checksum are wrong"},
	}
	for _, tc := range tests {
		if got := c.do("RESTORE", "l", "0", tc.payload, "REPLACE"); got != "-"+tc.want {
			t.Fatalf("RESTORE of a bad payload: %s, want %s", got, tc.want)
		}
		c.expect(`*["a" "b" "c"]`, "LRANGE", "l", "0", "-1")
	}
	expectRecords(t, rec)
}

func TestRestoreOfAListWakesBlockedBLPOP(t *testing.T) {
	s, rec := startServer(t, nil)
	w := dial(t, s)
	c := dial(t, s)
	p := string(rdb.EncodePayload(&rdb.Value{Type: rdb.TypeListQuicklist2, Elems: [][]byte{[]byte("x"), []byte("y")}}, rdb.DefaultOptions()))
	blockOn(t, s, w, 1, "BLPOP", "l", "0")
	c.expect("+OK", "RESTORE", "l", "0", p)
	if got := w.read().String(); got != `*["l" "x"]` {
		t.Fatalf("blocked client got %s, want the restored list's head", got)
	}
	expectRecords(t, rec, "0 RESTORE l 0 "+p, "0 LPOP l")
	c.expect(`*["y"]`, "LRANGE", "l", "0", "-1")
}

// TestDumpRestoreRoundTripKeepsValueAndEncoding dumps a value of every
// type and encoding built by commands and restores it under another key.
func TestDumpRestoreRoundTripKeepsValueAndEncoding(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	long := strings.Repeat("long", 30)
	var many []string
	for i := range 3000 {
		many = append(many, "m"+strconv.Itoa(i))
	}
	tests := []struct {
		name  string
		setup [][]string
		enc   string
	}{
		{"int", [][]string{{"SET", "k", "12345"}}, "int"},
		{"embstr", [][]string{{"SET", "k", "hello"}}, "embstr"},
		{"raw", [][]string{{"SET", "k", long}}, "raw"},
		{"quicklist", [][]string{append([]string{"RPUSH", "k"}, many...)}, "quicklist"},
		{"intset", [][]string{{"SADD", "k", "1", "-70000", "5000000000"}}, "intset"},
		{"hashtable set", [][]string{append([]string{"SADD", "k"}, many...)}, "hashtable"},
		{"listpack zset", [][]string{{"ZADD", "k", "1.5", "a", "-inf", "b", "inf", "c"}}, "listpack"},
		{"skiplist zset", [][]string{{"ZADD", "k", "1.5", "a", "2", long}}, "skiplist"},
		{"listpack hash", [][]string{{"HSET", "k", "f", "v", "n", "12"}}, "listpack"},
		{"hashtable hash", [][]string{{"HSET", "k", "f", long}}, "hashtable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.do("DEL", "k", "copy")
			for _, cmd := range tc.setup {
				c.do(cmd...)
			}
			c.send("DUMP", "k")
			p := c.read()
			c.expect("+OK", "RESTORE", "copy", "0", string(p.Str))
			c.expect(strconv.Quote(tc.enc), "OBJECT", "ENCODING", "copy")
			d := c.do("DEBUG", "DIGEST-VALUE", "k", "copy")
			f := strings.Fields(strings.Trim(d, "*[]"))
			if len(f) != 2 || f[0] != f[1] {
				t.Fatalf("digests of original and restored value differ: %s", d)
			}
		})
	}
}

// FuzzRestore sends arbitrary payloads to RESTORE: the node must answer
// OK or an error and keep serving. With fixFooter the payload gets a valid
// version and CRC64, so mutations reach the decoders. The node outlives
// each fuzz call, so it logs nowhere: a logger bound to f would be written
// from connection goroutines while the fuzz engine runs, which testing.F
// does not allow.
func FuzzRestore(f *testing.F) {
	s, _ := startServer(f, func(c *Config) { c.Logger = zap.NewNop() })
	c := dial(f, s)
	for _, v := range []*rdb.Value{
		{Type: rdb.TypeString, Str: []byte("hello")},
		{Type: rdb.TypeListQuicklist2, Elems: [][]byte{[]byte("a"), []byte("1")}},
		{Type: rdb.TypeSetIntset, Ints: []int64{1, 2}},
		{Type: rdb.TypeSet, Elems: [][]byte{[]byte("a")}},
		{Type: rdb.TypeZSetListpack, ZSet: []rdb.ZEntry{{Member: []byte("a"), Score: 1}}},
		{Type: rdb.TypeZSet2, ZSet: []rdb.ZEntry{{Member: []byte("a"), Score: 1}}},
		{Type: rdb.TypeHashListpack, Hash: []rdb.Pair{{Field: []byte("f"), Value: []byte("v")}}},
		{Type: rdb.TypeHash, Hash: []rdb.Pair{{Field: []byte("f"), Value: []byte("v")}}},
	} {
		f.Add(rdb.EncodePayload(v, rdb.DefaultOptions()), false)
		f.Add(rdb.EncodePayload(v, rdb.DefaultOptions()), true)
	}
	f.Fuzz(func(t *testing.T, p []byte, fixFooter bool) {
		c.t = t
		if fixFooter && len(p) >= 10 {
			p = append(p[:len(p)-10:len(p)-10], rdb.Version, 0)
			p = binary.LittleEndian.AppendUint64(p, rdb.CRC64(0, p))
		}
		got := c.do("RESTORE", "fz", "0", string(p), "REPLACE")
		if got != "+OK" && !strings.HasPrefix(got, "-ERR ") {
			t.Fatalf("RESTORE answered %s", got)
		}
		if got == "+OK" {
			c.send("DUMP", "fz")
			if d := c.read(); d.Null {
				t.Fatalf("restored key has no DUMP")
			}
		}
		c.expect("+PONG", "PING")
	})
}

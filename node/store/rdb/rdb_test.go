package rdb

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"testing"
)

func TestCRC64MatchesRedisTestVector(t *testing.T) {
	if got := CRC64(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64(123456789) = %#x, want 0xe9c6d914c4b8d9ca", got)
	}
	// crc64.c's test: the CRC continues across calls.
	if got := CRC64(CRC64(0, []byte("1234")), []byte("56789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("incremental crc64 = %#x", got)
	}
}

// redisPayloads are DUMP replies of redis-server 7.0.15 with default
// settings (zset ZS was made with zset-max-listpack-entries 1, hash HT with
// hash-max-listpack-entries 0). slotd must decode each to want and encode
// want back to the same bytes.
var redisPayloads = []struct {
	name, hex string
	want      Value
}{
	{"embstr", "000568656c6c6f0a006372df766534200a", Value{Type: TypeString, Str: []byte("hello")}},
	{"lzf string", "00c30b270361626361e018020162630a00b95190299e9a736f",
		Value{Type: TypeString, Str: bytes.Repeat([]byte("abc"), 13)}},
	{"int16 string", "00c290eefeff0a002875de7b13eb2800", Value{Type: TypeString, Str: []byte("-70000")}},
	{"int64 string", "0013393232333337323033363835343737353830370a003a657e9481e85f22",
		Value{Type: TypeString, Str: []byte("9223372036854775807")}},
	{"quicklist", "1201022f2f0000000a0081610281620201010201c12c02dffb02d00002f270110104f3c0ab76ff05f400f2052a0100000009ff0a00ba4452c2a9fa4610",
		Value{Type: TypeListQuicklist2, Elems: strs("a", "b", "1", "2", "300", "-5", "-4096", "70000", "-9000000", "5000000000")}},
	{"intset16", "0b0e02000000030000000100020003000a00a5025ce26d6e4d1b", Value{Type: TypeSetIntset, Ints: []int64{1, 2, 3}, IntsetWidth: 2}},
	{"intset32", "0b10040000000200000001000000701101000a002735436efd6656c4", Value{Type: TypeSetIntset, Ints: []int64{1, 70000}, IntsetWidth: 4}},
	{"intset64", "0b100800000001000000000efad5feffffff0a0089765b6eadc4d38e", Value{Type: TypeSetIntset, Ints: []int64{-5000000000}, IntsetWidth: 8}},
	{"hash listpack", "1013130000000400816602817602826632030201ff0a002cd18e54bf534a1d",
		Value{Type: TypeHashListpack, Hash: []Pair{{[]byte("f"), []byte("v")}, {[]byte("f2"), []byte("2")}}}},
	{"zset listpack lzf", "11c33e404716470000000c00816402842d696e660581650293302e3130e005001c3114816102010181620283322e35048166028531652b3230068163028320360104ff0a00947abb0c1d1c4d30",
		Value{Type: TypeZSetListpack, ZSet: []ZEntry{{[]byte("d"), math.Inf(-1)}, {[]byte("e"), 0.1}, {[]byte("a"), 1},
			{[]byte("b"), 2.5}, {[]byte("f"), 1e20}, {[]byte("c"), math.Inf(1)}}}},
	{"set", "020101610a006296e97e44d21a6d", Value{Type: TypeSet, Elems: strs("a")}},
	{"zset skiplist", "0502016200000000000000400161000000000000f83f0a00e77c0b139f4e671e",
		Value{Type: TypeZSet2, ZSet: []ZEntry{{[]byte("b"), 2}, {[]byte("a"), 1.5}}}},
	{"hash table", "0401016601760a00adf24356b1860efc", Value{Type: TypeHash, Hash: []Pair{{[]byte("f"), []byte("v")}}}},
}

func strs(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i := range s {
		out[i] = []byte(s[i])
	}
	return out
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodePayloadOfRedis7(t *testing.T) {
	for _, tc := range redisPayloads {
		t.Run(tc.name, func(t *testing.T) {
			v, err := DecodePayload(mustHex(t, tc.hex))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got, want := describe(v), describe(&tc.want); got != want {
				t.Fatalf("decoded\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestEncodePayloadMatchesRedis7Bytes(t *testing.T) {
	for _, tc := range redisPayloads {
		t.Run(tc.name, func(t *testing.T) {
			got := hex.EncodeToString(EncodePayload(&tc.want, DefaultOptions()))
			if got != tc.hex {
				t.Fatalf("encoded\n%s\nwant (redis)\n%s", got, tc.hex)
			}
		})
	}
}

// describe renders a value for comparison in failure messages.
func describe(v *Value) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "type=%d legacy=%v str=%q width=%d ints=%v", v.Type, v.Legacy, v.Str, v.IntsetWidth, v.Ints)
	for _, e := range v.Elems {
		fmt.Fprintf(&b, " e=%q", e)
	}
	for _, z := range v.ZSet {
		fmt.Fprintf(&b, " z=%q:%v", z.Member, z.Score)
	}
	for _, p := range v.Hash {
		fmt.Fprintf(&b, " h=%q:%q", p.Field, p.Value)
	}
	return b.String()
}

func TestRoundTripEveryEncoding(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 5000)
	var many [][]byte
	for i := range 10000 {
		many = append(many, []byte("element-"+strconv.Itoa(i)))
	}
	ints := []int64{math.MinInt64, -1 << 40, math.MinInt32, -70000, -4097, -4096, -1, 0, 1, 127, 128, 4095, 4096, 32767,
		32768, 8388607, 8388608, math.MaxInt32, 1 << 40, math.MaxInt64}
	var intStrs [][]byte
	for _, n := range ints {
		intStrs = append(intStrs, []byte(strconv.FormatInt(n, 10)))
	}
	tests := []struct {
		name string
		v    Value
	}{
		{"empty string", Value{Type: TypeString, Str: []byte{}}},
		{"int8", Value{Type: TypeString, Str: []byte("-128")}},
		{"int32", Value{Type: TypeString, Str: []byte("2147483647")}},
		{"leading zero", Value{Type: TypeString, Str: []byte("007")}},
		{"binary", Value{Type: TypeString, Str: []byte("a\x00b\xff\r\n")}},
		{"long compressible", Value{Type: TypeString, Str: long}},
		{"14-bit length", Value{Type: TypeString, Str: []byte(fmt.Sprint(many[:900]))}},
		{"list ints", Value{Type: TypeListQuicklist2, Elems: intStrs}},
		{"list long elements", Value{Type: TypeListQuicklist2, Elems: [][]byte{long, []byte("a"), bytes.Repeat([]byte("y"), 100)}}},
		{"list 10000", Value{Type: TypeListQuicklist2, Elems: many}},
		{"set", Value{Type: TypeSet, Elems: [][]byte{[]byte("a"), []byte("1"), long}}},
		{"intset", Value{Type: TypeSetIntset, Ints: ints, IntsetWidth: 8}},
		{"zset listpack", Value{Type: TypeZSetListpack, ZSet: []ZEntry{{[]byte("a"), math.Inf(-1)}, {[]byte("b"), -1.5}, {[]byte("12"), 0},
			{[]byte("c"), 3.14159}, {[]byte("d"), 1e-7}, {[]byte("e"), 4503599627370497}, {[]byte("f"), math.Inf(1)}}}},
		{"zset skiplist", Value{Type: TypeZSet2, ZSet: []ZEntry{{[]byte("z"), math.Inf(1)}, {long, 0.1}, {[]byte("a"), math.Inf(-1)}}}},
		{"hash listpack", Value{Type: TypeHashListpack, Hash: []Pair{{[]byte("f"), []byte("1")}, {[]byte("-2"), long}}}},
		{"hash table", Value{Type: TypeHash, Hash: []Pair{{[]byte("f"), []byte("1")}, {long, []byte("")}}}},
	}
	for _, tc := range tests {
		for _, o := range []Options{DefaultOptions(), {ListMaxListpackSize: 128}, {ListMaxListpackSize: -5, Compress: true}} {
			t.Run(fmt.Sprintf("%s/%+v", tc.name, o), func(t *testing.T) {
				p := EncodePayload(&tc.v, o)
				got, err := DecodePayload(p)
				if err != nil {
					t.Fatalf("decode of own payload: %v", err)
				}
				if a, b := describe(got), describe(&tc.v); a != b {
					t.Fatalf("round trip changed the value:\n%.300s\nwant\n%.300s", a, b)
				}
			})
		}
	}
}

func TestQuicklistNodesFollowFill(t *testing.T) {
	var elems [][]byte
	for i := range 1000 {
		elems = append(elems, []byte(strconv.Itoa(i)))
	}
	tests := []struct {
		fill, nodes int
	}{
		{128, 8}, {1000, 1}, {1, 1000}, {-1, 1}, {-5, 1},
	}
	for _, tc := range tests {
		if got := len(packQuicklist(elems, tc.fill)); got != tc.nodes {
			t.Errorf("fill %d: %d nodes, want %d", tc.fill, got, tc.nodes)
		}
	}
}

func TestListCompressDepthCompressesInnerNodesOnly(t *testing.T) {
	var elems [][]byte
	for i := range 64 {
		elems = append(elems, []byte("compressible-element-"+strconv.Itoa(i%4)))
	}
	v := &Value{Type: TypeListQuicklist2, Elems: elems}
	plain := EncodePayload(v, Options{ListMaxListpackSize: 8})
	inner := EncodePayload(v, Options{ListMaxListpackSize: 8, ListCompressDepth: 1})
	if len(inner) >= len(plain) {
		t.Fatalf("list-compress-depth 1 payload is %d bytes, plain %d: inner nodes were not compressed", len(inner), len(plain))
	}
	all := EncodePayload(v, Options{ListMaxListpackSize: 8, Compress: true})
	if len(all) >= len(inner) {
		t.Fatalf("rdbcompression payload is %d bytes, depth-1 %d: head and tail nodes were not compressed", len(all), len(inner))
	}
	for _, p := range [][]byte{plain, inner, all} {
		got, err := DecodePayload(p)
		if err != nil || describe(got) != describe(v) {
			t.Fatalf("decode: %v, %s", err, describe(got))
		}
	}
}

func TestScoreTextMatchesD2String(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1, "1"}, {-1, "-1"}, {0, "0"}, {math.Copysign(0, -1), "-0"}, {2.5, "2.5"}, {0.1, "0.10000000000000001"},
		{1e20, "1e+20"}, {1e17, "1e+17"}, {1e16, "10000000000000000"}, {4503599627370496, "4503599627370496"},
		{1e-5, "1.0000000000000001e-05"}, {0.0001, "0.0001"}, {3.14159, "3.1415899999999999"},
		{math.Inf(1), "inf"}, {math.Inf(-1), "-inf"}, {123456.789, "123456.789"},
	}
	for _, tc := range tests {
		if got := string(appendScore(nil, tc.in)); got != tc.want {
			t.Errorf("d2string(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDecodeRejectsBadPayloads(t *testing.T) {
	good := mustHex(t, redisPayloads[0].hex)
	flipped := append([]byte(nil), good...)
	flipped[2] ^= 1
	newer := append([]byte(nil), good...)
	newer[len(newer)-10] = 11
	lp := newListpack()
	lp.append([]byte("a"))
	lp.append([]byte("1"))
	lp.append([]byte("a"))
	lp.append([]byte("2"))
	dupHash := append([]byte{byte(TypeHashListpack)}, appendString(nil, lp.finish(), false)...)
	tests := []struct {
		name string
		p    []byte
		want error
	}{
		{"too short", []byte{1, 2, 3}, ErrVersionOrChecksum},
		{"bad crc", flipped, ErrVersionOrChecksum},
		{"version 11", newer, ErrVersionOrChecksum},
		{"unknown type", frame([]byte{7, 0}), ErrBadFormat},
		{"truncated string", frame([]byte{0, 5, 'a'}), ErrBadFormat},
		{"empty set", frame([]byte{2, 0}), ErrBadFormat},
		{"huge count", frame([]byte{2, 0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), ErrBadFormat},
		{"duplicate set member", frame([]byte{2, 2, 1, 'a', 1, 'a'}), ErrBadFormat},
		{"duplicate hash field", frame(dupHash), ErrBadFormat},
		{"lzf bomb", frame([]byte{0, 0xc3, 2, 0x80, 0x7f, 0xff, 0xff, 0xff, 0, 'a'}), ErrBadFormat},
		{"intset unordered", frame(append([]byte{11}, appendString(nil, []byte{2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0}, false)...)), ErrBadFormat},
		{"nan score", frame(append([]byte{5, 1, 1, 'a'}, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f)), ErrBadFormat},
		{"bad quicklist container", frame([]byte{18, 1, 3, 1, 'a'}), ErrBadFormat},
		{"empty quicklist", frame(append([]byte{18, 1, 2}, appendString(nil, newListpack().finish(), false)...)), ErrBadFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodePayload(tc.p)
			if !errors.Is(err, tc.want) {
				t.Fatalf("DecodePayload = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDecodeIgnoresBytesAfterTheValueLikeRedis(t *testing.T) {
	v, err := DecodePayload(frame([]byte{0, 1, 'a', 'b'}))
	if err != nil || string(v.Str) != "a" {
		t.Fatalf("DecodePayload = %v, %v; want the string \"a\"", v, err)
	}
}

func TestDecodeLegacyZiplistAndZipmap(t *testing.T) {
	// A ziplist of "a", 12, -300, built by hand as ziplist.c lays it out.
	zl := []byte{0, 0, 0, 0, 0, 0, 0, 0, 3, 0,
		0, 0x01, 'a', // prevlen 0, 6-bit string
		3, 0xfd, // prevlen 3, immediate 12
		2, 0xc0, 0xd4, 0xfe} // prevlen 2, int16 -300
	zl = append(zl, zipEnd)
	putU32(zl, uint32(len(zl)))
	putU32(zl[4:], 15)
	v, err := DecodePayload(frame(append([]byte{byte(TypeListZiplist)}, appendString(nil, zl, false)...)))
	if err != nil {
		t.Fatalf("ziplist list: %v", err)
	}
	if got := describe(v); got != describe(&Value{Type: TypeListQuicklist2, Legacy: true, Elems: strs("a", "12", "-300")}) {
		t.Fatalf("ziplist list decoded as %s", got)
	}
	zm := []byte{1, 1, 'f', 2, 0, 'v', 'w', 0xff}
	v, err = DecodePayload(frame(append([]byte{byte(TypeHashZipmap)}, appendString(nil, zm, false)...)))
	if err != nil {
		t.Fatalf("zipmap: %v", err)
	}
	if got := describe(v); got != describe(&Value{Type: TypeHashListpack, Legacy: true, Hash: []Pair{{[]byte("f"), []byte("vw")}}}) {
		t.Fatalf("zipmap decoded as %s", got)
	}
}

func putU32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// frame adds the version and CRC64 footer to a type byte and value.
func frame(body []byte) []byte {
	b := append(append([]byte(nil), body...), Version, 0)
	c := CRC64(0, b)
	for i := range 8 {
		b = append(b, byte(c>>(8*i)))
	}
	return b
}

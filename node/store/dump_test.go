package store

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/slotd/slotd/node/store/rdb"
)

// defaultLimits are redis.conf's defaults.
var defaultLimits = EncodingLimits{
	HashMaxListpackEntries: 512,
	HashMaxListpackValue:   64,
	ListMaxListpackSize:    -2,
	SetMaxIntsetEntries:    512,
	ZsetMaxListpackEntries: 128,
	ZsetMaxListpackValue:   64,
}

// contents renders an object's type, encoding and value in a canonical
// order, so two objects compare equal when Redis would call them equal.
func contents(o *Object) string {
	var items []string
	switch v := o.Val.(type) {
	case *List:
		v.ForEachElement(func(e []byte) { items = append(items, string(e)) })
	case *Set:
		v.ForEachMember(func(m []byte) { items = append(items, string(m)) })
		slices.Sort(items)
	case *ZSet:
		v.ForEachScored(func(m []byte, s float64) { items = append(items, fmt.Sprintf("%s=%v", m, s)) })
	case *Hash:
		v.ForEachField(func(f, val []byte) { items = append(items, string(f)+"="+string(val)) })
		if !v.IsListpack() {
			slices.Sort(items)
		}
	default:
		items = append(items, string(o.Str))
	}
	return fmt.Sprintf("%s/%s %q", o.Type, o.Encoding(), items)
}

func TestDumpPayloadRestoresTheSameValueAndEncoding(t *testing.T) {
	long := strings.Repeat("z", 100)
	list := NewList(-2)
	for i := range 10000 {
		list.PushRight("e" + strconv.Itoa(i))
	}
	intset := NewIntset()
	for _, n := range []int64{-5000000000, -1, 7, 70000} {
		intset.AddInt(n, 512)
	}
	strSet := NewSetFor([]byte("a"))
	for _, m := range []string{"a", "b", "10"} {
		strSet.Add([]byte(m), 512)
	}
	lpZSet := NewZSet(true)
	lpZSet.Insert("a", math.Inf(-1))
	lpZSet.Insert("b", 0.5)
	lpZSet.Insert("c", math.Inf(1))
	skipZSet := NewZSet(false)
	skipZSet.Insert(long, 1)
	skipZSet.Insert("x", -2.25)
	lpHash := NewHash()
	lpHash.Set([]byte("f"), []byte("1"), 512, 64)
	lpHash.Set([]byte("g"), []byte("v"), 512, 64)
	htHash := NewHash()
	htHash.Set([]byte("f"), []byte(long), 512, 64)
	tests := []struct {
		name string
		o    *Object
		enc  string
	}{
		{"int", NewString([]byte("-42")), "int"},
		{"embstr", NewString([]byte("hello")), "embstr"},
		{"raw", NewString([]byte(long)), "raw"},
		{"quicklist", &Object{Type: TypeList, Val: list}, "quicklist"},
		{"intset", &Object{Type: TypeSet, Val: intset}, "intset"},
		{"hashtable set", &Object{Type: TypeSet, Val: strSet}, "hashtable"},
		{"listpack zset", &Object{Type: TypeZSet, Val: lpZSet}, "listpack"},
		{"skiplist zset", &Object{Type: TypeZSet, Val: skipZSet}, "skiplist"},
		{"listpack hash", &Object{Type: TypeHash, Val: lpHash}, "listpack"},
		{"hashtable hash", &Object{Type: TypeHash, Val: htHash}, "hashtable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := DumpPayload(tc.o, rdb.DefaultOptions())
			if err != nil {
				t.Fatalf("DumpPayload: %v", err)
			}
			got, err := RestorePayload(p, defaultLimits)
			if err != nil {
				t.Fatalf("RestorePayload of our own payload: %v", err)
			}
			if got.Encoding() != tc.enc {
				t.Fatalf("restored encoding %s, want %s", got.Encoding(), tc.enc)
			}
			if a, b := contents(got), contents(tc.o); a != b {
				t.Fatalf("restored %.200s\nwant %.200s", a, b)
			}
		})
	}
}

func TestRestoreConvertsEncodingsByTheLimitsInForce(t *testing.T) {
	tight := EncodingLimits{HashMaxListpackEntries: 1, HashMaxListpackValue: 2, ListMaxListpackSize: 4,
		SetMaxIntsetEntries: 1, ZsetMaxListpackEntries: 1, ZsetMaxListpackValue: 2}
	pairs := []rdb.Pair{{Field: []byte("f"), Value: []byte("long value")}}
	tests := []struct {
		name string
		v    rdb.Value
		lim  EncodingLimits
		enc  string
	}{
		{"intset over the limit", rdb.Value{Type: rdb.TypeSetIntset, Ints: []int64{1, 2}, IntsetWidth: 2}, tight, "hashtable"},
		{"plain set of integers", rdb.Value{Type: rdb.TypeSet, Elems: [][]byte{[]byte("3"), []byte("1")}}, defaultLimits, "intset"},
		{"plain set with a string", rdb.Value{Type: rdb.TypeSet, Elems: [][]byte{[]byte("3"), []byte("a")}}, defaultLimits, "hashtable"},
		{"plain set over the limit", rdb.Value{Type: rdb.TypeSet, Elems: [][]byte{[]byte("3"), []byte("1")}}, tight, "hashtable"},
		{"zset listpack over entries", rdb.Value{Type: rdb.TypeZSetListpack, ZSet: []rdb.ZEntry{{Member: []byte("a")}, {Member: []byte("b"), Score: 1}}}, tight, "skiplist"},
		{"zset listpack keeps long members", rdb.Value{Type: rdb.TypeZSetListpack, ZSet: []rdb.ZEntry{{Member: []byte("abc")}}}, tight, "listpack"},
		{"small skiplist becomes listpack", rdb.Value{Type: rdb.TypeZSet2, ZSet: []rdb.ZEntry{{Member: []byte("a")}}}, tight, "listpack"},
		{"skiplist with a long member stays", rdb.Value{Type: rdb.TypeZSet2, ZSet: []rdb.ZEntry{{Member: []byte("abc")}}}, tight, "skiplist"},
		{"hash listpack keeps long values", rdb.Value{Type: rdb.TypeHashListpack, Hash: pairs}, tight, "listpack"},
		{"small hash table becomes listpack", rdb.Value{Type: rdb.TypeHash, Hash: pairs}, defaultLimits, "listpack"},
		{"hash table with a long value stays", rdb.Value{Type: rdb.TypeHash, Hash: pairs}, tight, "hashtable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RestoreValue(&tc.v, tc.lim).Encoding(); got != tc.enc {
				t.Fatalf("encoding %s, want %s", got, tc.enc)
			}
		})
	}
}

func TestDumpValueOrdersSkiplistFromHighestScore(t *testing.T) {
	z := NewZSet(false)
	z.Insert("a", 1)
	z.Insert("b", 2)
	z.Insert("c", 3)
	v, err := DumpValue(&Object{Type: TypeZSet, Val: z})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range v.ZSet {
		got = append(got, string(e.Member))
	}
	if v.Type != rdb.TypeZSet2 || !slices.Equal(got, []string{"c", "b", "a"}) {
		t.Fatalf("skiplist dumped as type %d %v, want ZSET_2 [c b a] as rdbSaveObject writes it", v.Type, got)
	}
}

func TestDumpValueRejectsStreams(t *testing.T) {
	if _, err := DumpValue(&Object{Type: TypeStream}); err == nil {
		t.Fatal("DumpValue of a stream succeeded; slotd has no stream encoding")
	}
}

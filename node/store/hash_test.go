package store

import (
	"reflect"
	"sort"
	"strconv"
	"testing"
)

func hashFields(h *Hash) []string {
	var out []string
	h.Range(func(f, v string) bool {
		out = append(out, f+"="+v)
		return true
	})
	return out
}

func TestHashListpackKeepsInsertionOrder(t *testing.T) {
	h := NewHash()
	for _, f := range []string{"c", "a", "b"} {
		if !h.Set([]byte(f), []byte("1"), 512, 64) {
			t.Fatalf("Set %s: not new", f)
		}
	}
	if h.Set([]byte("a"), []byte("2"), 512, 64) {
		t.Fatal("overwrite reported new")
	}
	if !h.Delete([]byte("c")) || h.Delete([]byte("c")) {
		t.Fatal("Delete c")
	}
	h.Set([]byte("d"), []byte("3"), 512, 64)
	if got, want := hashFields(h), []string{"a=2", "b=1", "d=3"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	if h.Encoding() != "listpack" || h.Len() != 3 {
		t.Fatalf("encoding %s len %d", h.Encoding(), h.Len())
	}
}

func TestHashConvertsOneWay(t *testing.T) {
	h := NewHash()
	for i := 0; i < 5; i++ {
		h.Set([]byte(strconv.Itoa(i)), []byte("v"), 4, 64)
	}
	if h.Encoding() != "hashtable" {
		t.Fatalf("5 entries over a limit of 4: %s", h.Encoding())
	}
	for i := 0; i < 4; i++ {
		h.Delete([]byte(strconv.Itoa(i)))
	}
	if h.Encoding() != "hashtable" || h.Len() != 1 {
		t.Fatalf("after deletes: %s len %d", h.Encoding(), h.Len())
	}

	long := NewHash()
	long.Set([]byte("f"), []byte("123456789"), 512, 8)
	if long.Encoding() != "hashtable" {
		t.Fatalf("long value: %s", long.Encoding())
	}
	pre := NewHash()
	pre.TryConversion([][]byte{[]byte("f"), []byte("123456789")}, 8)
	if pre.Encoding() != "hashtable" {
		t.Fatalf("TryConversion: %s", pre.Encoding())
	}
	if v, ok := long.Get([]byte("f")); !ok || v != "123456789" {
		t.Fatalf("Get after conversion: %q %v", v, ok)
	}
}

func TestHashDupAndForEachField(t *testing.T) {
	for _, limit := range []int64{512, 1} {
		h := NewHash()
		h.Set([]byte("a"), []byte("1"), limit, 64)
		h.Set([]byte("b"), []byte("2"), limit, 64)
		d := h.Dup().(*Hash)
		d.Set([]byte("a"), []byte("changed"), limit, 64)
		if v, _ := h.Get([]byte("a")); v != "1" {
			t.Fatalf("Dup shares storage: %q", v)
		}
		if d.Encoding() != h.Encoding() {
			t.Fatalf("Dup encoding %s, want %s", d.Encoding(), h.Encoding())
		}
		var got []string
		h.ForEachField(func(f, v []byte) { got = append(got, string(f)+"="+string(v)) })
		sort.Strings(got)
		if want := []string{"a=1", "b=2"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("ForEachField %v, want %v", got, want)
		}
		if h.MemoryUsage(0) <= 0 || h.MemoryUsage(1) <= 0 {
			t.Fatal("MemoryUsage not positive")
		}
		seen := map[string]bool{}
		for i := 0; i < 200 && len(seen) < 2; i++ {
			seen[h.Random().Field] = true
		}
		if len(seen) != 2 {
			t.Fatalf("Random visited %v", seen)
		}
	}
}

func BenchmarkHashSetListpack(b *testing.B) {
	fields := make([][]byte, 128)
	for i := range fields {
		fields[i] = []byte("field:" + strconv.Itoa(i))
	}
	val := []byte("value")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h := NewHash()
		for _, f := range fields {
			h.Set(f, val, 512, 64)
		}
	}
}

func TestHashSetConvertsListpackOverLoweredLimitEvenOnUpdate(t *testing.T) {
	h := NewHash()
	for _, f := range []string{"a", "b", "c", "d", "e", "f"} {
		h.Set([]byte(f), []byte("1"), 8, 64)
	}
	if h.Encoding() != "listpack" {
		t.Fatalf("6 fields under a limit of 8: got %s, want listpack", h.Encoding())
	}
	// hash-max-listpack-entries lowered to 4: hashTypeSet checks the
	// length after an update as well as after an insert.
	if h.Set([]byte("a"), []byte("2"), 4, 64) {
		t.Fatal("updating field a reported a new field")
	}
	if h.Encoding() != "hashtable" {
		t.Fatalf("update over a lowered limit: got %s, want hashtable", h.Encoding())
	}
	if v, _ := h.Get([]byte("a")); v != "2" || h.Len() != 6 {
		t.Fatalf("after conversion a=%q len %d, want a=2 len 6", v, h.Len())
	}
}

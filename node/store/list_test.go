package store

import (
	"math/rand"
	"slices"
	"strconv"
	"testing"
)

func listElems(l *List) []string {
	var out []string
	l.ForEachElement(func(e []byte) { out = append(out, string(e)) })
	return out
}

// TestListMatchesSliceModel drives a List and a plain slice with the same
// random operations, so ring wrap-around, growth and shrinking are all
// exercised, and checks they always agree.
func TestListMatchesSliceModel(t *testing.T) {
	const seed = 7
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	l := NewList(-2)
	var m []string
	for step := 0; step < 20000; step++ {
		v := strconv.Itoa(rng.Intn(8))
		switch op := rng.Intn(10); {
		case op < 3:
			l.PushLeft(v)
			m = append([]string{v}, m...)
		case op < 6:
			l.PushRight(v)
			m = append(m, v)
		case op == 6 && len(m) > 0:
			left := rng.Intn(2) == 0
			got := l.Pop(left)
			want := m[len(m)-1]
			if left {
				want, m = m[0], m[1:]
			} else {
				m = m[:len(m)-1]
			}
			if got != want {
				t.Fatalf("step %d: Pop(%v) = %q, want %q", step, left, got, want)
			}
		case op == 7:
			i := rng.Intn(len(m) + 1)
			l.Insert(i, v)
			m = slices.Insert(m, i, v)
		case op == 8 && len(m) > 0:
			count := int64(rng.Intn(5) - 2)
			got := l.Remove(v, count)
			want := modelRemove(&m, v, count)
			if got != want {
				t.Fatalf("step %d: Remove(%q, %d) = %d, want %d", step, v, count, got, want)
			}
		case op == 9 && len(m) > 0 && rng.Intn(20) == 0:
			start := rng.Intn(len(m))
			n := rng.Intn(len(m) - start + 1)
			l.Trim(start, n)
			m = append([]string(nil), m[start:start+n]...)
		}
		if l.Len() != len(m) {
			t.Fatalf("step %d: Len %d, want %d", step, l.Len(), len(m))
		}
		if step%97 == 0 && !slices.Equal(listElems(l), m) {
			t.Fatalf("step %d: elements %v, want %v", step, listElems(l), m)
		}
	}
}

func modelRemove(m *[]string, v string, count int64) int {
	s := *m
	removed := 0
	if count >= 0 {
		var out []string
		for _, e := range s {
			if e == v && (count == 0 || int64(removed) < count) {
				removed++
				continue
			}
			out = append(out, e)
		}
		*m = out
		return removed
	}
	var rev []string
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == v && int64(removed) < -count {
			removed++
			continue
		}
		rev = append(rev, s[i])
	}
	slices.Reverse(rev)
	*m = rev
	return removed
}

func TestListRangeAndIndexAcrossTheRingEnd(t *testing.T) {
	l := NewList(-2)
	for i := 0; i < 10; i++ {
		l.PushLeft(strconv.Itoa(i)) // wraps the ring
	}
	var got []string
	l.Range(2, 5, func(v string) { got = append(got, v) })
	if want := []string{"7", "6", "5", "4"}; !slices.Equal(got, want) {
		t.Fatalf("Range = %v, want %v", got, want)
	}
	l.Set(0, "x")
	if l.Index(0) != "x" || l.Index(9) != "0" {
		t.Fatalf("Index after Set: %q %q", l.Index(0), l.Index(9))
	}
}

func TestListDupIsIndependent(t *testing.T) {
	l := NewList(-2)
	l.PushRight("a")
	l.PushRight("b")
	d := l.Dup().(*List)
	d.PushRight("c")
	l.Set(0, "z")
	if got := listElems(d); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("dup = %v", got)
	}
	if got := listElems(l); !slices.Equal(got, []string{"z", "b"}) {
		t.Fatalf("original = %v", got)
	}
	if d.Encoding() != "quicklist" {
		t.Fatalf("encoding %q", d.Encoding())
	}
}

// TestListMemoryUsageMatchesRedis checks values measured on redis-server
// 7.0.15 (MEMORY USAGE minus the key's robj, sds and dictEntry).
func TestListMemoryUsageMatchesRedis(t *testing.T) {
	l := NewList(-2)
	for _, v := range []string{"a", "b", "c", "1", "2", "300"} {
		l.PushRight(v)
	}
	// MEMORY USAGE l = 160 = 16 (robj) + 8 (sds "l") + 24 (dictEntry) + 112.
	if got := l.MemoryUsage(5); got != 112 {
		t.Fatalf("small list: %d, want 112", got)
	}
	big := NewList(-2)
	for i := 1; i <= 5000; i++ {
		big.PushRight("element-" + strconv.Itoa(i))
	}
	// MEMORY USAGE big = 74176 (SAMPLES 5) and 69568 (SAMPLES 0), minus the
	// same 48 bytes of key overhead.
	if got := big.MemoryUsage(5); got != 74176-48 {
		t.Fatalf("big list, 5 samples: %d, want %d", got, 74176-48)
	}
	if got := big.MemoryUsage(0); got != 69568-48 {
		t.Fatalf("big list, all samples: %d, want %d", got, 69568-48)
	}
}

func BenchmarkListRange100(b *testing.B) {
	l := NewList(-2)
	for i := 0; i < 600; i++ {
		l.PushLeft("xxx")
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		l.Range(0, 99, func(v string) { buf = append(buf, v...) })
	}
}

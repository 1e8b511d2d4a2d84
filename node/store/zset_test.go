package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// checkZSet compares z with the reference entries ref (in any order) and
// checks the tree's invariants: child counts, lower bounds and leaf links.
func checkZSet(t *testing.T, z *ZSet, ref map[string]float64) {
	t.Helper()
	want := make([]zentry, 0, len(ref))
	for m, s := range ref {
		want = append(want, zentry{member: m, score: s})
	}
	sort.Slice(want, func(i, j int) bool { return zless(&want[i], &want[j]) })
	if z.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", z.Len(), len(want))
	}
	var got []zentry
	z.Ascend(0, func(m string, s float64) bool {
		got = append(got, zentry{m, s})
		return true
	})
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Ascend = %v, want %v", got, want)
	}
	var back []zentry
	z.Descend(z.Len()-1, func(m string, s float64) bool {
		back = append(back, zentry{m, s})
		return true
	})
	for i := range back {
		if back[i] != want[len(want)-1-i] {
			t.Fatalf("Descend differs at %d: %v", i, back[i])
		}
	}
	for i, e := range want {
		if m, s := z.At(i); m != e.member || s != e.score {
			t.Fatalf("At(%d) = %s %v, want %v", i, m, s, e)
		}
		if r, s, ok := z.Rank([]byte(e.member)); !ok || r != i || s != e.score {
			t.Fatalf("Rank(%s) = %d %v %v, want %d", e.member, r, s, ok, i)
		}
	}
	if n := checkNode(t, z.root, nil, nil); n != z.Len() {
		t.Fatalf("tree holds %d entries, Len %d", n, z.Len())
	}
}

func checkNode(t *testing.T, n *znode, lo, hi *zentry) int {
	t.Helper()
	if n.leaf() {
		for i := range n.items {
			e := &n.items[i]
			if (lo != nil && zless(e, lo)) || (hi != nil && !zless(e, hi)) {
				t.Fatalf("entry %v outside its bounds", *e)
			}
			if i > 0 && !zless(&n.items[i-1], e) {
				t.Fatalf("leaf out of order at %v", *e)
			}
		}
		if n.next != nil && n.next.prev != n {
			t.Fatal("broken leaf links")
		}
		return len(n.items)
	}
	total := 0
	for i, k := range n.kids {
		klo, khi := lo, hi
		if i > 0 {
			klo = &n.mins[i]
		}
		if i+1 < len(n.kids) {
			khi = &n.mins[i+1]
		}
		c := checkNode(t, k, klo, khi)
		if c != n.cnt[i] || c == 0 {
			t.Fatalf("child count %d, recorded %d", c, n.cnt[i])
		}
		total += c
	}
	return total
}

func TestZSetRandomOpsMatchReference(t *testing.T) {
	for _, listpack := range []bool{true, false} {
		seed := uint64(42)
		t.Logf("seed %d listpack %v", seed, listpack)
		rng := rand.New(rand.NewPCG(seed, 1))
		z := NewZSet(listpack)
		ref := map[string]float64{}
		for step := 0; step < 20000; step++ {
			m := fmt.Sprintf("m%d", rng.IntN(3000))
			s := float64(rng.IntN(50))
			switch op := rng.IntN(10); {
			case op < 6:
				if old, ok := ref[m]; ok {
					z.Update(m, old, s)
				} else {
					z.Insert(m, s)
				}
				ref[m] = s
			case op < 9:
				if z.Delete([]byte(m)) != (ref[m] != 0 || hasKey(ref, m)) {
					t.Fatalf("Delete(%s) disagrees", m)
				}
				delete(ref, m)
			default:
				if z.Len() > 0 {
					r := rng.IntN(z.Len())
					dm, _ := z.DeleteRank(r)
					delete(ref, dm)
				}
			}
			if step%2000 == 0 {
				checkZSet(t, z, ref)
			}
		}
		checkZSet(t, z, ref)
		for z.Len() > 0 {
			m, _ := z.DeleteRank(0)
			delete(ref, m)
		}
		checkZSet(t, z, ref)
	}
}

func hasKey(m map[string]float64, k string) bool { _, ok := m[k]; return ok }

func TestZSetSequentialInsertsFillLeaves(t *testing.T) {
	z := NewZSet(false)
	for i := 0; i < 10000; i++ {
		z.Insert(fmt.Sprintf("m%06d", i), float64(i))
	}
	leaves := 0
	for n, _ := z.seek(0); n != nil; n = n.next {
		leaves++
	}
	if want := (10000 + zLeafMax - 1) / zLeafMax; leaves > want+1 {
		t.Fatalf("%d leaves for 10000 sorted inserts, want about %d", leaves, want)
	}
}

func TestZSetScoreSpan(t *testing.T) {
	z := NewZSet(false)
	for i := 0; i < 500; i++ {
		z.Insert(fmt.Sprint(i), float64(i/2))
	}
	cases := []struct {
		r      ScoreRange
		lo, hi int
	}{
		{ScoreRange{Min: 10, Max: 20}, 20, 42},
		{ScoreRange{Min: 10, Max: 20, MinEx: true, MaxEx: true}, 22, 40},
		{ScoreRange{Min: math.Inf(-1), Max: math.Inf(1)}, 0, 500},
		{ScoreRange{Min: 5, Max: 5, MinEx: true}, 0, 0},
		{ScoreRange{Min: 7, Max: 3}, 0, 0},
		{ScoreRange{Min: 1000, Max: 2000}, 500, 500},
	}
	for _, c := range cases {
		if lo, hi := z.ScoreSpan(c.r); lo != c.lo || hi != c.hi {
			t.Errorf("ScoreSpan(%+v) = %d,%d want %d,%d", c.r, lo, hi, c.lo, c.hi)
		}
	}
}

func TestZSetLexSpanListpackFollowsLinearWalk(t *testing.T) {
	for _, listpack := range []bool{true, false} {
		z := NewZSet(listpack)
		for _, m := range []string{"a", "b", "c", "d", "e"} {
			z.Insert(m, 0)
		}
		r := LexRange{Min: LexBound{S: "b"}, Max: LexBound{S: "d", Ex: true}}
		if lo, hi := z.LexSpan(r, false); lo != 1 || hi != 3 {
			t.Errorf("listpack=%v [b (d = %d,%d want 1,3", listpack, lo, hi)
		}
		if lo, hi := z.LexSpan(r, true); lo != 1 || hi != 3 {
			t.Errorf("listpack=%v rev [b (d = %d,%d want 1,3", listpack, lo, hi)
		}
		all := LexRange{Min: LexBound{Inf: -1, Ex: true}, Max: LexBound{Inf: 1, Ex: true}}
		if lo, hi := z.LexSpan(all, false); lo != 0 || hi != 5 {
			t.Errorf("- + = %d,%d", lo, hi)
		}
		none := LexRange{Min: LexBound{Inf: 1, Ex: true}, Max: LexBound{Inf: -1, Ex: true}}
		if lo, hi := z.LexSpan(none, false); lo != hi {
			t.Errorf("+ - not empty: %d,%d", lo, hi)
		}
	}
}

func TestZSetListpackStoresNegativeZeroAsZero(t *testing.T) {
	lp, sl := NewZSet(true), NewZSet(false)
	lp.Insert("a", math.Copysign(0, -1))
	sl.Insert("a", math.Copysign(0, -1))
	if s, _ := lp.Score([]byte("a")); math.Signbit(s) {
		t.Error("listpack kept -0")
	}
	if s, _ := sl.Score([]byte("a")); !math.Signbit(s) {
		t.Error("skiplist lost -0")
	}
}

func TestZSetDupIsIndependent(t *testing.T) {
	z := NewZSet(true)
	z.Insert("a", 1)
	d := z.Dup().(*ZSet)
	d.Insert("b", 2)
	if z.Len() != 1 || d.Len() != 2 || d.Encoding() != "listpack" {
		t.Fatalf("Dup shares state: %d %d %s", z.Len(), d.Len(), d.Encoding())
	}
	z.ConvertToSkiplist()
	if z.Encoding() != "skiplist" {
		t.Fatal("conversion failed")
	}
	if s, ok := z.Score([]byte("a")); !ok || s != 1 {
		t.Fatal("conversion lost a member")
	}
}

func TestZSetMemoryUsageListpack(t *testing.T) {
	z := NewZSet(true)
	z.Insert("a", 1)
	// Header 6, "a" 2+1, score 1 as int 1+1, end 1: 12 bytes, class 16.
	if got := z.MemoryUsage(5); got != 16 {
		t.Fatalf("MemoryUsage = %d, want 16", got)
	}
}

func BenchmarkZSetInsertRandom(b *testing.B) {
	z := NewZSet(false)
	rng := rand.New(rand.NewPCG(1, 2))
	members := make([]string, 1<<16)
	for i := range members {
		members[i] = fmt.Sprintf("element:%d", i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := members[i&(1<<16-1)]
		s := float64(rng.IntN(1 << 20))
		if old, ok := z.Score([]byte(m)); ok {
			z.Update(m, old, s)
		} else {
			z.Insert(m, s)
		}
	}
}

package slots

import (
	"reflect"
	"testing"
)

func TestSetRangesAreMaximalAscendingRuns(t *testing.T) {
	var s Set
	for _, x := range []Slot{0, 1, 2, 5, 16383, 100, 101} {
		s.Add(x)
	}
	want := []Range{{0, 2}, {5, 5}, {100, 101}, {16383, 16383}}
	if got := s.Ranges(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Ranges = %v, want %v", got, want)
	}
	if s.Count() != 7 {
		t.Fatalf("Count = %d, want 7", s.Count())
	}
	back := SetOf(s.Ranges())
	if back != s {
		t.Fatal("SetOf(Ranges) differs from the original set")
	}
	s.Remove(1)
	if s.Has(1) || !s.Has(2) {
		t.Fatal("Remove(1) touched the wrong bits")
	}
	if got := (Range{3, 3}).String() + " " + (Range{0, 5460}).String(); got != "3 0-5460" {
		t.Fatalf("Range.String = %q", got)
	}
	var e Set
	if !e.Empty() || s.Empty() {
		t.Fatal("Empty is wrong")
	}
}

// TestRangesMatchesABitByBitWalk compares Ranges with the obvious walk on
// random and patterned sets.
func TestRangesMatchesABitByBitWalk(t *testing.T) {
	naive := func(set *Set) []Range {
		var out []Range
		start := -1
		for s := 0; s <= NumSlots; s++ {
			in := s < NumSlots && set.Has(Slot(s))
			if in && start < 0 {
				start = s
			} else if !in && start >= 0 {
				out = append(out, Range{Slot(start), Slot(s - 1)})
				start = -1
			}
		}
		return out
	}
	seed := uint64(0x5107d)
	next := func() uint64 {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return seed
	}
	for round := 0; round < 300; round++ {
		var set Set
		for i := range set {
			switch next() % 4 {
			case 0:
				set[i] = 0
			case 1:
				set[i] = ^uint64(0)
			default:
				set[i] = next()
			}
		}
		if got, want := set.Ranges(), naive(&set); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: Ranges differs from the bit-by-bit walk:\n got %v\nwant %v", round, got, want)
		}
	}
	var full Set
	for i := range full {
		full[i] = ^uint64(0)
	}
	if got := full.Ranges(); len(got) != 1 || got[0] != (Range{0, NumSlots - 1}) {
		t.Fatalf("full set: %v", got)
	}
}

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

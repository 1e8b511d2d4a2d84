package slots

import (
	"math/bits"
	"strconv"
)

// Set is a set of slots as a 16384-bit bitmap, the form Redis keeps in
// clusterNode.slots. The zero value is empty.
type Set [NumSlots / 64]uint64

// Add puts s in the set.
func (set *Set) Add(s Slot) { set[s>>6] |= 1 << (s & 63) }

// Remove takes s out of the set.
func (set *Set) Remove(s Slot) { set[s>>6] &^= 1 << (s & 63) }

// Has reports whether s is in the set.
func (set *Set) Has(s Slot) bool { return set[s>>6]&(1<<(s&63)) != 0 }

// Count returns how many slots the set holds.
func (set *Set) Count() int {
	n := 0
	for _, w := range set {
		n += bits.OnesCount64(w)
	}
	return n
}

// Empty reports whether the set holds no slot.
func (set *Set) Empty() bool {
	for _, w := range set {
		if w != 0 {
			return false
		}
	}
	return true
}

// Range is an inclusive run of slots, Start <= End.
type Range struct {
	Start, End Slot
}

// String formats the range as CLUSTER NODES does: "5" or "0-5460".
func (r Range) String() string {
	if r.Start == r.End {
		return strconv.Itoa(int(r.Start))
	}
	return strconv.Itoa(int(r.Start)) + "-" + strconv.Itoa(int(r.End))
}

// Ranges returns the set as ascending maximal runs. It walks the bitmap a
// word at a time, so sparse and dense sets both cost little.
func (set *Set) Ranges() []Range {
	var out []Range
	start := -1
	for wi, w := range set {
		base := wi * 64
		switch {
		case w == 0:
			if start >= 0 {
				out = append(out, Range{Slot(start), Slot(base - 1)})
				start = -1
			}
			continue
		case w == ^uint64(0):
			if start < 0 {
				start = base
			}
			continue
		}
		for bit := 0; bit < 64; {
			if start < 0 {
				// Skip to the next set bit.
				rest := w >> uint(bit)
				if rest == 0 {
					break
				}
				bit += bits.TrailingZeros64(rest)
				start = base + bit
			}
			// Skip to the next clear bit.
			rest := ^w >> uint(bit)
			if rest == 0 {
				break // the run continues into the next word
			}
			bit += bits.TrailingZeros64(rest)
			out = append(out, Range{Slot(start), Slot(base + bit - 1)})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, Range{Slot(start), Slot(NumSlots - 1)})
	}
	return out
}

// SetOf returns the set holding every slot of the given ranges. Ranges
// with Start > End or beyond the last slot are ignored.
func SetOf(rs []Range) Set {
	var set Set
	for _, r := range rs {
		if r.Start > r.End || int(r.End) >= NumSlots {
			continue
		}
		for s := int(r.Start); s <= int(r.End); s++ {
			set.Add(Slot(s))
		}
	}
	return set
}

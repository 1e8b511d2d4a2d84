package clustercli

import (
	"reflect"
	"testing"
)

func slotsFrom(lo, hi int) []int {
	var out []int
	for s := lo; s <= hi; s++ {
		out = append(out, s)
	}
	return out
}

// The expected tables follow clusterManagerComputeReshardTable: sources by
// slot count descending, each giving its lowest slots, its share rounded
// up for the first source and down for the others.
func TestComputeReshardTableFollowsRedisCli(t *testing.T) {
	items := func(src, lo, hi int) []ReshardItem {
		var out []ReshardItem
		for s := lo; s <= hi; s++ {
			out = append(out, ReshardItem{Source: src, Slot: s})
		}
		return out
	}
	tests := []struct {
		name     string
		sources  []ReshardSource
		numSlots int
		want     []ReshardItem
	}{
		{"the larger source goes first", []ReshardSource{{"a", slotsFrom(0, 99)}, {"b", slotsFrom(100, 299)}}, 30,
			append(items(1, 100, 119), items(0, 0, 9)...)},
		{"the first share is rounded up", []ReshardSource{{"a", slotsFrom(0, 2)}, {"b", slotsFrom(3, 5)}, {"c", slotsFrom(6, 8)}}, 4,
			append(append(items(0, 0, 1), items(1, 3, 3)...), items(2, 6, 6)...)},
		{"one source", []ReshardSource{{"a", []int{5, 9, 700}}}, 2, []ReshardItem{{0, 5}, {0, 9}}},
		{"more slots than the sources have", []ReshardSource{{"a", []int{1, 2}}}, 5, items(0, 1, 2)},
		{"no slots at all", []ReshardSource{{"a", nil}}, 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ComputeReshardTable(tt.sources, tt.numSlots); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ComputeReshardTable = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWithoutSlotSplitsRanges(t *testing.T) {
	tests := []struct {
		in   []SlotRange
		slot int
		want []SlotRange
	}{
		{[]SlotRange{{0, 10}}, 5, []SlotRange{{0, 4}, {6, 10}}},
		{[]SlotRange{{0, 10}}, 0, []SlotRange{{1, 10}}},
		{[]SlotRange{{0, 10}}, 10, []SlotRange{{0, 9}}},
		{[]SlotRange{{3, 3}, {7, 8}}, 3, []SlotRange{{7, 8}}},
		{[]SlotRange{{0, 10}}, 11, []SlotRange{{0, 10}}},
	}
	for _, tt := range tests {
		if got := withoutSlot(tt.in, tt.slot); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("withoutSlot(%v, %d) = %v, want %v", tt.in, tt.slot, got, tt.want)
		}
	}
}

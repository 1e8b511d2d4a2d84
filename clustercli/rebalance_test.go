package clustercli

import (
	"reflect"
	"testing"
)

// The expected plans follow clusterManagerCommandRebalance step by step:
// expected = (int)(16384/total*weight), balance = slots-expected, the
// rounding correction, then givers matched with takers by sorted balance.
func TestPlanRebalanceFollowsRedisCli(t *testing.T) {
	tests := []struct {
		name      string
		nodes     []BalanceNode
		threshold float64
		balance   []int
		needed    bool
		moves     []RebalanceMove
	}{
		{
			name:      "an empty master joins three",
			nodes:     []BalanceNode{{"a", 5461, 1}, {"b", 5462, 1}, {"c", 5461, 1}, {"d", 0, 1}},
			threshold: 2,
			balance:   []int{1365, 1366, 1365, -4096},
			needed:    true,
			moves:     []RebalanceMove{{From: 1, To: 3, Slots: 1366}, {From: 2, To: 3, Slots: 1365}, {From: 0, To: 3, Slots: 1365}},
		},
		{
			name:      "weights",
			nodes:     []BalanceNode{{"a", 16384, 1}, {"b", 0, 3}},
			threshold: 2,
			balance:   []int{12288, -12288},
			needed:    true,
			moves:     []RebalanceMove{{From: 0, To: 1, Slots: 12288}},
		},
		{
			name:      "rounding leaves one slot for the first taker",
			nodes:     []BalanceNode{{"a", 16384, 1}, {"b", 0, 1}, {"c", 0, 1}},
			threshold: 2,
			balance:   []int{10923, -5462, -5461},
			needed:    true,
			moves:     []RebalanceMove{{From: 0, To: 1, Slots: 5462}, {From: 0, To: 2, Slots: 5461}},
		},
		{
			name:      "within the threshold",
			nodes:     []BalanceNode{{"a", 5461, 1}, {"b", 5462, 1}, {"c", 5461, 1}},
			threshold: 2,
			balance:   []int{0, 1, 0},
		},
		{
			name:      "a zero threshold never rebalances",
			nodes:     []BalanceNode{{"a", 16384, 1}, {"b", 0, 1}},
			threshold: 0,
			balance:   []int{8192, -8192},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := PlanRebalance(tt.nodes, tt.threshold)
			if plan.Needed != tt.needed || !reflect.DeepEqual(plan.Balance, tt.balance) || !reflect.DeepEqual(plan.Moves, tt.moves) {
				t.Errorf("PlanRebalance = needed %v balance %v moves %v; want %v %v %v",
					plan.Needed, plan.Balance, plan.Moves, tt.needed, tt.balance, tt.moves)
			}
			moved := map[int]int{}
			for _, mv := range plan.Moves {
				moved[mv.From] -= mv.Slots
				moved[mv.To] += mv.Slots
			}
			for i, b := range plan.Balance {
				if tt.needed && moved[i] != -b {
					t.Errorf("node %d: plan moves %d slots, balance says %d", i, moved[i], -b)
				}
			}
		})
	}
}

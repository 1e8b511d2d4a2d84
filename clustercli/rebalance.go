package clustercli

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// BalanceNode is one master as rebalance weighs it.
type BalanceNode struct {
	ID     string
	Slots  int
	Weight float64
}

// RebalanceMove is one step of a rebalance plan: move Slots slots from the
// node at index From to the node at index To (indexes into the nodes given
// to PlanRebalance).
type RebalanceMove struct {
	From, To int
	Slots    int
}

// RebalancePlan is what PlanRebalance computes.
type RebalancePlan struct {
	// TotalWeight is the sum of the weights of the nodes involved.
	TotalWeight float64
	// Balance is, per node, how many slots it must give (positive) or gain
	// (negative), after the rounding correction.
	Balance []int
	// Needed is false when every node is within the threshold.
	Needed bool
	// Moves lists the moves in the order redis-cli makes them.
	Moves []RebalanceMove
}

// PlanRebalance computes the moves of clusterManagerCommandRebalance for
// nodes (the masters involved) and threshold (a percentage): each node
// should serve 16384*weight/total slots; when some node is off by more than
// threshold percent, the nodes are sorted by balance and slots move from the
// node with the largest surplus to the one with the largest deficit until
// every balance is zero. The arithmetic is float32, like redis-cli's.
func PlanRebalance(nodes []BalanceNode, threshold float64) RebalancePlan {
	var total float32
	for _, n := range nodes {
		total += float32(n.Weight)
	}
	plan := RebalancePlan{TotalWeight: float64(total), Balance: make([]int, len(nodes))}
	totalBalance := 0
	for i, n := range nodes {
		expected := int(float32(SlotCount) / total * float32(n.Weight))
		plan.Balance[i] = n.Slots - expected
		totalBalance += plan.Balance[i]
		if threshold > 0 {
			if n.Slots > 0 {
				errPerc := math.Abs(100 - 100.0*float64(expected)/float64(n.Slots))
				if float32(errPerc) > float32(threshold) {
					plan.Needed = true
				}
			} else if expected > 1 {
				plan.Needed = true
			}
		}
	}
	if !plan.Needed {
		return plan
	}
	// Rounding may leave the balances summing above zero: nodes that take
	// slots take one more each until givers and takers match.
	for totalBalance > 0 {
		for i := range nodes {
			if plan.Balance[i] <= 0 && totalBalance > 0 {
				plan.Balance[i]--
				totalBalance--
			}
		}
	}
	order := make([]int, len(nodes))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return plan.Balance[order[a]] < plan.Balance[order[b]] })
	balance := append([]int(nil), plan.Balance...)
	dst, src := 0, len(order)-1
	for dst < src {
		d, s := order[dst], order[src]
		num := min(abs(balance[d]), abs(balance[s]))
		if num > 0 {
			plan.Moves = append(plan.Moves, RebalanceMove{From: s, To: d, Slots: num})
		}
		balance[d] += num
		balance[s] -= num
		if balance[d] == 0 {
			dst++
		}
		if balance[s] == 0 {
			src--
		}
	}
	return plan
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// nodeByAbbreviatedID returns the loaded node whose ID starts with prefix
// when exactly one does (clusterManagerNodeByAbbreviatedName).
func (m *ClusterManager) nodeByAbbreviatedID(prefix string) *ClusterNode {
	var found *ClusterNode
	for _, n := range m.Nodes {
		if strings.HasPrefix(n.Info.ID, prefix) {
			if found != nil {
				return nil
			}
			found = n
		}
	}
	return found
}

// Rebalance moves slots so that every master serves a share proportional
// to its weight (clusterManagerCommandRebalance).
func (m *ClusterManager) Rebalance() error {
	weights := map[*ClusterNode]float64{}
	for _, w := range m.cfg.Weights {
		name, value, ok := strings.Cut(w, "=")
		if !ok {
			return fmt.Errorf("%w: --cluster-weight %q is not id=weight", ErrUsage, w)
		}
		n := m.nodeByAbbreviatedID(name)
		if n == nil {
			m.printf("*** No such master node %s\n", name)
			return ErrAborted
		}
		f, _ := strconv.ParseFloat(value, 64) // atof: a bad number weighs 0
		weights[n] = f
	}
	var involved []*ClusterNode
	var nodes []BalanceNode
	for _, n := range m.Nodes {
		if n.Info.IsReplica() {
			continue
		}
		if !m.cfg.UseEmptyMasters && n.Info.SlotsCount() == 0 {
			continue
		}
		w, ok := weights[n]
		if !ok {
			w = 1
		}
		involved = append(involved, n)
		nodes = append(nodes, BalanceNode{ID: n.Info.ID, Slots: n.Info.SlotsCount(), Weight: w})
	}
	m.CheckCluster(true)
	if len(m.Errors) > 0 {
		m.printf("*** Please fix your cluster problems before rebalancing\n")
		return ErrAborted
	}
	plan := PlanRebalance(nodes, m.cfg.Threshold)
	if !plan.Needed {
		m.printf("*** No rebalancing needed! All nodes are within the %.2f%% threshold.\n", m.cfg.Threshold)
		return nil
	}
	m.printf(">>> Rebalancing across %d nodes. Total weight = %.2f\n", len(involved), plan.TotalWeight)
	for _, mv := range plan.Moves {
		src, dst := involved[mv.From], involved[mv.To]
		m.printf("Moving %d slots from %s to %s\n", mv.Slots, src.Addr, dst.Addr)
		table := ComputeReshardTable(reshardSourcesOf([]*ClusterNode{src}), mv.Slots)
		if len(table) != mv.Slots {
			m.printf("*** Assertion failed: Reshard table != number of slots")
			return ErrAborted
		}
		for _, it := range table {
			if !m.cfg.Simulate {
				if err := m.MoveSlot(src, dst, it.Slot, moveOpts{quiet: true, update: true}); err != nil {
					return err
				}
			}
			m.printf("#")
		}
		m.printf("\n")
	}
	return nil
}

// runRebalance mirrors clusterManagerCommandRebalance.
func (c *command) runRebalance(addr string) int {
	m, ok := c.loadCluster(addr)
	if !ok {
		return 1
	}
	defer m.Close()
	return exitCode(m.Rebalance())
}

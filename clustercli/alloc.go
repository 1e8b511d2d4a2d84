package clustercli

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// PlanNode is one node given to create, in command-line order.
type PlanNode struct {
	// Host is the host as given on the command line. Nodes with the same
	// Host are taken to share a machine, as redis-cli does.
	Host string
	Port int
	// ID is the node ID; the planner uses it only in messages.
	ID string
}

// MasterSlots is the slot range Allocate gives one master.
type MasterSlots struct {
	Node        int // index into the nodes given to Allocate
	First, Last int // inclusive
}

// Plan is the allocation create applies.
type Plan struct {
	// Masters lists the masters in allocation order ("Master[i]").
	Masters []MasterSlots
	// MasterOf holds, per node, the index of the master it replicates, or
	// -1 for a master.
	MasterOf []int
	// Log holds the lines redis-cli prints while allocating.
	Log []string
}

// MastersCount returns how many masters create makes from nodes nodes with
// replicas replicas per master (CLUSTER_MANAGER_MASTERS_COUNT).
func MastersCount(nodes, replicas int) int { return nodes / (replicas + 1) }

// Allocate chooses masters, their slots and the replicas of each master
// like clusterManagerCommandCreate: the nodes are interleaved by host, the
// first MastersCount of them become masters and split the slots evenly, and
// each master takes replicas from the rest (rotated by one), preferring nodes
// on other hosts;
// nodes left over become extra replicas. Then
// clusterManagerOptimizeAntiAffinity swaps replicas at random (rng) to keep
// replicas off their master's host. Allocate is pure.
func Allocate(nodes []PlanNode, replicas int, rng *rand.Rand) (Plan, error) {
	mastersCount := MastersCount(len(nodes), replicas)
	if replicas < 0 || mastersCount < 3 {
		return Plan{}, fmt.Errorf("%w: %d nodes with %d replicas per master", ErrTooFewMasters, len(nodes), replicas)
	}
	var plan Plan
	logf := func(format string, args ...any) { plan.Log = append(plan.Log, fmt.Sprintf(format, args...)) }

	hostOrder, byHost := groupByHost(nodes)
	queues := make([][]int, len(hostOrder))
	for i, h := range hostOrder {
		queues[i] = append([]int(nil), byHost[h]...)
	}
	interleaved := make([]int, 0, len(nodes))
	for len(interleaved) < len(nodes) {
		for i := range queues {
			if len(queues[i]) > 0 {
				interleaved = append(interleaved, queues[i][0])
				queues[i] = queues[i][1:]
			}
		}
	}
	masters := interleaved[:mastersCount]
	pool := append([]int(nil), interleaved[mastersCount:]...)
	// Rotating the candidates by one, as redis-cli 7 does, often gives a
	// better anti-affinity before the optimizer runs.
	if len(pool) > 1 {
		pool = append(pool[1:], pool[0])
	}

	// float32 arithmetic and lround, as in redis-cli, so the boundaries
	// match for every master count.
	slotsPerNode := float32(SlotCount) / float32(mastersCount)
	first, cursor := 0, float32(0)
	for i, m := range masters {
		last := int(math.Round(float64(cursor + slotsPerNode - 1)))
		if last > SlotCount || i == mastersCount-1 {
			last = SlotCount - 1
		}
		if last < first {
			last = first
		}
		logf("Master[%d] -> Slots %d - %d", i, first, last)
		plan.Masters = append(plan.Masters, MasterSlots{Node: m, First: first, Last: last})
		first = last + 1
		cursor += slotsPerNode
	}

	plan.MasterOf = make([]int, len(nodes))
	for i := range plan.MasterOf {
		plan.MasterOf[i] = -1
	}
	available := len(pool)
	for assignUnused := false; ; assignUnused = true {
		for _, m := range masters {
			for assigned := 0; assigned < replicas && available > 0; assigned++ {
				pick, sameHost := -1, -1
				for j, n := range pool {
					if n < 0 {
						continue
					}
					if nodes[n].Host != nodes[m].Host {
						pick = j
						break
					}
					if sameHost < 0 {
						sameHost = j
					}
				}
				if pick < 0 {
					pick = sameHost
				}
				r := pool[pick]
				pool[pick] = -1
				available--
				plan.MasterOf[r] = m
				logf("Adding replica %s:%d to %s:%d", nodes[r].Host, nodes[r].Port, nodes[m].Host, nodes[m].Port)
				if assignUnused {
					break
				}
			}
		}
		if assignUnused || available == 0 {
			break
		}
		logf("Adding extra replicas...")
	}
	plan.Log = append(plan.Log, optimizeAntiAffinity(nodes, hostOrder, byHost, plan.MasterOf, rng)...)
	return plan, nil
}

// groupByHost returns the hosts in first-seen order and the node indices on
// each host in command-line order.
func groupByHost(nodes []PlanNode) ([]string, map[string][]int) {
	var order []string
	by := map[string][]int{}
	for i, n := range nodes {
		if _, ok := by[n.Host]; !ok {
			order = append(order, n.Host)
		}
		by[n.Host] = append(by[n.Host], i)
	}
	return order, by
}

// antiAffinityScore mirrors clusterManagerGetAntiAffinityScore. On each host,
// the nodes of one master's group (the master and its replicas) are counted:
// a master sharing its host with k of its replicas scores 10000*k, k >= 2
// replicas of one master sharing a host (without it) score k. The offenders
// are, per offending group, the first replica of that master on that host.
func antiAffinityScore(nodes []PlanNode, hostOrder []string, byHost map[string][]int, masterOf []int) (int, []int) {
	score := 0
	var offenders []int
	for _, host := range hostOrder {
		types := map[int]string{}
		var keys []int
		for _, n := range byHost[host] {
			key := n
			if masterOf[n] >= 0 {
				key = masterOf[n]
			}
			t, seen := types[key]
			if !seen {
				keys = append(keys, key)
			}
			if masterOf[n] >= 0 {
				t += "s"
			} else {
				t = "m" + t
			}
			types[key] = t
		}
		for _, key := range keys {
			t := types[key]
			if len(t) < 2 {
				continue
			}
			if t[0] == 'm' {
				score += 10000 * (len(t) - 1)
			} else {
				score += len(t)
			}
			for n := range nodes {
				if masterOf[n] == key && nodes[n].Host == host {
					offenders = append(offenders, n)
					break
				}
			}
		}
	}
	return score, offenders
}

// optimizeAntiAffinity mirrors clusterManagerOptimizeAntiAffinity: up to
// 500 random swaps per node of an offending replica's master with another
// replica's, undoing a swap only when it makes the score worse. It edits
// masterOf and returns the lines redis-cli prints.
func optimizeAntiAffinity(nodes []PlanNode, hostOrder []string, byHost map[string][]int, masterOf []int, rng *rand.Rand) []string {
	score, _ := antiAffinityScore(nodes, hostOrder, byHost, masterOf)
	if score == 0 {
		return nil
	}
	log := []string{">>> Trying to optimize slaves allocation for anti-affinity"}
	for maxiter := 500 * len(nodes); maxiter > 0; maxiter-- {
		var offenders []int
		score, offenders = antiAffinityScore(nodes, hostOrder, byHost, masterOf)
		if score == 0 || len(offenders) == 0 {
			break
		}
		first := offenders[rng.IntN(len(offenders))]
		var others []int
		for n := range nodes {
			if n != first && masterOf[n] >= 0 {
				others = append(others, n)
			}
		}
		if len(others) == 0 {
			break
		}
		second := others[rng.IntN(len(others))]
		masterOf[first], masterOf[second] = masterOf[second], masterOf[first]
		if s, _ := antiAffinityScore(nodes, hostOrder, byHost, masterOf); s > score {
			masterOf[first], masterOf[second] = masterOf[second], masterOf[first]
		}
	}
	score, _ = antiAffinityScore(nodes, hostOrder, byHost, masterOf)
	switch {
	case score == 0:
		log = append(log, "[OK] Perfect anti-affinity obtained!")
	case score >= 10000:
		log = append(log, "[WARNING] Some slaves are in the same host as their master")
	default:
		log = append(log, "[WARNING] Some slaves of the same master are in the same host")
	}
	return log
}

package clustercli

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

func planNodes(hosts ...string) []PlanNode {
	nodes := make([]PlanNode, len(hosts))
	for i, h := range hosts {
		nodes[i] = PlanNode{Host: h, Port: 7000 + i, ID: fmt.Sprintf("%040d", i)}
	}
	return nodes
}

func testRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// checkPlan verifies the invariants every plan keeps: the masters' ranges
// cover all slots without overlap, in order, and every other node
// replicates a master.
func checkPlan(t *testing.T, nodes []PlanNode, plan Plan, masters int) {
	t.Helper()
	if len(plan.Masters) != masters {
		t.Fatalf("%d masters, want %d", len(plan.Masters), masters)
	}
	next := 0
	isMaster := map[int]bool{}
	for _, m := range plan.Masters {
		if m.First != next || m.Last < m.First {
			t.Fatalf("master ranges %+v leave a gap or overlap at %d", plan.Masters, next)
		}
		next = m.Last + 1
		isMaster[m.Node] = true
	}
	if next != SlotCount {
		t.Fatalf("master ranges %+v end at %d, want %d", plan.Masters, next-1, SlotCount-1)
	}
	for i := range nodes {
		m := plan.MasterOf[i]
		switch {
		case isMaster[i] && m != -1:
			t.Fatalf("master %d also replicates %d", i, m)
		case !isMaster[i] && !isMaster[m]:
			t.Fatalf("node %d replicates %d, which is not a master (plan %+v)", i, m, plan)
		}
	}
}

func TestAllocateSixNodesOnOneHostLikeRedisCli(t *testing.T) {
	nodes := planNodes("127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1")
	plan, err := Allocate(nodes, 1, testRand())
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, nodes, plan, 3)
	wantMasters := []MasterSlots{{0, 0, 5460}, {1, 5461, 10922}, {2, 10923, 16383}}
	if !reflect.DeepEqual(plan.Masters, wantMasters) {
		t.Fatalf("masters %+v, want %+v", plan.Masters, wantMasters)
	}
	// The lines redis-cli 7.0 prints for the same nodes; the optimizer's
	// random swaps cannot help on one host and end with the warning.
	wantLog := []string{
		"Master[0] -> Slots 0 - 5460",
		"Master[1] -> Slots 5461 - 10922",
		"Master[2] -> Slots 10923 - 16383",
		"Adding replica 127.0.0.1:7004 to 127.0.0.1:7000",
		"Adding replica 127.0.0.1:7005 to 127.0.0.1:7001",
		"Adding replica 127.0.0.1:7003 to 127.0.0.1:7002",
		">>> Trying to optimize slaves allocation for anti-affinity",
		"[WARNING] Some slaves are in the same host as their master",
	}
	if !reflect.DeepEqual(plan.Log, wantLog) {
		t.Fatalf("log\n%q\nwant\n%q", plan.Log, wantLog)
	}
	seen := map[int]bool{}
	for _, r := range []int{3, 4, 5} {
		if seen[plan.MasterOf[r]] {
			t.Fatalf("two replicas of master %d: %v", plan.MasterOf[r], plan.MasterOf)
		}
		seen[plan.MasterOf[r]] = true
	}
}

func TestAllocateInterleavesHostsAndKeepsReplicasOffTheirMastersHost(t *testing.T) {
	nodes := planNodes("a", "a", "b", "b", "c", "c")
	plan, err := Allocate(nodes, 1, testRand())
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, nodes, plan, 3)
	// Interleaved order is a0 b2 c4 a1 b3 c5: one master per host.
	for i, want := range []int{0, 2, 4} {
		if plan.Masters[i].Node != want {
			t.Fatalf("Master[%d] is node %d, want %d", i, plan.Masters[i].Node, want)
		}
	}
	for _, r := range []int{1, 3, 5} {
		if nodes[r].Host == nodes[plan.MasterOf[r]].Host {
			t.Fatalf("replica %d shares host %s with its master %d: %v", r, nodes[r].Host, plan.MasterOf[r], plan.MasterOf)
		}
	}
	for _, l := range plan.Log {
		if l == ">>> Trying to optimize slaves allocation for anti-affinity" {
			t.Fatalf("the optimizer ran although the first assignment was perfect: %q", plan.Log)
		}
	}
}

func TestOptimizeAntiAffinitySwapsReplicasOffTheirMastersHost(t *testing.T) {
	nodes := planNodes("a", "a", "b", "b", "c", "c")
	hostOrder, byHost := groupByHost(nodes)
	// Every replica starts on its master's host.
	masterOf := []int{-1, 0, -1, 2, -1, 4}
	if score, offenders := antiAffinityScore(nodes, hostOrder, byHost, masterOf); score != 30000 || !reflect.DeepEqual(offenders, []int{1, 3, 5}) {
		t.Fatalf("score %d offenders %v, want 30000 [1 3 5]", score, offenders)
	}
	log := optimizeAntiAffinity(nodes, hostOrder, byHost, masterOf, testRand())
	want := []string{">>> Trying to optimize slaves allocation for anti-affinity", "[OK] Perfect anti-affinity obtained!"}
	if !reflect.DeepEqual(log, want) {
		t.Fatalf("log %q, want %q (masterOf %v)", log, want, masterOf)
	}
	for _, r := range []int{1, 3, 5} {
		if nodes[r].Host == nodes[masterOf[r]].Host {
			t.Fatalf("replica %d still on its master's host: %v", r, masterOf)
		}
	}
}

func TestAntiAffinityScoreCountsReplicasOfOneMasterOnOneHost(t *testing.T) {
	nodes := planNodes("a", "b", "c", "d", "d")
	hostOrder, byHost := groupByHost(nodes)
	// Nodes 3 and 4 both replicate node 0 from host d: two replicas of
	// one master on one host score 2, not 10000.
	masterOf := []int{-1, -1, -1, 0, 0}
	if score, offenders := antiAffinityScore(nodes, hostOrder, byHost, masterOf); score != 2 || !reflect.DeepEqual(offenders, []int{3}) {
		t.Fatalf("score %d offenders %v, want 2 [3]", score, offenders)
	}
}

func TestAllocateGivesLeftoverNodesAsExtraReplicas(t *testing.T) {
	nodes := planNodes("a", "b", "c", "a", "b", "c", "a")
	plan, err := Allocate(nodes, 1, testRand())
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, nodes, plan, 3)
	found := false
	for _, l := range plan.Log {
		found = found || l == "Adding extra replicas..."
	}
	if !found {
		t.Fatalf("no extra replicas line in %q", plan.Log)
	}
}

func TestAllocateSplitsSlotsForManyMasters(t *testing.T) {
	for masters := 3; masters <= 40; masters++ {
		hosts := make([]string, masters)
		for i := range hosts {
			hosts[i] = fmt.Sprint("h", i)
		}
		nodes := planNodes(hosts...)
		plan, err := Allocate(nodes, 0, testRand())
		if err != nil {
			t.Fatal(err)
		}
		checkPlan(t, nodes, plan, masters)
		for _, m := range plan.Masters {
			if n := m.Last - m.First + 1; n < SlotCount/masters-1 || n > SlotCount/masters+2 {
				t.Fatalf("%d masters: master %+v has %d slots", masters, m, n)
			}
		}
	}
}

func TestAllocateNeedsThreeMasters(t *testing.T) {
	tests := []struct {
		nodes, replicas int
	}{{2, 0}, {5, 1}, {8, 2}, {0, 0}}
	for _, tt := range tests {
		hosts := make([]string, tt.nodes)
		for i := range hosts {
			hosts[i] = "h"
		}
		if _, err := Allocate(planNodes(hosts...), tt.replicas, testRand()); !errors.Is(err, ErrTooFewMasters) {
			t.Errorf("Allocate(%d nodes, %d replicas) error %v, want ErrTooFewMasters", tt.nodes, tt.replicas, err)
		}
	}
}

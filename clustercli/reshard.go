package clustercli

import (
	"math"
	"sort"
	"strings"
)

// ReshardSource is a master that gives slots away, as the reshard table
// sees it: its slots in ascending order.
type ReshardSource struct {
	ID    string
	Slots []int
}

// ReshardItem is one slot to move and the index of its source in the
// sources given to ComputeReshardTable.
type ReshardItem struct {
	Source int
	Slot   int
}

// ComputeReshardTable picks numSlots slots from sources, like
// clusterManagerComputeReshardTable: sources are taken by slot count,
// largest first; each gives its share numSlots*count/total of its lowest
// slots, rounded up for the first and down for the others, until numSlots
// are chosen. Sources with equal counts keep their order.
func ComputeReshardTable(sources []ReshardSource, numSlots int) []ReshardItem {
	total := 0
	order := make([]int, len(sources))
	for i, s := range sources {
		total += len(s.Slots)
		order[i] = i
	}
	if total == 0 {
		return nil
	}
	sort.SliceStable(order, func(a, b int) bool { return len(sources[order[a]].Slots) > len(sources[order[b]].Slots) })
	var moved []ReshardItem
	for i, idx := range order {
		src := sources[idx]
		// float32 arithmetic, as redis-cli's: it decides the rounding.
		n := float64(float32(numSlots) / float32(total) * float32(len(src.Slots)))
		if i == 0 {
			n = math.Ceil(n)
		} else {
			n = math.Floor(n)
		}
		limit := int(n)
		for count, slot := range src.Slots {
			if count >= limit || len(moved) >= numSlots {
				break
			}
			moved = append(moved, ReshardItem{Source: idx, Slot: slot})
		}
	}
	return moved
}

// reshardSources returns the masters named by --cluster-from, or every
// master but the target for "all" (clusterNodeForResharding). It prints
// redis-cli's message and returns false for an unknown node or a replica.
func (m *ClusterManager) reshardSources(from string, target *ClusterNode) ([]*ClusterNode, bool) {
	var sources []*ClusterNode
	all := false
	for _, id := range strings.Split(from, ",") {
		if id == "all" {
			all = true
			break
		}
		if id == "" {
			continue
		}
		n := m.nodeForResharding(id)
		if n == nil {
			return nil, false
		}
		if n == target {
			m.printf("*** It is not possible to use the target node as source node.\n")
			continue
		}
		sources = append(sources, n)
	}
	if all {
		sources = sources[:0]
		for _, n := range m.Nodes {
			if n.Info.IsReplica() || n == target {
				continue
			}
			sources = append(sources, n)
		}
	}
	return sources, true
}

// nodeForResharding returns the master with the given ID, or prints
// redis-cli's message and returns nil.
func (m *ClusterManager) nodeForResharding(id string) *ClusterNode {
	n := m.NodeByID(id)
	if n == nil || n.Info.IsReplica() {
		m.printf("*** The specified node (%s) is not known or not a master, please retry.\n", id)
		return nil
	}
	return n
}

// Reshard moves --cluster-slots slots from the --cluster-from masters to
// the --cluster-to master (clusterManagerCommandReshard). confirm asks
// before the move unless --cluster-yes was given.
func (m *ClusterManager) Reshard(confirm func(string) bool) error {
	m.CheckCluster(false)
	if len(m.Errors) > 0 {
		m.printf("*** Please fix your cluster problems before resharding\n")
		return ErrAborted
	}
	target := m.nodeForResharding(m.cfg.To)
	if target == nil {
		return ErrAborted
	}
	sources, ok := m.reshardSources(m.cfg.From, target)
	if !ok {
		return ErrAborted
	}
	if len(sources) == 0 {
		m.printf("*** No source nodes given, operation aborted.\n")
		return ErrAborted
	}
	m.printf("\nReady to move %d slots.\n  Source nodes:\n", m.cfg.Slots)
	for _, s := range sources {
		m.printf("%s\n", indent(m.NodeDescription(s), 4))
	}
	m.printf("  Destination node:\n%s\n", indent(m.NodeDescription(target), 4))
	table := ComputeReshardTable(reshardSourcesOf(sources), m.cfg.Slots)
	m.printf("  Resharding plan:\n")
	for _, it := range table {
		m.printf("    Moving slot %d from %s\n", it.Slot, sources[it.Source].Info.ID)
	}
	if !m.cfg.Yes && !confirm("Do you want to proceed with the proposed reshard plan (yes/no)? ") {
		return ErrAborted
	}
	for _, it := range table {
		if err := m.MoveSlot(sources[it.Source], target, it.Slot, moveOpts{verbose: true}); err != nil {
			return err
		}
	}
	return nil
}

func reshardSourcesOf(nodes []*ClusterNode) []ReshardSource {
	out := make([]ReshardSource, len(nodes))
	for i, n := range nodes {
		out[i] = ReshardSource{ID: n.Info.ID, Slots: slotList(n.Info.Slots)}
	}
	return out
}

// indent prefixes every line of s with n spaces (clusterManagerNodeInfo's
// indent argument).
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

// runReshard mirrors clusterManagerCommandReshard.
func (c *command) runReshard(addr string) int {
	if c.cfg.From == "" || c.cfg.To == "" || c.cfg.Slots == 0 {
		c.eprintf("[ERR] reshard needs --cluster-from, --cluster-to and --cluster-slots.\n")
		return 1
	}
	m, ok := c.loadCluster(addr)
	if !ok {
		return 1
	}
	defer m.Close()
	return exitCode(m.Reshard(c.confirmRaw))
}

// exitCode maps an operation's result to the process status.
func exitCode(err error) int {
	if err != nil {
		return 1
	}
	return 0
}

// loadCluster connects to addr and loads the cluster from it, printing
// redis-cli's messages on failure.
func (c *command) loadCluster(addr string) (*ClusterManager, bool) {
	host, port, ok := splitHostPort(addr)
	if !ok {
		c.eprintf("[ERR] Invalid arguments: you need to pass either a valid address (ie. 120.0.0.1:7000) or space separated IP and port (ie. 120.0.0.1 7000)\n")
		return nil, false
	}
	conn, err := Dial(host, port, c.cfg)
	if err != nil {
		c.eprintf("Could not connect to Redis at %s: %v\n", joinHostPort(host, port), err)
		return nil, false
	}
	m := NewClusterManager(c.cfg, c.stdout)
	if !m.LoadFromNode(conn, nil) {
		return nil, false
	}
	return m, true
}

// confirmRaw prints prompt as it is and reports whether the answer starts
// with "yes", like reshard's own "(yes/no)" prompt in redis-cli.
func (c *command) confirmRaw(prompt string) bool {
	c.printf("%s", prompt)
	line, _ := c.answerReader().ReadString('\n')
	return strings.HasPrefix(line, "yes")
}

package clustercli

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// ClusterNode is one node as the manager knows it, from the node's own
// CLUSTER NODES view (its "myself" line). It mirrors clusterManagerNode.
type ClusterNode struct {
	// Info is the node's own line of CLUSTER NODES.
	Info NodeInfo
	// Addr is the address the manager talks to: the one from the command
	// line when the node was given there, else the announced one.
	Addr string
	// Conn is the open connection to the node.
	Conn *Conn
	// ReplicasCount is the number of loaded replicas that replicate it.
	ReplicasCount int
}

// ClusterManager holds the nodes of one cluster and the connections to them,
// like redis-cli's cluster_manager. Commands load it, then check or change
// the cluster through it.
type ClusterManager struct {
	cfg *Config
	out io.Writer
	// Nodes lists the reachable nodes: the seed first, then the others in
	// the seed's CLUSTER NODES order.
	Nodes []*ClusterNode
	// Unreachable lists the nodes the seed knows that could not be loaded,
	// with the reason.
	Unreachable []UnreachableNode
	// Errors collects the [ERR] and [WARNING] lines of the last check
	// (clusterManagerOnError).
	Errors []string
	// Confirm asks the user to accept a fix (confirmWithYes); nil accepts.
	Confirm func(msg string) bool
}

// UnreachableNode is a node the seed knows but the manager could not load.
type UnreachableNode struct {
	Info   NodeInfo // the seed's line for it
	Reason string
}

// NewClusterManager returns an empty manager that prints to out.
func NewClusterManager(cfg *Config, out io.Writer) *ClusterManager {
	return &ClusterManager{cfg: cfg, out: out}
}

func (m *ClusterManager) printf(format string, args ...any) {
	fmt.Fprintf(m.out, format, args...)
}

// NodeByID returns the loaded node with the given ID, or nil.
func (m *ClusterManager) NodeByID(id string) *ClusterNode {
	for _, n := range m.Nodes {
		if n.Info.ID == id {
			return n
		}
	}
	return nil
}

// Close closes every connection the manager holds.
func (m *ClusterManager) Close() {
	for _, n := range m.Nodes {
		n.Conn.Close()
	}
	m.Nodes = nil
}

// LoadNodeInfo reads a node's CLUSTER NODES and returns its own line and all
// lines (clusterManagerNodeLoadInfo).
func LoadNodeInfo(c *Conn) (NodeInfo, []NodeInfo, error) {
	text, err := c.DoString("CLUSTER", "NODES")
	if err != nil {
		return NodeInfo{}, nil, err
	}
	all, err := ParseNodes(text)
	if err != nil {
		return NodeInfo{}, nil, err
	}
	me, ok := Myself(all)
	if !ok {
		return NodeInfo{}, nil, fmt.Errorf("%w: no myself line", ErrMalformedNodes)
	}
	return me, all, nil
}

// IsClusterNode reports whether INFO says cluster_enabled:1
// (clusterManagerNodeIsCluster).
func IsClusterNode(c *Conn) (bool, error) {
	info, err := c.DoString("INFO", "cluster")
	if err != nil {
		return false, err
	}
	v, _ := InfoField(info, "cluster_enabled")
	return v == "1", nil
}

// LoadFromNode loads the cluster as seen by seed, like
// clusterManagerLoadInfoFromNode. open holds connections already opened to
// other nodes, keyed by node ID; they are used instead of dialling the
// announced address, which may be unreachable from here. The manager takes
// ownership of seed (closing it on failure) and of the connections it uses
// from open; the caller keeps the ones left in open. It prints redis-cli's
// messages and returns false when the seed itself is unusable.
func (m *ClusterManager) LoadFromNode(seed *Conn, open map[string]*Conn) bool {
	ok, err := IsClusterNode(seed)
	if err != nil {
		m.printf("Node %s replied with error:\n%s\n", seed.Addr(), err)
		seed.Close()
		return false
	}
	if !ok {
		m.printf("[ERR] Node %s is not configured as a cluster node.\n", seed.Addr())
		seed.Close()
		return false
	}
	me, all, err := LoadNodeInfo(seed)
	if err != nil {
		m.printf("Node %s replied with error:\n%s\n", seed.Addr(), err)
		seed.Close()
		return false
	}
	m.Nodes = []*ClusterNode{{Info: me, Addr: seed.Addr(), Conn: seed}}
	m.Unreachable = nil
	for _, friend := range all {
		if friend.HasFlag("myself") {
			continue
		}
		n, reason := m.loadFriend(friend, open)
		if n == nil {
			m.Unreachable = append(m.Unreachable, UnreachableNode{Info: friend, Reason: reason})
			continue
		}
		m.Nodes = append(m.Nodes, n)
	}
	for _, n := range m.Nodes {
		if n.Info.MasterID == "" {
			continue
		}
		if master := m.NodeByID(n.Info.MasterID); master != nil {
			master.ReplicasCount++
		} else {
			m.printf("*** WARNING: %s claims to be slave of unknown node ID %s.\n", n.Addr, n.Info.MasterID)
		}
	}
	return true
}

// loadFriend loads one node the seed knows, through an open connection when
// there is one for its ID, else by dialling its announced address.
func (m *ClusterManager) loadFriend(friend NodeInfo, open map[string]*Conn) (*ClusterNode, string) {
	c, opened := open[friend.ID]
	if opened {
		delete(open, friend.ID)
	} else {
		if friend.IP == "" || friend.Port == 0 || friend.HasFlag("noaddr") {
			return nil, "it has no address"
		}
		var err error
		if c, err = Dial(friend.IP, friend.Port, m.cfg); err != nil {
			m.printf("Could not connect to Redis at %s: %v\n", friend.Addr(), err)
			return nil, err.Error()
		}
	}
	me, _, err := LoadNodeInfo(c)
	if err == nil && me.ID != friend.ID {
		err = fmt.Errorf("it answers as node %s", me.ID)
	}
	if err != nil {
		m.printf("[ERR] Unable to load info for node %s\n", c.Addr())
		c.Close()
		return nil, err.Error()
	}
	if me.HasFlag("noaddr") || me.HasFlag("disconnected") || me.HasFlag("fail") {
		c.Close()
		return nil, "it is flagged " + me.FlagString()
	}
	return &ClusterNode{Info: me, Addr: c.Addr(), Conn: c}, ""
}

// NodeDescription formats one node like clusterManagerNodeInfo:
//
//	M: <id> <addr>
//	   slots:[0-5460] (5461 slots) master
//	   1 additional replica(s)
func (m *ClusterManager) NodeDescription(n *ClusterNode) string {
	role := "M"
	if n.Info.IsReplica() {
		role = "S"
	}
	s := fmt.Sprintf("%s: %s %s\n   slots:%s (%d slots) %s", role, n.Info.ID, n.Addr,
		SlotsString(n.Info.Slots), n.Info.SlotsCount(), n.Info.FlagString())
	if n.Info.MasterID != "" {
		s += "\n   replicates " + n.Info.MasterID
	} else if n.ReplicasCount > 0 {
		s += fmt.Sprintf("\n   %d additional replica(s)", n.ReplicasCount)
	}
	return s
}

// ShowNodes prints every loaded node (clusterManagerShowNodes).
func (m *ClusterManager) ShowNodes() {
	for _, n := range m.Nodes {
		m.printf("%s\n", m.NodeDescription(n))
	}
}

// ShowClusterInfo prints keys, slots and replicas per master
// (clusterManagerShowClusterInfo). It returns false when a DBSIZE fails.
func (m *ClusterManager) ShowClusterInfo() bool {
	masters, keys := 0, int64(0)
	for _, n := range m.Nodes {
		if n.Info.IsReplica() {
			continue
		}
		replicas := 0
		for _, r := range m.Nodes {
			if r != n && r.Info.IsReplica() && r.Info.MasterID == n.Info.ID {
				replicas++
			}
		}
		dbsize, err := n.Conn.DoInt("DBSIZE")
		if err != nil {
			m.printf("Node %s replied with error:\n%s\n", n.Addr, err)
			return false
		}
		m.printf("%s (%s...) -> %d keys | %d slots | %d slaves.\n", n.Addr, prefix(n.Info.ID, 8), dbsize, n.Info.SlotsCount(), replicas)
		masters++
		keys += dbsize
	}
	m.printf("[OK] %d keys in %d masters.\n", keys, masters)
	m.printf("%.2f keys per slot on average.\n", float32(keys)/float32(SlotCount))
	return true
}

func prefix(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// onError prints an [ERR] or [WARNING] line and records it
// (clusterManagerOnError).
func (m *ClusterManager) onError(msg string) {
	m.Errors = append(m.Errors, msg)
	m.printf("%s\n", strings.TrimSuffix(msg, "\n"))
}

// IsConfigConsistent reports whether every loaded node computes the same
// non-empty ConfigSignature (clusterManagerIsConfigConsistent).
func (m *ClusterManager) IsConfigConsistent() (bool, error) {
	if len(m.Nodes) <= 1 {
		return true, nil
	}
	first := ""
	for i, n := range m.Nodes {
		text, err := n.Conn.DoString("CLUSTER", "NODES")
		if err != nil {
			return false, fmt.Errorf("%s: %w", n.Addr, err)
		}
		sig := ConfigSignature(text)
		if sig == "" {
			return false, nil
		}
		if i == 0 {
			first = sig
		} else if sig != first {
			return false, nil
		}
	}
	return true, nil
}

// CoveredSlots returns the slots served by the loaded nodes, each by its own
// account (clusterManagerGetCoveredSlots).
func (m *ClusterManager) CoveredSlots() []bool {
	covered := make([]bool, SlotCount)
	for _, n := range m.Nodes {
		for _, r := range n.Info.Slots {
			for s := r.Start; s <= r.End; s++ {
				covered[s] = true
			}
		}
	}
	return covered
}

// CheckCluster runs the checks of clusterManagerCheckCluster (agreement,
// open slots, coverage), printing redis-cli's lines, plus one [ERR] line per
// known node that could not be reached. It returns true when all pass.
// quiet skips the node listing.
func (m *ClusterManager) CheckCluster(quiet bool) bool {
	if len(m.Nodes) == 0 {
		return false
	}
	m.Errors = nil
	m.printf(">>> Performing Cluster Check (using node %s)\n", m.Nodes[0].Addr)
	if !quiet {
		m.ShowNodes()
	}
	result := true
	consistent, err := m.IsConfigConsistent()
	if err != nil {
		m.onError(fmt.Sprintf("[ERR] Can't read the configuration of node %v", err))
		result = false
	} else if !consistent {
		m.onError("[ERR] Nodes don't agree about configuration!")
		result = false
	} else {
		m.printf("[OK] All nodes agree about slots configuration.\n")
	}
	for _, u := range m.Unreachable {
		m.onError(fmt.Sprintf("[ERR] Node %s (%s) is unreachable: %s", u.Info.Addr(), u.Info.ID, u.Reason))
		result = false
	}

	m.printf(">>> Check for open slots...\n")
	open := map[int]bool{}
	for _, n := range m.Nodes {
		for _, kind := range []struct {
			state string
			slots map[int]string
		}{{"migrating", n.Info.Migrating}, {"importing", n.Info.Importing}} {
			if len(kind.slots) == 0 {
				continue
			}
			list := sortedSlots(kind.slots)
			for _, s := range list {
				open[s] = true
			}
			m.onError(fmt.Sprintf("[WARNING] Node %s has slots in %s state %s.", n.Addr, kind.state, joinInts(list)))
		}
	}
	if len(open) > 0 {
		result = false
		list := make([]int, 0, len(open))
		for s := range open {
			list = append(list, s)
		}
		sort.Ints(list)
		m.printf("[WARNING] The following slots are open: %s.\n", joinInts(list))
		if m.cfg.Fix {
			for _, slot := range list {
				if result = m.FixOpenSlot(slot) == nil; !result {
					break
				}
			}
		}
	}

	m.printf(">>> Check slots coverage...\n")
	coverage := 0
	covered := m.CoveredSlots()
	for _, c := range covered {
		if c {
			coverage++
		}
	}
	if coverage == SlotCount {
		m.printf("[OK] All %d slots covered.\n", SlotCount)
	} else {
		m.onError(fmt.Sprintf("[ERR] Not all %d slots are covered by nodes.\n", SlotCount))
		result = false
		if m.cfg.Fix {
			fixed, err := m.FixSlotsCoverage(covered, m.confirm)
			if err != nil {
				return false
			}
			if fixed > 0 {
				result = true
			}
		}
	}
	if m.cfg.SearchMultipleOwners && !m.checkMultipleOwners() {
		result = false
	}
	return result
}

// confirm asks through Confirm, accepting when there is none or when
// --cluster-yes was given.
func (m *ClusterManager) confirm(msg string) bool {
	if m.Confirm == nil || m.cfg.Yes {
		return true
	}
	return m.Confirm(msg)
}

func sortedSlots(slots map[int]string) []int {
	list := make([]int, 0, len(slots))
	for s := range slots {
		list = append(list, s)
	}
	sort.Ints(list)
	return list
}

func joinInts(list []int) string {
	parts := make([]string, len(list))
	for i, v := range list {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ",")
}

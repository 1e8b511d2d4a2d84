package clustercli

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// countKeysInSlot returns CLUSTER COUNTKEYSINSLOT slot on n, printing the
// error reply if any.
func (m *ClusterManager) countKeysInSlot(n *ClusterNode, slot int) (int64, error) {
	count, err := n.Conn.DoInt("CLUSTER", "COUNTKEYSINSLOT", strconv.Itoa(slot))
	if err != nil {
		m.replyErr(n, err)
	}
	return count, err
}

// ownsSlot reports whether n serves slot by its own account.
func ownsSlot(n *ClusterNode, slot int) bool {
	for _, r := range n.Info.Slots {
		if slot >= r.Start && slot <= r.End {
			return true
		}
	}
	return false
}

// nodeWithMostKeysInSlot returns the master of nodes with the most keys in
// slot, the first master when none has any
// (clusterManagerGetNodeWithMostKeysInSlot).
func (m *ClusterManager) nodeWithMostKeysInSlot(nodes []*ClusterNode, slot int) (*ClusterNode, error) {
	var best *ClusterNode
	var most int64
	for _, n := range nodes {
		if n.Info.IsReplica() {
			continue
		}
		count, err := m.countKeysInSlot(n, slot)
		if err != nil {
			return nil, err
		}
		if best == nil || count > most {
			best, most = n, count
		}
	}
	return best, nil
}

// masters returns the loaded masters.
func (m *ClusterManager) masters() []*ClusterNode {
	var out []*ClusterNode
	for _, n := range m.Nodes {
		if !n.Info.IsReplica() {
			out = append(out, n)
		}
	}
	return out
}

func removeNode(list []*ClusterNode, n *ClusterNode) []*ClusterNode {
	out := list[:0:0]
	for _, x := range list {
		if x != n {
			out = append(out, x)
		}
	}
	return out
}

// addrList joins the nodes' addresses with sep.
func addrList(nodes []*ClusterNode, sep string) string {
	parts := make([]string, len(nodes))
	for i, n := range nodes {
		parts[i] = n.Addr
	}
	return strings.Join(parts, sep)
}

// delSlotIgnoringUnassigned sends CLUSTER DELSLOTS slot to n; a slot that is
// already unassigned is not an error.
func (m *ClusterManager) delSlotIgnoringUnassigned(n *ClusterNode, slot int) error {
	_, err := n.Conn.Do("CLUSTER", "DELSLOTS", strconv.Itoa(slot))
	if err != nil && IsReplyError(err) && strings.Contains(err.Error(), "already unassigned") {
		return nil
	}
	if err != nil {
		m.replyErr(n, err)
	}
	return err
}

// FixOpenSlot closes a slot left in migrating or importing state, moving
// its keys where it seems most sensible (clusterManagerFixOpenSlot).
func (m *ClusterManager) FixOpenSlot(slot int) error {
	m.printf(">>> Fixing open slot %d\n", slot)
	var owners []*ClusterNode
	for _, n := range m.masters() {
		if ownsSlot(n, slot) {
			owners = append(owners, n)
			continue
		}
		count, err := m.countKeysInSlot(n, slot)
		if err != nil {
			return err
		}
		if count > 0 {
			m.printf("*** Found keys about slot %d in non-owner node %s!\n", slot, n.Addr)
			owners = append(owners, n)
		}
	}
	var owner *ClusterNode
	if len(owners) == 1 {
		owner = owners[0]
	}
	var migrating, importing []*ClusterNode
	for _, n := range m.masters() {
		if _, ok := n.Info.Migrating[slot]; ok {
			migrating = append(migrating, n)
			continue
		}
		if _, ok := n.Info.Importing[slot]; ok {
			importing = append(importing, n)
			continue
		}
		if n == owner {
			continue
		}
		count, err := m.countKeysInSlot(n, slot)
		if err != nil {
			return err
		}
		if count > 0 {
			m.printf("*** Found keys about slot %d in node %s!\n", slot, n.Addr)
			importing = append(importing, n)
		}
	}
	migratingStr, importingStr := addrList(migrating, ","), addrList(importing, ",")
	if migratingStr != "" {
		m.printf("Set as migrating in: %s\n", migratingStr)
	}
	if importingStr != "" {
		m.printf("Set as importing in: %s\n", importingStr)
	}
	if owner == nil {
		m.printf(">>> Nobody claims ownership, selecting an owner...\n")
		var err error
		if owner, err = m.nodeWithMostKeysInSlot(m.Nodes, slot); err != nil {
			return err
		}
		if owner == nil {
			m.printf("[ERR] Can't select a slot owner. Impossible to fix.\n")
			return ErrAborted
		}
		m.printf("*** Configuring %s as the slot owner\n", owner.Addr)
		if err := m.call(owner, "CLUSTER", "SETSLOT", strconv.Itoa(slot), "STABLE"); err != nil {
			return err
		}
		if err := m.delSlotIgnoringUnassigned(owner, slot); err != nil {
			return err
		}
		if err := m.call(owner, "CLUSTER", "ADDSLOTS", strconv.Itoa(slot)); err != nil {
			return err
		}
		owner.Info.Slots = mergeRanges(append(owner.Info.Slots, SlotRange{Start: slot, End: slot}))
		if err := m.call(owner, "CLUSTER", "BUMPEPOCH"); err != nil {
			return err
		}
		migrating, importing = removeNode(migrating, owner), removeNode(importing, owner)
	}
	// Several owners: one keeps the slot, the others import it from it, so
	// that one of the cases below applies.
	if len(owners) > 1 {
		for _, n := range owners {
			if n == owner {
				continue
			}
			if err := m.delSlotIgnoringUnassigned(n, slot); err != nil {
				return err
			}
			n.Info.Slots = withoutSlot(n.Info.Slots, slot)
			if err := m.SetSlot(n, owner, slot, "node"); err != nil {
				return err
			}
			if err := m.SetSlot(n, owner, slot, "importing"); err != nil {
				return err
			}
			importing = append(removeNode(importing, n), n)
			migrating = removeNode(migrating, n)
		}
	}
	opts := moveOpts{verbose: true}
	switch {
	case len(migrating) == 1 && len(importing) == 1:
		// Case 1: one node migrates the slot and one imports it.
		src, dst := migrating[0], importing[0]
		m.printf(">>> Case 1: Moving slot %d from %s to %s\n", slot, src.Addr, dst.Addr)
		opts.update = true
		return m.MoveSlot(src, dst, slot, opts)
	case len(migrating) == 0 && len(importing) > 0:
		// Case 2: nodes import the slot (they got keys after a restart):
		// their keys go to the owner.
		m.printf(">>> Case 2: Moving all the %d slot keys to its owner %s\n", slot, owner.Addr)
		opts.cold = true
		for _, n := range importing {
			if n == owner {
				continue
			}
			if err := m.MoveSlot(n, owner, slot, opts); err != nil {
				return err
			}
			m.printf(">>> Setting %d as STABLE in %s\n", slot, n.Addr)
			if err := m.call(n, "CLUSTER", "SETSLOT", strconv.Itoa(slot), "STABLE"); err != nil {
				return err
			}
		}
		for _, n := range m.masters() {
			if n == owner {
				continue
			}
			if err := m.SetSlot(n, owner, slot, "node"); err != nil {
				return err
			}
		}
		return nil
	case len(migrating) == 1 && len(importing) > 1:
		return m.fixMigratingToSeveral(slot, migrating[0], importing, owner, migratingStr, importingStr)
	}
	closeSlot := len(importing) == 0 && len(migrating) == 1
	if closeSlot && owner != migrating[0] {
		v, err := migrating[0].Conn.Do("CLUSTER", "GETKEYSINSLOT", strconv.Itoa(slot), "10")
		if err != nil {
			m.replyErr(migrating[0], err)
			return err
		}
		closeSlot = len(v.Elems) == 0
	}
	if !closeSlot {
		return m.unfixableSlot(migratingStr, importingStr, owner)
	}
	// Case 4: only a migrating node, which is the owner or has no key left:
	// an interrupted reshard; the slot is closed.
	n := migrating[0]
	m.printf(">>> Case 4: Closing slot %d on %s\n", slot, n.Addr)
	return m.call(n, "CLUSTER", "SETSLOT", strconv.Itoa(slot), "STABLE")
}

// fixMigratingToSeveral is Case 3 of FixOpenSlot: one node migrates the slot
// and several import it, none of them with keys. The importing node the
// migration points to gets the slot and the others are closed; when none
// is that node, all are closed.
func (m *ClusterManager) fixMigratingToSeveral(slot int, src *ClusterNode, importing []*ClusterNode, owner *ClusterNode, migratingStr, importingStr string) error {
	targetID := src.Info.Migrating[slot]
	var dst *ClusterNode
	for _, n := range importing {
		count, err := m.countKeysInSlot(n, slot)
		if err != nil {
			return err
		}
		if count > 0 {
			return m.unfixableSlot(migratingStr, importingStr, owner)
		}
		if n.Info.ID == targetID {
			dst = n
		}
	}
	if dst != nil {
		m.printf(">>> Case 3: Moving slot %d from %s to %s and closing it on all the other importing nodes.\n", slot, src.Addr, dst.Addr)
		if err := m.MoveSlot(src, dst, slot, moveOpts{verbose: true}); err != nil {
			return err
		}
	} else {
		m.printf(">>> Case 3: Closing slot %d on both migrating and importing nodes.\n", slot)
		if err := m.call(src, "CLUSTER", "SETSLOT", strconv.Itoa(slot), "STABLE"); err != nil {
			return err
		}
	}
	for _, n := range importing {
		if n == dst {
			continue
		}
		if err := m.call(n, "CLUSTER", "SETSLOT", strconv.Itoa(slot), "STABLE"); err != nil {
			return err
		}
	}
	return nil
}

func (m *ClusterManager) unfixableSlot(migratingStr, importingStr string, owner *ClusterNode) error {
	ownerAddr := ""
	if owner != nil {
		ownerAddr = owner.Addr
	}
	m.printf("[ERR] Sorry, can't fix this slot yet (work in progress). Slot is set as migrating in %s, as importing in %s, owner is %s\n",
		migratingStr, importingStr, ownerAddr)
	return ErrAborted
}

// FixSlotsCoverage assigns every slot no loaded node serves
// (clusterManagerFixSlotsCoverage): to a random master when no master has
// keys in it, to the master that has keys, or, when several have, to the
// one with the most keys, moving the others' keys there. It returns the
// number of slots fixed.
func (m *ClusterManager) FixSlotsCoverage(covered []bool, confirm func(string) bool) (int, error) {
	unreachableMasters := 0
	for _, u := range m.Unreachable {
		if !u.Info.IsReplica() {
			unreachableMasters++
		}
	}
	if unreachableMasters > 0 && !m.cfg.FixWithUnreachableMasters {
		m.printf("*** Fixing slots coverage with %d unreachable masters is dangerous: slotd will assume that slots about masters that are not reachable are not covered, and will try to reassign them to the reachable nodes. This can cause data loss and is rarely what you want to do. If you really want to proceed use the --cluster-fix-with-unreachable-masters option.\n", unreachableMasters)
		return 0, ErrAborted
	}
	m.printf(">>> Fixing slots coverage...\n")
	var log strings.Builder
	holders := map[int][]*ClusterNode{}
	var none, single, multi []int
	for slot, ok := range covered {
		if ok {
			continue
		}
		var nodes []*ClusterNode
		for _, n := range m.masters() {
			v, err := n.Conn.Do("CLUSTER", "GETKEYSINSLOT", strconv.Itoa(slot), "1")
			if err != nil {
				m.replyErr(n, err)
				return 0, err
			}
			if len(v.Elems) > 0 {
				nodes = append(nodes, n)
			}
		}
		fmt.Fprintf(&log, "\nSlot %d has keys in %d nodes: %s", slot, len(nodes), addrList(nodes, ", "))
		holders[slot] = nodes
		switch len(nodes) {
		case 0:
			none = append(none, slot)
		case 1:
			single = append(single, slot)
		default:
			multi = append(multi, slot)
		}
	}
	m.printf("\n%s\n", log.String())
	fixed := 0
	cover := func(n *ClusterNode, slot int) error {
		m.printf(">>> Covering slot %d with %s\n", slot, n.Addr)
		_, _ = n.Conn.Do("CLUSTER", "DELSLOTS", strconv.Itoa(slot)) // the slot may be unassigned already
		if err := m.call(n, "CLUSTER", "ADDSLOTS", strconv.Itoa(slot)); err != nil {
			return err
		}
		if err := m.call(n, "CLUSTER", "BUMPEPOCH"); err != nil {
			return err
		}
		n.Info.Slots = mergeRanges(append(n.Info.Slots, SlotRange{Start: slot, End: slot}))
		fixed++
		return nil
	}
	if len(none) > 0 {
		m.printf("The following uncovered slots have no keys across the cluster:\n%s\n", joinInts(none))
		if confirm("Fix these slots by covering with a random node?") {
			masters := m.masters()
			for _, slot := range none {
				if err := cover(masters[rand.IntN(len(masters))], slot); err != nil {
					return fixed, err
				}
			}
		}
	}
	if len(single) > 0 {
		m.printf("The following uncovered slots  have keys in just one node:\n%s\n", joinInts(single))
		if confirm("Fix these slots by covering with those nodes?") {
			for _, slot := range single {
				if err := cover(holders[slot][0], slot); err != nil {
					return fixed, err
				}
			}
		}
	}
	if len(multi) > 0 {
		m.printf("The following uncovered slots have keys in multiple nodes:\n%s\n", joinInts(multi))
		if confirm("Fix these slots by moving keys into a single node?") {
			for _, slot := range multi {
				if err := m.coverFromSeveral(slot, holders[slot]); err != nil {
					return fixed, err
				}
				fixed++
			}
		}
	}
	return fixed, nil
}

// coverFromSeveral gives an uncovered slot to the node with the most keys
// in it and moves the other nodes' keys there.
func (m *ClusterManager) coverFromSeveral(slot int, nodes []*ClusterNode) error {
	target, err := m.nodeWithMostKeysInSlot(nodes, slot)
	if err != nil {
		return err
	}
	s := strconv.Itoa(slot)
	m.printf(">>> Covering slot %d moving keys to %s\n", slot, target.Addr)
	_, _ = target.Conn.Do("CLUSTER", "DELSLOTS", s) // the slot may be unassigned already
	for _, args := range [][]string{{"CLUSTER", "ADDSLOTS", s}, {"CLUSTER", "SETSLOT", s, "STABLE"}, {"CLUSTER", "BUMPEPOCH"}} {
		if err := m.call(target, args...); err != nil {
			return err
		}
	}
	target.Info.Slots = mergeRanges(append(target.Info.Slots, SlotRange{Start: slot, End: slot}))
	for _, src := range nodes {
		if src == target {
			continue
		}
		// The source imports the slot, though its keys leave, so that
		// MIGRATE gets no redirection.
		if err := m.SetSlot(src, target, slot, "node"); err != nil {
			return err
		}
		if err := m.SetSlot(src, target, slot, "importing"); err != nil {
			return err
		}
		if err := m.MoveSlot(src, target, slot, moveOpts{verbose: true, cold: true}); err != nil {
			return err
		}
		if err := m.call(src, "CLUSTER", "SETSLOT", s, "STABLE"); err != nil {
			return err
		}
	}
	return nil
}

// setSlotOwner makes owner the only server of slot in one transaction:
// DELSLOTS (already unassigned is fine), ADDSLOTS, SETSLOT STABLE when
// clear is set, BUMPEPOCH (clusterManagerSetSlotOwner).
func (m *ClusterManager) setSlotOwner(owner *ClusterNode, slot int, clear bool) error {
	s := strconv.Itoa(slot)
	cmds := [][]string{{"CLUSTER", "DELSLOTS", s}, {"CLUSTER", "ADDSLOTS", s}}
	if clear {
		cmds = append(cmds, []string{"CLUSTER", "SETSLOT", s, "STABLE"})
	}
	cmds = append(cmds, []string{"CLUSTER", "BUMPEPOCH"})
	if err := m.call(owner, "MULTI"); err != nil {
		return err
	}
	for _, args := range cmds {
		if err := m.call(owner, args...); err != nil {
			_, _ = owner.Conn.Do("DISCARD")
			return err
		}
	}
	v, err := owner.Conn.Do("EXEC")
	if err != nil {
		m.replyErr(owner, err)
		return err
	}
	for i, e := range v.Elems {
		if e.Type == '-' && !(i == 0 && strings.Contains(string(e.Str), "already unassigned")) {
			err := ReplyError(e.Str)
			m.replyErr(owner, err)
			return err
		}
	}
	owner.Info.Slots = mergeRanges(append(owner.Info.Slots, SlotRange{Start: slot, End: slot}))
	return nil
}

// fixMultipleSlotOwners leaves slot to the owner with the most keys and
// moves the other owners' keys to it (clusterManagerFixMultipleSlotOwners).
func (m *ClusterManager) fixMultipleSlotOwners(slot int, owners []*ClusterNode) error {
	m.printf(">>> Fixing multiple owners for slot %d...\n", slot)
	owner, err := m.nodeWithMostKeysInSlot(owners, slot)
	if err != nil {
		return err
	}
	m.printf(">>> Setting slot %d owner: %s\n", slot, owner.Addr)
	if err := m.setSlotOwner(owner, slot, false); err != nil {
		return err
	}
	for _, n := range m.masters() {
		if n == owner {
			continue
		}
		count, err := m.countKeysInSlot(n, slot)
		if err != nil {
			return err
		}
		if err := m.delSlotIgnoringUnassigned(n, slot); err != nil {
			return err
		}
		n.Info.Slots = withoutSlot(n.Info.Slots, slot)
		if err := m.SetSlot(n, owner, slot, "node"); err != nil {
			return err
		}
		if count > 0 {
			if err := m.MoveSlot(n, owner, slot, moveOpts{verbose: true, cold: true}); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkMultipleOwners is the --cluster-search-multiple-owners part of
// clusterManagerCheckCluster: a slot served, or holding keys, on more than
// one master is reported and, with fix, repaired.
func (m *ClusterManager) checkMultipleOwners() bool {
	m.printf(">>> Check for multiple slot owners...\n")
	result := true
	remaining := 0
	masters := m.masters()
	for slot := 0; slot < SlotCount; slot++ {
		var owners []*ClusterNode
		for _, n := range masters {
			if ownsSlot(n, slot) {
				owners = append(owners, n)
				continue
			}
			if count, err := m.countKeysInSlot(n, slot); err == nil && count > 0 {
				owners = append(owners, n)
			}
		}
		if len(owners) <= 1 {
			continue
		}
		result = false
		m.printf("[WARNING] Slot %d has %d owners:\n", slot, len(owners))
		for _, n := range owners {
			m.printf("    %s\n", n.Addr)
		}
		remaining++
		if m.cfg.Fix {
			if err := m.fixMultipleSlotOwners(slot, owners); err != nil {
				m.printf("Failed to fix multiple owners for slot %d\n", slot)
				return false
			}
			result = true
			remaining--
		}
	}
	if remaining == 0 {
		m.printf("[OK] No multiple owners found.\n")
	}
	return result
}

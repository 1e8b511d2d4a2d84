package clustercli

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// moveOpts are the options of MoveSlot (CLUSTER_MANAGER_OPT_*).
type moveOpts struct {
	// verbose prints a dot per moved key.
	verbose bool
	// cold moves the keys without opening the slot or reassigning it.
	cold bool
	// update records the new owner in the manager's view of both nodes.
	update bool
	// quiet prints no "Moving slot" line.
	quiet bool
}

// setSlotOnlyWithMasters is the error a node that turned into a replica
// answers to CLUSTER SETSLOT: a source that gave away its last slot may
// have become a replica of the target already (redis/redis#9223).
const setSlotOnlyWithMasters = "ERR Please use SETSLOT only with masters."

// replyErr prints "Node addr replied with error:" and the error, like
// CLUSTER_MANAGER_PRINT_REPLY_ERROR.
func (m *ClusterManager) replyErr(n *ClusterNode, err error) {
	m.printf("Node %s replied with error:\n%s\n", n.Addr, err)
}

// SetSlot sends CLUSTER SETSLOT slot state other-id to n
// (clusterManagerSetSlot), printing the error reply if any.
func (m *ClusterManager) SetSlot(n, other *ClusterNode, slot int, state string) error {
	_, err := n.Conn.Do("CLUSTER", "SETSLOT", strconv.Itoa(slot), state, other.Info.ID)
	if err != nil {
		m.replyErr(n, err)
	}
	return err
}

// call sends one command to n and prints the error reply if any
// (clusterManagerCheckRedisReply).
func (m *ClusterManager) call(n *ClusterNode, args ...string) error {
	_, err := n.Conn.Do(args...)
	if err != nil {
		m.replyErr(n, err)
	}
	return err
}

// MoveSlot moves one slot from source to target with MIGRATE, like
// clusterManagerMoveSlot: IMPORTING on the target, MIGRATING on the source,
// the keys in batches of the pipeline size, then SETSLOT NODE on the target,
// on the source (which may have become a replica meanwhile) and on every
// other master.
func (m *ClusterManager) MoveSlot(source, target *ClusterNode, slot int, opts moveOpts) error {
	if !opts.quiet {
		m.printf("Moving slot %d from %s to %s: ", slot, source.Addr, target.Addr)
	}
	if !opts.cold {
		if err := m.SetSlot(target, source, slot, "importing"); err != nil {
			return err
		}
		if err := m.SetSlot(source, target, slot, "migrating"); err != nil {
			return err
		}
	}
	err := m.MigrateKeysInSlot(source, target, slot, opts.verbose)
	if !opts.quiet {
		m.printf("\n")
	}
	if err != nil {
		return err
	}
	if !opts.cold {
		if err := m.SetSlot(target, target, slot, "node"); err != nil {
			return err
		}
		if _, err := source.Conn.Do("CLUSTER", "SETSLOT", strconv.Itoa(slot), "node", target.Info.ID); err != nil && err.Error() != setSlotOnlyWithMasters {
			m.replyErr(source, err)
			return err
		}
		for _, n := range m.Nodes {
			if n == source || n == target || n.Info.IsReplica() {
				continue
			}
			if err := m.SetSlot(n, target, slot, "node"); err != nil {
				return err
			}
		}
	}
	if opts.update {
		source.Info.Slots = withoutSlot(source.Info.Slots, slot)
		target.Info.Slots = mergeRanges(append(target.Info.Slots, SlotRange{Start: slot, End: slot}))
	}
	return nil
}

// withoutSlot returns ranges without slot.
func withoutSlot(ranges []SlotRange, slot int) []SlotRange {
	var out []SlotRange
	for _, r := range ranges {
		switch {
		case slot < r.Start || slot > r.End:
			out = append(out, r)
		default:
			if r.Start < slot {
				out = append(out, SlotRange{Start: r.Start, End: slot - 1})
			}
			if slot < r.End {
				out = append(out, SlotRange{Start: slot + 1, End: r.End})
			}
		}
	}
	return out
}

// migrateArgs builds MIGRATE host port "" 0 timeout [REPLACE] [AUTH ...]
// KEYS key... (clusterManagerMigrateKeysInReply).
func (m *ClusterManager) migrateArgs(target *ClusterNode, keys []string, replace bool) []string {
	args := []string{"MIGRATE", target.Info.IP, strconv.Itoa(target.Info.Port), "", "0", strconv.Itoa(m.cfg.Timeout)}
	if replace {
		args = append(args, "REPLACE")
	}
	args = append(args, m.migrateAuth()...)
	args = append(args, "KEYS")
	return append(args, keys...)
}

// migrateAuth is the AUTH or AUTH2 part of MIGRATE for the cluster's
// credentials.
func (m *ClusterManager) migrateAuth() []string {
	switch {
	case m.cfg.Password == "":
		return nil
	case m.cfg.User != "":
		return []string{"AUTH2", m.cfg.User, m.cfg.Password}
	default:
		return []string{"AUTH", m.cfg.Password}
	}
}

// MigrateKeysInSlot moves every key of slot from source to target with
// GETKEYSINSLOT and MIGRATE ... KEYS, pipeline keys at a time
// (clusterManagerMigrateKeysInSlot). A BUSYKEY reply is retried with REPLACE
// when --cluster-replace was given or when the values on both sides are
// equal (DEBUG DIGEST-VALUE); differing values stop the move. fix also
// assigns a slot no one serves to the target.
func (m *ClusterManager) MigrateKeysInSlot(source, target *ClusterNode, slot int, verbose bool) error {
	for {
		v, err := source.Conn.Do("CLUSTER", "GETKEYSINSLOT", strconv.Itoa(slot), strconv.Itoa(m.cfg.Pipeline))
		if err != nil {
			m.replyErr(source, err)
			return err
		}
		if v.Type != '*' {
			return fmt.Errorf("%w: %s to GETKEYSINSLOT", ErrUnexpectedReply, v.String())
		}
		if len(v.Elems) == 0 {
			return nil
		}
		keys := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			keys[i] = string(e.Str)
		}
		_, err = source.Conn.Do(m.migrateArgs(target, keys, false)...)
		if err != nil {
			if !IsReplyError(err) {
				return err
			}
			if err = m.retryMigrate(source, target, slot, keys, err); err != nil {
				return err
			}
		}
		if verbose {
			m.printf("%s", strings.Repeat(".", len(keys)))
		}
	}
}

// retryMigrate handles a MIGRATE error reply as redis-cli does: BUSYKEY, or
// a slot the source does not serve, may be retried; anything else fails.
func (m *ClusterManager) retryMigrate(source, target *ClusterNode, slot int, keys []string, migrateErr error) error {
	isBusy := strings.Contains(migrateErr.Error(), "BUSYKEY")
	notServed := false
	if !isBusy {
		owner, err := m.slotOwnerSeenBy(source, slot)
		if err != nil {
			return err
		}
		notServed = owner == ""
	}
	if !isBusy && !notServed {
		m.printf("\n")
		m.replyErr(source, migrateErr)
		return migrateErr
	}
	if m.cfg.Fix && notServed {
		m.printf("*** Slot was not served, setting owner to node %s.\n", target.Addr)
		_ = m.SetSlot(source, target, slot, "node")
	}
	if isBusy {
		m.printf("\n*** Target key exists\n")
		if !m.cfg.Replace {
			m.printf("*** Checking key values on both nodes...\n")
			diffs, err := m.differingKeys(source, target, keys)
			if err != nil {
				m.printf("*** Value check failed!\n")
				return err
			}
			if len(diffs) > 0 {
				m.printf("*** Found %d key(s) in both source node and target node having different values.\n"+
					"    Source node: %s\n    Target node: %s\n    Keys(s):\n", len(diffs), source.Addr, target.Addr)
				for _, k := range diffs {
					m.printf("    - %s\n", k)
				}
				m.printf("Please fix the above key(s) manually and try again or relaunch the command \n" +
					"with --cluster-replace option to force key overriding.\n")
				return fmt.Errorf("%w: keys differ between %s and %s", ErrKeysDiffer, source.Addr, target.Addr)
			}
		}
		m.printf("*** Replacing target keys...\n")
	}
	if _, err := source.Conn.Do(m.migrateArgs(target, keys, isBusy)...); err != nil {
		m.printf("\n")
		m.replyErr(source, err)
		return err
	}
	return nil
}

// slotOwnerSeenBy returns the ID of the node that n's CLUSTER NODES says
// serves slot, or "" (clusterManagerGetSlotOwner).
func (m *ClusterManager) slotOwnerSeenBy(n *ClusterNode, slot int) (string, error) {
	_, all, err := LoadNodeInfo(n.Conn)
	if err != nil {
		m.replyErr(n, err)
		return "", err
	}
	for _, info := range all {
		for _, r := range info.Slots {
			if slot >= r.Start && slot <= r.End {
				return info.ID, nil
			}
		}
	}
	return "", nil
}

// differingKeys returns the keys whose DEBUG DIGEST-VALUE differs between
// source and target (clusterManagerCompareKeysValues).
func (m *ClusterManager) differingKeys(source, target *ClusterNode, keys []string) ([]string, error) {
	digest := func(n *ClusterNode) ([]string, error) {
		v, err := n.Conn.Do(append([]string{"DEBUG", "DIGEST-VALUE"}, keys...)...)
		if err != nil {
			m.replyErr(n, err)
			return nil, err
		}
		if v.Type != '*' || len(v.Elems) != len(keys) {
			return nil, fmt.Errorf("%w: %s to DEBUG DIGEST-VALUE", ErrUnexpectedReply, v.String())
		}
		out := make([]string, len(keys))
		for i, e := range v.Elems {
			out[i] = string(e.Str)
		}
		return out, nil
	}
	src, err := digest(source)
	if err != nil {
		return nil, err
	}
	dst, err := digest(target)
	if err != nil {
		return nil, err
	}
	var diffs []string
	for i, k := range keys {
		if src[i] != dst[i] {
			diffs = append(diffs, k)
		}
	}
	return diffs, nil
}

// slotList returns the slots of ranges in ascending order.
func slotList(ranges []SlotRange) []int {
	var out []int
	for _, r := range mergeRanges(ranges) {
		for s := r.Start; s <= r.End; s++ {
			out = append(out, s)
		}
	}
	sort.Ints(out)
	return out
}

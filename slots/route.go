package slots

// Redirect is the kind of answer Route gives.
type Redirect uint8

// The routing outcomes, named after Redis's CLUSTER_REDIR_* codes.
const (
	// Serve: run the command here.
	Serve Redirect = iota
	// Moved: the slot belongs to Decision.Node.
	Moved
	// Ask: the slot is migrating and the keys are gone to Decision.Node.
	Ask
	// CrossSlot: the keys hash to different slots.
	CrossSlot
	// TryAgain: a multi-key request met a slot in the middle of migration.
	TryAgain
	// DownUnbound: the slot has no owner.
	DownUnbound
	// DownState: the cluster state is fail.
	DownState
	// DownReadOnlyState: the cluster is down and only reads are allowed.
	DownReadOnlyState
)

// Decision is the result of Route: what to do, for which slot, and the
// index of the node to redirect to (Moved, Ask).
type Decision struct {
	Redirect Redirect
	Slot     Slot
	Node     int
}

// Request describes one command (or a whole MULTI batch) for Route.
type Request struct {
	// Keys are the keys of every command in the request, in order.
	Keys [][]byte
	// Exists reports whether a key is present in the keyspace. It is only
	// called for a slot that is migrating or importing on this node.
	Exists func(key []byte) bool
	// Write is set when any command of the request writes.
	Write bool
	// Asking is set when the client sent ASKING or the command has the
	// asking flag (RESTORE-ASKING).
	Asking bool
	// ReadOnly is set when the client sent READONLY.
	ReadOnly bool
	// ShardPubSub marks SSUBSCRIBE, SUNSUBSCRIBE and SPUBLISH, whose
	// channels are routed like keys but never looked up.
	ShardPubSub bool
	// Migrate marks MIGRATE, which always runs where its slot is open.
	Migrate bool
}

// State is what Route needs from the cluster view besides the table.
type State struct {
	// Self is this node's index in the view.
	Self int
	// MasterOfSelf is the index of this node's master, or NoNode.
	MasterOfSelf int
	// OK is the cluster state (cluster_state:ok).
	OK bool
	// AllowReadsWhenDown is cluster-allow-reads-when-down.
	AllowReadsWhenDown bool
	// AllowPubSubShardWhenDown is cluster-allow-pubsubshard-when-down.
	AllowPubSubShardWhenDown bool
}

// Route decides where a request is served, with the rules and in the order
// of getNodeByQuery in Redis's cluster.c.
func Route(t *Table, st State, r Request) Decision {
	var (
		first                     []byte
		slot                      Slot
		owner                     = NoNode
		multipleKeys              bool
		migrating, importing      bool
		missingKeys, existingKeys int
	)
	for i, k := range r.Keys {
		ks := KeySlot(k)
		if i == 0 {
			first, slot = k, ks
			owner = int(t.Owner[slot])
			if owner == NoNode {
				return Decision{Redirect: DownUnbound, Slot: slot, Node: NoNode}
			}
			if owner == st.Self && t.Migrating[slot] != NoNode {
				migrating = true
			} else if t.Importing[slot] != NoNode {
				importing = true
			}
		} else if string(k) != string(first) {
			if ks != slot {
				return Decision{Redirect: CrossSlot, Slot: slot, Node: NoNode}
			}
			multipleKeys = true
		}
		if (migrating || importing) && !r.ShardPubSub {
			if r.Exists(k) {
				existingKeys++
			} else {
				missingKeys++
			}
		}
	}
	if owner == NoNode {
		return Decision{Redirect: Serve, Node: st.Self}
	}
	if !st.OK {
		switch {
		case r.ShardPubSub:
			if !st.AllowPubSubShardWhenDown {
				return Decision{Redirect: DownState, Slot: slot, Node: NoNode}
			}
		case !st.AllowReadsWhenDown:
			return Decision{Redirect: DownState, Slot: slot, Node: NoNode}
		case r.Write:
			return Decision{Redirect: DownReadOnlyState, Slot: slot, Node: NoNode}
		}
	}
	if (migrating || importing) && r.Migrate {
		return Decision{Redirect: Serve, Slot: slot, Node: st.Self}
	}
	if migrating && missingKeys > 0 {
		if existingKeys > 0 {
			return Decision{Redirect: TryAgain, Slot: slot, Node: NoNode}
		}
		return Decision{Redirect: Ask, Slot: slot, Node: int(t.Migrating[slot])}
	}
	if importing && r.Asking {
		if multipleKeys && missingKeys > 0 {
			return Decision{Redirect: TryAgain, Slot: slot, Node: NoNode}
		}
		return Decision{Redirect: Serve, Slot: slot, Node: st.Self}
	}
	if (r.ReadOnly || r.ShardPubSub) && !r.Write && st.MasterOfSelf != NoNode && st.MasterOfSelf == owner {
		return Decision{Redirect: Serve, Slot: slot, Node: st.Self}
	}
	if owner != st.Self {
		return Decision{Redirect: Moved, Slot: slot, Node: owner}
	}
	return Decision{Redirect: Serve, Slot: slot, Node: st.Self}
}

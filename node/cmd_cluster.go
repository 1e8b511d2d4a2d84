package node

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/slots"
)

func clusterCommands() []cmdDef {
	return []cmdDef{
		{name: "asking", handler: cmdAsking},
		{name: "readonly", handler: func(x *ctx) { x.setReadOnly(true) }},
		{name: "readwrite", handler: func(x *ctx) { x.setReadOnly(false) }},
		{name: "cluster", handler: nil},
		{name: "cluster|help", handler: clusterHandler(cmdClusterHelp)},
		{name: "cluster|info", handler: clusterHandler(cmdClusterInfo)},
		{name: "cluster|myid", handler: clusterHandler(func(x *ctx, v *clusterView) { x.w.bulkString(v.myself().id) })},
		{name: "cluster|myshardid", handler: clusterHandler(func(x *ctx, v *clusterView) { x.w.bulkString(v.myself().shardID) })},
		{name: "cluster|nodes", handler: clusterHandler(cmdClusterNodes)},
		{name: "cluster|slots", handler: clusterHandler(cmdClusterSlots)},
		{name: "cluster|shards", handler: clusterHandler(cmdClusterShards)},
		{name: "cluster|links", handler: clusterHandler(cmdClusterLinks)},
		{name: "cluster|keyslot", handler: clusterHandler(func(x *ctx, _ *clusterView) {
			x.w.int(int64(slots.KeySlot(x.argv[2])))
		})},
		{name: "cluster|countkeysinslot", handler: clusterHandler(cmdClusterCountKeysInSlot), lock: lockWalk},
		{name: "cluster|getkeysinslot", handler: clusterHandler(cmdClusterGetKeysInSlot), lock: lockWalk},
		{name: "cluster|addslots", handler: clusterHandler(func(x *ctx, _ *clusterView) { cmdClusterSlotsChange(x, true, false) })},
		{name: "cluster|delslots", handler: clusterHandler(func(x *ctx, _ *clusterView) { cmdClusterSlotsChange(x, false, false) })},
		{name: "cluster|addslotsrange", handler: clusterHandler(func(x *ctx, _ *clusterView) { cmdClusterSlotsChange(x, true, true) })},
		{name: "cluster|delslotsrange", handler: clusterHandler(func(x *ctx, _ *clusterView) { cmdClusterSlotsChange(x, false, true) })},
		{name: "cluster|flushslots", handler: clusterHandler(cmdClusterFlushSlots)},
		{name: "cluster|meet", handler: clusterHandler(cmdClusterMeet)},
		{name: "cluster|forget", handler: clusterHandler(cmdClusterForget)},
		{name: "cluster|replicate", handler: clusterHandler(cmdClusterReplicate)},
		{name: "cluster|replicas", handler: clusterHandler(cmdClusterReplicas)},
		{name: "cluster|slaves", handler: clusterHandler(cmdClusterReplicas)},
		{name: "cluster|count-failure-reports", handler: clusterHandler(cmdClusterCountFailureReports)},
		{name: "cluster|reset", handler: clusterHandler(cmdClusterReset), lock: lockAll},
		{name: "cluster|saveconfig", handler: clusterHandler(cmdClusterSaveConfig)},
		{name: "cluster|set-config-epoch", handler: clusterHandler(cmdClusterSetConfigEpoch)},
		{name: "cluster|bumpepoch", handler: clusterHandler(cmdClusterBumpEpoch)},
	}
}

// clusterHandler wraps a CLUSTER subcommand: with cluster mode off every
// one of them answers the same error, as clusterCommand does.
func clusterHandler(fn func(x *ctx, v *clusterView)) func(*ctx) {
	return func(x *ctx) {
		if x.s.cluster == nil {
			x.err(errClusterDisabled)
			return
		}
		fn(x, x.s.cluster.view.Load())
	}
}

func cmdAsking(x *ctx) {
	if x.s.cluster == nil {
		x.err(errClusterDisabled)
		return
	}
	x.c.asking = true
	x.w.ok()
}

func (x *ctx) setReadOnly(on bool) {
	if x.s.cluster == nil {
		x.err(errClusterDisabled)
		return
	}
	x.c.readonly = on
	x.w.ok()
}

// clusterSyntaxError is the reply clusterCommand gives a known subcommand
// with an argument count it does not take (addReplySubcommandSyntaxError).
func (x *ctx) clusterSyntaxError() {
	x.errf("ERR unknown subcommand or wrong number of arguments for '%s'. Try CLUSTER HELP.", cString(x.argv[1]))
}

// clusterDo runs fn on the cluster loop; fn returns "" or an error reply.
func (x *ctx) clusterDo(fn func(cl *cluster, st *clusterState) string) bool {
	cl := x.s.cluster
	res := cl.do(func(st *clusterState) any { return fn(cl, st) })
	if e, ok := res.(error); ok {
		x.err(e.Error())
		return false
	}
	if msg := res.(string); msg != "" {
		x.err(msg)
		return false
	}
	return true
}

var clusterHelp = []string{
	"CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"ADDSLOTS <slot> [<slot> ...]",
	"    Assign slots to current node.",
	"ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
	"    Assign slots which are between <start-slot> and <end-slot> to current node.",
	"BUMPEPOCH",
	"    Advance the cluster config epoch.",
	"COUNT-FAILURE-REPORTS <node-id>",
	"    Return number of failure reports for <node-id>.",
	"COUNTKEYSINSLOT <slot>",
	"    Return the number of keys in <slot>.",
	"DELSLOTS <slot> [<slot> ...]",
	"    Delete slots information from current node.",
	"DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
	"    Delete slots information which are between <start-slot> and <end-slot> from current node.",
	"FAILOVER [FORCE|TAKEOVER]",
	"    Promote current replica node to being a master.",
	"FORGET <node-id>",
	"    Remove a node from the cluster.",
	"GETKEYSINSLOT <slot> <count>",
	"    Return key names stored by current node in a slot.",
	"FLUSHSLOTS",
	"    Delete current node own slots information.",
	"INFO",
	"    Return information about the cluster.",
	"KEYSLOT <key>",
	"    Return the hash slot for <key>.",
	"MEET <ip> <port> [<bus-port>]",
	"    Connect nodes into a working cluster.",
	"MYID",
	"    Return the node id.",
	"NODES",
	"    Return cluster configuration seen by node. Output format:",
	"    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
	"REPLICATE <node-id>",
	"    Configure current node as replica to <node-id>.",
	"RESET [HARD|SOFT]",
	"    Reset current node (default: soft).",
	"SET-CONFIG-EPOCH <epoch>",
	"    Set config epoch of current node.",
	"SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
	"    Set slot state.",
	"REPLICAS <node-id>",
	"    Return <node-id> replicas.",
	"SAVECONFIG",
	"    Force saving cluster configuration on disk.",
	"SLOTS",
	"    Return information about slots range mappings. Each range is made of:",
	"    start, end, master and replicas IP addresses, ports and ids",
	"SHARDS",
	"    Return information about slot range mappings and the nodes associated with them.",
	"LINKS",
	"    Return information about all network links between this node and its peers.",
	"    Output format is an array where each array element is a map containing attributes of a link",
	"HELP",
	"    Prints this help.",
}

func cmdClusterHelp(x *ctx, _ *clusterView) {
	x.w.array(len(clusterHelp))
	for _, l := range clusterHelp {
		x.w.simple(l)
	}
}

// cmdClusterInfo is genClusterInfoString.
func cmdClusterInfo(x *ctx, v *clusterView) {
	state := "fail"
	if v.ok {
		state = "ok"
	}
	me := v.myself()
	myEpoch := me.configEpoch
	if m := v.node(me.masterID); m != nil && !me.isMaster() {
		myEpoch = m.configEpoch
	}
	var b strings.Builder
	field := func(k string, val any) { fmt.Fprintf(&b, "%s:%v\r\n", k, val) }
	field("cluster_state", state)
	field("cluster_slots_assigned", v.assigned)
	field("cluster_slots_ok", v.assigned)
	field("cluster_slots_pfail", 0)
	field("cluster_slots_fail", 0)
	field("cluster_known_nodes", len(v.nodes))
	field("cluster_size", v.size)
	field("cluster_current_epoch", v.currentEpoch)
	field("cluster_my_epoch", myEpoch)
	stats := x.s.cluster.bus().Stats()
	var sent, recv int64
	names := [...]string{1: "ping", 2: "publish", 3: "publishshard", 4: "update"}
	for t := 1; t < len(names); t++ {
		if n := stats.Sent[t].Load(); n > 0 {
			field("cluster_stats_messages_"+names[t]+"_sent", n)
			sent += n
		}
	}
	for t := 1; t < len(names); t++ {
		if n := stats.Received[t].Load(); n > 0 {
			field("cluster_stats_messages_"+names[t]+"_received", n)
			recv += n
		}
	}
	field("cluster_stats_messages_sent", sent)
	field("cluster_stats_messages_received", recv)
	field("total_cluster_links_buffer_limit_exceeded", 0)
	x.w.verbatim(b.String())
}

// clientIP is the address this view shows clients for n.
func (v *clusterView) clientIP(n *clusterNode) string { return n.endpointIP() }

func cmdClusterNodes(x *ctx, v *clusterView) {
	var b strings.Builder
	for _, n := range v.nodes {
		b.WriteString(v.nodeLine(n))
	}
	x.w.verbatim(b.String())
}

// nodeLine is n's CLUSTER NODES line as clients see it.
func (v *clusterView) nodeLine(n *clusterNode) string {
	var open []string
	if n == v.myself() {
		for j := 0; j < slots.NumSlots; j++ {
			if m := v.table.Migrating[j]; m != slots.NoNode {
				open = append(open, fmt.Sprintf("[%d->-%s]", j, v.nodes[m].id))
			} else if m := v.table.Importing[j]; m != slots.NoNode {
				open = append(open, fmt.Sprintf("[%d-<-%s]", j, v.nodes[m].id))
			}
		}
	}
	return nodeLine(n, v.node(n.masterID), v.clientIP(n), false, false, open)
}

// endpoint is what CLUSTER SLOTS and SHARDS give clients as n's endpoint
// (addNodeToNodeReply): "?" stands for an unknown one.
func (x *ctx) endpoint(v *clusterView, n *clusterNode) string {
	return preferredEndpoint(x.s.config(), v, n, "?")
}

// replicasOf lists the replicas of master in the view, in view order.
func (v *clusterView) replicasOf(master *clusterNode) []*clusterNode {
	var out []*clusterNode
	for _, n := range v.nodes {
		if !n.isMaster() && n.masterID == master.id {
			out = append(out, n)
		}
	}
	return out
}

// cmdClusterSlots is clusterReplyMultiBulkSlots.
func cmdClusterSlots(x *ctx, v *clusterView) {
	type rng struct {
		start, end int
		n          *clusterNode
	}
	var ranges []rng
	start := -1
	for i := 0; i <= slots.NumSlots; i++ {
		var o int16 = slots.NoNode
		if i < slots.NumSlots {
			o = v.table.Owner[i]
		}
		if start >= 0 && (i == slots.NumSlots || o != v.table.Owner[start]) {
			ranges = append(ranges, rng{start, i - 1, v.nodes[v.table.Owner[start]]})
			start = -1
		}
		if start < 0 && o != slots.NoNode {
			start = i
		}
	}
	x.w.array(len(ranges))
	for _, r := range ranges {
		var reps []*clusterNode
		for _, rep := range v.replicasOf(r.n) {
			if rep.flags&nodeFail == 0 {
				reps = append(reps, rep)
			}
		}
		x.w.array(2 + 1 + len(reps))
		x.w.int(int64(r.start))
		x.w.int(int64(r.end))
		x.slotsNode(v, r.n)
		for _, rep := range reps {
			x.slotsNode(v, rep)
		}
	}
}

// slotsNode is addNodeToNodeReply: endpoint, port, id and the networking
// metadata that is not the preferred endpoint.
func (x *ctx) slotsNode(v *clusterView, n *clusterNode) {
	x.w.array(4)
	x.w.bulkString(x.endpoint(v, n))
	x.w.int(int64(n.port))
	x.w.bulkString(n.id)
	switch pref := x.s.config().ClusterPreferredEndpointType; {
	case pref == "ip" && n.hostname != "":
		x.w.mapHeader(1)
		x.w.bulkString("hostname")
		x.w.bulkString(n.hostname)
	case pref == "hostname":
		x.w.mapHeader(1)
		x.w.bulkString("ip")
		x.w.bulkString(v.clientIP(n))
	case pref == "unknown-endpoint":
		fields := 1
		if n.hostname != "" {
			fields++
		}
		x.w.mapHeader(fields)
		x.w.bulkString("ip")
		x.w.bulkString(v.clientIP(n))
		if n.hostname != "" {
			x.w.bulkString("hostname")
			x.w.bulkString(n.hostname)
		}
	default:
		x.w.mapHeader(0)
	}
}

// cmdClusterShards is clusterCommandShards: one entry per master.
func cmdClusterShards(x *ctx, v *clusterView) {
	var masters []*clusterNode
	for _, n := range v.nodes {
		if n.isMaster() {
			masters = append(masters, n)
		}
	}
	x.w.array(len(masters))
	for _, m := range masters {
		x.w.mapHeader(2)
		x.w.bulkString("slots")
		rs := m.slots.Ranges()
		x.w.array(2 * len(rs))
		for _, r := range rs {
			x.w.int(int64(r.Start))
			x.w.int(int64(r.End))
		}
		x.w.bulkString("nodes")
		members := append([]*clusterNode{m}, v.replicasOf(m)...)
		x.w.array(len(members))
		for _, n := range members {
			x.shardNode(v, n)
		}
	}
}

// shardNode is addShardReplyForClusterShards's per-node map.
func (x *ctx) shardNode(v *clusterView, n *clusterNode) {
	fields := 7
	if n.hostname != "" {
		fields++
	}
	x.w.mapHeader(fields)
	x.w.bulkString("id")
	x.w.bulkString(n.id)
	x.w.bulkString("port")
	x.w.int(int64(n.port))
	x.w.bulkString("ip")
	x.w.bulkString(v.clientIP(n))
	x.w.bulkString("endpoint")
	x.w.bulkString(x.endpoint(v, n))
	if n.hostname != "" {
		x.w.bulkString("hostname")
		x.w.bulkString(n.hostname)
	}
	role, health := "master", "online"
	if !n.isMaster() {
		role = "replica"
		if n.replOffset == 0 {
			health = "loading"
		}
	}
	if n.flags&nodeFail != 0 {
		health = "fail"
	}
	x.w.bulkString("role")
	x.w.bulkString(role)
	x.w.bulkString("replication-offset")
	x.w.int(n.replOffset)
	x.w.bulkString("health")
	x.w.bulkString(health)
}

// cmdClusterLinks reports one outbound link per peer memberlist reaches.
// memberlist has no long-lived links, so buffers are always empty.
func cmdClusterLinks(x *ctx, v *clusterView) {
	var peers []*clusterNode
	for _, n := range v.nodes {
		if n != v.myself() && n.linked {
			peers = append(peers, n)
		}
	}
	x.w.array(len(peers))
	for _, n := range peers {
		x.w.mapHeader(6)
		x.w.bulkString("direction")
		x.w.bulkString("to")
		x.w.bulkString("node")
		x.w.bulkString(n.id)
		x.w.bulkString("create-time")
		x.w.int(n.pongRecv)
		x.w.bulkString("events")
		x.w.bulkString("rw")
		x.w.bulkString("send-buffer-allocated")
		x.w.int(0)
		x.w.bulkString("send-buffer-used")
		x.w.int(0)
	}
}

// slotArg parses a slot as getSlotOrReply does.
func (x *ctx) slotArg(i int) (slots.Slot, bool) {
	n, err := strconv.ParseInt(string(x.argv[i]), 10, 64)
	if err != nil || n < 0 || n >= slots.NumSlots {
		x.err("ERR Invalid or out of range slot")
		return 0, false
	}
	return slots.Slot(n), true
}

// withSlotLocked runs fn with slot locked, unless EXEC holds every lock.
func (x *ctx) withSlotLocked(slot slots.Slot, fn func()) {
	if !x.allLocked {
		x.s.store.Lock(slot)
		defer x.s.store.Unlock(slot)
	}
	fn()
}

func cmdClusterCountKeysInSlot(x *ctx, _ *clusterView) {
	n, ok := x.intArg(2)
	if !ok {
		return
	}
	if n < 0 || n >= slots.NumSlots {
		x.err("ERR Invalid slot")
		return
	}
	x.withSlotLocked(slots.Slot(n), func() { x.w.int(int64(x.s.store.DB(0).SlotSize(slots.Slot(n)))) })
}

func cmdClusterGetKeysInSlot(x *ctx, _ *clusterView) {
	slot, ok := x.intArg(2)
	if !ok {
		return
	}
	count, ok := x.intArg(3)
	if !ok {
		return
	}
	if count < 0 || slot < 0 || slot >= slots.NumSlots {
		x.err("ERR Invalid slot or number of keys")
		return
	}
	x.withSlotLocked(slots.Slot(slot), func() {
		var keys []string
		x.s.store.DB(0).SlotKeys(slots.Slot(slot), func(k string, _ *store.Object) bool {
			if int64(len(keys)) >= count {
				return false
			}
			keys = append(keys, k)
			return true
		})
		x.w.bulkStrings(keys)
	})
}

// cmdClusterSlotsChange is ADDSLOTS, DELSLOTS and their RANGE forms, with
// the checks of checkSlotAssignmentsOrReply.
func cmdClusterSlotsChange(x *ctx, add, ranges bool) {
	var want []slots.Slot
	if ranges {
		if len(x.argv)%2 == 1 {
			x.errf("ERR wrong number of arguments for '%s' command", x.cmd.fullName)
			return
		}
		for i := 2; i < len(x.argv); i += 2 {
			start, ok := x.slotArg(i)
			if !ok {
				return
			}
			end, ok := x.slotArg(i + 1)
			if !ok {
				return
			}
			if start > end {
				x.errf("ERR start slot number %d is greater than end slot number %d", start, end)
				return
			}
			for s := int(start); s <= int(end); s++ {
				want = append(want, slots.Slot(s))
			}
		}
	} else {
		for i := 2; i < len(x.argv); i++ {
			s, ok := x.slotArg(i)
			if !ok {
				return
			}
			want = append(want, s)
		}
	}
	if x.clusterDo(func(cl *cluster, st *clusterState) string {
		var seen slots.Set
		for _, s := range want {
			switch {
			case add && st.owner[s] != nil:
				return fmt.Sprintf("ERR Slot %d is already busy", s)
			case !add && st.owner[s] == nil:
				return fmt.Sprintf("ERR Slot %d is already unassigned", s)
			case seen.Has(s):
				return fmt.Sprintf("ERR Slot %d specified multiple times", s)
			}
			seen.Add(s)
		}
		for _, s := range want {
			if add {
				// clusterAddSlot: a slot I import becomes mine and stable.
				st.importing[s] = nil
				cl.setOwner(s, st.myself)
			} else {
				st.importing[s], st.migrating[s] = nil, nil
				cl.setOwner(s, nil)
			}
		}
		cl.dirtySave = true
		return ""
	}) {
		x.w.ok()
	}
}

func cmdClusterFlushSlots(x *ctx, _ *clusterView) {
	if x.s.store.DB(0).Size() != 0 {
		x.err("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.")
		return
	}
	if x.clusterDo(func(cl *cluster, st *clusterState) string {
		cl.delNodeSlots(st.myself)
		cl.dirtySave = true
		return ""
	}) {
		x.w.ok()
	}
}

// cmdClusterMeet starts the handshake with another node's bus.
func cmdClusterMeet(x *ctx, _ *clusterView) {
	if len(x.argv) != 4 && len(x.argv) != 5 {
		x.clusterSyntaxError()
		return
	}
	port, err := strconv.ParseInt(string(x.argv[3]), 10, 64)
	if err != nil {
		x.errf("ERR Invalid TCP base port specified: %s", x.argv[3])
		return
	}
	busPort := port + 10000
	if len(x.argv) == 5 {
		busPort, err = strconv.ParseInt(string(x.argv[4]), 10, 64)
		if err != nil {
			x.errf("ERR Invalid TCP bus port specified: %s", x.argv[4])
			return
		}
	}
	ip := net.ParseIP(string(x.argv[2]))
	if ip == nil || port <= 0 || port > 65535 || busPort <= 0 || busPort > 65535 {
		x.errf("ERR Invalid node address specified: %s:%s", x.argv[2], x.argv[3])
		return
	}
	x.s.cluster.meet(ip.String(), int(busPort))
	x.w.ok()
}

// blacklistTTL is CLUSTER_BLACKLIST_TTL.
const blacklistTTL = 60 * time.Second

func cmdClusterForget(x *ctx, _ *clusterView) {
	id := string(x.argv[2])
	if x.clusterDo(func(cl *cluster, st *clusterState) string {
		n := st.nodes[id]
		if n == nil {
			if until, ok := st.blacklist[id]; ok && time.Now().UnixMilli() < until {
				return ""
			}
			return "ERR Unknown node " + id
		}
		if n == st.myself {
			return "ERR I tried hard but I can't forget myself..."
		}
		if !st.myself.isMaster() && st.myself.masterID == id {
			return "ERR Can't forget my master!"
		}
		st.blacklist[id] = time.Now().Add(blacklistTTL).UnixMilli()
		cl.delNodeSlots(n)
		for j := range st.migrating {
			if st.migrating[j] == n {
				st.migrating[j] = nil
			}
			if st.importing[j] == n {
				st.importing[j] = nil
			}
		}
		delete(st.nodes, id)
		cl.reapplyClaims()
		cl.dirtySave = true
		return ""
	}) {
		x.w.ok()
	}
}

func cmdClusterReplicate(x *ctx, _ *clusterView) {
	id := string(x.argv[2])
	dbEmpty := x.s.store.DB(0).Size() == 0
	if x.clusterDo(func(cl *cluster, st *clusterState) string {
		n := st.nodes[id]
		switch {
		case n == nil:
			return "ERR Unknown node " + id
		case n == st.myself:
			return "ERR Can't replicate myself"
		case !n.isMaster():
			return "ERR I can only replicate a master, not a replica."
		case st.myself.isMaster() && (!st.myself.slots.Empty() || !dbEmpty):
			return "ERR To set a master the node must be empty and without assigned slots."
		}
		cl.setMyMaster(n)
		return ""
	}) {
		x.w.ok()
	}
}

func cmdClusterReplicas(x *ctx, v *clusterView) {
	n := v.node(string(x.argv[2]))
	if n == nil {
		x.err("ERR Unknown node " + string(x.argv[2]))
		return
	}
	if !n.isMaster() {
		x.err("ERR The specified node is not a master")
		return
	}
	reps := v.replicasOf(n)
	x.w.array(len(reps))
	for _, r := range reps {
		// clusterGenNodeDescription: one line without the newline that
		// CLUSTER NODES puts between lines.
		x.w.bulkString(strings.TrimSuffix(v.nodeLine(r), "\n"))
	}
}

func cmdClusterCountFailureReports(x *ctx, v *clusterView) {
	if v.node(string(x.argv[2])) == nil {
		x.err("ERR Unknown node " + string(x.argv[2]))
		return
	}
	// Failure reports arrive with failure detection; none are kept yet.
	x.w.int(0)
}

// cmdClusterReset is clusterReset: forget every node and slot; a replica
// becomes an empty master; HARD also zeroes the epochs and takes a new id.
func cmdClusterReset(x *ctx, _ *clusterView) {
	hard := false
	switch {
	case len(x.argv) == 3 && x.argIs(2, "hard"):
		hard = true
	case len(x.argv) == 3 && x.argIs(2, "soft"):
	case len(x.argv) == 3:
		x.err(errSyntax)
		return
	case len(x.argv) > 3:
		x.clusterSyntaxError()
		return
	}
	v := x.s.cluster.view.Load()
	if v.myself().isMaster() && x.s.store.DB(0).Size() != 0 {
		x.err("ERR CLUSTER RESET can't be called with master nodes containing keys")
		return
	}
	if !v.myself().isMaster() {
		// The command holds every slot lock (lockAll).
		for i := 0; i < store.NumDBs; i++ {
			if db := x.s.store.DB(i); db.Size() > 0 {
				x.walk(func(slot slots.Slot) bool { db.FlushSlot(slot); return true })
			}
		}
		x.propagate([]byte("FLUSHALL"))
	}
	if x.clusterDo(func(cl *cluster, st *clusterState) string {
		cl.reset(hard)
		return ""
	}) {
		x.w.ok()
	}
}

func cmdClusterSaveConfig(x *ctx, _ *clusterView) {
	if x.clusterDo(func(cl *cluster, st *clusterState) string {
		if err := cl.conf.save(st, cl.view.Load().anyOpen, true); err != nil {
			return "ERR " + err.Error()
		}
		return ""
	}) {
		x.w.ok()
	}
}

func cmdClusterSetConfigEpoch(x *ctx, _ *clusterView) {
	epoch, ok := x.intArg(2)
	if !ok {
		return
	}
	if epoch < 0 {
		x.errf("ERR Invalid config epoch specified: %d", epoch)
		return
	}
	if x.clusterDo(func(cl *cluster, st *clusterState) string {
		switch {
		case len(st.nodes) > 1:
			return "ERR The user can assign a config epoch only when the node does not know any other node."
		case st.myself.configEpoch != 0:
			return "ERR Node config epoch is already non-zero"
		}
		st.myself.configEpoch = uint64(epoch)
		st.currentEpoch = max(st.currentEpoch, uint64(epoch))
		cl.touchMyself()
		return ""
	}) {
		x.w.ok()
	}
}

// cmdClusterBumpEpoch is clusterBumpConfigEpochWithoutConsensus.
func cmdClusterBumpEpoch(x *ctx, _ *clusterView) {
	var reply string
	if x.clusterDo(func(cl *cluster, st *clusterState) string {
		maxEpoch := st.currentEpoch
		for _, n := range st.nodes {
			maxEpoch = max(maxEpoch, n.configEpoch)
		}
		me := st.myself
		word := "STILL"
		if me.configEpoch == 0 || me.configEpoch != maxEpoch {
			st.currentEpoch++
			me.configEpoch = st.currentEpoch
			cl.touchMyself()
			word = "BUMPED"
		}
		reply = fmt.Sprintf("%s %d", word, me.configEpoch)
		return ""
	}) {
		x.w.simple(reply)
	}
}

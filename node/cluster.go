package node

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/slotd/slotd/gossip"
	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/replication"
	"github.com/slotd/slotd/slots"
)

// Node flags, as CLUSTER NODES prints them (CLUSTER_NODE_* in Redis).
type nodeFlags uint16

const (
	nodeMyself nodeFlags = 1 << iota
	nodeMaster
	nodeReplica
	nodePFail
	nodeFail
	nodeHandshake
	nodeNoAddr
	nodeNoFailover
)

// nodeFlagNames are the flag words in the order clusterGenNodeDescription
// prints them.
var nodeFlagNames = []struct {
	f    nodeFlags
	name string
}{
	{nodeMyself, "myself"}, {nodeMaster, "master"}, {nodeReplica, "slave"},
	{nodePFail, "fail?"}, {nodeFail, "fail"}, {nodeHandshake, "handshake"},
	{nodeNoAddr, "noaddr"}, {nodeNoFailover, "nofailover"},
}

// clusterNode is one node of the cluster as this node knows it. The
// cluster loop owns every clusterNode; views hold copies.
type clusterNode struct {
	id, shardID string
	ip          string // bus/identity address
	clientIP    string // address given to clients, when not ip
	hostname    string
	port        int // client port
	busPort     int
	flags       nodeFlags
	masterID    string
	configEpoch uint64
	replOffset  int64
	// version is the newest record version seen from this node.
	version uint64
	// pongRecv is the Unix millisecond of the last sign of life, 0 for
	// none.
	pongRecv int64
	linked   bool
	// viewIdx is the node's index in the view being built (loop only).
	viewIdx int16
	// slots are the slots this node owns in our table.
	slots slots.Set
	// record is the node's own announcement, relayed as received.
	record gossip.NodeRecord
}

func (n *clusterNode) isMaster() bool { return n.flags&nodeMaster != 0 }

// endpointIP is the address clients are told to use.
func (n *clusterNode) endpointIP() string {
	if n.clientIP != "" {
		return n.clientIP
	}
	return n.ip
}

// clusterState is everything the cluster loop owns. Only the loop
// goroutine touches it.
type clusterState struct {
	myself        *clusterNode
	nodes         map[string]*clusterNode
	owner         [slots.NumSlots]*clusterNode
	migrating     [slots.NumSlots]*clusterNode
	importing     [slots.NumSlots]*clusterNode
	currentEpoch  uint64
	lastVoteEpoch uint64
	// blacklist holds FORGET-ten node ids until the Unix millisecond given.
	blacklist map[string]int64
}

// clusterReq is one request to the cluster loop: fn runs on the loop with
// the state and its result is sent on done.
type clusterReq struct {
	fn   func(st *clusterState) any
	done chan any
}

// cluster is the node's cluster mode: the loop, the bus and the published
// view.
type cluster struct {
	s   *Server
	log *zap.Logger
	// busp is the bus; CLUSTER RESET replaces it with a fresh one.
	busp atomic.Pointer[gossip.Bus]
	// busCfg starts a replacement bus on the same port.
	busCfg gossip.Config
	view   atomic.Pointer[clusterView]
	reqs   chan clusterReq
	// localState is the encoded push/pull state the bus hands peers.
	localState atomic.Pointer[[]byte]
	conf       *nodesConf
	st         *clusterState
	// dirty* are set by handlers on the loop and acted on after each step;
	// dirtyView alone only republishes the view.
	dirtySave, dirtyAnnounce, dirtyView bool
	started                             time.Time
	// pubq feeds PUBLISH and SPUBLISH to the bus sender.
	pubq chan *gossip.Message
	// announceNext holds myself's newest record for the announcer, and
	// announceKick wakes it.
	announceNext atomic.Pointer[gossip.Message]
	announceKick chan struct{}
	// savedEpochs are the epochs nodes.conf last recorded; a change to
	// them is saved with fsync (loop only).
	savedEpochs [3]uint64
	// redialing holds the nodes a reconnect attempt is running for, and
	// lastRedial paces the attempts; loop only.
	redialing  map[string]bool
	lastRedial time.Time
}

// clusterKey derives the 32-byte bus key from the cluster-key passphrase.
func clusterKey(pass string) []byte {
	if pass == "" {
		return nil
	}
	k := sha256.Sum256([]byte(pass))
	return k[:]
}

func newNodeID() string {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// startCluster loads or creates nodes.conf, starts the bus and the loop,
// and publishes the first view. port is the client port actually bound.
func (s *Server) startCluster(port int) error {
	cfg := s.config()
	cl := &cluster{s: s, log: s.log.Named("cluster"), reqs: make(chan clusterReq), started: time.Now(),
		pubq: make(chan *gossip.Message, 4096), announceKick: make(chan struct{}, 1),
		redialing: make(map[string]bool)}
	// Like Redis, the file is relative to dir. cmd/slotd has already
	// changed into dir, so a relative dir must not be applied twice; an
	// absolute one is (in-process servers do not chdir).
	path := cfg.ClusterConfigFile
	if !filepath.IsAbs(path) && filepath.IsAbs(cfg.Dir) {
		path = filepath.Join(cfg.Dir, path)
	}
	conf, st, err := openNodesConf(path)
	if err != nil {
		return err
	}
	cl.conf = conf
	if st == nil {
		id := newNodeID()
		me := &clusterNode{id: id, shardID: newNodeID(), flags: nodeMyself | nodeMaster, linked: true}
		st = &clusterState{myself: me, nodes: map[string]*clusterNode{id: me}}
		cl.dirtySave = true
		cl.log.Info("no cluster configuration found, I'm " + id)
	} else {
		cl.log.Info("node configuration loaded, I'm " + st.myself.id)
	}
	st.blacklist = make(map[string]int64)
	cl.st = st
	busPort := cfg.ClusterPort
	if busPort == 0 && port != 0 {
		busPort = port + 10000
	}
	bind := "0.0.0.0"
	for _, b := range cfg.Bind {
		b = trimOptional(b)
		if b != "*" && b != "::*" && net.ParseIP(b) != nil && net.ParseIP(b).To4() != nil {
			bind = b
			break
		}
	}
	busCfg := gossip.Config{
		Name: st.myself.id, BindAddr: bind, BindPort: busPort,
		AdvertiseAddr: cfg.ClusterAnnounceIP, AdvertisePort: cfg.ClusterAnnounceBusPort,
		SecretKey: clusterKey(cfg.ClusterKey), NodeTimeout: time.Duration(cfg.ClusterNodeTimeout) * time.Millisecond,
		LocalState: cl.pushPullState, Logger: cl.log.Named("bus"),
	}
	bus, err := gossip.New(busCfg)
	if err != nil {
		conf.close()
		return err
	}
	cl.busp.Store(bus)
	cl.busCfg = busCfg
	cl.busCfg.BindPort, cl.busCfg.AdvertisePort = 0, 0
	_, actualPort := bus.Addr()
	if cfg.ClusterAnnounceBusPort == 0 {
		cl.busCfg.BindPort = actualPort
	} else {
		cl.busCfg.BindPort, cl.busCfg.AdvertisePort = busCfg.BindPort, busCfg.AdvertisePort
	}
	me := st.myself
	me.ip, me.busPort = bus.Addr()
	me.port = port
	if cfg.ClusterAnnouncePort != 0 {
		me.port = cfg.ClusterAnnouncePort
	}
	me.clientIP = cfg.ClusterAnnounceClientIPv4
	me.hostname = cfg.ClusterAnnounceHostname
	me.flags &^= nodeNoFailover
	if cfg.ClusterReplicaNoFailover {
		me.flags |= nodeNoFailover
	}
	cl.touchMyself()
	if err := cl.afterStep(); err != nil {
		_ = bus.Close()
		conf.close()
		return err
	}
	s.cluster = cl
	s.goTracked(cl.loop)
	s.goTracked(cl.rejoin)
	s.goTracked(cl.publisher)
	s.goTracked(cl.announcer)
	return nil
}

// announcer sends myself's newest record straight to every member whenever
// it changes, as Redis broadcasts a PONG after a configuration change, so
// peers converge without waiting for gossip rounds. Sends are reliable
// (TCP) and made off the loop.
func (cl *cluster) announcer() {
	for {
		select {
		case <-cl.announceKick:
		case <-cl.s.done:
			return
		}
		// Let a burst of changes (a reshard sends several SETSLOTs per
		// slot) settle into one announcement: each costs every peer a
		// connection, a merge and a configuration save.
		select {
		case <-time.After(announceDelay):
		case <-cl.s.done:
			return
		}
		m := cl.announceNext.Load()
		for _, mem := range cl.bus().Members() {
			if err := cl.bus().SendTo(mem.Name, m); err != nil {
				cl.log.Debug("announce not delivered", zap.String("node", mem.Name), zap.Error(err))
			}
		}
	}
}

// publishRemote hands a PUBLISH (or SPUBLISH) to the bus sender. It never
// blocks the client: with the queue full the message is dropped for the
// other nodes, which pub/sub's at-most-once delivery allows, and logged.
func (cl *cluster) publishRemote(channel, msg []byte, shard bool) {
	m := &gossip.Message{Type: gossip.MsgPublish, Channel: append([]byte(nil), channel...), Payload: append([]byte(nil), msg...)}
	if shard {
		m.Type = gossip.MsgPublishShard
	}
	select {
	case cl.pubq <- m:
	default:
		cl.log.Warn("publish queue full, message not sent to other nodes", zap.ByteString("channel", channel))
	}
}

// publisher sends queued publishes, in order, to every reachable node (to
// the nodes of this shard for SPUBLISH), as clusterPropagatePublish does.
func (cl *cluster) publisher() {
	for {
		var m *gossip.Message
		select {
		case m = <-cl.pubq:
		case <-cl.s.done:
			return
		}
		v := cl.view.Load()
		me := v.myself()
		shard := me.id
		if !me.isMaster() {
			shard = me.masterID
		}
		for _, n := range v.nodes {
			if n == me || !n.linked {
				continue
			}
			if m.Type == gossip.MsgPublishShard && n.id != shard && n.masterID != shard {
				continue
			}
			if err := cl.bus().SendTo(n.id, m); err != nil {
				cl.log.Debug("publish not delivered", zap.String("node", n.id), zap.Error(err))
			}
		}
	}
}

// trimOptional strips the "-" Redis allows before an optional bind address.
func trimOptional(b string) string {
	if len(b) > 0 && b[0] == '-' {
		return b[1:]
	}
	return b
}

// bus returns the current cluster bus.
func (cl *cluster) bus() *gossip.Bus { return cl.busp.Load() }

// restartBus leaves the bus and starts a fresh one under name, with no
// members: after CLUSTER RESET the node must not hear from the peers it
// forgot, and memberlist keeps a membership until it is left. Loop only.
func (cl *cluster) restartBus(name string) error {
	_ = cl.bus().Leave(500 * time.Millisecond)
	cfg := cl.busCfg
	cfg.Name = name
	bus, err := gossip.New(cfg)
	if err != nil {
		return err
	}
	cl.busp.Store(bus)
	return nil
}

// do runs fn on the cluster loop and returns its result.
func (cl *cluster) do(fn func(st *clusterState) any) any {
	r := clusterReq{fn: fn, done: make(chan any, 1)}
	select {
	case cl.reqs <- r:
	case <-cl.s.done:
		return errClusterClosing
	}
	select {
	case v := <-r.done:
		return v
	case <-cl.s.done:
		return errClusterClosing
	}
}

var errClusterClosing = errors.New("ERR the server is shutting down")

// loop is the cluster loop: the only goroutine that changes cluster state.
// Mirrors clusterCron plus clusterProcessPacket.
func (cl *cluster) loop() {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	defer cl.shutdown()
	for {
		select {
		case <-cl.s.done:
			return
		case e := <-cl.bus().Events():
			cl.handleEvent(e)
		case r := <-cl.reqs:
			// The effects (save, announce, new view) land before the
			// reply, so the caller's next command sees them.
			v := r.fn(cl.st)
			cl.dirtyView = true
			cl.step()
			r.done <- v
			continue
		case <-tick.C:
			cl.cron()
		}
		cl.step()
	}
}

// step runs a loop step's effects and logs a failed save.
func (cl *cluster) step() {
	if err := cl.afterStep(); err != nil {
		cl.log.Error("saving the cluster configuration failed", zap.Error(err))
	}
}

func (cl *cluster) shutdown() {
	if cl.dirtySave {
		if err := cl.conf.save(cl.st, true, true); err != nil {
			cl.log.Error("saving the cluster configuration failed", zap.Error(err))
		}
	}
	_ = cl.bus().Leave(time.Second)
	cl.conf.close()
}

// rejoin contacts the peers known from nodes.conf until one answers, so a
// restarted node finds its cluster again.
func (cl *cluster) rejoin() {
	var addrs []string
	for _, n := range cl.st.nodes {
		if n != cl.st.myself && n.ip != "" && n.busPort != 0 {
			addrs = append(addrs, gossip.HostPort(n.ip, n.busPort))
		}
	}
	for len(addrs) > 0 {
		if _, err := cl.bus().Join(addrs); err == nil {
			return
		}
		select {
		case <-cl.s.done:
			return
		case <-time.After(time.Second):
		}
	}
}

// meet joins the bus at ip:busPort in the background, like CLUSTER MEET's
// handshake.
func (cl *cluster) meet(ip string, busPort int) {
	addr := gossip.HostPort(ip, busPort)
	cl.s.goTracked(func() {
		if _, err := cl.bus().Join([]string{addr}); err != nil {
			cl.log.Warn("cluster meet failed", zap.String("addr", addr), zap.Error(err))
		}
	})
}

// touchMyself records that myself changed: a new record version to
// announce and a configuration to save.
func (cl *cluster) touchMyself() {
	me := cl.st.myself
	v := uint64(time.Now().UnixMilli())
	if v <= me.version {
		v = me.version + 1
	}
	me.version = v
	cl.dirtyAnnounce, cl.dirtySave = true, true
}

// afterStep runs the effects of a loop step in one place: save nodes.conf,
// announce myself, publish the new view and push/pull state.
func (cl *cluster) afterStep() error {
	epochs := [3]uint64{cl.st.currentEpoch, cl.st.lastVoteEpoch, cl.st.myself.configEpoch}
	save := cl.dirtySave || epochs != cl.savedEpochs
	if cl.dirtyAnnounce {
		cl.dirtyAnnounce = false
		rec := cl.myRecord()
		cl.st.myself.record = rec
		m := &gossip.Message{Type: gossip.MsgNodes, Nodes: []gossip.NodeRecord{rec}}
		cl.bus().Broadcast(rec.ID, m)
		cl.announceNext.Store(m)
		select {
		case cl.announceKick <- struct{}{}:
		default:
		}
		cl.dirtyView = true
	}
	if cl.dirtyView || save {
		cl.dirtyView = false
		cl.publish()
	}
	if !save {
		return nil
	}
	// Epochs and votes must be durable before anyone acts on them
	// (Redis's CLUSTER_TODO_FSYNC_CONFIG); other changes, like
	// migrating/importing marks, are written atomically without waiting
	// for the disk, as Redis saves them without fsync.
	err := cl.conf.save(cl.st, cl.view.Load().anyOpen, epochs != cl.savedEpochs)
	if err == nil {
		cl.dirtySave = false
		cl.savedEpochs = epochs
	}
	return err
}

// myRecord builds the record myself announces.
func (cl *cluster) myRecord() gossip.NodeRecord {
	me := cl.st.myself
	r := gossip.NodeRecord{
		ID: me.id, ShardID: me.shardID, IP: me.ip, ClientIP: me.clientIP, Hostname: me.hostname,
		Port: uint16(me.port), BusPort: uint16(me.busPort), MasterID: me.masterID,
		ConfigEpoch: me.configEpoch, CurrentEpoch: cl.st.currentEpoch, Version: me.version,
		ReplOffset: me.replOffset, Slots: me.slots.Ranges(),
	}
	if me.isMaster() {
		r.Flags |= gossip.FlagMaster
	} else {
		r.Flags |= gossip.FlagReplica
	}
	if me.flags&nodeNoFailover != 0 {
		r.Flags |= gossip.FlagNoFailover
	}
	return r
}

// pushPullState is the bus's LocalState callback.
func (cl *cluster) pushPullState() []byte {
	if p := cl.localState.Load(); p != nil {
		return *p
	}
	return nil
}

// handleEvent applies one bus event.
func (cl *cluster) handleEvent(e gossip.Event) {
	st := cl.st
	switch e.Kind {
	case gossip.EventJoin:
		if n := st.nodes[e.Name]; n != nil && n != st.myself {
			n.linked = true
			n.pongRecv = time.Now().UnixMilli()
			cl.dirtyView = true
		}
		// Tell the newcomer (and everyone) who I am now.
		cl.dirtyAnnounce = true
		cl.log.Info("node joined the bus", zap.String("node", e.Name), zap.String("addr", e.Addr), zap.Int("port", e.Port))
	case gossip.EventLeave:
		if n := st.nodes[e.Name]; n != nil && n != st.myself {
			n.linked = false
			cl.dirtyView = true
		}
		cl.log.Info("node left the bus", zap.String("node", e.Name), zap.String("addr", e.Addr))
	case gossip.EventPong:
		// The view shows the new pong time at the next republish (at
		// most a second away); a pong alone is not worth one.
		if n := st.nodes[e.Name]; n != nil && n != st.myself {
			relinked := !n.linked
			n.linked = true
			n.pongRecv = time.Now().UnixMilli()
			cl.dirtyView = cl.dirtyView || relinked
		}
	case gossip.EventMessage:
		switch e.Msg.Type {
		case gossip.MsgNodes, gossip.MsgUpdate:
			for i := range e.Msg.Nodes {
				cl.processRecord(&e.Msg.Nodes[i])
			}
		case gossip.MsgPublish:
			cl.s.publish(e.Msg.Channel, e.Msg.Payload, false)
		case gossip.MsgPublishShard:
			cl.s.publish(e.Msg.Channel, e.Msg.Payload, true)
		}
	}
}

// processRecord merges one node's announcement, with the rules of
// clusterProcessPacket for a PING/PONG header.
func (cl *cluster) processRecord(r *gossip.NodeRecord) {
	st := cl.st
	if r.ID == st.myself.id || len(r.ID) != 40 {
		return
	}
	if until, ok := st.blacklist[r.ID]; ok && time.Now().UnixMilli() < until {
		return
	}
	n := st.nodes[r.ID]
	if n != nil && r.Version < n.version {
		return
	}
	if n != nil && r.Version == n.version {
		// A record seen before still carries its author's slot claims:
		// Redis re-checks the claims of every ping, which is how a node
		// that took a slot with a stale configEpoch gives it back.
		if n.isMaster() && r.Flags&gossip.FlagMaster != 0 {
			claimed := slots.SetOf(r.Slots)
			cl.updateSlotsConfigWith(n, r.ConfigEpoch, &claimed)
		}
		return
	}
	if n == nil {
		n = &clusterNode{id: r.ID}
		st.nodes[r.ID] = n
		for _, m := range cl.bus().Members() {
			if m.Name == r.ID {
				n.linked = true
				n.pongRecv = time.Now().UnixMilli()
			}
		}
	}
	cl.dirtySave = true
	n.version, n.record = r.Version, *r
	n.shardID, n.ip, n.clientIP, n.hostname = r.ShardID, r.IP, r.ClientIP, r.Hostname
	n.port, n.busPort = int(r.Port), int(r.BusPort)
	n.replOffset = r.ReplOffset
	n.flags &^= nodeNoFailover | nodeNoAddr
	if r.Flags&gossip.FlagNoFailover != 0 {
		n.flags |= nodeNoFailover
	}
	if r.CurrentEpoch > st.currentEpoch {
		st.currentEpoch = r.CurrentEpoch
	}
	if r.Flags&gossip.FlagReplica != 0 {
		if n.isMaster() {
			cl.delNodeSlots(n)
		}
		n.flags = n.flags&^nodeMaster | nodeReplica
		n.masterID = r.MasterID
		// A replica shows its master's configEpoch; keep its own too.
		n.configEpoch = r.ConfigEpoch
		return
	}
	n.flags = n.flags&^nodeReplica | nodeMaster
	n.masterID = ""
	n.configEpoch = r.ConfigEpoch
	claimed := slots.SetOf(r.Slots)
	cl.updateSlotsConfigWith(n, r.ConfigEpoch, &claimed)
	cl.sendUpdateIfStale(n, r.ConfigEpoch, &claimed)
	cl.handleConfigEpochCollision(n)
}

// updateSlotsConfigWith rebinds the slots sender claims when its configEpoch
// wins, as clusterUpdateSlotsConfigWith does.
func (cl *cluster) updateSlotsConfigWith(sender *clusterNode, epoch uint64, claimed *slots.Set) {
	st := cl.st
	me := st.myself
	curMaster := me
	if !me.isMaster() {
		curMaster = st.nodes[me.masterID]
	}
	var newMaster *clusterNode
	var dirty []slots.Slot
	for j := 0; j < slots.NumSlots; j++ {
		s := slots.Slot(j)
		if !claimed.Has(s) {
			continue
		}
		owner := st.owner[s]
		if owner == sender || st.importing[s] != nil {
			continue
		}
		if owner != nil && owner.configEpoch >= epoch {
			continue
		}
		if owner == me {
			dirty = append(dirty, s)
		}
		if owner != nil && owner == curMaster {
			newMaster = sender
		}
		cl.setOwner(s, sender)
		cl.dirtySave = true
	}
	if newMaster != nil && curMaster != nil && curMaster.slots.Empty() &&
		(cl.s.config().ClusterAllowReplicaMigration || curMaster != me) {
		cl.log.Info("configuration change detected, reconfiguring myself as a replica",
			zap.String("master", sender.id))
		cl.setMyMaster(sender)
		return
	}
	if len(dirty) > 0 {
		// The loop never takes slot locks (a handler holding one may be
		// waiting on the loop), so the keys go in the background.
		cl.s.goTracked(func() {
			for _, s := range dirty {
				cl.s.deleteKeysInSlot(s)
			}
		})
	}
}

// sendUpdateIfStale sends an UPDATE with the newer owner's record to a
// sender that claims slots someone with a greater configEpoch owns.
func (cl *cluster) sendUpdateIfStale(sender *clusterNode, epoch uint64, claimed *slots.Set) {
	for j := 0; j < slots.NumSlots; j++ {
		s := slots.Slot(j)
		owner := cl.st.owner[s]
		if !claimed.Has(s) || owner == nil || owner == sender || owner.configEpoch <= epoch {
			continue
		}
		rec := owner.record
		if owner == cl.st.myself {
			rec = cl.myRecord()
		}
		// A reliable send dials the peer: never on the loop.
		bus, to := cl.bus(), sender.id
		cl.s.goTracked(func() {
			if err := bus.SendTo(to, &gossip.Message{Type: gossip.MsgUpdate, Nodes: []gossip.NodeRecord{rec}}); err != nil {
				cl.log.Debug("update not sent", zap.String("node", to), zap.Error(err))
			}
		})
		return
	}
}

// handleConfigEpochCollision resolves two masters with one configEpoch: the
// one with the smaller node id takes a new epoch, as
// clusterHandleConfigEpochCollision does.
func (cl *cluster) handleConfigEpochCollision(sender *clusterNode) {
	me := cl.st.myself
	if sender.configEpoch != me.configEpoch || !sender.isMaster() || !me.isMaster() || sender.id <= me.id {
		return
	}
	cl.st.currentEpoch++
	me.configEpoch = cl.st.currentEpoch
	cl.touchMyself()
	cl.log.Info("configEpoch collision resolved", zap.String("with", sender.id), zap.Uint64("configEpoch", me.configEpoch))
}

// reapplyClaims runs every known master's last announced slot claims
// through the configEpoch rules again. Redis re-checks the claims of each
// ping it receives; this does the same once a second and after FORGET, so
// a slot left unassigned (its owner forgotten while this node's view was
// stale) goes back to the master that claims it.
func (cl *cluster) reapplyClaims() {
	for _, n := range cl.st.nodes {
		if n == cl.st.myself || !n.isMaster() || n.record.ID == "" || n.record.Flags&gossip.FlagMaster == 0 {
			continue
		}
		claimed := slots.SetOf(n.record.Slots)
		cl.updateSlotsConfigWith(n, n.record.ConfigEpoch, &claimed)
	}
}

// setOwner makes n the owner of s in our table.
func (cl *cluster) setOwner(s slots.Slot, n *clusterNode) {
	st := cl.st
	if st.owner[s] == n {
		return
	}
	if old := st.owner[s]; old != nil {
		old.slots.Remove(s)
		if old == st.myself {
			cl.touchMyself()
		}
	}
	st.owner[s] = n
	if n != nil {
		n.slots.Add(s)
		if n == st.myself {
			cl.touchMyself()
		}
	}
}

func (cl *cluster) delNodeSlots(n *clusterNode) {
	for j := 0; j < slots.NumSlots; j++ {
		if cl.st.owner[j] == n {
			cl.setOwner(slots.Slot(j), nil)
		}
	}
}

// setMyMaster turns myself into a replica of m, dropping my slots, as
// clusterSetMaster does.
func (cl *cluster) setMyMaster(m *clusterNode) {
	me := cl.st.myself
	if me.isMaster() {
		cl.delNodeSlots(me)
		for j := range cl.st.migrating {
			cl.st.migrating[j], cl.st.importing[j] = nil, nil
		}
	}
	me.flags = me.flags&^nodeMaster | nodeReplica
	me.masterID = m.id
	me.shardID = m.shardID
	cl.touchMyself()
}

// cron is the 100 ms tick: expire the FORGET blacklist and, once a second,
// reconnect to known nodes memberlist considers gone.
func (cl *cluster) cron() {
	now := time.Now()
	for id, until := range cl.st.blacklist {
		if now.UnixMilli() >= until {
			delete(cl.st.blacklist, id)
		}
	}
	if now.Sub(cl.lastRedial) >= time.Second {
		cl.lastRedial = now
		cl.redialLostNodes()
		cl.reapplyClaims()
		cl.dirtyView = true
	}
	if v := cl.view.Load(); v != nil {
		// clusterCron recomputes a failed state every tick.
		cl.dirtyView = cl.dirtyView || !v.ok
		cl.s.blocking.redirectIfNeeded(func(w *waiter, key string) string {
			return blockedRedirect(cl.s.config(), v, w, key)
		})
	}
	cl.applyAnnounceConfig()
}

// applyAnnounceConfig follows CONFIG SET of the options myself announces.
func (cl *cluster) applyAnnounceConfig() {
	cfg := cl.s.config()
	me := cl.st.myself
	port := me.port
	if cfg.ClusterAnnouncePort != 0 {
		port = cfg.ClusterAnnouncePort
	} else if cfg.Port != 0 {
		port = cfg.Port
	}
	flags := me.flags &^ nodeNoFailover
	if cfg.ClusterReplicaNoFailover {
		flags |= nodeNoFailover
	}
	if me.clientIP != cfg.ClusterAnnounceClientIPv4 || me.hostname != cfg.ClusterAnnounceHostname ||
		me.port != port || me.flags != flags {
		me.clientIP, me.hostname, me.port, me.flags = cfg.ClusterAnnounceClientIPv4, cfg.ClusterAnnounceHostname, port, flags
		cl.touchMyself()
	}
}

// redialLostNodes joins the bus again through every known node that is not
// linked, as clusterCron reconnects a node's link. A restarted peer that
// others still believe dead or departed learns it from the state exchange
// and refutes it, so it cannot stay cut off.
func (cl *cluster) redialLostNodes() {
	for id, n := range cl.st.nodes {
		if n == cl.st.myself || n.linked || n.ip == "" || n.busPort == 0 || cl.redialing[id] {
			continue
		}
		cl.redialing[id] = true
		addr := gossip.HostPort(n.ip, n.busPort)
		cl.s.goTracked(func() {
			_, err := cl.bus().Join([]string{addr})
			if err != nil {
				cl.log.Debug("reconnect failed", zap.String("node", id), zap.Error(err))
			}
			cl.do(func(*clusterState) any {
				delete(cl.redialing, id)
				return nil
			})
		})
	}
}

// publish builds and stores the immutable view connections read, and the
// push/pull state.
func (cl *cluster) publish() {
	st := cl.st
	cfg := cl.s.config()
	v := &clusterView{
		byID: make(map[string]int, len(st.nodes)), table: slots.NewTable(),
		currentEpoch: st.currentEpoch, lastVoteEpoch: st.lastVoteEpoch,
		myselfMaster: slots.NoNode,
	}
	ids := make([]string, 0, len(st.nodes))
	for id := range st.nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for i, id := range ids {
		st.nodes[id].viewIdx = int16(i)
		n := *st.nodes[id]
		v.nodes = append(v.nodes, &n)
		v.byID[id] = i
	}
	v.self = v.byID[st.myself.id]
	if m, ok := v.byID[st.myself.masterID]; ok && !st.myself.isMaster() {
		v.myselfMaster = m
	}
	for j := 0; j < slots.NumSlots; j++ {
		if o := st.owner[j]; o != nil {
			v.table.Owner[j] = o.viewIdx
			v.assigned++
		}
		if m := st.migrating[j]; m != nil {
			v.table.Migrating[j] = m.viewIdx
			v.anyOpen = true
		}
		if m := st.importing[j]; m != nil {
			v.table.Importing[j] = m.viewIdx
			v.anyOpen = true
		}
	}
	prev := cl.view.Load()
	if prev != nil && st.myself.isMaster() && !prev.ok && time.Since(cl.started) < writableDelay {
		// clusterUpdateState: a master that starts in the fail state
		// keeps it (and its size) for CLUSTER_WRITABLE_DELAY, so it does
		// not serve writes before it has heard from the cluster.
		v.size, v.ok = prev.size, prev.ok
	} else {
		for _, n := range v.nodes {
			if n.isMaster() && !n.slots.Empty() {
				v.size++
			}
		}
		// With full coverage required, every slot must be assigned.
		v.ok = !cfg.ClusterRequireFullCoverage || v.assigned == slots.NumSlots
	}
	if prev == nil {
		// clusterInit starts with size 1 and state fail.
		v.size, v.ok = 1, false
	}
	cl.view.Store(v)
	recs := make([]gossip.NodeRecord, 0, len(st.nodes))
	for _, n := range st.nodes {
		if n.record.ID != "" {
			recs = append(recs, n.record)
		}
	}
	b := (&gossip.Message{Type: gossip.MsgNodes, Nodes: recs}).Encode(nil)
	cl.localState.Store(&b)
}

// announceDelay is how long the announcer lets changes accumulate.
const announceDelay = 20 * time.Millisecond

// writableDelay is CLUSTER_WRITABLE_DELAY.
const writableDelay = 2 * time.Second

// clusterView is an immutable snapshot of the cluster state that every
// connection reads with one atomic load.
type clusterView struct {
	nodes         []*clusterNode // sorted by id
	byID          map[string]int
	self          int
	myselfMaster  int
	table         *slots.Table
	ok            bool
	anyOpen       bool // some slot is migrating or importing
	assigned      int
	size          int
	currentEpoch  uint64
	lastVoteEpoch uint64
}

func (v *clusterView) myself() *clusterNode { return v.nodes[v.self] }

func (v *clusterView) node(id string) *clusterNode {
	if i, ok := v.byID[id]; ok {
		return v.nodes[i]
	}
	return nil
}

// blockedRedirect is the error that ends the wait of a client blocked on
// key when this node no longer serves key's slot, or "" to keep waiting:
// CLUSTERDOWN when the cluster is down, MOVED when another node owns the
// slot and this one does not import it (clusterRedirectBlockedClientIfNeeded).
func blockedRedirect(cfg *Config, v *clusterView, w *waiter, key string) string {
	if !v.ok {
		return "CLUSTERDOWN The cluster is down"
	}
	slot := slots.KeySlotString(key)
	owner := int(v.table.Owner[slot])
	if owner == v.self || v.table.Importing[slot] != slots.NoNode {
		return ""
	}
	if w.c.readonly && v.myselfMaster != slots.NoNode && owner == v.myselfMaster {
		return ""
	}
	if owner == slots.NoNode {
		return "CLUSTERDOWN Hash slot not served"
	}
	n := v.nodes[owner]
	return "MOVED " + strconv.Itoa(int(slot)) + " " + redirectHost(cfg, v, n) + ":" + strconv.Itoa(n.port)
}

// deleteKeysInSlot deletes, and propagates the deletion of, every key of
// slot in DB 0, as delKeysInSlot does for a slot this node lost.
func (s *Server) deleteKeysInSlot(slot slots.Slot) int {
	s.store.Lock(slot)
	defer s.store.Unlock(slot)
	db := s.store.DB(0)
	var keys []string
	db.SlotKeys(slot, func(k string, _ *store.Object) bool {
		keys = append(keys, k)
		return true
	})
	now := s.now()
	for _, k := range keys {
		db.Delete(k, now)
		s.propagate(replication.Record{DB: 0, Argv: [][]byte{[]byte("DEL"), []byte(k)}})
	}
	return len(keys)
}

// reset is clusterReset on the loop: forget every other node and all
// slots, become a master, and, with hard, zero the epochs and take a new
// node id and shard id. The bus restarts empty, so no forgotten peer gossips
// its way back; a later MEET joins the node anew.
func (cl *cluster) reset(hard bool) {
	st := cl.st
	me := st.myself
	for j := 0; j < slots.NumSlots; j++ {
		st.migrating[j], st.importing[j] = nil, nil
		cl.setOwner(slots.Slot(j), nil)
	}
	for id := range st.nodes {
		if id != me.id {
			delete(st.nodes, id)
		}
	}
	me.flags = me.flags&^nodeReplica | nodeMaster
	me.masterID = ""
	if hard {
		st.currentEpoch, st.lastVoteEpoch, me.configEpoch = 0, 0, 0
		delete(st.nodes, me.id)
		me.id, me.shardID = newNodeID(), newNodeID()
		st.nodes[me.id] = me
	}
	if err := cl.restartBus(me.id); err != nil {
		cl.log.Error("restarting the cluster bus after CLUSTER RESET failed", zap.Error(err))
	}
	cl.touchMyself()
}

package gossip

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
	"go.uber.org/zap"
)

// Config configures a Bus.
type Config struct {
	// Name is the node's identity on the bus: its 40-hex node id.
	Name string
	// BindAddr and BindPort are where the bus listens (TCP and UDP):
	// the first bind address and cluster-port.
	BindAddr string
	BindPort int
	// AdvertiseAddr and AdvertisePort are what peers dial
	// (cluster-announce-ip, cluster-announce-bus-port); empty and 0 mean
	// the bind address, or a private address of the host when bound to
	// all interfaces.
	AdvertiseAddr string
	AdvertisePort int
	// SecretKey, when set (16, 24 or 32 bytes), encrypts and
	// authenticates every bus message; peers without it cannot join.
	SecretKey []byte
	// NodeTimeout is cluster-node-timeout; memberlist's probe timing is
	// derived from it.
	NodeTimeout time.Duration
	// LocalState returns the push/pull state this node offers a peer: an
	// encoded MsgNodes message. It is called from memberlist goroutines
	// and must not block.
	LocalState func() []byte
	// QueueSize bounds the inbound event queue (default 4096).
	QueueSize int
	// PushPullInterval is how often full state is exchanged with a random
	// peer (default 5 s).
	PushPullInterval time.Duration
	// Logger receives memberlist's log lines.
	Logger *zap.Logger
	// Transport replaces the network (tests use a FaultTransport).
	Transport memberlist.Transport
}

// EventKind says what an Event reports.
type EventKind uint8

// The event kinds.
const (
	// EventMessage: a message arrived (Msg is set).
	EventMessage EventKind = iota + 1
	// EventJoin: a member became reachable (Name, Addr, Port).
	EventJoin
	// EventLeave: a member left or was declared dead by memberlist.
	EventLeave
	// EventPong: a probe of Name was acknowledged.
	EventPong
)

// Event is one inbound report from the bus to its owner.
type Event struct {
	Kind EventKind
	Name string
	Addr string
	Port int
	Msg  Message
}

// Member is a live peer as memberlist sees it.
type Member struct {
	Name string
	Addr string
	Port int
}

// Stats counts bus traffic for CLUSTER INFO.
type Stats struct {
	Sent, Received [MsgUpdate + 1]atomic.Int64
	// Dropped counts inbound events lost to a full queue.
	Dropped atomic.Int64
}

// Bus is the cluster bus: Redis's messages carried by memberlist.
//
// Inbound messages and membership changes are delivered on Events in
// arrival order; the delegates never block (a full queue drops the event
// and counts it), so the owner must drain Events promptly.
type Bus struct {
	ml     *memberlist.Memberlist
	events chan Event
	queue  *memberlist.TransmitLimitedQueue
	stats  Stats
	log    *zap.Logger
	local  func() []byte
	once   sync.Once
}

// ErrNoKey is returned for a cluster key of the wrong length.
var ErrNoKey = errors.New("gossip: the cluster key must be 16, 24 or 32 bytes")

// New starts a bus. It listens at once; it joins nobody until Join.
func New(cfg Config) (*Bus, error) {
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 4096
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if n := len(cfg.SecretKey); n != 0 && n != 16 && n != 24 && n != 32 {
		return nil, ErrNoKey
	}
	b := &Bus{events: make(chan Event, cfg.QueueSize), log: cfg.Logger, local: cfg.LocalState}
	mc := memberlist.DefaultLANConfig()
	mc.Name = cfg.Name
	mc.BindAddr = cfg.BindAddr
	mc.BindPort = cfg.BindPort
	mc.AdvertiseAddr = cfg.AdvertiseAddr
	mc.AdvertisePort = cfg.AdvertisePort
	if cfg.AdvertisePort == 0 {
		mc.AdvertisePort = cfg.BindPort
	}
	if len(cfg.SecretKey) > 0 {
		mc.SecretKey = cfg.SecretKey
	}
	if cfg.NodeTimeout > 0 {
		// Probe often enough that memberlist's view of liveness is
		// fresher than Redis's PFAIL threshold.
		probe := min(max(cfg.NodeTimeout/10, 100*time.Millisecond), time.Second)
		mc.ProbeInterval = probe
		mc.ProbeTimeout = min(probe/2, 500*time.Millisecond)
	}
	mc.PushPullInterval = 5 * time.Second
	mc.RetransmitMult = 8
	if cfg.PushPullInterval > 0 {
		mc.PushPullInterval = cfg.PushPullInterval
	}
	mc.GossipInterval = 100 * time.Millisecond
	mc.DeadNodeReclaimTime = time.Second
	mc.Delegate = (*delegate)(b)
	mc.Events = (*eventDelegate)(b)
	mc.Ping = (*pingDelegate)(b)
	mc.Logger = log.New(&logWriter{log: cfg.Logger}, "", 0)
	mc.LogOutput = nil
	if cfg.Transport != nil {
		mc.Transport = cfg.Transport
	}
	ml, err := memberlist.Create(mc)
	if err != nil {
		return nil, fmt.Errorf("gossip: start bus on %s:%d: %w", cfg.BindAddr, cfg.BindPort, err)
	}
	b.ml = ml
	b.queue = &memberlist.TransmitLimitedQueue{NumNodes: ml.NumMembers, RetransmitMult: mc.RetransmitMult}
	return b, nil
}

// Events returns the inbound event queue. It is never closed: memberlist
// may still deliver while it shuts down.
func (b *Bus) Events() <-chan Event { return b.events }

// Stats returns the traffic counters.
func (b *Bus) Stats() *Stats { return &b.stats }

// Addr returns the address and port peers dial.
func (b *Bus) Addr() (string, int) {
	n := b.ml.LocalNode()
	return n.Addr.String(), int(n.Port)
}

// Join contacts the bus at each "ip:port" and exchanges state with it, like
// CLUSTER MEET. It returns how many answered.
func (b *Bus) Join(addrs []string) (int, error) {
	n, err := b.ml.Join(addrs)
	if err != nil {
		return n, fmt.Errorf("gossip: join %v: %w", addrs, err)
	}
	return n, nil
}

// Broadcast gossips msg to every member; it counts as sent each time
// memberlist piggybacks it. A later broadcast with the same key
// replaces one still queued, so only the newest record of a node spreads.
func (b *Bus) Broadcast(key string, m *Message) {
	b.queue.QueueBroadcast(&broadcast{key: key, msg: m.Encode(nil)})
}

// SendTo sends msg reliably (over TCP) to the member called name.
func (b *Bus) SendTo(name string, m *Message) error {
	for _, n := range b.ml.Members() {
		if n.Name == name {
			b.stats.Sent[m.Type].Add(1)
			if err := b.ml.SendReliable(n, m.Encode(nil)); err != nil {
				return fmt.Errorf("gossip: send to %s: %w", name, err)
			}
			return nil
		}
	}
	return fmt.Errorf("gossip: send to %s: not a member", name)
}

// Members lists the peers memberlist believes alive, without this node.
func (b *Bus) Members() []Member {
	var out []Member
	for _, n := range b.ml.Members() {
		if n.Name == b.ml.LocalNode().Name {
			continue
		}
		out = append(out, Member{Name: n.Name, Addr: n.Addr.String(), Port: int(n.Port)})
	}
	return out
}

// Leave announces departure and stops the bus.
func (b *Bus) Leave(timeout time.Duration) error {
	err := b.ml.Leave(timeout)
	return errors.Join(err, b.Close())
}

// Close stops the bus without announcing departure.
func (b *Bus) Close() error {
	var err error
	b.once.Do(func() { err = b.ml.Shutdown() })
	return err
}

func (b *Bus) deliver(e Event) {
	select {
	case b.events <- e:
	default:
		b.stats.Dropped.Add(1)
	}
}

func (b *Bus) receive(buf []byte) {
	m, err := Decode(buf)
	if err != nil {
		b.stats.Dropped.Add(1)
		return
	}
	b.stats.Received[m.Type].Add(1)
	b.deliver(Event{Kind: EventMessage, Msg: m})
}

// delegate is the Bus seen as memberlist.Delegate.
type delegate Bus

func (d *delegate) NodeMeta(int) []byte { return nil }

func (d *delegate) NotifyMsg(buf []byte) { (*Bus)(d).receive(buf) }

func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte {
	msgs := d.queue.GetBroadcasts(overhead, limit)
	for _, m := range msgs {
		if len(m) > 1 && MsgType(m[1]) <= MsgUpdate {
			d.stats.Sent[m[1]].Add(1)
		}
	}
	return msgs
}

func (d *delegate) LocalState(bool) []byte {
	if d.local == nil {
		return nil
	}
	return d.local()
}

func (d *delegate) MergeRemoteState(buf []byte, _ bool) {
	if len(buf) > 0 {
		(*Bus)(d).receive(buf)
	}
}

// eventDelegate is the Bus seen as memberlist.EventDelegate.
type eventDelegate Bus

func (e *eventDelegate) NotifyJoin(n *memberlist.Node) {
	(*Bus)(e).deliver(Event{Kind: EventJoin, Name: n.Name, Addr: n.Addr.String(), Port: int(n.Port)})
}

func (e *eventDelegate) NotifyLeave(n *memberlist.Node) {
	(*Bus)(e).deliver(Event{Kind: EventLeave, Name: n.Name, Addr: n.Addr.String(), Port: int(n.Port)})
}

func (e *eventDelegate) NotifyUpdate(n *memberlist.Node) {
	(*Bus)(e).deliver(Event{Kind: EventJoin, Name: n.Name, Addr: n.Addr.String(), Port: int(n.Port)})
}

// pingDelegate is the Bus seen as memberlist.PingDelegate.
type pingDelegate Bus

func (p *pingDelegate) AckPayload() []byte { return nil }

func (p *pingDelegate) NotifyPingComplete(n *memberlist.Node, _ time.Duration, _ []byte) {
	(*Bus)(p).deliver(Event{Kind: EventPong, Name: n.Name})
}

// broadcast is one queued gossip message.
type broadcast struct {
	key string
	msg []byte
}

func (b *broadcast) Invalidates(other memberlist.Broadcast) bool {
	o, ok := other.(*broadcast)
	return ok && b.key != "" && o.key == b.key
}

func (b *broadcast) Message() []byte { return b.msg }

func (b *broadcast) Finished() {}

// logWriter turns memberlist's "[LEVEL] memberlist: text" lines into zap
// entries at the matching level.
type logWriter struct{ log *zap.Logger }

func (w *logWriter) Write(p []byte) (int, error) {
	line := string(bytes.TrimSpace(p))
	switch {
	case bytes.Contains(p, []byte("[ERR]")):
		w.log.Warn("memberlist", zap.String("line", line))
	case bytes.Contains(p, []byte("[WARN]")):
		w.log.Info("memberlist", zap.String("line", line))
	default:
		w.log.Debug("memberlist", zap.String("line", line))
	}
	return len(p), nil
}

var _ io.Writer = (*logWriter)(nil)

// HostPort formats an address for Join.
func HostPort(ip string, port int) string { return net.JoinHostPort(ip, strconv.Itoa(port)) }

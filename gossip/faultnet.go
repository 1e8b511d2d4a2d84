package gossip

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// FaultNetwork is an in-memory network for memberlist transports that tests
// can partition and heal. Packets between partitioned nodes are dropped
// silently, as a real network drops UDP; stream dials between them fail.
type FaultNetwork struct {
	mu       sync.Mutex
	nodes    map[string]*FaultTransport // by "ip:port"
	group    map[string]int             // partition group by address; absent = 0
	nextPort int

	// Counters of what the network carried, read with Traffic.
	packets, packetBytes, streams, streamBytes atomic.Int64
}

// Traffic is what a FaultNetwork carried since it was made: datagrams
// handed to a reachable node, and streams opened and the bytes written on
// them in both directions. Transport headers are not modelled.
type Traffic struct {
	Packets, PacketBytes, Streams, StreamBytes int64
}

// Traffic returns the network's counters.
func (n *FaultNetwork) Traffic() Traffic {
	return Traffic{Packets: n.packets.Load(), PacketBytes: n.packetBytes.Load(),
		Streams: n.streams.Load(), StreamBytes: n.streamBytes.Load()}
}

// NewFaultNetwork returns an empty network.
func NewFaultNetwork() *FaultNetwork {
	return &FaultNetwork{nodes: make(map[string]*FaultTransport), group: make(map[string]int), nextPort: 20000}
}

// errUnreachable is what a dial across a partition returns.
var errUnreachable = errors.New("faultnet: no route to host")

// NewTransport returns a transport with a fresh address on the network.
func (n *FaultNetwork) NewTransport() *FaultTransport {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nextPort++
	t := &FaultTransport{
		net:      n,
		ip:       net.IPv4(127, 0, 0, 1),
		port:     n.nextPort,
		packetCh: make(chan *memberlist.Packet, 1024),
		streamCh: make(chan net.Conn),
		done:     make(chan struct{}),
	}
	n.nodes[t.Addr()] = t
	return t
}

// Partition splits the network: each argument is a group of transport
// addresses, and only members of the same group reach each other. Nodes
// named in no group form one more group together.
func (n *FaultNetwork) Partition(groups ...[]string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.group = make(map[string]int)
	for i, g := range groups {
		for _, a := range g {
			n.group[a] = i + 1
		}
	}
}

// Heal removes every partition.
func (n *FaultNetwork) Heal() { n.Partition() }

// route returns the open transport at addr if from can reach it.
func (n *FaultNetwork) route(from, addr string) *FaultTransport {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.group[from] != n.group[addr] {
		return nil
	}
	t := n.nodes[addr]
	if t == nil || t.closed() {
		return nil
	}
	return t
}

// FaultTransport is one node's memberlist transport on a FaultNetwork.
type FaultTransport struct {
	net      *FaultNetwork
	ip       net.IP
	port     int
	packetCh chan *memberlist.Packet
	streamCh chan net.Conn
	done     chan struct{}
	once     sync.Once
}

// Addr returns the transport's "ip:port".
func (t *FaultTransport) Addr() string { return net.JoinHostPort(t.ip.String(), strconv.Itoa(t.port)) }

func (t *FaultTransport) closed() bool {
	select {
	case <-t.done:
		return true
	default:
		return false
	}
}

// FinalAdvertiseAddr implements memberlist.Transport.
func (t *FaultTransport) FinalAdvertiseAddr(string, int) (net.IP, int, error) {
	return t.ip, t.port, nil
}

// WriteTo implements memberlist.Transport; a packet that cannot be
// delivered is dropped without error, like UDP.
func (t *FaultTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	now := time.Now()
	dest := t.net.route(t.Addr(), addr)
	if dest == nil {
		return now, nil
	}
	p := &memberlist.Packet{Buf: append([]byte(nil), b...), From: &net.UDPAddr{IP: t.ip, Port: t.port}, Timestamp: now}
	t.net.packets.Add(1)
	t.net.packetBytes.Add(int64(len(b)))
	select {
	case dest.packetCh <- p:
	default:
	}
	return now, nil
}

// WriteToAddress implements memberlist.NodeAwareTransport.
func (t *FaultTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	return t.WriteTo(b, a.Addr)
}

// PacketCh implements memberlist.Transport.
func (t *FaultTransport) PacketCh() <-chan *memberlist.Packet { return t.packetCh }

// DialTimeout implements memberlist.Transport.
func (t *FaultTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	dest := t.net.route(t.Addr(), addr)
	if dest == nil {
		return nil, fmt.Errorf("dial %s: %w", addr, errUnreachable)
	}
	local, remote := net.Pipe()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case dest.streamCh <- &countingConn{Conn: remote, n: &t.net.streamBytes}:
		t.net.streams.Add(1)
		return &countingConn{Conn: local, n: &t.net.streamBytes}, nil
	case <-dest.done:
	case <-t.done:
	case <-timer.C:
	}
	local.Close()
	remote.Close()
	return nil, fmt.Errorf("dial %s: %w", addr, errUnreachable)
}

// DialAddressTimeout implements memberlist.NodeAwareTransport.
func (t *FaultTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	return t.DialTimeout(a.Addr, timeout)
}

// StreamCh implements memberlist.Transport.
func (t *FaultTransport) StreamCh() <-chan net.Conn { return t.streamCh }

// Shutdown implements memberlist.Transport.
func (t *FaultTransport) Shutdown() error {
	t.once.Do(func() { close(t.done) })
	return nil
}

// countingConn adds the bytes written on a stream to a network counter.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.n.Add(int64(n))
	return n, err
}

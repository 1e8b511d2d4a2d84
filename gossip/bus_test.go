package gossip

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/slotd/slotd/slots"
)

// testNode is a bus plus the records it has learned, by author.
type testNode struct {
	bus  *Bus
	mu   sync.Mutex
	self NodeRecord
	seen map[string]uint64 // author -> newest version
}

func (n *testNode) state() []byte {
	n.mu.Lock()
	defer n.mu.Unlock()
	return (&Message{Type: MsgNodes, Nodes: []NodeRecord{n.self}}).Encode(nil)
}

func (n *testNode) version(author string) uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.seen[author]
}

func (n *testNode) drain(stop <-chan struct{}) {
	for {
		var e Event
		select {
		case e = <-n.bus.Events():
		case <-stop:
			return
		}
		if e.Kind != EventMessage {
			continue
		}
		n.mu.Lock()
		for _, r := range e.Msg.Nodes {
			if r.Version > n.seen[r.ID] {
				n.seen[r.ID] = r.Version
			}
		}
		n.mu.Unlock()
	}
}

// startNodes starts three buses. They log nowhere: memberlist's probe
// goroutines may still log briefly after Shutdown, past the test's end.
func startNodes(t *testing.T, cfg func(i int, c *Config)) []*testNode {
	t.Helper()
	var nodes []*testNode
	for i := 0; i < 3; i++ {
		n := &testNode{seen: make(map[string]uint64)}
		n.self = NodeRecord{ID: fmt.Sprintf("%040d", i), Version: 1, Flags: FlagMaster,
			Slots: []slots.Range{{Start: slots.Slot(i * 100), End: slots.Slot(i*100 + 99)}}}
		c := Config{Name: n.self.ID, BindAddr: "127.0.0.1", LocalState: n.state,
			PushPullInterval: 100 * time.Millisecond, QueueSize: 64}
		cfg(i, &c)
		b, err := New(c)
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		n.bus = b
		stop, done := make(chan struct{}), make(chan struct{})
		go func() { n.drain(stop); close(done) }()
		t.Cleanup(func() {
			_ = b.Close()
			close(stop)
			<-done
		})
		nodes = append(nodes, n)
	}
	return nodes
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPartitionedNodeConvergesAfterHeal(t *testing.T) {
	net := NewFaultNetwork()
	var tr []*FaultTransport
	nodes := startNodes(t, func(i int, c *Config) {
		ft := net.NewTransport()
		tr = append(tr, ft)
		c.Transport = ft
		c.NodeTimeout = time.Second
	})
	for _, n := range nodes[1:] {
		if _, err := n.bus.Join([]string{tr[0].Addr()}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every node to learn every record", func() bool {
		for _, n := range nodes {
			for _, o := range nodes {
				if o != n && n.version(o.self.ID) == 0 {
					return false
				}
			}
		}
		return true
	})
	// Cut node 2 off; node 0 publishes a new version of its record.
	net.Partition([]string{tr[0].Addr(), tr[1].Addr()}, []string{tr[2].Addr()})
	nodes[0].mu.Lock()
	nodes[0].self.Version = 2
	rec := nodes[0].self
	nodes[0].mu.Unlock()
	nodes[0].bus.Broadcast(rec.ID, &Message{Type: MsgNodes, Nodes: []NodeRecord{rec}})
	waitFor(t, "node 1 to see version 2", func() bool { return nodes[1].version(rec.ID) == 2 })
	if v := nodes[2].version(rec.ID); v != 1 {
		t.Fatalf("partitioned node saw version %d of node 0's record, want 1", v)
	}
	net.Heal()
	waitFor(t, "the healed node to converge on version 2", func() bool { return nodes[2].version(rec.ID) == 2 })
}

func TestNodeWithoutClusterKeyCannotJoin(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	nodes := startNodes(t, func(i int, c *Config) {
		if i < 2 {
			c.SecretKey = key
		}
		if i == 1 {
			c.SecretKey = []byte("another key of 16")[:16]
		}
		if i == 0 {
			c.SecretKey = key
		}
	})
	addr, port := nodes[0].bus.Addr()
	for _, i := range []int{1, 2} {
		if _, err := nodes[i].bus.Join([]string{HostPort(addr, port)}); err == nil {
			t.Errorf("node %d joined a bus whose key it does not have", i)
		}
	}
	if got := len(nodes[0].bus.Members()); got != 0 {
		t.Fatalf("keyed node has %d members after rejected joins, want 0", got)
	}
	if nodes[0].version(nodes[2].self.ID) != 0 || nodes[0].version(nodes[1].self.ID) != 0 {
		t.Fatal("keyed node accepted state from a node without its key")
	}
}

func TestBadClusterKeyLengthIsRefused(t *testing.T) {
	if _, err := New(Config{Name: "x", SecretKey: []byte("short")}); err != ErrNoKey {
		t.Fatalf("New with a 5-byte key: err = %v, want ErrNoKey", err)
	}
}

package gossip

import (
	"fmt"
	"testing"
	"time"

	"github.com/slotd/slotd/slots"
)

// simState is the push/pull state of a 100-node cluster: one MsgNodes
// message with a record per node, a third of them masters holding equal
// slot ranges and the rest replicas, as pushPullState sends it.
func simState(n int) (ids []string, state []byte) {
	masters := n / 3
	per := slots.NumSlots / masters
	m := Message{Type: MsgNodes}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%040x", i+1)
		ids = append(ids, id)
		r := NodeRecord{ID: id, ShardID: fmt.Sprintf("%040x", i%masters+1), IP: "127.0.0.1",
			Port: uint16(7000 + i), BusPort: uint16(17000 + i), ConfigEpoch: uint64(i%masters + 1),
			CurrentEpoch: uint64(n), Version: 42, ReplOffset: 123456789}
		if i < masters {
			r.Flags = FlagMaster
			end := (i+1)*per - 1
			if i == masters-1 {
				end = slots.NumSlots - 1
			}
			r.Slots = []slots.Range{{Start: slots.Slot(i * per), End: slots.Slot(end)}}
		} else {
			r.Flags = FlagReplica
			r.MasterID = ids[i%masters]
		}
		m.Nodes = append(m.Nodes, r)
	}
	return ids, m.Encode(nil)
}

// BenchmarkIdleBus100 measures the idle traffic of a 100-node bus on a
// FaultNetwork with slotd's settings (cluster-node-timeout 5000, push/pull
// every 5 s): each node offers the full 100-record state. It reports
// datagrams and bytes (datagram payloads plus stream bytes) per node per
// second, and bus-level messages (Stats) per node per second. Each
// iteration is one second of idle traffic; run it with -benchtime=5x.
func BenchmarkIdleBus100(b *testing.B) {
	const n = 100
	ids, state := simState(n)
	fn := NewFaultNetwork()
	var buses []*Bus
	for i := 0; i < n; i++ {
		bus, err := New(Config{Name: ids[i], BindAddr: "127.0.0.1", NodeTimeout: 5 * time.Second,
			LocalState: func() []byte { return state }, Transport: fn.NewTransport()})
		if err != nil {
			b.Fatalf("node %d: %v", i, err)
		}
		stop := make(chan struct{})
		go func() {
			for {
				select {
				case <-bus.Events():
				case <-stop:
					return
				}
			}
		}()
		b.Cleanup(func() {
			_ = bus.Close()
			close(stop)
		})
		buses = append(buses, bus)
	}
	addr, port := buses[0].Addr()
	for _, bus := range buses[1:] {
		if _, err := bus.Join([]string{HostPort(addr, port)}); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for !converged(buses) {
		if time.Now().After(deadline) {
			b.Fatal("100 buses did not all see each other within 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Let the join-time gossip drain before the idle window opens:
	// broadcasts are retransmitted RetransmitMult*log(n) times.
	time.Sleep(5 * time.Second)
	before, msgsBefore := fn.Traffic(), busMessages(buses)
	start := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Idle traffic is a rate over wall time: the window is the
		// measurement, not a wait for a condition.
		time.Sleep(time.Second)
	}
	b.StopTimer()
	secs := time.Since(start).Seconds()
	after, msgsAfter := fn.Traffic(), busMessages(buses)
	per := func(v int64) float64 { return float64(v) / secs / n }
	b.ReportMetric(per(after.Packets-before.Packets), "pkts/node/s")
	b.ReportMetric(per(after.PacketBytes-before.PacketBytes), "udpB/node/s")
	b.ReportMetric(per(after.Streams-before.Streams), "streams/node/s")
	b.ReportMetric(per(after.StreamBytes-before.StreamBytes), "tcpB/node/s")
	b.ReportMetric(per(after.PacketBytes-before.PacketBytes+after.StreamBytes-before.StreamBytes), "B/node/s")
	b.ReportMetric(per(msgsAfter-msgsBefore), "msgs-sent/node/s")
	b.ReportMetric(float64(len(state)), "state-bytes")
	if !converged(buses) {
		b.Fatal("the idle bus lost a member during the measurement")
	}
}

func converged(buses []*Bus) bool {
	for _, bus := range buses {
		if len(bus.Members()) != len(buses)-1 {
			return false
		}
	}
	return true
}

// busMessages sums the bus-level messages sent by every node.
func busMessages(buses []*Bus) int64 {
	var total int64
	for _, bus := range buses {
		for t := range bus.Stats().Sent {
			total += bus.Stats().Sent[t].Load()
		}
	}
	return total
}

package node

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// freeTCPPort returns a loopback port that was free a moment ago.
func freeTCPPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startClusterNodes starts n in-process cluster nodes on loopback, joined
// by CLUSTER MEET, with config epochs 1..n.
func startClusterNodes(t *testing.T, n int) ([]*Server, []*testConn) {
	t.Helper()
	var srvs []*Server
	var conns []*testConn
	for i := 0; i < n; i++ {
		cfg := DefaultConfig()
		cfg.Port = 0
		cfg.Bind = []string{"127.0.0.1"}
		cfg.ClusterEnabled = true
		cfg.ClusterNodeTimeout = 2000
		cfg.ClusterPort = freeTCPPort(t)
		cfg.Dir = t.TempDir()
		s, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.ListenAndServe(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		c := dial(t, s)
		c.expect("+OK", "CLUSTER", "SET-CONFIG-EPOCH", strconv.Itoa(i+1))
		srvs = append(srvs, s)
		conns = append(conns, c)
	}
	for i := 1; i < n; i++ {
		conns[i].expect("+OK", "CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(srvs[0].Addr().(*net.TCPAddr).Port),
			strconv.Itoa(srvs[0].config().ClusterPort))
	}
	waitFor(t, 20*time.Second, "every node to know every other", func() bool {
		for _, c := range conns {
			c.send("CLUSTER", "INFO")
			if !strings.Contains(string(c.read().Str), "cluster_known_nodes:"+strconv.Itoa(n)) {
				return false
			}
		}
		return true
	})
	return srvs, conns
}

// ownerOf returns the id that c's CLUSTER NODES shows owning slot.
func ownerOf(c *testConn, slot int) string {
	c.send("CLUSTER", "NODES")
	for _, line := range strings.Split(string(c.read().Str), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		for _, tok := range f[8:] {
			a, b, isRange := strings.Cut(tok, "-")
			if !isRange {
				b = a
			}
			lo, err1 := strconv.Atoi(a)
			hi, err2 := strconv.Atoi(b)
			if err1 == nil && err2 == nil && lo <= slot && slot <= hi {
				return f[0]
			}
		}
	}
	return ""
}

// TestSlotClaimsFollowConfigEpochRules checks the spec's slot-config rules
// over the real bus: an unassigned slot goes to its claimer (Rule 1), a
// claim with a greater configEpoch rebinds an assigned slot ("last failover
// wins"), and a stale claim with a smaller configEpoch is refused by the
// others, whose UPDATE turns the claimer back.
func TestSlotClaimsFollowConfigEpochRules(t *testing.T) {
	_, conns := startClusterNodes(t, 3)
	ids := make([]string, len(conns))
	for i, c := range conns {
		c.send("CLUSTER", "MYID")
		ids[i] = string(c.read().Str)
	}
	agree := func(what string, slot int, want string) {
		t.Helper()
		waitFor(t, 20*time.Second, what, func() bool {
			for _, c := range conns {
				if ownerOf(c, slot) != want {
					return false
				}
			}
			return true
		})
	}
	// Rule 1: node 0 (configEpoch 1) claims unassigned slots. It keeps
	// slot 51 throughout: a master that loses its last slot to another
	// becomes that node's replica.
	conns[0].expect("+OK", "CLUSTER", "ADDSLOTS", "50", "51")
	agree("every node to give slot 50 to node 0", 50, ids[0])

	// A greater configEpoch wins: node 1 (configEpoch 2) takes the slot.
	conns[1].expect("+OK", "CLUSTER", "SETSLOT", "50", "NODE", ids[1])
	agree("every node to give slot 50 to node 1, whose epoch is greater", 50, ids[1])

	// A stale claim loses: node 0 (configEpoch 1) takes the slot back
	// locally; the others keep node 1 and send node 0 an UPDATE.
	conns[0].expect("+OK", "CLUSTER", "SETSLOT", "50", "NODE", ids[0])
	agree("node 0 to accept node 1's ownership again after the UPDATE", 50, ids[1])
}

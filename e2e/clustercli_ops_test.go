package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/slotd/slotd/clustercli"
	"github.com/slotd/slotd/slots"
)

// The tests of `slotd cluster reshard|rebalance|add-node|del-node|fix|import`
// run their nodes on loopback client ports 27000-27999 and bus ports
// 37000-37999. The bus range overlaps the kernel's ephemeral ports, so a
// node whose bus port is taken starts again on another one of the range.
const (
	opsRedisPort = 27000 // TestClusterOpsOnRedis: 27000-27008, buses from 37000
	opsSlotdPort = 27100 // TestClusterOpsOnSlotd: 27100-27106, buses from 37100
)

// opsKeys is how many keys the ops tests load and verify after every step.
const opsKeys = 2000

// startOpsNode starts a cluster-enabled node of bin on port with its bus
// on port+10000, or, when that port is taken, on another port of the bus
// range (redis-cli create and add-node pass the bus port to CLUSTER MEET).
func startOpsNode(t *testing.T, bin string, port int, extra ...string) *clusterProc {
	t.Helper()
	name := "redis"
	if bin == slotdBin {
		name = "slotd"
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		bus := port + 10000 + attempt*50
		p := &clusterProc{bin: bin, port: port, bus: bus, dir: t.TempDir(), extra: extra}
		s, err := launch(t, name, bin, port, p.args())
		if err == nil {
			p.server = s
			return p
		}
		lastErr = err
	}
	t.Fatalf("%s on port %d did not start: %v", name, port, lastErr)
	return nil
}

// opsCluster is a cluster under test and the keys loaded into it.
type opsCluster struct {
	t     *testing.T
	seed  string // the address the tools are given
	keys  dataset
	extra map[string]string // key -> value of keys added by import
}

// opsMyID returns the node ID of the node at addr.
func opsMyID(t *testing.T, addr string) string {
	t.Helper()
	return rawCommand(t, addr, "CLUSTER", "MYID")
}

// opsOwner returns the address of the master that serves slot, from the
// seed's CLUSTER NODES.
func (c *opsCluster) opsOwner(slot int) (addr, id string) {
	c.t.Helper()
	for _, n := range mustParseNodes(c.t, rawCommand(c.t, c.seed, "CLUSTER", "NODES")) {
		for _, r := range n.Slots {
			if slot >= r.Start && slot <= r.End {
				return n.Addr(), n.ID
			}
		}
	}
	c.t.Fatalf("no node serves slot %d", slot)
	return "", ""
}

// slotsOf returns how many slots node id serves in the seed's view.
func (c *opsCluster) slotsOf(id string) int {
	c.t.Helper()
	for _, n := range mustParseNodes(c.t, rawCommand(c.t, c.seed, "CLUSTER", "NODES")) {
		if n.ID == id {
			return n.SlotsCount()
		}
	}
	c.t.Fatalf("node %s is unknown to %s", id, c.seed)
	return 0
}

// tool runs `slotd cluster args...` and fails the test unless it exits 0
// and prints every string of want.
func (c *opsCluster) tool(want []string, args ...string) string {
	c.t.Helper()
	out, code := slotdCluster(c.t, args...)
	if code != 0 {
		c.t.Fatalf("slotd cluster %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			c.t.Errorf("slotd cluster %s: output lacks %q:\n%s", strings.Join(args, " "), w, out)
		}
	}
	return out
}

// settle waits until redis-cli --cluster check and slotd cluster check
// both pass cleanly from the seed, and the check lists the nodes with the
// given IDs, then verifies every key.
func (c *opsCluster) settle(step string, ids ...string) {
	c.t.Helper()
	clusterWaitFor(c.t, 60*time.Second, "a clean redis-cli --cluster check after "+step, func() (bool, string) {
		out, err := exec.Command("redis-cli", "--cluster", "check", c.seed).CombinedOutput()
		text := string(out)
		if err != nil || strings.Contains(text, "[WARNING]") || strings.Contains(text, "[ERR]") ||
			!strings.Contains(text, "[OK] All 16384 slots covered.") {
			return false, text
		}
		// Every node must know the new nodes: an empty master is not part
		// of the slot configuration the checks compare.
		for _, n := range mustParseNodes(c.t, rawCommand(c.t, c.seed, "CLUSTER", "NODES")) {
			nodes := rawCommand(c.t, n.Addr(), "CLUSTER", "NODES")
			for _, id := range ids {
				if !strings.Contains(nodes, id) {
					return false, n.Addr() + " does not know " + id + ":\n" + nodes
				}
			}
		}
		text, code := slotdCluster(c.t, "check", c.seed)
		return code == 0, text
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A new client reads the topology the step left.
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{c.seed}})
	defer rdb.Close()
	if bad := c.keys.verify(ctx, c.t, rdb); len(bad) > 0 {
		c.t.Fatalf("after %s, %d keys are wrong, first: %s", step, len(bad), bad[0])
	}
	for k, want := range c.extra {
		if got, err := rdb.Get(ctx, k).Result(); err != nil || got != want {
			c.t.Fatalf("after %s, %s = %q %v, want %q", step, k, got, err, want)
		}
	}
}

// lowestSlot returns the lowest slot node id serves in the seed's view.
func (c *opsCluster) lowestSlot(id string) int {
	c.t.Helper()
	for _, n := range mustParseNodes(c.t, rawCommand(c.t, c.seed, "CLUSTER", "NODES")) {
		if n.ID == id && len(n.Slots) > 0 {
			low := n.Slots[0].Start
			for _, r := range n.Slots {
				low = min(low, r.Start)
			}
			return low
		}
	}
	c.t.Fatalf("node %s serves no slot", id)
	return 0
}

// keysInSlot returns n key names that hash to slot, none of the dataset's.
func keysInSlot(slot, n int) []string {
	var keys []string
	for i := 0; len(keys) < n; i++ {
		k := "busy:" + strconv.Itoa(i)
		if int(slots.KeySlotString(k)) == slot {
			keys = append(keys, k)
		}
	}
	return keys
}

// plant writes key=val on the node at addr although the slot of key is
// served by node ownerID: the node imports the slot for one ASKING SET.
func (c *opsCluster) plant(addr, ownerID, key, val string) {
	c.t.Helper()
	conn, err := dialRaw(addr)
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.close()
	s := strconv.Itoa(int(slots.KeySlotString(key)))
	for _, args := range [][]string{{"CLUSTER", "SETSLOT", s, "IMPORTING", ownerID}, {"ASKING"}, {"SET", key, val}, {"CLUSTER", "SETSLOT", s, "STABLE"}} {
		if v, err := conn.do(args...); err != nil || v.Type == '-' {
			c.t.Fatalf("%q on %s: %v %v", args, addr, v.String(), err)
		}
	}
}

// busyKeys moves slots onto a node that already holds one of their keys:
// with equal values the move replaces it; with different values reshard
// stops and names the key, and fix --cluster-replace finishes the move with
// the source's value, as redis-cli does.
func (c *opsCluster) busyKeys(srcAddr, srcID, dstAddr, dstID string) {
	c.t.Helper()
	slot := c.lowestSlot(srcID)
	key := keysInSlot(slot, 1)[0]
	rawCommand(c.t, srcAddr, "SET", key, "same")
	c.plant(dstAddr, srcID, key, "same")
	c.extra[key] = "same"
	c.tool([]string{"*** Target key exists", "*** Checking key values on both nodes...", "*** Replacing target keys..."},
		"reshard", c.seed, "--cluster-from", srcID, "--cluster-to", dstID, "--cluster-slots", "1", "--cluster-yes", "--cluster-pipeline", "1")
	c.settle("a move over an equal key")

	slot = c.lowestSlot(srcID)
	keys := keysInSlot(slot, 3)
	for _, k := range keys {
		rawCommand(c.t, srcAddr, "SET", k, "source")
		c.extra[k] = "source"
	}
	c.plant(dstAddr, srcID, keys[0], "target")
	args := []string{"reshard", c.seed, "--cluster-from", srcID, "--cluster-to", dstID, "--cluster-slots", "1", "--cluster-yes", "--cluster-pipeline", "1"}
	out, code := slotdCluster(c.t, args...)
	for _, want := range []string{"*** Found 1 key(s) in both source node and target node having different values.",
		"    Source node: " + srcAddr, "    Target node: " + dstAddr, "    - " + keys[0], "with --cluster-replace option to force key overriding."} {
		if code == 0 || !strings.Contains(out, want) {
			c.t.Errorf("slotd cluster %s exited %d, want a failure with %q:\n%s", strings.Join(args, " "), code, want, out)
		}
	}
	s := strconv.Itoa(slot)
	// fix gives the slot to the node with more keys in it, which depends on
	// how many keys reshard moved before it stopped (GETKEYSINSLOT order),
	// and moves the other node's keys there with REPLACE: the value of the
	// node that loses the slot wins.
	c.tool([]string{"[WARNING] The following slots are open: " + s + ".", "*** Found keys about slot " + s + " in non-owner node " + dstAddr + "!",
		"*** Target key exists", "*** Replacing target keys..."},
		"fix", c.seed, "--cluster-replace")
	if owner, _ := c.opsOwner(slot); owner == srcAddr {
		c.extra[keys[0]] = "target"
	}
	c.settle("fix --cluster-replace of a move over a different key")
}

func newOpsCluster(t *testing.T, seed string) *opsCluster {
	t.Helper()
	c := &opsCluster{t: t, seed: seed, keys: dataset{n: opsKeys}, extra: map[string]string{}}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{seed}})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c.keys.load(ctx, t, rdb)
	return c
}

// waitStateOK waits until every node reports cluster_state:ok.
func waitStateOK(t *testing.T, procs []*clusterProc) {
	t.Helper()
	for _, p := range procs {
		waitForCond(t, 30*time.Second, p.addr+" to report cluster_state:ok", func() bool {
			return strings.Contains(rawCommand(t, p.addr, "CLUSTER", "INFO"), "cluster_state:ok")
		})
	}
}

// TestClusterOpsOnRedis runs every operation of the tool against a real
// Redis 7 cluster, checking the cluster with redis-cli and every key after
// each one.
func TestClusterOpsOnRedis(t *testing.T) {
	bin := requireRedis(t)
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli is not installed")
	}
	debug := []string{"--enable-debug-command", "yes"}
	var procs []*clusterProc
	for i := 0; i < 6; i++ {
		procs = append(procs, startOpsNode(t, bin, opsRedisPort+i, debug...))
	}
	args := []string{"create"}
	for _, p := range procs {
		args = append(args, p.addr)
	}
	out, code := slotdCluster(t, append(args, "--cluster-replicas", "1", "--cluster-yes")...)
	if code != 0 {
		t.Fatalf("slotd cluster create exited %d:\n%s", code, out)
	}
	waitStateOK(t, procs)
	c := newOpsCluster(t, procs[0].addr)
	c.settle("create")
	masters := map[string]string{} // id -> addr, of the three masters
	for _, n := range mustParseNodes(t, rawCommand(t, c.seed, "CLUSTER", "NODES")) {
		if n.SlotsCount() > 0 {
			masters[n.ID] = n.Addr()
		}
	}
	id0, id1 := opsMyID(t, procs[0].addr), opsMyID(t, procs[1].addr)

	t.Run("reshard", func(t *testing.T) {
		c.t = t
		before := c.slotsOf(id1)
		declined := []string{"cluster", "reshard", c.seed, "--cluster-from", "all", "--cluster-to", id1, "--cluster-slots", "200"}
		out, code := runToolInput(t, "no\n", nil, slotdBin, declined...)
		if code == 0 || !strings.Contains(out, "Do you want to proceed with the proposed reshard plan (yes/no)? ") || c.slotsOf(id1) != before {
			t.Errorf("declined reshard exited %d (want 1) or moved slots:\n%s", code, out)
		}
		c.tool([]string{"Ready to move 200 slots.", "  Resharding plan:", "Moving slot 0 from 127.0.0.1:27000 to 127.0.0.1:27001: "},
			"reshard", c.seed, "--cluster-from", "all", "--cluster-to", id1, "--cluster-slots", "200", "--cluster-yes", "--cluster-pipeline", "7")
		c.settle("reshard")
		if got := c.slotsOf(id1); got != before+200 {
			t.Errorf("after moving 200 slots to %s it serves %d, want %d", id1, got, before+200)
		}
	})

	t.Run("reshard over existing keys", func(t *testing.T) {
		c.t = t
		c.busyKeys(procs[2].addr, opsMyID(t, procs[2].addr), procs[1].addr, id1)
	})

	newMaster := startOpsNode(t, bin, opsRedisPort+6, debug...)
	newReplica := startOpsNode(t, bin, opsRedisPort+7, debug...)
	id6, id7 := opsMyID(t, newMaster.addr), opsMyID(t, newReplica.addr)
	t.Run("add-node", func(t *testing.T) {
		c.t = t
		c.tool([]string{">>> Send CLUSTER MEET to node " + newMaster.addr, "[OK] New node added correctly."},
			"add-node", newMaster.addr, c.seed)
		c.settle("add-node", id6)
		c.tool([]string{">>> Configure node as replica of " + newMaster.addr + ".", "[OK] New node added correctly."},
			"add-node", newReplica.addr, c.seed, "--cluster-slave", "--cluster-master-id", id6)
		c.settle("add-node --cluster-slave", id7)
		waitStateOK(t, []*clusterProc{newMaster})
		if me, _ := clustercli.Myself(mustParseNodes(t, rawCommand(t, newReplica.addr, "CLUSTER", "NODES"))); me.MasterID != id6 {
			t.Errorf("added replica %s replicates %q, want %s", newReplica.addr, me.MasterID, id6)
		}
	})

	t.Run("rebalance", func(t *testing.T) {
		c.t = t
		// Weights 1,1,1 and 0.1: each old master should serve
		// int(16384/3.1) = 5285 slots and the new one int(16384/3.1*0.1)
		// = 528, plus the one slot of rounding redis-cli gives the taker.
		c.tool([]string{">>> Rebalancing across 4 nodes. Total weight = 3.10", "slots from 127.0.0.1:27001 to " + newMaster.addr},
			"rebalance", c.seed, "--cluster-use-empty-masters", "--cluster-weight", id6[:8]+"=0.1", "--cluster-simulate")
		if got := c.slotsOf(id6); got != 0 {
			t.Fatalf("rebalance --cluster-simulate moved %d slots", got)
		}
		c.tool([]string{">>> Rebalancing across 4 nodes. Total weight = 3.10", "slots from 127.0.0.1:27001 to " + newMaster.addr},
			"rebalance", c.seed, "--cluster-use-empty-masters", "--cluster-weight", id6[:8]+"=0.1")
		c.settle("rebalance")
		if got := c.slotsOf(id6); got != 529 {
			t.Errorf("after rebalance the new master serves %d slots, want 529", got)
		}
		for id := range masters {
			if got := c.slotsOf(id); got != 5285 {
				t.Errorf("after rebalance master %s serves %d slots, want 5285", id, got)
			}
		}
		out := c.tool([]string{"*** No rebalancing needed! All nodes are within the 2.00% threshold."},
			"rebalance", c.seed, "--cluster-weight", id6[:8]+"=0.1")
		if strings.Contains(out, "Moving") {
			t.Errorf("a balanced cluster was rebalanced again:\n%s", out)
		}
	})

	t.Run("fix open slot", func(t *testing.T) {
		c.t = t
		slot := int(slots.KeySlotString(c.keys.key(0)))
		owner, ownerID := c.opsOwner(slot)
		var other, otherID string
		for id, addr := range masters {
			if id != ownerID {
				other, otherID = addr, id
				break
			}
		}
		s := strconv.Itoa(slot)
		rawCommand(t, owner, "CLUSTER", "SETSLOT", s, "MIGRATING", otherID)
		c.tool([]string{"[WARNING] The following slots are open: " + s + ".", ">>> Case 4: Closing slot " + s + " on " + owner},
			"fix", c.seed)
		c.settle("fix of a migrating slot")

		rawCommand(t, other, "CLUSTER", "SETSLOT", s, "IMPORTING", ownerID)
		rawCommand(t, owner, "CLUSTER", "SETSLOT", s, "MIGRATING", otherID)
		c.tool([]string{">>> Case 1: Moving slot " + s + " from " + owner + " to " + other},
			"fix", c.seed)
		c.settle("fix of a half-moved slot")
		if got, _ := c.opsOwner(slot); got != other {
			t.Errorf("fix left slot %d on %s, want it moved to %s", slot, got, other)
		}
	})

	t.Run("fix uncovered slot", func(t *testing.T) {
		c.t = t
		slot := int(slots.KeySlotString(c.keys.key(1)))
		owner, _ := c.opsOwner(slot)
		s := strconv.Itoa(slot)
		rawCommand(t, owner, "CLUSTER", "DELSLOTS", s)
		c.tool([]string{"[ERR] Not all 16384 slots are covered by nodes.", "Slot " + s + " has keys in 1 nodes: " + owner,
			"The following uncovered slots  have keys in just one node:", ">>> Covering slot " + s + " with " + owner},
			"fix", c.seed, "--cluster-yes")
		c.settle("fix of an uncovered slot")
		c.tool([]string{">>> Check for multiple slot owners...", "[OK] No multiple owners found."},
			"fix", c.seed, "--cluster-search-multiple-owners")
	})

	t.Run("del-node", func(t *testing.T) {
		c.t = t
		n := c.slotsOf(id6)
		c.tool([]string{fmt.Sprintf("Ready to move %d slots.", n)},
			"reshard", c.seed, "--cluster-from", id6, "--cluster-to", id0, "--cluster-slots", strconv.Itoa(n), "--cluster-yes", "--cluster-pipeline", "50")
		c.settle("emptying the new master")
		out, code := slotdCluster(t, "del-node", c.seed, "0000000000000000000000000000000000000000")
		if code == 0 || !strings.Contains(out, "[ERR] No such node ID 0000000000000000000000000000000000000000") {
			t.Errorf("del-node of an unknown ID exited %d:\n%s", code, out)
		}
		for _, id := range []string{id7, id6} {
			c.tool([]string{">>> Removing node " + id + " from cluster " + c.seed, ">>> Sending CLUSTER FORGET messages to the cluster...",
				">>> Sending CLUSTER RESET SOFT to the deleted node."}, "del-node", c.seed, id)
		}
		c.settle("del-node")
		if text := rawCommand(t, c.seed, "CLUSTER", "NODES"); strings.Contains(text, id6) || strings.Contains(text, id7) {
			t.Errorf("deleted nodes still known:\n%s", text)
		}
	})

	t.Run("import", func(t *testing.T) {
		c.t = t
		src, err := launch(t, "redis", bin, opsRedisPort+8,
			[]string{"--port", strconv.Itoa(opsRedisPort + 8), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", "srcpw"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 200; i++ {
			k, v := "imp:"+strconv.Itoa(i), "w"+strconv.Itoa(i)
			if _, err := authedDo(src.addr, "srcpw", "SET", k, v); err != nil {
				t.Fatal(err)
			}
			c.extra[k] = v
		}
		c.tool([]string{">>> Importing data from " + src.addr + " to cluster " + c.seed, "*** Importing 200 keys from DB 0", "Migrating imp:7 to "},
			"import", c.seed, "--cluster-from", src.addr, "--cluster-from-pass", "srcpw", "--cluster-copy")
		c.settle("import")
		if v, err := authedDo(src.addr, "srcpw", "DBSIZE"); err != nil || v.Int != 200 {
			t.Errorf("import --cluster-copy left %v keys on the source (%v), want 200", v.Int, err)
		}
	})
}

// TestClusterOpsOnSlotd runs reshard, add-node and del-node against a
// six-node slotd cluster built by redis-cli, checking it with redis-cli.
func TestClusterOpsOnSlotd(t *testing.T) {
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli is not installed")
	}
	var procs []*clusterProc
	for i := 0; i < 6; i++ {
		procs = append(procs, startOpsNode(t, slotdBin, opsSlotdPort+i, "--enable-debug-command", "yes"))
	}
	createCluster(t, procs)
	c := newOpsCluster(t, procs[0].addr)
	c.settle("create")
	id0, id1 := opsMyID(t, procs[0].addr), opsMyID(t, procs[1].addr)

	t.Run("reshard", func(t *testing.T) {
		c.t = t
		before := c.slotsOf(id1)
		c.tool([]string{"Ready to move 100 slots."},
			"reshard", c.seed, "--cluster-from", "all", "--cluster-to", id1, "--cluster-slots", "100", "--cluster-yes")
		c.settle("reshard")
		if got := c.slotsOf(id1); got != before+100 {
			t.Errorf("after moving 100 slots to %s it serves %d, want %d", id1, got, before+100)
		}
	})

	t.Run("reshard over existing keys", func(t *testing.T) {
		c.t = t
		c.busyKeys(procs[2].addr, opsMyID(t, procs[2].addr), procs[1].addr, id1)
	})

	added := startOpsNode(t, slotdBin, opsSlotdPort+6, "--enable-debug-command", "yes")
	id6 := opsMyID(t, added.addr)
	t.Run("add-node", func(t *testing.T) {
		c.t = t
		c.tool([]string{"[OK] New node added correctly."}, "add-node", added.addr, c.seed)
		c.settle("add-node", id6)
		// A master refuses writes, RESTORE-ASKING included, until its state
		// is ok, at least 2 s after it started (CLUSTER_WRITABLE_DELAY).
		waitStateOK(t, []*clusterProc{added})
		c.tool([]string{"Ready to move 50 slots."},
			"reshard", c.seed, "--cluster-from", id0, "--cluster-to", id6, "--cluster-slots", "50", "--cluster-yes")
		c.settle("reshard to the added node")
		if got := c.slotsOf(id6); got != 50 {
			t.Errorf("the added node serves %d slots, want 50", got)
		}
	})

	t.Run("del-node", func(t *testing.T) {
		c.t = t
		c.tool([]string{"Ready to move 50 slots."},
			"reshard", c.seed, "--cluster-from", id6, "--cluster-to", id0, "--cluster-slots", "50", "--cluster-yes")
		c.settle("emptying the added node")
		c.tool([]string{">>> Sending CLUSTER RESET SOFT to the deleted node."}, "del-node", c.seed, id6)
		c.settle("del-node")
		if text := rawCommand(t, c.seed, "CLUSTER", "NODES"); strings.Contains(text, id6) {
			t.Errorf("the deleted node is still known:\n%s", text)
		}
	})
}

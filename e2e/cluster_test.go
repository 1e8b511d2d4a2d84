package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/slotd/slotd/slots"
)

// clusterProc is one node of a test cluster: a server process plus what
// it takes to restart it with the same identity.
type clusterProc struct {
	*server
	bin       string
	port, bus int
	dir       string
	extra     []string
}

func (p *clusterProc) args() []string {
	args := []string{"--port", strconv.Itoa(p.port), "--bind", "127.0.0.1",
		"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", "5000", "--cluster-port", strconv.Itoa(p.bus),
		"--dir", p.dir, "--save", "", "--appendonly", "no"}
	return append(args, p.extra...)
}

// startClusterProcs starts n cluster-enabled nodes of bin ("slotd" or a
// redis-server path), not yet joined.
func startClusterProcs(t *testing.T, bin string, n int, extra ...string) []*clusterProc {
	t.Helper()
	var procs []*clusterProc
	for i := 0; i < n; i++ {
		var p *clusterProc
		var lastErr error
		for attempt := 0; attempt < 5 && p == nil; attempt++ {
			port, err1 := freePort()
			bus, err2 := freePort()
			if err1 != nil || err2 != nil {
				t.Fatalf("free ports: %v %v", err1, err2)
			}
			c := &clusterProc{bin: bin, port: port, bus: bus, dir: t.TempDir(), extra: extra}
			name := "slotd"
			if bin != slotdBin {
				name = "redis"
			}
			s, err := launch(t, name, bin, port, c.args())
			if err != nil {
				lastErr = err
				continue
			}
			c.server = s
			p = c
		}
		if p == nil {
			t.Fatalf("node %d did not start: %v", i, lastErr)
		}
		procs = append(procs, p)
	}
	return procs
}

// restart stops the node and starts it again with the same ports, data
// directory and nodes.conf. owner is the test that outlives the process:
// its cleanup stops it.
func (p *clusterProc) restart(t, owner *testing.T) {
	t.Helper()
	p.stop()
	s, err := launch(owner, p.name, p.bin, p.port, p.args())
	if err != nil {
		t.Fatalf("restart of %s: %v", p.addr, err)
	}
	p.server = s
}

// createCluster runs redis-cli --cluster create over procs with one
// replica per master, and returns its output.
func createCluster(t *testing.T, procs []*clusterProc) string {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli is not installed (apt-get install redis-tools)")
	}
	args := []string{"--cluster", "create"}
	for _, p := range procs {
		args = append(args, p.addr)
	}
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "[OK] All 16384 slots covered.") {
		t.Fatalf("redis-cli --cluster create failed (%v):\n%s", err, out)
	}
	// A master keeps the fail state for 2 s after it starts
	// (CLUSTER_WRITABLE_DELAY), in Redis as in slotd.
	for _, p := range procs {
		waitForCond(t, 20*time.Second, p.addr+" to report cluster_state:ok", func() bool {
			return strings.Contains(rawCommand(t, p.addr, "CLUSTER", "INFO"), "cluster_state:ok")
		})
	}
	return string(out)
}

// clusterCheck runs redis-cli --cluster check against addr and fails the
// test on any error or warning.
func clusterCheck(t *testing.T, addr string) string {
	t.Helper()
	out, err := exec.Command("redis-cli", "--cluster", "check", addr).CombinedOutput()
	text := string(out)
	if err != nil || !strings.Contains(text, "[OK] All nodes agree about slots configuration.") ||
		!strings.Contains(text, "[OK] All 16384 slots covered.") || strings.Contains(text, "[WARNING]") || strings.Contains(text, "[ERR]") {
		t.Fatalf("redis-cli --cluster check %s (%v):\n%s", addr, err, text)
	}
	return text
}

func rawCommand(t *testing.T, addr string, args ...string) string {
	t.Helper()
	c, err := dialRaw(addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.close()
	r, err := c.do(args...)
	if err != nil {
		t.Fatalf("%s on %s: %v", strings.Join(args, " "), addr, err)
	}
	if r.Type == ':' {
		return strconv.FormatInt(r.Int, 10)
	}
	return string(r.Str)
}

// TestClusterCreateAndClients builds a six-node slotd cluster with
// redis-cli --cluster create, then drives it with go-redis ClusterClient
// and redis-py RedisCluster, and restarts a node.
func TestClusterCreateAndClients(t *testing.T) {
	procs := startClusterProcs(t, slotdBin, 6)
	createCluster(t, procs)
	clusterCheck(t, procs[0].addr)

	var addrs []string
	for _, p := range procs {
		addrs = append(addrs, p.addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs[:1]})
	t.Cleanup(func() { _ = rdb.Close() })

	t.Run("GoRedisTenThousandKeys", func(t *testing.T) {
		const n = 10000
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < n; i += 8 {
					if err := rdb.Set(ctx, fmt.Sprintf("k:%d", i), i, 0).Err(); err != nil {
						errs <- fmt.Errorf("SET k:%d: %w", i, err)
						return
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			v, err := rdb.Get(ctx, fmt.Sprintf("k:%d", i)).Result()
			if err != nil || v != strconv.Itoa(i) {
				t.Fatalf("GET k:%d = %q, %v; want %d", i, v, err, i)
			}
		}
		var total int64
		for _, p := range procs {
			total += int64(mustInt(t, rawCommand(t, p.addr, "DBSIZE")))
		}
		if total != n {
			t.Fatalf("DBSIZE summed over masters = %d, want %d", total, n)
		}
	})

	t.Run("HashTagsAndCrossSlot", func(t *testing.T) {
		if err := rdb.MSet(ctx, "{user1}:a", "1", "{user1}:b", "2").Err(); err != nil {
			t.Fatalf("MSET with one hash tag: %v", err)
		}
		vals, err := rdb.MGet(ctx, "{user1}:a", "{user1}:b").Result()
		if err != nil || vals[0] != "1" || vals[1] != "2" {
			t.Fatalf("MGET with one hash tag = %v, %v", vals, err)
		}
		err = rdb.MSet(ctx, "a", "1", "b", "2").Err()
		if err == nil || !strings.HasPrefix(err.Error(), "CROSSSLOT Keys in request don't hash to the same slot") {
			t.Fatalf("MSET across slots: %v, want CROSSSLOT", err)
		}
		if n, err := rdb.SUnionStore(ctx, "{s}dst", "{s}1", "{s}2").Result(); err != nil || n != 0 {
			t.Fatalf("SUNIONSTORE with one tag = %d, %v", n, err)
		}
	})

	t.Run("PipelineAcrossSlots", func(t *testing.T) {
		cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := 0; i < 200; i++ {
				p.Set(ctx, fmt.Sprintf("pipe:%d", i), i, 0)
				p.Get(ctx, fmt.Sprintf("pipe:%d", i))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("pipeline: %v", err)
		}
		for i := 0; i < 200; i++ {
			if v := cmds[2*i+1].(*redis.StringCmd).Val(); v != strconv.Itoa(i) {
				t.Fatalf("pipelined GET pipe:%d = %q", i, v)
			}
		}
	})

	t.Run("TransactionOnTaggedKeys", func(t *testing.T) {
		_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "{acct}:x", "10", 0)
			p.IncrBy(ctx, "{acct}:x", 5)
			p.Set(ctx, "{acct}:y", "1", 0)
			return nil
		})
		if err != nil {
			t.Fatalf("MULTI/EXEC on tagged keys: %v", err)
		}
		if v, err := rdb.Get(ctx, "{acct}:x").Result(); err != nil || v != "15" {
			t.Fatalf("GET {acct}:x = %q, %v, want 15", v, err)
		}
		// Keys of two slots, both served by one master, in one transaction:
		// each queues, and EXEC answers CROSSSLOT (getNodeByQuery treats
		// the batch as one request).
		a, b := keyInSlotRange(0, 100), keyInSlotRange(200, 300)
		owner := ""
		for _, p := range procs {
			mine := nodeSlots(rawCommand(t, p.addr, "CLUSTER", "NODES"), rawCommand(t, p.addr, "CLUSTER", "MYID"))
			if strings.HasPrefix(mine, "0-") {
				owner = p.addr
			}
		}
		if owner == "" {
			t.Fatal("no master owns slot 0")
		}
		c, err := dialRaw(owner)
		if err != nil {
			t.Fatal(err)
		}
		defer c.close()
		for _, step := range []struct {
			args []string
			want string
		}{
			{[]string{"MULTI"}, "+OK\r\n"},
			{[]string{"SET", a, "1"}, "+QUEUED\r\n"},
			{[]string{"SET", b, "2"}, "+QUEUED\r\n"},
			{[]string{"EXEC"}, "-CROSSSLOT Keys in request don't hash to the same slot\r\n"},
		} {
			got, err := c.do(step.args...)
			if err != nil || string(got.Raw) != step.want {
				t.Fatalf("%v on the owner of slot 0 = %q, %v; want %q", step.args, got.Raw, err, step.want)
			}
		}
	})

	t.Run("PublishReachesOtherNodes", func(t *testing.T) {
		sub := redis.NewClient(&redis.Options{Addr: procs[1].addr})
		defer sub.Close()
		ps := sub.Subscribe(ctx, "news")
		defer ps.Close()
		if _, err := ps.Receive(ctx); err != nil {
			t.Fatalf("SUBSCRIBE: %v", err)
		}
		pub := redis.NewClient(&redis.Options{Addr: procs[4].addr})
		defer pub.Close()
		if err := pub.Publish(ctx, "news", "hello cluster").Err(); err != nil {
			t.Fatalf("PUBLISH: %v", err)
		}
		msgCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		msg, err := ps.ReceiveMessage(msgCtx)
		if err != nil || msg.Payload != "hello cluster" {
			t.Fatalf("message on another node: %v, %v", msg, err)
		}
	})

	t.Run("RedisPyCluster", func(t *testing.T) {
		const python = "/usr/bin/python3"
		if err := exec.Command(python, "-c", "import redis.cluster").Run(); err != nil {
			t.Skip("/usr/bin/python3 cannot import redis.cluster (apt-get install python3-redis)")
		}
		host, port, _ := strings.Cut(procs[2].addr, ":")
		cmd := exec.CommandContext(ctx, python, "-c", redisPyClusterScript, host, port)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || strings.TrimSpace(string(out)) != "OK" {
			t.Fatalf("redis-py RedisCluster script failed (%v):\n%s%s", err, out, stderr.String())
		}
	})

	// Restart a master and a replica (redis-cli makes the first three
	// nodes masters). There is no persistence yet, so the master comes
	// back empty; what must survive is nodes.conf: id, epochs, slots, peers.
	top := t
	for _, idx := range []int{2, 4} {
		t.Run(fmt.Sprintf("RestartKeepsIdentity/node%d", idx), func(t *testing.T) {
			p := procs[idx]
			id := rawCommand(t, p.addr, "CLUSTER", "MYID")
			before := nodeLineFields(rawCommand(t, procs[0].addr, "CLUSTER", "NODES"), id)
			p.restart(t, top)
			if got := rawCommand(t, p.addr, "CLUSTER", "MYID"); got != id {
				t.Fatalf("node id after restart = %s, want %s", got, id)
			}
			var last string
			waitForCond(t, 30*time.Second, "the restarted node to rejoin", func() bool {
				for _, q := range procs {
					nodes := rawCommand(t, q.addr, "CLUSTER", "NODES")
					if !strings.Contains(nodes, id) || strings.Contains(nodes, "disconnected") {
						last = q.addr + " sees:\n" + nodes
						return false
					}
				}
				info := rawCommand(t, p.addr, "CLUSTER", "INFO")
				last = info
				return strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:6")
			}, func() string { return last })
			after := nodeLineFields(rawCommand(t, procs[0].addr, "CLUSTER", "NODES"), id)
			// Compare flags, master, config epoch and slots.
			if b, a := strings.Join(append(before[2:4], before[6:]...), " "), strings.Join(append(after[2:4], after[6:]...), " "); b != a {
				t.Fatalf("the cluster's view of the node changed across its restart:\nbefore %s\nafter  %s", b, a)
			}
			clusterCheck(t, procs[0].addr)
			for i := 0; i < 300; i++ {
				k := fmt.Sprintf("after:%d", i)
				if err := rdb.Set(ctx, k, i, 0).Err(); err != nil {
					t.Fatalf("SET %s after the restart: %v", k, err)
				}
			}
		})
	}
}

// nodeLineFields returns the fields of node id's CLUSTER NODES line.
func nodeLineFields(nodes, id string) []string {
	for _, line := range strings.Split(nodes, "\n") {
		if f := strings.Fields(line); len(f) >= 8 && f[0] == id {
			return f
		}
	}
	return nil
}

// keyInSlotRange returns a key whose slot lies in [lo, hi].
func keyInSlotRange(lo, hi slots.Slot) string {
	for i := 0; ; i++ {
		k := "key:" + strconv.Itoa(i)
		if s := slots.KeySlotString(k); s >= lo && s <= hi {
			return k
		}
	}
}

// nodeSlots returns the slot tokens of node id in CLUSTER NODES output.
func nodeSlots(nodes, id string) string {
	for _, line := range strings.Split(nodes, "\n") {
		f := strings.Fields(line)
		if len(f) >= 8 && f[0] == id {
			return strings.Join(f[8:], " ")
		}
	}
	return ""
}

func mustInt(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("not an integer reply: %q", s)
	}
	return n
}

// waitForCond polls cond until it holds or the timeout passes; state, if
// given, describes what was last seen for the failure message.
func waitForCond(t *testing.T, timeout time.Duration, what string, cond func() bool, state ...func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			seen := ""
			for _, f := range state {
				seen += "\n" + f()
			}
			t.Fatalf("timed out after %v waiting for %s%s", timeout, what, seen)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const redisPyClusterScript = `
import sys
from redis.cluster import RedisCluster
from redis.exceptions import ResponseError
rc = RedisCluster(host=sys.argv[1], port=int(sys.argv[2]), decode_responses=True)
assert len(rc.get_primaries()) == 3, rc.get_nodes()
for i in range(1000):
    rc.set("py:%d" % i, i)
for i in range(1000):
    assert rc.get("py:%d" % i) == str(i), i
rc.mset({"{t}a": "1", "{t}b": "2"})
assert rc.mget("{t}a", "{t}b") == ["1", "2"]
p = rc.pipeline()
for i in range(100):
    p.incr("py:ctr:%d" % i)
assert p.execute() == [1] * 100
try:
    rc.execute_command("MSET", "a", "1", "b", "2", target_nodes=rc.get_primaries()[0])
    raise SystemExit("cross-slot MSET succeeded")
except ResponseError as e:
    assert "hash to the same slot" in str(e), e
print("OK")
`

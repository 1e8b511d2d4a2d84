package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// dataset is the mixed keyspace a migration test loads and verifies.
type dataset struct{ n int }

func (d dataset) key(i int) string { return "mk:{" + strconv.Itoa(i) + "}" }

// hasTTL says whether key i was given a TTL.
func (d dataset) hasTTL(i int) bool { return i%10 == 3 }

// queue adds the commands that write key i to p.
func (d dataset) queue(ctx context.Context, p redis.Pipeliner, i int) {
	k := d.key(i)
	switch i % 5 {
	case 0:
		p.Set(ctx, k, "v"+strconv.Itoa(i), 0)
	case 1:
		p.HSet(ctx, k, "f", strconv.Itoa(i), "g", "x")
	case 2:
		p.RPush(ctx, k, "a", strconv.Itoa(i))
	case 3:
		p.SAdd(ctx, k, "m", strconv.Itoa(i))
	case 4:
		p.ZAdd(ctx, k, redis.Z{Score: float64(i), Member: "m"})
	}
	if d.hasTTL(i) {
		p.PExpire(ctx, k, time.Hour)
	}
}

func (d dataset) load(ctx context.Context, t *testing.T, rdb *redis.ClusterClient) {
	t.Helper()
	const batch = 2000
	for start := 0; start < d.n; start += batch {
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := start; i < start+batch && i < d.n; i++ {
				d.queue(ctx, p, i)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("loading keys from %d: %v", start, err)
		}
	}
}

// verify checks every key's value, type and TTL; it returns the problems.
func (d dataset) verify(ctx context.Context, t *testing.T, rdb *redis.ClusterClient) []string {
	t.Helper()
	var bad []string
	const batch = 2000
	for start := 0; start < d.n; start += batch {
		type check struct {
			i   int
			val redis.Cmder
			ttl *redis.DurationCmd
		}
		var checks []check
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := start; i < start+batch && i < d.n; i++ {
				k := d.key(i)
				var c redis.Cmder
				switch i % 5 {
				case 0:
					c = p.Get(ctx, k)
				case 1:
					c = p.HGet(ctx, k, "f")
				case 2:
					c = p.LRange(ctx, k, 0, -1)
				case 3:
					c = p.SIsMember(ctx, k, strconv.Itoa(i))
				case 4:
					c = p.ZScore(ctx, k, "m")
				}
				checks = append(checks, check{i, c, p.PTTL(ctx, k)})
			}
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			t.Fatalf("verifying keys from %d: %v", start, err)
		}
		for _, c := range checks {
			ok := false
			switch v := c.val.(type) {
			case *redis.StringCmd:
				want := strconv.Itoa(c.i)
				if c.i%5 == 0 {
					want = "v" + want
				}
				ok = v.Err() == nil && v.Val() == want
			case *redis.StringSliceCmd:
				ok = v.Err() == nil && len(v.Val()) == 2 && v.Val()[1] == strconv.Itoa(c.i)
			case *redis.BoolCmd:
				ok = v.Err() == nil && v.Val()
			case *redis.FloatCmd:
				ok = v.Err() == nil && v.Val() == float64(c.i)
			}
			if !ok {
				bad = append(bad, fmt.Sprintf("%s: %v", d.key(c.i), c.val))
				continue
			}
			ttl := c.ttl.Val()
			if d.hasTTL(c.i) && (ttl <= 0 || ttl > time.Hour) || !d.hasTTL(c.i) && ttl != -1 {
				bad = append(bad, fmt.Sprintf("%s: TTL %v", d.key(c.i), ttl))
			}
		}
	}
	return bad
}

// traffic runs writers and readers against the cluster while slots move,
// keeping the ledger that proves no acknowledged write is lost.
type traffic struct {
	rdb     *redis.ClusterClient
	ds      dataset
	stop    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	acked   map[string]int64 // counter -> acknowledged INCRs
	unsure  map[string]int64 // counter -> INCRs that failed (may have applied)
	errs    []string
	reads   atomic.Int64
	writes  atomic.Int64
	wrong   atomic.Int64
	clientE atomic.Int64
}

// Counters are named after the step (prefix), so each step's ledger starts
// from zero.
func startTraffic(ctx context.Context, rdb *redis.ClusterClient, ds dataset, prefix string) *traffic {
	tr := &traffic{rdb: rdb, ds: ds, stop: make(chan struct{}), acked: map[string]int64{}, unsure: map[string]int64{}}
	for w := 0; w < 4; w++ {
		tr.wg.Add(1)
		go func(w int) {
			defer tr.wg.Done()
			r := rand.New(rand.NewSource(int64(w)))
			for {
				select {
				case <-tr.stop:
					return
				default:
				}
				// Each writer owns its counters, so acknowledged counts are exact.
				k := fmt.Sprintf("ctr:%s:%d:%d", prefix, w, r.Intn(500))
				err := rdb.Incr(ctx, k).Err()
				tr.mu.Lock()
				if err != nil {
					tr.unsure[k]++
					tr.errs = append(tr.errs, "INCR "+k+": "+err.Error())
				} else {
					tr.acked[k]++
				}
				tr.mu.Unlock()
				tr.writes.Add(1)
			}
		}(w)
	}
	for rd := 0; rd < 2; rd++ {
		tr.wg.Add(1)
		go func(rd int) {
			defer tr.wg.Done()
			r := rand.New(rand.NewSource(int64(100 + rd)))
			for {
				select {
				case <-tr.stop:
					return
				default:
				}
				i := r.Intn(ds.n/5) * 5 // string keys
				v, err := rdb.Get(ctx, ds.key(i)).Result()
				switch {
				case err != nil:
					tr.clientE.Add(1)
					tr.mu.Lock()
					tr.errs = append(tr.errs, "GET "+ds.key(i)+": "+err.Error())
					tr.mu.Unlock()
				case v != "v"+strconv.Itoa(i):
					tr.wrong.Add(1)
				}
				tr.reads.Add(1)
			}
		}(rd)
	}
	return tr
}

// finish stops the traffic and checks the ledger against the cluster.
func (tr *traffic) finish(ctx context.Context, t *testing.T) {
	t.Helper()
	close(tr.stop)
	tr.wg.Wait()
	lost := 0
	for k, n := range tr.acked {
		got, err := tr.rdb.Get(ctx, k).Int64()
		if err != nil || got < n || got > n+tr.unsure[k] {
			lost++
			if lost < 10 {
				t.Errorf("counter %s = %d (%v), acknowledged %d, failed %d", k, got, err, n, tr.unsure[k])
			}
		}
	}
	t.Logf("traffic: %d writes, %d reads, %d lost or wrong counters, %d wrong reads, %d client errors",
		tr.writes.Load(), tr.reads.Load(), lost, tr.wrong.Load(), len(tr.errs))
	if lost > 0 || tr.wrong.Load() > 0 || len(tr.errs) > 0 {
		if len(tr.errs) > 10 {
			tr.errs = tr.errs[:10]
		}
		t.Fatalf("migration was visible to clients: %d lost counters, %d wrong reads, errors: %v", lost, tr.wrong.Load(), tr.errs)
	}
}

// redisCLI runs redis-cli with args and fails the test on error.
func redisCLI(t *testing.T, timeout time.Duration, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput()
	if err != nil || strings.Contains(string(out), "[ERR]") {
		t.Fatalf("redis-cli %s (%v):\n%s", strings.Join(args, " "), err, lastLines(string(out), 30))
	}
	return string(out)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// masterIDs returns the ids of the masters holding slots, and of all
// masters, as node 0 sees them.
func mastersBySlots(t *testing.T, addr string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, line := range strings.Split(rawCommand(t, addr, "CLUSTER", "NODES"), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || !strings.Contains(f[2], "master") {
			continue
		}
		n := 0
		for _, tok := range f[8:] {
			if strings.HasPrefix(tok, "[") {
				continue
			}
			a, b, isRange := strings.Cut(tok, "-")
			if !isRange {
				b = a
			}
			x, _ := strconv.Atoi(a)
			y, _ := strconv.Atoi(b)
			n += y - x + 1
		}
		out[f[0]] = n
	}
	return out
}

// TestReshardRebalanceAddDelNodeUnderLoad moves slots with redis-cli
// --cluster reshard, rebalance, add-node and del-node while go-redis
// writes and reads, and checks that no acknowledged write, value or TTL is
// lost and no client saw an error its library could not follow.
func TestReshardRebalanceAddDelNodeUnderLoad(t *testing.T) {
	procs := startClusterProcs(t, slotdBin, 6)
	createCluster(t, procs)
	// Under -race on two cores, beside the other packages' tests, the four
	// moves take up to about 16 minutes.
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{procs[0].addr}, MaxRedirects: 16})
	t.Cleanup(func() { _ = rdb.Close() })
	ds := dataset{n: 100000}
	ds.load(ctx, t, rdb)

	ids := map[string]string{}
	for _, p := range procs[:3] {
		ids[p.addr] = rawCommand(t, p.addr, "CLUSTER", "MYID")
	}
	steps := 0
	step := func(name string, fn func()) {
		t.Helper()
		steps++
		tr := startTraffic(ctx, rdb, ds, strconv.Itoa(steps))
		start := time.Now()
		fn()
		t.Logf("%s took %v", name, time.Since(start))
		tr.finish(ctx, t)
		clusterCheck(t, procs[0].addr)
		if bad := ds.verify(ctx, t, rdb); len(bad) > 0 {
			t.Fatalf("after %s, %d keys are wrong, first: %v", name, len(bad), bad[:min(5, len(bad))])
		}
	}

	step("reshard of 4000 slots", func() {
		redisCLI(t, 10*time.Minute, "--cluster", "reshard", procs[0].addr,
			"--cluster-from", ids[procs[0].addr], "--cluster-to", ids[procs[1].addr],
			"--cluster-slots", "4000", "--cluster-yes", "--cluster-pipeline", "100")
		waitForCond(t, 30*time.Second, "every master to see the target own 9462 slots", func() bool {
			for _, p := range procs[:3] {
				if mastersBySlots(t, p.addr)[ids[procs[1].addr]] != 5462+4000 {
					return false
				}
			}
			return true
		})
	})

	step("rebalance", func() {
		redisCLI(t, 10*time.Minute, "--cluster", "rebalance", procs[0].addr)
		waitForCond(t, 30*time.Second, "every master to own about a third of the slots", func() bool {
			for _, n := range mastersBySlots(t, procs[0].addr) {
				if n < 5400 || n > 5500 {
					return false
				}
			}
			return true
		}, func() string { return fmt.Sprint(mastersBySlots(t, procs[0].addr)) })
	})

	extra := startClusterProcs(t, slotdBin, 1)[0]
	newID := rawCommand(t, extra.addr, "CLUSTER", "MYID")
	step("add-node and a reshard onto it", func() {
		redisCLI(t, time.Minute, "--cluster", "add-node", extra.addr, procs[0].addr)
		waitForCond(t, 30*time.Second, "the new node to be known everywhere", func() bool {
			for _, p := range procs {
				if !strings.Contains(rawCommand(t, p.addr, "CLUSTER", "NODES"), newID) {
					return false
				}
			}
			info := rawCommand(t, extra.addr, "CLUSTER", "INFO")
			return strings.Contains(info, "cluster_known_nodes:7") && strings.Contains(info, "cluster_state:ok")
		})
		redisCLI(t, 10*time.Minute, "--cluster", "reshard", procs[0].addr,
			"--cluster-from", "all", "--cluster-to", newID, "--cluster-slots", "600", "--cluster-yes")
		// The other masters learn the last moves through the bus.
		// redis-cli splits the 600 slots among the sources in proportion,
		// rounding down: 598 to 600 move.
		var seen []int
		waitForCond(t, 30*time.Second, "every node to agree on about 600 slots on the new node", func() bool {
			seen = seen[:0]
			ok := true
			for _, p := range append(procs[:3:3], extra) {
				n := mastersBySlots(t, p.addr)[newID]
				seen = append(seen, n)
				ok = ok && n >= 598 && n <= 600 && n == seen[0]
			}
			return ok
		}, func() string {
			return fmt.Sprintf("slots of the new node as masters 0-2 and itself see them: %v\nnode 0:\n%s", seen,
				rawCommand(t, procs[0].addr, "CLUSTER", "NODES"))
		})
	})

	step("emptying and del-node", func() {
		moved := strconv.Itoa(mastersBySlots(t, procs[0].addr)[newID])
		redisCLI(t, 10*time.Minute, "--cluster", "reshard", procs[0].addr,
			"--cluster-from", newID, "--cluster-to", ids[procs[2].addr], "--cluster-slots", moved, "--cluster-yes")
		redisCLI(t, time.Minute, "--cluster", "del-node", procs[0].addr, newID)
		waitForCond(t, 30*time.Second, "every node to forget the deleted one", func() bool {
			for _, p := range procs {
				if strings.Contains(rawCommand(t, p.addr, "CLUSTER", "NODES"), newID) {
					return false
				}
			}
			return true
		})
	})
	if info := rawCommand(t, extra.addr, "CLUSTER", "INFO"); !strings.Contains(info, "cluster_known_nodes:1") {
		t.Fatalf("the deleted node still knows others after CLUSTER RESET:\n%s", info)
	}
}

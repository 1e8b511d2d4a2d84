package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotd/slotd/clustercli"
	"github.com/slotd/slotd/internal/resp"
)

// The cluster tool's tests run real redis-server nodes in cluster mode on
// fixed loopback ports of the range 22000-22999 (their buses at +10000):
// Redis is the oracle, so what `slotd cluster` does to it must be what
// `redis-cli --cluster` does.
const (
	clusterCreatePort = 22000 // TestClusterCreate...: 22000-22005
	clusterRefusePort = 22010 // TestClusterCreateRefuses...: 22010-22015
	clusterShPort     = 22100 // TestClusterSh...: 22100-22105
)

// clusterToolTimeout bounds one run of `slotd cluster ...` or redis-cli.
const clusterToolTimeout = 3 * time.Minute

// startClusterNodes starts n redis-server nodes with cluster-enabled yes on
// ports base..base+n-1, each in its own temporary directory.
func startClusterNodes(t *testing.T, base, n int, extra ...string) []*server {
	t.Helper()
	bin := requireRedis(t)
	nodes := make([]*server, n)
	for i := range nodes {
		port := base + i
		args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf", "--save", "", "--appendonly", "no"}
		s, err := launch(t, "redis", bin, port, append(args, extra...))
		if err != nil {
			t.Fatalf("redis-server on port %d: %v", port, err)
		}
		nodes[i] = s
	}
	return nodes
}

// addrs returns the nodes' addresses.
func addrs(nodes []*server) []string {
	out := make([]string, len(nodes))
	for i, s := range nodes {
		out[i] = s.addr
	}
	return out
}

// runTool runs a command with empty input and returns its combined output
// and exit status.
func runTool(t *testing.T, env []string, name string, args ...string) (string, int) {
	t.Helper()
	return runToolInput(t, "", env, name, args...)
}

// runToolInput is runTool with stdin as the command's input.
func runToolInput(t *testing.T, stdin string, env []string, name string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clusterToolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit) && ctx.Err() == nil:
		return string(out), exit.ExitCode()
	}
	t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	return "", -1
}

// slotdCluster runs `slotd cluster args...`.
func slotdCluster(t *testing.T, args ...string) (string, int) {
	t.Helper()
	return runTool(t, nil, slotdBin, append([]string{"cluster"}, args...)...)
}

// clusterWaitFor polls cond until it holds or timeout passes; cond returns
// what it saw, for the failure message.
func clusterWaitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s; last saw:\n%s", timeout, what, saw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// authedDo runs one command on a new connection to addr, authenticated
// with pass when it is not empty. An error reply is returned as an error.
func authedDo(addr, pass string, args ...string) (resp.Value, error) {
	c, err := dialRaw(addr)
	if err != nil {
		return resp.Value{}, err
	}
	defer c.close()
	if pass != "" {
		if v, err := c.do("AUTH", pass); err != nil || v.Type == '-' {
			return v, errors.Join(err, errors.New(v.String()))
		}
	}
	v, err := c.do(args...)
	if err == nil && v.Type == '-' {
		err = errors.New(v.String())
	}
	return v, err
}

// clusterNodesOf reads CLUSTER NODES from addr, authenticating with pass.
func clusterNodesOf(addr, pass string) (string, error) {
	v, err := authedDo(addr, pass, "CLUSTER", "NODES")
	if err != nil {
		return "", err
	}
	if v.Type != '$' {
		return "", errors.New(v.String())
	}
	return string(v.Str), nil
}

// topologyOK reports whether text shows 3 masters serving 5461/5462/5461
// slots, each replicated by exactly one of 3 replicas.
func topologyOK(text string) (bool, string) {
	nodes, err := clustercli.ParseNodes(text)
	if err != nil {
		return false, err.Error()
	}
	masters := map[string]int{}
	var replicaOf []string
	for _, n := range nodes {
		if n.IsReplica() {
			replicaOf = append(replicaOf, n.MasterID)
		} else if n.SlotsCount() > 0 {
			masters[n.ID] = 0
		}
	}
	for _, m := range replicaOf {
		if _, ok := masters[m]; !ok {
			return false, text
		}
		masters[m]++
	}
	if len(nodes) != 6 || len(masters) != 3 || len(replicaOf) != 3 {
		return false, text
	}
	for _, n := range masters {
		if n != 1 {
			return false, text
		}
	}
	return true, text
}

func TestClusterCreateBuildsThreeMastersAndThreeReplicasOnRedis(t *testing.T) {
	const pass = "clustercli-secret"
	nodes := startClusterNodes(t, clusterCreatePort, 6, "--requirepass", pass, "--masterauth", pass)
	args := append([]string{"create"}, addrs(nodes)...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes", "--user", "default", "-a", pass)
	out, code := slotdCluster(t, args...)
	for _, want := range []string{
		"Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.",
		">>> Performing hash slots allocation on 6 nodes...",
		"Master[0] -> Slots 0 - 5460",
		"Master[1] -> Slots 5461 - 10922",
		"Master[2] -> Slots 10923 - 16383",
		">>> Sending CLUSTER MEET messages to join the cluster",
		"[OK] All nodes agree about slots configuration.",
		"[OK] All 16384 slots covered.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("create output lacks %q", want)
		}
	}
	if code != 0 || t.Failed() {
		t.Fatalf("slotd cluster create exited %d:\n%s", code, out)
	}

	clusterWaitFor(t, 30*time.Second, "3 masters and 3 replicas in every node's CLUSTER NODES", func() (bool, string) {
		for _, s := range nodes {
			text, err := clusterNodesOf(s.addr, pass)
			if err != nil {
				return false, s.addr + ": " + err.Error()
			}
			if ok, saw := topologyOK(text); !ok {
				return false, s.addr + ":\n" + saw
			}
		}
		return true, ""
	})

	out, code = slotdCluster(t, "check", nodes[0].addr, "-a", pass, "--no-auth-warning")
	if code != 0 || !strings.Contains(out, "[OK] All nodes agree about slots configuration.") ||
		!strings.Contains(out, "[OK] All 16384 slots covered.") || strings.Contains(out, "Warning:") {
		t.Fatalf("slotd cluster check exited %d:\n%s", code, out)
	}
	if got := strings.Count(out, "1 additional replica(s)"); got != 3 {
		t.Errorf("slotd cluster check shows %d masters with one replica, want 3:\n%s", got, out)
	}
	out, code = runTool(t, nil, "redis-cli", "--cluster", "check", nodes[0].addr, "-a", pass, "--no-auth-warning")
	if code != 0 || !strings.Contains(out, "[OK] All nodes agree about slots configuration.") ||
		!strings.Contains(out, "[OK] All 16384 slots covered.") {
		t.Fatalf("redis-cli --cluster check exited %d:\n%s", code, out)
	}

	// Running create again over the formed cluster succeeds without
	// touching it, so a compose init service can run on every `up`.
	again := append([]string{"create"}, addrs(nodes)...)
	again = append(again, "--cluster-replicas", "1", "--cluster-yes", "-a", pass, "--no-auth-warning")
	out, code = slotdCluster(t, again...)
	if code != 0 || !strings.Contains(out, "[OK] The 6 nodes already form one cluster with all 16384 slots covered: nothing to do.") {
		t.Fatalf("second create exited %d:\n%s", code, out)
	}

	// Broken states: both tools must report them with the same lines and
	// fail. nodes[0] is Master[0] and serves slot 100; nodes[2] serves 16383.
	ids := map[string]string{}
	for _, s := range nodes {
		text, err := clusterNodesOf(s.addr, pass)
		if err != nil {
			t.Fatal(err)
		}
		me, _ := clustercli.Myself(mustParseNodes(t, text))
		ids[s.addr] = me.ID
	}
	brokenStates := []struct {
		name              string
		breakCmd, healCmd []string
		on                *server
		want              []string
	}{
		{"open slot", []string{"CLUSTER", "SETSLOT", "100", "MIGRATING", ids[nodes[1].addr]}, []string{"CLUSTER", "SETSLOT", "100", "STABLE"}, nodes[0],
			[]string{"[WARNING] Node " + nodes[0].addr + " has slots in migrating state 100.", "[WARNING] The following slots are open: 100."}},
		{"uncovered slot", []string{"CLUSTER", "DELSLOTS", "16383"}, []string{"CLUSTER", "ADDSLOTS", "16383"}, nodes[2],
			[]string{"[ERR] Nodes don't agree about configuration!", "[ERR] Not all 16384 slots are covered by nodes."}},
	}
	for _, bs := range brokenStates {
		if v, err := authedDo(bs.on.addr, pass, bs.breakCmd...); err != nil {
			t.Fatalf("%s: %q: %v %v", bs.name, bs.breakCmd, v, err)
		}
		for _, tool := range [][]string{{slotdBin, "cluster", "check"}, {"redis-cli", "--cluster", "check"}} {
			args := append(tool[1:], nodes[0].addr, "-a", pass, "--no-auth-warning")
			out, code := runTool(t, nil, tool[0], args...)
			for _, want := range bs.want {
				if code == 0 || !strings.Contains(out, want) {
					t.Errorf("%s: %s exited %d, want a failure with %q:\n%s", bs.name, strings.Join(tool, " "), code, want, out)
				}
			}
		}
		if v, err := authedDo(bs.on.addr, pass, bs.healCmd...); err != nil {
			t.Fatalf("%s: %q: %v %v", bs.name, bs.healCmd, v, err)
		}
	}
	clusterWaitFor(t, 30*time.Second, "a clean check after healing", func() (bool, string) {
		out, code := slotdCluster(t, "check", nodes[0].addr, "-a", pass, "--no-auth-warning")
		return code == 0, out
	})

	// A node that went away is named by check, which then fails.
	down := nodes[5]
	downID := ids[down.addr]
	down.stop()
	out, code = slotdCluster(t, "check", nodes[0].addr, "-a", pass, "--no-auth-warning")
	if code == 0 || !strings.Contains(out, "[ERR] Node "+down.addr+" ("+downID+") is unreachable") {
		t.Fatalf("check with %s down exited %d, want a failure naming it:\n%s", down.addr, code, out)
	}
}

func mustParseNodes(t *testing.T, text string) []clustercli.NodeInfo {
	t.Helper()
	nodes, err := clustercli.ParseNodes(text)
	if err != nil {
		t.Fatal(err)
	}
	return nodes
}

// TestClusterCreateRefusesLikeRedisCli runs the refusals of create against
// both tools: each must fail with the same [ERR] text and leave the nodes
// alone. Declining the confirmation changes nothing either.
func TestClusterCreateRefusesLikeRedisCli(t *testing.T) {
	nodes := startClusterNodes(t, clusterRefusePort, 5)
	standalone, err := launch(t, "redis", requireRedis(t), clusterRefusePort+5,
		[]string{"--port", strconv.Itoa(clusterRefusePort + 5), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := nodes[0].ctl.do("CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(clusterRefusePort+4)); err != nil || v.Type == '-' {
		t.Fatalf("CLUSTER MEET: %v %v", v, err)
	}
	tests := []struct {
		name  string
		nodes []string
		extra []string
		want  string
	}{
		{"too few masters", addrs(nodes[1:3]), []string{"--cluster-replicas", "1"},
			"*** Redis Cluster requires at least 3 master nodes."},
		{"not a cluster node", append(addrs(nodes[1:3]), standalone.addr), nil,
			"[ERR] Node " + standalone.addr + " is not configured as a cluster node."},
		{"node knows another", addrs(nodes[:3]), nil,
			"[ERR] Node " + nodes[0].addr + " is not empty. Either the node already knows other nodes (check with CLUSTER NODES) or contains some key in database 0."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"create"}, tt.nodes...), tt.extra...)
			args = append(args, "--cluster-yes")
			out, code := slotdCluster(t, args...)
			if code == 0 || !strings.Contains(out, tt.want) {
				t.Errorf("slotd cluster %s exited %d, want a failure with %q:\n%s", strings.Join(args, " "), code, tt.want, out)
			}
			out, code = runTool(t, nil, "redis-cli", append([]string{"--cluster"}, args...)...)
			if code == 0 || !strings.Contains(out, tt.want) {
				t.Errorf("redis-cli --cluster %s exited %d, want a failure with %q:\n%s", strings.Join(args, " "), code, tt.want, out)
			}
		})
	}
	t.Run("declined", func(t *testing.T) {
		const prompt = "Can I set the above configuration? (type 'yes' to accept): "
		args := append([]string{"create"}, addrs(nodes[1:4])...)
		out, code := runToolInput(t, "no\n", nil, slotdBin, append([]string{"cluster"}, args...)...)
		if code != 0 || !strings.Contains(out, prompt) || strings.Contains(out, ">>> Nodes configuration updated") {
			t.Errorf("slotd cluster %s answered no: exit %d, want 0 and nothing done:\n%s", strings.Join(args, " "), code, out)
		}
		out, code = runToolInput(t, "no\n", nil, "redis-cli", append([]string{"--cluster"}, args...)...)
		if code != 0 || !strings.Contains(out, prompt) {
			t.Errorf("redis-cli --cluster %s answered no: exit %d:\n%s", strings.Join(args, " "), code, out)
		}
	})
	for _, s := range nodes[1:4] {
		if text, err := clusterNodesOf(s.addr, ""); err != nil || strings.Count(text, "\n") != 1 || strings.Contains(text, "connected 0") {
			t.Fatalf("a refused create changed node %s: %v\n%s", s.addr, err, text)
		}
	}
}

// TestClusterShRunsARedisCluster runs deploy/cluster.sh with redis-server as
// the node binary: start and create, stop, and a restart that skips create.
func TestClusterShRunsARedisCluster(t *testing.T) {
	requireRedis(t)
	script, err := filepath.Abs("../deploy/cluster.sh")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{
		"SLOTD_BIN=redis-server",
		"SLOTD_TOOL=" + slotdBin,
		"SLOTD_CLUSTER_DIR=" + t.TempDir(),
		"SLOTD_CLUSTER_PORT=" + strconv.Itoa(clusterShPort),
	}
	t.Cleanup(func() {
		if out, code := runTool(t, env, script, "stop"); code != 0 {
			t.Errorf("cluster.sh stop exited %d:\n%s", code, out)
		}
	})
	first := "127.0.0.1:" + strconv.Itoa(clusterShPort)
	stateOK := func() (bool, string) {
		c, err := dialRaw(first)
		if err != nil {
			return false, err.Error()
		}
		defer c.close()
		v, err := c.do("CLUSTER", "INFO")
		if err != nil {
			return false, err.Error()
		}
		return bytes.Contains(v.Str, []byte("cluster_state:ok")), string(v.Str)
	}

	out, code := runTool(t, env, script)
	if code != 0 || !strings.Contains(out, "[OK] All 16384 slots covered.") || !strings.Contains(out, "redis-cli -c -p "+strconv.Itoa(clusterShPort)) {
		t.Fatalf("cluster.sh exited %d:\n%s", code, out)
	}
	clusterWaitFor(t, 30*time.Second, "cluster_state:ok after cluster.sh", stateOK)
	clusterWaitFor(t, 30*time.Second, "3 masters and 3 replicas after cluster.sh", func() (bool, string) {
		text, err := clusterNodesOf(first, "")
		if err != nil {
			return false, err.Error()
		}
		return topologyOK(text)
	})

	if out, code := runTool(t, env, script, "stop"); code != 0 || strings.Count(out, "stopped node") != 6 {
		t.Fatalf("cluster.sh stop exited %d:\n%s", code, out)
	}
	if c, err := dialRaw(first); err == nil {
		c.close()
		t.Fatalf("%s still accepts connections after cluster.sh stop", first)
	}

	out, code = runTool(t, env, script)
	if code != 0 || !strings.Contains(out, "skipping create") || strings.Contains(out, "Performing hash slots allocation") {
		t.Fatalf("cluster.sh restart exited %d or ran create again:\n%s", code, out)
	}
	clusterWaitFor(t, 60*time.Second, "cluster_state:ok after the restart", stateOK)
}

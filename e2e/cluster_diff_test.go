package e2e

import (
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotd/slotd/internal/resp"
	"github.com/slotd/slotd/slots"
)

// diffPorts hands out client and cluster bus ports for the structure
// differential test. The ranges are fixed (clients from 23100, buses from
// 33100) so that this test never competes with other suites for ports;
// a port that another process holds is skipped.
var diffPorts = struct {
	sync.Mutex
	next int
}{next: 23100}

// nextDiffPorts returns a client port and a bus port (client + 10000),
// both free for TCP and the bus also for UDP (memberlist uses both).
func nextDiffPorts(t *testing.T) (int, int) {
	t.Helper()
	diffPorts.Lock()
	defer diffPorts.Unlock()
	for ; diffPorts.next < 24000; diffPorts.next++ {
		port, bus := diffPorts.next, diffPorts.next+10000
		if portFree(port) && portFree(bus) {
			diffPorts.next++
			return port, bus
		}
	}
	t.Fatal("no free port pair left in 23100-23999 / 33100-33999")
	return 0, 0
}

func portFree(port int) bool {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	defer ln.Close()
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	return pc.Close() == nil
}

// startDiffCluster starts six cluster-enabled nodes of bin on ports of
// nextDiffPorts and joins them with redis-cli --cluster create
// --cluster-replicas 1, which makes the first three nodes masters.
func startDiffCluster(t *testing.T, bin string) []*clusterProc {
	t.Helper()
	name := "slotd"
	if bin != slotdBin {
		name = "redis"
	}
	var procs []*clusterProc
	for len(procs) < 6 {
		var lastErr error
		var p *clusterProc
		for attempt := 0; attempt < 5 && p == nil; attempt++ {
			port, bus := nextDiffPorts(t)
			c := &clusterProc{bin: bin, port: port, bus: bus, dir: t.TempDir()}
			s, err := launch(t, name, bin, port, c.args())
			if err != nil {
				lastErr = err
				continue
			}
			c.server = s
			p = c
		}
		if p == nil {
			t.Fatalf("%s node %d did not start: %v", name, len(procs), lastErr)
		}
		procs = append(procs, p)
	}
	createCluster(t, procs)
	return procs
}

// clusterLabels names the nodes of one cluster by role and slot ranges
// ("master[0-5460]", "replica[0-5460]") so that two clusters built by
// redis-cli with the same layout can be compared node by node. It also maps
// client and bus ports to those names.
type clusterLabels struct {
	byID   map[string]string
	byPort map[int64]string
	byBus  map[int64]string
	addrOf map[string]string // label -> client address
}

var nodeAddrRE = regexp.MustCompile(`^127\.0\.0\.1:(\d+)@(\d+)$`)

// labelCluster builds the labels from the CLUSTER NODES of addr.
func labelCluster(t *testing.T, addr string) *clusterLabels {
	t.Helper()
	nodes := rawCommand(t, addr, "CLUSTER", "NODES")
	type row struct{ id, addr, master, slots string }
	var rows []row
	for _, line := range strings.Split(strings.TrimSuffix(nodes, "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			t.Fatalf("CLUSTER NODES line with %d fields (want at least 8): %q", len(f), line)
		}
		rows = append(rows, row{f[0], f[1], f[3], strings.Join(f[8:], ",")})
	}
	l := &clusterLabels{byID: map[string]string{}, byPort: map[int64]string{}, byBus: map[int64]string{}, addrOf: map[string]string{}}
	slotsOf := map[string]string{}
	for _, r := range rows {
		if r.master == "-" {
			slotsOf[r.id] = r.slots
			l.byID[r.id] = "master[" + r.slots + "]"
		}
	}
	for _, r := range rows {
		if r.master != "-" {
			l.byID[r.id] = "replica[" + slotsOf[r.master] + "]"
		}
	}
	for _, r := range rows {
		m := nodeAddrRE.FindStringSubmatch(r.addr)
		if m == nil {
			t.Fatalf("CLUSTER NODES address %q is not 127.0.0.1:port@busport", r.addr)
		}
		port, _ := strconv.ParseInt(m[1], 10, 64)
		bus, _ := strconv.ParseInt(m[2], 10, 64)
		l.byPort[port] = l.byID[r.id]
		l.byBus[bus] = l.byID[r.id]
		l.addrOf[l.byID[r.id]] = "127.0.0.1:" + m[1]
	}
	if len(l.addrOf) != 6 {
		t.Fatalf("labels of %s are not six distinct nodes: %v\n%s", addr, l.byID, nodes)
	}
	return l
}

// idOf returns the node id carrying label.
func (l *clusterLabels) idOf(label string) string {
	for id, lb := range l.byID {
		if lb == label {
			return id
		}
	}
	return ""
}

// text replaces node ids and ports in s by labels.
func (l *clusterLabels) text(s string) string {
	for id, lb := range l.byID {
		s = strings.ReplaceAll(s, id, "<"+lb+">")
	}
	return portRE.ReplaceAllStringFunc(s, func(m string) string {
		p, _ := strconv.ParseInt(m[1:], 10, 64)
		if lb, ok := l.byPort[p]; ok {
			return ":<port " + lb + ">"
		}
		return m
	})
}

var portRE = regexp.MustCompile(`:\d+`)

// nodesLine normalizes one CLUSTER NODES line: ids, ports and bus ports
// become labels, the ping-sent and pong-received times become "<ms>"
// (after checking they are integers). Flags, master column form, config
// epoch, link state and slots are kept.
func (l *clusterLabels) nodesLine(t *testing.T, line string) string {
	t.Helper()
	f := strings.Fields(line)
	if len(f) < 8 {
		t.Fatalf("CLUSTER NODES line with %d fields (want 8 + slots): %q", len(f), line)
	}
	m := nodeAddrRE.FindStringSubmatch(f[1])
	if m == nil {
		t.Fatalf("CLUSTER NODES address %q is not 127.0.0.1:port@busport", f[1])
	}
	port, _ := strconv.ParseInt(m[1], 10, 64)
	bus, _ := strconv.ParseInt(m[2], 10, 64)
	out := []string{"<" + l.byID[f[0]] + ">", "127.0.0.1:<port " + l.byPort[port] + ">@<bus " + l.byBus[bus] + ">", f[2]}
	if f[3] == "-" {
		out = append(out, "-")
	} else {
		out = append(out, "<"+l.byID[f[3]]+">")
	}
	for _, ms := range f[4:6] {
		if _, err := strconv.ParseUint(ms, 10, 64); err != nil {
			t.Fatalf("CLUSTER NODES time column %q is not a non-negative integer in %q", ms, line)
		}
		out = append(out, "<ms>")
	}
	out = append(out, f[6:]...)
	return strings.Join(out, " ")
}

// value renders a reply with its RESP types, ids and ports replaced by
// labels; skip names map keys whose values are replaced by "<key>".
func (l *clusterLabels) value(v resp.Value, skip ...string) string {
	var b strings.Builder
	l.render(&b, v, skip)
	return b.String()
}

func (l *clusterLabels) render(b *strings.Builder, v resp.Value, skip []string) {
	switch v.Type {
	case ':':
		if lb, ok := l.byPort[v.Int]; ok {
			fmt.Fprintf(b, ":<port %s>", lb)
			return
		}
		fmt.Fprintf(b, ":%d", v.Int)
	case '$', '+', '-', '=':
		if v.Null {
			b.WriteString(string(v.Type) + "(nil)")
			return
		}
		if lb, ok := l.byID[string(v.Str)]; ok {
			fmt.Fprintf(b, "%c<%s>", v.Type, lb)
			return
		}
		fmt.Fprintf(b, "%c%q", v.Type, l.text(string(v.Str)))
	case '*', '%', '~':
		if v.Null {
			b.WriteString(string(v.Type) + "(nil)")
			return
		}
		n := len(v.Elems)
		if v.Type == '%' {
			n /= 2
		}
		fmt.Fprintf(b, "%c%d[", v.Type, n)
		for i := 0; i < len(v.Elems); i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			l.render(b, v.Elems[i], skip)
			if isMapLike(v) && i%2 == 0 && i+1 < len(v.Elems) && contains(skip, string(v.Elems[i].Str)) {
				fmt.Fprintf(b, " %c<%s>", v.Elems[i+1].Type, v.Elems[i].Str)
				i++
			}
		}
		b.WriteByte(']')
	default:
		b.WriteString(v.String())
	}
}

// isMapLike reports whether v is a map, or a RESP2 array holding one
// (field names at even positions), as CLUSTER SHARDS replies are.
func isMapLike(v resp.Value) bool {
	if v.Type == '%' {
		return true
	}
	if len(v.Elems)%2 != 0 {
		return false
	}
	for i := 0; i < len(v.Elems); i += 2 {
		if v.Elems[i].Type != '$' {
			return false
		}
	}
	return len(v.Elems) > 0
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// dsession runs commands on one connection speaking protocol proto (2 or 3).
func dsession(t *testing.T, addr string, proto int, cmds ...[]string) []resp.Value {
	t.Helper()
	c, err := dialRaw(addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.close()
	if proto == 3 {
		if _, err := c.do("HELLO", "3"); err != nil {
			t.Fatalf("HELLO 3 on %s: %v", addr, err)
		}
	}
	var out []resp.Value
	for _, cmd := range cmds {
		v, err := c.do(cmd...)
		if err != nil {
			t.Fatalf("%v on %s: %v", cmd, addr, err)
		}
		out = append(out, v)
	}
	return out
}

func one(t *testing.T, addr string, proto int, args ...string) resp.Value {
	t.Helper()
	return dsession(t, addr, proto, args)[0]
}

// waitStable waits until every node of procs reports cluster_state:ok,
// knows six connected nodes with no transitional flag, and all nodes agree
// on the layout. For Redis it also waits until each replica finished its
// sync and its offset reached every node, so that CLUSTER SLOTS lists it.
func waitStable(t *testing.T, procs []*clusterProc, redis bool) {
	t.Helper()
	var last string
	waitForCond(t, 60*time.Second, "the cluster to settle", func() bool {
		var layout string
		for i, p := range procs {
			info := rawCommand(t, p.addr, "CLUSTER", "INFO")
			if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:6\r\n") {
				last = p.addr + ":\n" + info
				return false
			}
			nodes := rawCommand(t, p.addr, "CLUSTER", "NODES")
			var lines []string
			for _, line := range strings.Split(strings.TrimSuffix(nodes, "\n"), "\n") {
				f := strings.Fields(line)
				if len(f) < 8 || f[7] != "connected" || strings.ContainsAny(f[2], "?") ||
					regexp.MustCompile(`handshake|fail|noaddr|nofailover`).MatchString(f[2]) {
					last = p.addr + " sees an unsettled node:\n" + nodes
					return false
				}
				f[2] = strings.TrimPrefix(f[2], "myself,")
				lines = append(lines, strings.Join(append([]string{f[0], f[1], f[2], f[3], f[6]}, f[8:]...), " "))
			}
			sort.Strings(lines)
			if l := strings.Join(lines, "\n"); i == 0 {
				layout = l
			} else if l != layout {
				last = fmt.Sprintf("%s and %s disagree:\n%s\n---\n%s", procs[0].addr, p.addr, layout, l)
				return false
			}
			if redis {
				repl := rawCommand(t, p.addr, "INFO", "replication")
				if strings.Contains(repl, "role:slave") {
					if !strings.Contains(repl, "master_link_status:up") || strings.Contains(repl, "master_sync_in_progress:1") {
						last = p.addr + ":\n" + repl
						return false
					}
				}
				if v := one(t, p.addr, 2, "CLUSTER", "SLOTS"); len(v.Elems) != 3 || len(v.Elems[0].Elems) != 4 ||
					len(v.Elems[1].Elems) != 4 || len(v.Elems[2].Elems) != 4 {
					last = p.addr + " does not list every replica in CLUSTER SLOTS yet: " + v.String()
					return false
				}
			}
		}
		return true
	}, func() string { return last })
}

// TestClusterStructureMatchesRedis builds a six-node slotd cluster and a
// six-node Redis 7 cluster with redis-cli --cluster create and compares,
// from every node, the structure of CLUSTER NODES, SLOTS, SHARDS, INFO,
// INFO cluster, MYID, REPLICAS, COUNTKEYSINSLOT and the errors of a formed
// cluster. Node ids, ports and times differ by nature and are compared
// through labels (role and slot range); everything else must match, except
// where a comment names a documented difference.
func TestClusterStructureMatchesRedis(t *testing.T) {
	redisBin := requireRedis(t)
	sd := startDiffCluster(t, slotdBin)
	rd := startDiffCluster(t, redisBin)
	waitStable(t, sd, false)
	waitStable(t, rd, true)
	sl, rl := labelCluster(t, sd[0].addr), labelCluster(t, rd[0].addr)
	if a, b := sortedValues(sl.byID), sortedValues(rl.byID); a != b {
		t.Fatalf("redis-cli built different layouts:\nslotd %s\nredis %s", a, b)
	}
	labels := strings.Split(sortedValues(rl.byID), " ")
	// pair is one node of each cluster with the same label.
	type pair struct{ label, s, r string }
	var pairs []pair
	for _, lb := range labels {
		pairs = append(pairs, pair{lb, sl.addrOf[lb], rl.addrOf[lb]})
	}

	t.Run("ClusterNodes", func(t *testing.T) {
		for _, p := range pairs {
			for _, proto := range []int{2, 3} {
				sv, rv := one(t, p.s, proto, "CLUSTER", "NODES"), one(t, p.r, proto, "CLUSTER", "NODES")
				if sv.Type != rv.Type {
					t.Errorf("%s RESP%d: CLUSTER NODES reply type slotd %q, redis %q", p.label, proto, sv.Type, rv.Type)
				}
				if proto == 3 && (!strings.HasPrefix(string(sv.Str), "txt:") || !strings.HasPrefix(string(rv.Str), "txt:")) {
					t.Errorf("%s RESP3: CLUSTER NODES verbatim format: slotd %.4q, redis %.4q", p.label, sv.Str, rv.Str)
				}
				s := nodesLines(t, sl, p.label, "slotd", strings.TrimPrefix(string(sv.Str), "txt:"))
				r := nodesLines(t, rl, p.label, "redis", strings.TrimPrefix(string(rv.Str), "txt:"))
				if got, want := strings.Join(s, "\n"), strings.Join(r, "\n"); got != want {
					t.Errorf("%s RESP%d: CLUSTER NODES differs (normalized, sorted):\nslotd:\n%s\nredis:\n%s", p.label, proto, got, want)
				}
			}
			// A replica's config-epoch column is its master's epoch.
			for _, c := range []struct {
				name string
				l    *clusterLabels
				addr string
			}{{"slotd", sl, p.s}, {"redis", rl, p.r}} {
				epochs := map[string]string{}
				nodes := rawCommand(t, c.addr, "CLUSTER", "NODES")
				for _, line := range strings.Split(strings.TrimSuffix(nodes, "\n"), "\n") {
					f := strings.Fields(line)
					epochs[f[0]] = f[6]
				}
				for _, line := range strings.Split(strings.TrimSuffix(nodes, "\n"), "\n") {
					if f := strings.Fields(line); f[3] != "-" && f[6] != epochs[f[3]] {
						t.Errorf("%s %s: replica %s shows config epoch %s, its master %s", c.name, p.label, c.l.byID[f[0]], f[6], epochs[f[3]])
					}
				}
			}
		}
	})

	t.Run("ClusterSlots", func(t *testing.T) {
		for _, p := range pairs {
			for _, proto := range []int{2, 3} {
				s := sl.value(one(t, p.s, proto, "CLUSTER", "SLOTS"))
				r := rl.value(one(t, p.r, proto, "CLUSTER", "SLOTS"))
				// Redis 7.0.15 lists a replica only once its replication
				// offset is non-zero (isReplicaAvailable); waitStable waited
				// for that. slotd has no replication yet and lists every
				// replica that is not failed, so both list one replica per
				// range here.
				if s != r {
					t.Errorf("%s RESP%d: CLUSTER SLOTS differs:\nslotd %s\nredis %s", p.label, proto, s, r)
				}
			}
		}
	})

	t.Run("ClusterShards", func(t *testing.T) {
		for _, p := range pairs {
			for _, proto := range []int{2, 3} {
				sv, rv := one(t, p.s, proto, "CLUSTER", "SHARDS"), one(t, p.r, proto, "CLUSTER", "SHARDS")
				s, r := shardsNormalized(sl, sv), shardsNormalized(rl, rv)
				if strings.Join(s, "\n") != strings.Join(r, "\n") {
					t.Errorf("%s RESP%d: CLUSTER SHARDS differs (offsets and health aside, shards sorted):\nslotd:\n%s\nredis:\n%s",
						p.label, proto, strings.Join(s, "\n"), strings.Join(r, "\n"))
				}
				// Redis: every node is online once the replicas synced (the
				// offsets other nodes show depend on gossip timing, so only
				// slotd's are checked). slotd has no replication yet: every
				// offset is 0, so a replica's health is "loading" (Redis's
				// rule in clusterGenNodeDescription for a replica whose
				// offset is 0) and masters are "online".
				for _, c := range []struct {
					name          string
					l             *clusterLabels
					v             resp.Value
					replicaHealth string
					zeroOffset    bool
				}{{"redis", rl, rv, "online", false}, {"slotd", sl, sv, "loading", true}} {
					checkOffset := c.name == "slotd"
					for _, n := range shardNodes(c.v) {
						wantHealth := "online"
						if n["role"] == "replica" {
							wantHealth = c.replicaHealth
						}
						if n["health"] != wantHealth || (checkOffset && (n["replication-offset"] == "0") != c.zeroOffset) {
							t.Errorf("%s RESP%d %s: shard node %s has role %s, health %s, offset %s; want health %s, zero offset %v",
								c.name, proto, p.label, c.l.byID[n["id"]], n["role"], n["health"], n["replication-offset"], wantHealth, c.zeroOffset)
						}
					}
				}
			}
		}
	})

	t.Run("ClusterInfo", func(t *testing.T) {
		for _, p := range pairs {
			s := infoFields(t, rawCommand(t, p.s, "CLUSTER", "INFO"))
			r := infoFields(t, rawCommand(t, p.r, "CLUSTER", "INFO"))
			if got, want := fieldNames(s, false), fieldNames(r, false); got != want {
				t.Errorf("%s: CLUSTER INFO fixed fields (stats aside):\nslotd %s\nredis %s", p.label, got, want)
			}
			for _, k := range []string{"cluster_state", "cluster_slots_assigned", "cluster_slots_ok", "cluster_slots_pfail",
				"cluster_slots_fail", "cluster_known_nodes", "cluster_size", "cluster_current_epoch", "cluster_my_epoch",
				"total_cluster_links_buffer_limit_exceeded"} {
				if s.get(k) != r.get(k) {
					t.Errorf("%s: CLUSTER INFO %s slotd %q, redis %q", p.label, k, s.get(k), r.get(k))
				}
			}
			// The stats lines name message types slotd's bus carries
			// (memberlist replaces PONG and MEET), but each family must
			// end with the totals, as in Redis.
			for _, f := range []fields{s, r} {
				names := fieldNames(f, true)
				if !strings.HasSuffix(strings.SplitN(names, " total_", 2)[0], "cluster_stats_messages_received") {
					t.Errorf("%s: CLUSTER INFO stats lines out of Redis's order: %s", p.label, names)
				}
			}
		}
	})

	t.Run("InfoClusterMyIDReplicas", func(t *testing.T) {
		for _, p := range pairs {
			for _, proto := range []int{2, 3} {
				s := sl.value(one(t, p.s, proto, "INFO", "cluster"))
				r := rl.value(one(t, p.r, proto, "INFO", "cluster"))
				if s != r {
					t.Errorf("%s RESP%d: INFO cluster slotd %s, redis %s", p.label, proto, s, r)
				}
				s, r = sl.value(one(t, p.s, proto, "CLUSTER", "MYID")), rl.value(one(t, p.r, proto, "CLUSTER", "MYID"))
				if want := "$<" + p.label + ">"; s != want || r != want {
					t.Errorf("%s RESP%d: CLUSTER MYID slotd %s, redis %s; want %s", p.label, proto, s, r, want)
				}
				for _, lb := range labels {
					args := func(l *clusterLabels) []string { return []string{"CLUSTER", "REPLICAS", l.idOf(lb)} }
					sv, rv := one(t, p.s, proto, args(sl)...), one(t, p.r, proto, args(rl)...)
					s, r := replicasNormalized(t, sl, sv), replicasNormalized(t, rl, rv)
					if s != r {
						t.Errorf("%s RESP%d: CLUSTER REPLICAS <%s> slotd %s, redis %s", p.label, proto, lb, s, r)
					}
				}
			}
		}
	})

	t.Run("CountKeysInSlot", func(t *testing.T) {
		const key = "{diff}k"
		slot := strconv.Itoa(int(slots.KeySlotString(key)))
		owner := "master[" + ownerRange(labels, slots.KeySlotString(key)) + "]"
		for _, c := range []struct {
			name string
			l    *clusterLabels
		}{{"slotd", sl}, {"redis", rl}} {
			if v := one(t, c.l.addrOf[owner], 2, "SET", key, "v"); string(v.Raw) != "+OK\r\n" {
				t.Fatalf("%s: SET %s on %s = %q", c.name, key, owner, v.Raw)
			}
		}
		for _, p := range pairs {
			for _, args := range [][]string{
				{"CLUSTER", "COUNTKEYSINSLOT", slot},
				{"CLUSTER", "COUNTKEYSINSLOT", "0"},
				{"CLUSTER", "COUNTKEYSINSLOT", "-1"},
				{"CLUSTER", "COUNTKEYSINSLOT", "16384"},
				{"CLUSTER", "COUNTKEYSINSLOT", "x"},
				{"CLUSTER", "KEYSLOT", key},
			} {
				s, r := one(t, p.s, 2, args...), one(t, p.r, 2, args...)
				// A replica of the owner: Redis has the key through
				// replication, slotd does not replicate yet, so it counts 0.
				if p.label == "replica"+strings.TrimPrefix(owner, "master") && args[2] == slot {
					if string(s.Raw) != ":0\r\n" || string(r.Raw) != ":1\r\n" {
						t.Errorf("%s: %v slotd %q (want :0, no replication), redis %q (want :1)", p.label, args, s.Raw, r.Raw)
					}
					continue
				}
				if string(s.Raw) != string(r.Raw) {
					t.Errorf("%s: %v slotd %q, redis %q", p.label, args, s.Raw, r.Raw)
				}
			}
		}
	})

	t.Run("Errors", func(t *testing.T) {
		// Both keys are served by master[5461-10922]; key is never
		// written, so a replica reading it does not depend on replication
		// (which slotd does not have yet).
		key, wkey := keyInSlotRange(6000, 7000), keyInSlotRange(7001, 8000)
		// Each case is a sequence of commands on one connection; "$self"
		// and "$<label>" stand for node ids of the cluster under test.
		cases := [][][]string{
			{{"CLUSTER", "REPLICATE", "$self"}},
			{{"CLUSTER", "FORGET", "$self"}},
			{{"CLUSTER", "SET-CONFIG-EPOCH", "9"}},
			{{"CLUSTER", "ADDSLOTS", "0"}},
			{{"CLUSTER", "REPLICATE", "$replica[0-5460]"}},
			{{"CLUSTER", "REPLICATE", "0000000000000000000000000000000000000000"}},
			{{"CLUSTER", "FORGET", "0000000000000000000000000000000000000000"}},
			{{"CLUSTER", "REPLICAS", "$replica[0-5460]"}},
			{{"CLUSTER", "COUNT-FAILURE-REPORTS", "nope"}},
			{{"GET", key}},
			{{"SET", wkey, "1"}},
			{{"MSET", "a", "1", "b", "2"}},
			{{"READONLY"}, {"GET", key}, {"SET", wkey, "1"}, {"READWRITE"}, {"GET", key}},
		}
		for _, lb := range labels {
			for _, c := range cases {
				subst := func(l *clusterLabels) [][]string {
					var out [][]string
					for _, cmd := range c {
						var args []string
						for _, a := range cmd {
							switch {
							case a == "$self":
								a = l.idOf(lb)
							case strings.HasPrefix(a, "$"):
								a = l.idOf(a[1:])
							}
							args = append(args, a)
						}
						out = append(out, args)
					}
					return out
				}
				for _, proto := range []int{2, 3} {
					sv := dsession(t, sl.addrOf[lb], proto, subst(sl)...)
					rv := dsession(t, rl.addrOf[lb], proto, subst(rl)...)
					for i := range sv {
						s, r := sl.value(sv[i]), rl.value(rv[i])
						if s != r {
							t.Errorf("%s RESP%d: %v slotd %s, redis %s", lb, proto, c[:i+1], s, r)
						}
					}
				}
			}
		}
	})
}

// nodesLines checks the framing of a CLUSTER NODES text and returns its
// normalized lines, sorted.
func nodesLines(t *testing.T, l *clusterLabels, label, name, text string) []string {
	t.Helper()
	if !strings.HasSuffix(text, "\n") || strings.Contains(text, "\r") {
		t.Errorf("%s %s: CLUSTER NODES must be lines each ending in \\n: %q", name, label, text)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		out = append(out, l.nodesLine(t, line))
	}
	sort.Strings(out)
	return out
}

// shardsNormalized renders each shard with replication offsets and health
// values masked, and sorts the shards: Redis lists them in dict order.
func shardsNormalized(l *clusterLabels, v resp.Value) []string {
	var out []string
	for _, shard := range v.Elems {
		out = append(out, l.value(shard, "replication-offset", "health"))
	}
	sort.Strings(out)
	return append([]string{fmt.Sprintf("%c%d shards", v.Type, len(v.Elems))}, out...)
}

// shardNodes returns every node map of a CLUSTER SHARDS reply as strings.
func shardNodes(v resp.Value) []map[string]string {
	var out []map[string]string
	for _, shard := range v.Elems {
		for i := 0; i+1 < len(shard.Elems); i += 2 {
			if string(shard.Elems[i].Str) != "nodes" {
				continue
			}
			for _, n := range shard.Elems[i+1].Elems {
				m := map[string]string{}
				for j := 0; j+1 < len(n.Elems); j += 2 {
					val := n.Elems[j+1]
					if val.Type == ':' {
						m[string(n.Elems[j].Str)] = strconv.FormatInt(val.Int, 10)
					} else {
						m[string(n.Elems[j].Str)] = string(val.Str)
					}
				}
				out = append(out, m)
			}
		}
	}
	return out
}

// replicasNormalized renders a CLUSTER REPLICAS reply with each line
// normalized like a CLUSTER NODES line.
func replicasNormalized(t *testing.T, l *clusterLabels, v resp.Value) string {
	t.Helper()
	if v.Type == '-' {
		return l.value(v)
	}
	var lines []string
	for _, e := range v.Elems {
		s := string(e.Str)
		// Unlike CLUSTER NODES, each line has no trailing newline.
		if strings.ContainsAny(s, "\r\n") {
			t.Errorf("CLUSTER REPLICAS element holds a line break: %q", s)
		}
		lines = append(lines, fmt.Sprintf("%c%s", e.Type, l.nodesLine(t, s)))
	}
	sort.Strings(lines)
	return fmt.Sprintf("%c%d[%s]", v.Type, len(v.Elems), strings.Join(lines, ", "))
}

// fields is an INFO-style text as ordered name/value pairs.
type fields [][2]string

func infoFields(t *testing.T, text string) fields {
	t.Helper()
	if !strings.HasSuffix(text, "\r\n") {
		t.Errorf("CLUSTER INFO does not end in CRLF: %q", text)
	}
	var out fields
	for _, line := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Errorf("CLUSTER INFO line without a colon: %q", line)
		}
		out = append(out, [2]string{k, v})
	}
	return out
}

func (f fields) get(name string) string {
	for _, kv := range f {
		if kv[0] == name {
			return kv[1]
		}
	}
	return "<absent>"
}

// fieldNames lists the names in order; without stats, the
// cluster_stats_messages_* lines are left out.
func fieldNames(f fields, stats bool) string {
	var names []string
	for _, kv := range f {
		if !stats && strings.HasPrefix(kv[0], "cluster_stats_messages_") {
			continue
		}
		names = append(names, kv[0])
	}
	return strings.Join(names, " ")
}

func sortedValues(m map[string]string) string {
	var vs []string
	for _, v := range m {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	return strings.Join(vs, " ")
}

// ownerRange returns the "a-b" range among the master labels holding slot.
func ownerRange(labels []string, slot slots.Slot) string {
	for _, lb := range labels {
		r, ok := strings.CutPrefix(lb, "master[")
		if !ok {
			continue
		}
		r = strings.TrimSuffix(r, "]")
		a, b, _ := strings.Cut(r, "-")
		lo, _ := strconv.Atoi(a)
		hi, _ := strconv.Atoi(b)
		if int(slot) >= lo && int(slot) <= hi {
			return r
		}
	}
	return ""
}

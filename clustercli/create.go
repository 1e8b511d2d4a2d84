package clustercli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"
)

// createNode is one node given to create on the command line.
type createNode struct {
	host string
	port int
	addr string // host:port as given
	conn *Conn
	info NodeInfo // the node's own CLUSTER NODES line
}

// command is one run of the tool: its configuration and streams.
type command struct {
	cfg    *Config
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// answers reads stdin line by line; one reader serves every prompt so
	// that no answer is lost in a discarded buffer.
	answers *bufio.Reader
}

func (c *command) printf(format string, args ...any) { fmt.Fprintf(c.stdout, format, args...) }

func (c *command) eprintf(format string, args ...any) { fmt.Fprintf(c.stderr, format, args...) }

// splitHostPort parses a command-line address like redis-cli: an optional
// "@cport" suffix is dropped and the port follows the last ':'.
func splitHostPort(addr string) (string, int, bool) {
	a, _, _ := strings.Cut(addr, "@")
	i := strings.LastIndexByte(a, ':')
	if i < 0 {
		return "", 0, false
	}
	port, err := parsePort(a[i+1:])
	if err != nil || port == 0 {
		return "", 0, false
	}
	host := strings.TrimSuffix(strings.TrimPrefix(a[:i], "["), "]")
	if host == "" {
		return "", 0, false
	}
	return host, port, true
}

// dialWithRetry dials host:port until it accepts or cfg.ReachTimeout has passed,
// so that create can start together with the nodes. An AUTH failure is not
// retried.
func (c *command) dialWithRetry(host string, port int) (*Conn, error) {
	deadline := time.Now().Add(c.cfg.ReachTimeout)
	waiting := false
	for {
		conn, err := Dial(host, port, c.cfg)
		if err == nil || IsReplyError(err) || !time.Now().Before(deadline) {
			return conn, err
		}
		if !waiting {
			c.printf("Waiting for %s to accept connections...\n", joinHostPort(host, port))
			waiting = true
		}
		time.Sleep(c.cfg.PollInterval)
	}
}

// runCreate mirrors clusterManagerCommandCreate. It returns the exit status.
func (c *command) runCreate(addrs []string) int {
	nodes := make([]*createNode, 0, len(addrs))
	defer func() {
		for _, n := range nodes {
			n.conn.Close()
		}
	}()
	for _, a := range addrs {
		host, port, ok := splitHostPort(a)
		if !ok {
			c.eprintf("Invalid address format: %s\n", a)
			return 1
		}
		n := &createNode{host: host, port: port, addr: joinHostPort(host, port)}
		conn, err := c.dialWithRetry(host, port)
		if err != nil {
			c.eprintf("Could not connect to Redis at %s: %v\n", n.addr, err)
			return 1
		}
		n.conn = conn
		nodes = append(nodes, n)
		isCluster, err := IsClusterNode(conn)
		if err != nil {
			c.printf("Node %s replied with error:\n%s\n", n.addr, err)
			return 1
		}
		if !isCluster {
			c.printf("[ERR] Node %s is not configured as a cluster node.\n", n.addr)
			return 1
		}
		if n.info, _, err = LoadNodeInfo(conn); err != nil {
			c.printf("Node %s replied with error:\n%s\n", n.addr, err)
			return 1
		}
	}
	if code, stop := c.checkEmpty(nodes); stop {
		return code
	}
	mastersCount := MastersCount(len(nodes), c.cfg.Replicas)
	if mastersCount < 3 {
		c.printf("*** ERROR: Invalid configuration for cluster creation.\n"+
			"*** Redis Cluster requires at least 3 master nodes.\n"+
			"*** This is not possible with %d nodes and %d replicas per node.\n"+
			"*** At least %d nodes are required.\n", len(nodes), c.cfg.Replicas, 3*(c.cfg.Replicas+1))
		return 1
	}
	c.printf(">>> Performing hash slots allocation on %d nodes...\n", len(nodes))
	planNodes := make([]PlanNode, len(nodes))
	for i, n := range nodes {
		planNodes[i] = PlanNode{Host: n.host, Port: n.port, ID: n.info.ID}
	}
	seed := c.cfg.Seed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	plan, err := Allocate(planNodes, c.cfg.Replicas, rand.New(rand.NewPCG(uint64(seed), uint64(seed))))
	if err != nil {
		c.printf("[ERR] %v\n", err)
		return 1
	}
	for _, l := range plan.Log {
		c.printf("%s\n", l)
	}
	slotsOf := map[int]MasterSlots{}
	for _, ms := range plan.Masters {
		slotsOf[ms.Node] = ms
	}
	for i, n := range nodes {
		if m := plan.MasterOf[i]; m >= 0 {
			c.printf("S: %s %s\n   replicates %s\n", n.info.ID, n.addr, nodes[m].info.ID)
			continue
		}
		ms := slotsOf[i]
		c.printf("M: %s %s\n   slots:%s (%d slots) master\n", n.info.ID, n.addr,
			SlotsString([]SlotRange{{Start: ms.First, End: ms.Last}}), ms.Last-ms.First+1)
	}
	if !c.confirm("Can I set the above configuration?") {
		return 0
	}

	for i, n := range nodes {
		ms, isMaster := slotsOf[i]
		if !isMaster {
			continue
		}
		if _, err := n.conn.Do("CLUSTER", "ADDSLOTSRANGE", strconv.Itoa(ms.First), strconv.Itoa(ms.Last)); err != nil {
			c.printf("Node %s replied with error:\n%s\n", n.addr, err)
			return 1
		}
	}
	c.printf(">>> Nodes configuration updated\n")
	c.printf(">>> Assign a different config epoch to each node\n")
	for i, n := range nodes {
		// redis-cli ignores error replies here: a node that already has an
		// epoch keeps it, and the cluster resolves collisions itself.
		if _, err := n.conn.Do("CLUSTER", "SET-CONFIG-EPOCH", strconv.Itoa(i+1)); err != nil && !IsReplyError(err) {
			c.printf("Node %s replied with error:\n%s\n", n.addr, err)
			return 1
		}
	}
	c.printf(">>> Sending CLUSTER MEET messages to join the cluster\n")
	first := nodes[0]
	// CLUSTER MEET needs an IP, so a hostname is resolved here, on the
	// client side, as redis-cli does.
	firstIP, err := resolveIP(first.host)
	if err != nil {
		c.eprintf("Invalid IP address or hostname specified: %s\n", first.host)
		return 1
	}
	meet := []string{"CLUSTER", "MEET", firstIP, strconv.Itoa(first.port)}
	if bp := first.info.BusPort; bp != 0 && bp != first.port+10000 {
		meet = append(meet, strconv.Itoa(bp))
	}
	for _, n := range nodes[1:] {
		if _, err := n.conn.Do(meet...); err != nil {
			if IsReplyError(err) {
				c.printf("Node %s replied with error:\n%s\n", n.addr, err)
			} else {
				c.eprintf("Failed to send CLUSTER MEET command.\n")
			}
			return 1
		}
	}
	if !c.waitForClusterJoin(nodes) {
		return 1
	}
	for i, n := range nodes {
		m := plan.MasterOf[i]
		if m < 0 {
			continue
		}
		if _, err := n.conn.Do("CLUSTER", "REPLICATE", nodes[m].info.ID); err != nil {
			c.printf("Node %s replied with error:\n%s\n", n.addr, err)
			return 1
		}
	}
	if !c.waitForReplicas(nodes, plan.MasterOf) {
		return 1
	}
	return c.finalCheck(nodes)
}

// waitForReplicas polls until every replica's own CLUSTER NODES line says
// it replicates its master. Redis switches the role before CLUSTER
// REPLICATE replies, so this returns at once there; a node that applies the
// change after replying is given JoinTimeout, so the final check sees the
// roles create set.
func (c *command) waitForReplicas(nodes []*createNode, masterOf []int) bool {
	deadline := time.Now().Add(c.cfg.JoinTimeout)
	for i := 0; i < len(nodes); {
		m := masterOf[i]
		if m < 0 {
			i++
			continue
		}
		me, _, err := LoadNodeInfo(nodes[i].conn)
		if err != nil {
			c.printf("Node %s replied with error:\n%s\n", nodes[i].addr, err)
			return false
		}
		if me.IsReplica() && me.MasterID == nodes[m].info.ID {
			i++
			continue
		}
		if !time.Now().Before(deadline) {
			c.printf("[ERR] Node %s did not become a replica of %s within %v.\n", nodes[i].addr, nodes[m].info.ID, c.cfg.JoinTimeout)
			return false
		}
		time.Sleep(c.cfg.PollInterval)
	}
	return true
}

// checkEmpty applies clusterManagerNodeIsEmpty to every node: no key in
// db0 and no other known node. When a node is not empty but all the given
// nodes already form one fully covered cluster, create has nothing to do and
// succeeds, which makes it safe to re-run (a compose init service). stop
// tells whether create ends here, with status code.
func (c *command) checkEmpty(nodes []*createNode) (code int, stop bool) {
	var notEmpty *createNode
	byID := map[string]*createNode{}
	for _, n := range nodes {
		if prev, dup := byID[n.info.ID]; dup {
			c.printf("[ERR] Node %s and node %s are the same node (%s).\n", prev.addr, n.addr, n.info.ID)
			return 1, true
		}
		byID[n.info.ID] = n
		if notEmpty != nil {
			continue
		}
		info, err := n.conn.DoString("INFO", "keyspace")
		if err != nil {
			c.printf("Node %s replied with error:\n%s\n", n.addr, err)
			return 1, true
		}
		if strings.Contains(info, "db0:") {
			notEmpty = n
			continue
		}
		cinfo, err := n.conn.DoString("CLUSTER", "INFO")
		if err != nil {
			c.printf("Node %s replied with error:\n%s\n", n.addr, err)
			return 1, true
		}
		if known, _ := InfoField(cinfo, "cluster_known_nodes"); known != "1" {
			notEmpty = n
		}
	}
	if notEmpty == nil {
		return 0, false
	}
	// Nodes that all know each other are taken to be one cluster that may
	// still be converging (its nodes just restarted): its agreement and
	// coverage are polled for up to ReachTimeout before giving up.
	deadline := time.Now().Add(c.cfg.ReachTimeout)
	for {
		formed, sameCluster := c.alreadyFormed(nodes)
		if formed {
			c.printf("[OK] The %d nodes already form one cluster with all %d slots covered: nothing to do.\n", len(nodes), SlotCount)
			return 0, true
		}
		if !sameCluster || !time.Now().Before(deadline) {
			break
		}
		time.Sleep(c.cfg.PollInterval)
	}
	c.printf("[ERR] Node %s is not empty. Either the node already knows other nodes (check with CLUSTER NODES) or contains some key in database 0.\n", notEmpty.addr)
	return 1, true
}

// alreadyFormed reports whether every given node knows all the others, all
// agree about the slots, no slot is open and the given nodes together serve
// all slots. sameCluster reports the first condition alone.
func (c *command) alreadyFormed(nodes []*createNode) (formed, sameCluster bool) {
	covered := make([]bool, SlotCount)
	signature := ""
	formed = true
	for i, n := range nodes {
		text, err := n.conn.DoString("CLUSTER", "NODES")
		if err != nil {
			return false, false
		}
		known, err := ParseNodes(text)
		if err != nil || !knowsAll(known, nodes) {
			return false, false
		}
		sig := ConfigSignature(text)
		if sig == "" || (i > 0 && sig != signature) {
			formed = false
		}
		signature = sig
		me, _ := Myself(known)
		if len(me.Migrating) > 0 || len(me.Importing) > 0 {
			formed = false
		}
		for _, r := range me.Slots {
			for s := r.Start; s <= r.End; s++ {
				covered[s] = true
			}
		}
	}
	for _, ok := range covered {
		formed = formed && ok
	}
	return formed, true
}

// knowsAll reports whether the CLUSTER NODES lines known list every node of
// nodes as a fully joined member (not in handshake, with an address).
func knowsAll(known []NodeInfo, nodes []*createNode) bool {
	joined := map[string]bool{}
	for i := range known {
		if !known[i].HasFlag("handshake") && !known[i].HasFlag("noaddr") {
			joined[known[i].ID] = true
		}
	}
	for _, n := range nodes {
		if !joined[n.info.ID] {
			return false
		}
	}
	return true
}

// confirm asks like redis-cli's confirmWithYes unless --cluster-yes was
// given. As there, the first three bytes of the answer must be "yes".
func (c *command) confirm(msg string) bool {
	if c.cfg.Yes {
		return true
	}
	c.printf("%s (type 'yes' to accept): ", msg)
	line, _ := c.answerReader().ReadString('\n')
	return strings.HasPrefix(line, "yes")
}

func (c *command) answerReader() *bufio.Reader {
	if c.answers == nil {
		c.answers = bufio.NewReader(c.stdin)
	}
	return c.answers
}

// resolveIP returns an IP for host, preferring IPv4.
func resolveIP(host string) (string, error) {
	if ip := net.ParseIP(host); ip != nil {
		return ip.String(), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return "", err
	}
	for _, ip := range ips {
		if ip.IP.To4() != nil {
			return ip.IP.String(), nil
		}
	}
	if len(ips) == 0 {
		return "", errors.New("no address")
	}
	return ips[0].IP.String(), nil
}

// waitForClusterJoin polls every node's CLUSTER NODES until each knows all
// the others and all agree about the slots (clusterManagerWaitForClusterJoin
// checks the agreement only; knowing every node is what CLUSTER REPLICATE
// needs next).
func (c *command) waitForClusterJoin(nodes []*createNode) bool {
	c.printf("Waiting for the cluster to join\n")
	deadline := time.Now().Add(c.cfg.JoinTimeout)
	for {
		joined, err := c.joined(nodes)
		if err != nil {
			c.printf("\n%v\n", err)
			return false
		}
		if joined {
			c.printf("\n")
			return true
		}
		if !time.Now().Before(deadline) {
			c.printf("\n[ERR] The nodes did not agree about the configuration within %v.\n", c.cfg.JoinTimeout)
			c.printf("Cluster bus ports must be reachable by every node.\nRemember that cluster bus ports are different from standard instance ports.\n")
			return false
		}
		c.printf(".")
		time.Sleep(c.cfg.PollInterval)
	}
}

func (c *command) joined(nodes []*createNode) (bool, error) {
	signature := ""
	for i, n := range nodes {
		text, err := n.conn.DoString("CLUSTER", "NODES")
		if err != nil {
			return false, fmt.Errorf("Node %s replied with error:\n%s", n.addr, err)
		}
		known, err := ParseNodes(text)
		if err != nil {
			return false, fmt.Errorf("Node %s replied with error:\n%s", n.addr, err)
		}
		sig := ConfigSignature(text)
		if !knowsAll(known, nodes) || sig == "" || (i > 0 && sig != signature) {
			return false, nil
		}
		signature = sig
	}
	return true, nil
}

// finalCheck reloads the cluster from the first node, reusing the open
// connections to the others, and checks it, as redis-cli does at the end of
// create. The connections pass to the manager.
func (c *command) finalCheck(nodes []*createNode) int {
	open := map[string]*Conn{}
	for _, n := range nodes[1:] {
		open[n.info.ID] = n.conn
	}
	m := NewClusterManager(c.cfg, c.stdout)
	defer m.Close()
	loaded := m.LoadFromNode(nodes[0].conn, open)
	for _, n := range nodes {
		n.conn = nil
	}
	for _, conn := range open {
		conn.Close()
	}
	if !loaded || !m.CheckCluster(false) {
		return 1
	}
	return 0
}

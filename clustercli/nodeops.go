package clustercli

import (
	"strconv"
	"strings"
	"time"
)

// NodeWithLeastReplicas returns the master with the fewest replicas, the
// first of them in load order (clusterManagerNodeWithLeastReplicas).
func (m *ClusterManager) NodeWithLeastReplicas() *ClusterNode {
	var best *ClusterNode
	for _, n := range m.Nodes {
		if n.Info.IsReplica() {
			continue
		}
		if best == nil || n.ReplicasCount < best.ReplicasCount {
			best = n
		}
	}
	return best
}

// WaitForClusterJoin polls until every loaded node agrees about the slots
// (clusterManagerWaitForClusterJoin), for at most JoinTimeout.
func (m *ClusterManager) WaitForClusterJoin() bool {
	m.printf("Waiting for the cluster to join\n")
	deadline := time.Now().Add(m.cfg.JoinTimeout)
	for {
		ok, err := m.IsConfigConsistent()
		if err != nil {
			m.printf("\n%v\n", err)
			return false
		}
		if ok {
			m.printf("\n")
			return true
		}
		if !time.Now().Before(deadline) {
			m.printf("\n[ERR] The nodes did not agree about the configuration within %v.\n", m.cfg.JoinTimeout)
			return false
		}
		m.printf(".")
		time.Sleep(m.cfg.PollInterval)
	}
}

// isEmptyNode reports whether a node holds no key in db0 and knows no other
// node (clusterManagerNodeIsEmpty).
func isEmptyNode(c *Conn) (bool, error) {
	info, err := c.DoString("INFO", "keyspace")
	if err != nil {
		return false, err
	}
	if strings.Contains(info, "db0:") {
		return false, nil
	}
	cinfo, err := c.DoString("CLUSTER", "INFO")
	if err != nil {
		return false, err
	}
	known, _ := InfoField(cinfo, "cluster_known_nodes")
	return known == "1", nil
}

// AddNode joins the node at newAddr to the loaded cluster with CLUSTER
// MEET, and makes it a replica when --cluster-slave was given
// (clusterManagerCommandAddNode).
func (m *ClusterManager) AddNode(newAddr string) error {
	if !m.CheckCluster(false) {
		return ErrAborted
	}
	var master *ClusterNode
	if m.cfg.Replica {
		if m.cfg.MasterID != "" {
			if master = m.NodeByID(m.cfg.MasterID); master == nil {
				m.printf("[ERR] No such master ID %s\n", m.cfg.MasterID)
				return ErrAborted
			}
		} else {
			master = m.NodeWithLeastReplicas()
			m.printf("Automatically selected master %s\n", master.Addr)
		}
	}
	host, port, _ := splitHostPort(newAddr)
	conn, err := Dial(host, port, m.cfg)
	if err != nil {
		m.printf("[ERR] Sorry, can't connect to node %s\n", joinHostPort(host, port))
		return err
	}
	isCluster, err := IsClusterNode(conn)
	if err == nil && !isCluster {
		m.printf("[ERR] Node %s is not configured as a cluster node.\n", conn.Addr())
		err = ErrAborted
	}
	var me NodeInfo
	if err == nil {
		me, _, err = LoadNodeInfo(conn)
	}
	var empty bool
	if err == nil {
		if empty, err = isEmptyNode(conn); err == nil && !empty {
			m.printf("[ERR] Node %s is not empty. Either the node already knows other nodes (check with CLUSTER NODES) or contains some key in database 0.\n", conn.Addr())
			err = ErrAborted
		}
	}
	if err != nil {
		if IsReplyError(err) {
			m.printf("Node %s replied with error:\n%s\n", conn.Addr(), err)
		}
		conn.Close()
		return err
	}
	first := m.Nodes[0]
	added := &ClusterNode{Info: me, Addr: conn.Addr(), Conn: conn}
	m.Nodes = append(m.Nodes, added)

	m.printf(">>> Send CLUSTER MEET to node %s to make it join the cluster.\n", added.Addr)
	firstHost, firstPort, _ := splitHostPort(first.Addr)
	ip, err := resolveIP(firstHost)
	if err != nil {
		m.printf("Invalid IP address or hostname specified: %s\n", firstHost)
		return err
	}
	meet := []string{"CLUSTER", "MEET", ip, strconv.Itoa(firstPort)}
	if bp := first.Info.BusPort; bp != 0 && bp != firstPort+10000 {
		meet = append(meet, strconv.Itoa(bp))
	}
	if err := m.call(added, meet...); err != nil {
		return err
	}
	if master != nil {
		if !m.WaitForClusterJoin() {
			return ErrAborted
		}
		m.printf(">>> Configure node as replica of %s.\n", master.Addr)
		if err := m.call(added, "CLUSTER", "REPLICATE", master.Info.ID); err != nil {
			return err
		}
	}
	m.printf("[OK] New node added correctly.\n")
	return nil
}

// runAddNode mirrors clusterManagerCommandAddNode.
func (c *command) runAddNode(newAddr, existing string) int {
	if _, _, ok := splitHostPort(newAddr); !ok {
		c.eprintf("[ERR] Invalid arguments: you need to pass either a valid address (ie. 120.0.0.1:7000) or space separated IP and port (ie. 120.0.0.1 7000)\n")
		return 1
	}
	c.printf(">>> Adding node %s to cluster %s\n", newAddr, existing)
	m, ok := c.loadCluster(existing)
	if !ok {
		return 1
	}
	defer m.Close()
	return exitCode(m.AddNode(newAddr))
}

// DeleteNode removes the node with the given ID from the cluster: its
// replicas move to the master with the fewest replicas, every other node
// forgets it, and it is reset (clusterManagerCommandDeleteNode, Redis 7.0).
func (m *ClusterManager) DeleteNode(id string) error {
	node := m.NodeByID(id)
	if node == nil {
		m.printf("[ERR] No such node ID %s\n", id)
		return ErrAborted
	}
	if node.Info.SlotsCount() != 0 {
		m.printf("[ERR] Node %s is not empty! Reshard data away and try again.\n", node.Addr)
		return ErrAborted
	}
	m.printf(">>> Sending CLUSTER FORGET messages to the cluster...\n")
	for _, n := range m.Nodes {
		if n == node {
			continue
		}
		if strings.EqualFold(n.Info.MasterID, id) {
			master := m.NodeWithLeastReplicas()
			m.printf(">>> %s as replica of %s\n", n.Addr, master.Addr)
			if err := m.call(n, "CLUSTER", "REPLICATE", master.Info.ID); err != nil {
				return err
			}
		}
		if err := m.call(n, "CLUSTER", "FORGET", id); err != nil {
			return err
		}
	}
	m.printf(">>> Sending CLUSTER RESET SOFT to the deleted node.\n")
	return m.call(node, "CLUSTER", "RESET", "SOFT")
}

// runDelNode mirrors clusterManagerCommandDeleteNode.
func (c *command) runDelNode(addr, id string) int {
	c.printf(">>> Removing node %s from cluster %s\n", id, addr)
	m, ok := c.loadCluster(addr)
	if !ok {
		return 1
	}
	defer m.Close()
	return exitCode(m.DeleteNode(id))
}

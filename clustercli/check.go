package clustercli

// runCheck mirrors clusterManagerCommandCheck. The first address is the
// seed whose view is checked; further addresses are other nodes of the same
// cluster to reach through the given address instead of the announced one.
func (c *command) runCheck(addrs []string) int {
	var seed *Conn
	open := map[string]*Conn{}
	defer func() {
		seed.Close()
		for _, conn := range open {
			conn.Close()
		}
	}()
	for i, a := range addrs {
		host, port, ok := splitHostPort(a)
		if !ok {
			c.eprintf("Invalid address format: %s\n", a)
			return 1
		}
		conn, err := Dial(host, port, c.cfg)
		if err != nil {
			c.eprintf("Could not connect to Redis at %s: %v\n", joinHostPort(host, port), err)
			return 1
		}
		if i == 0 {
			seed = conn
			continue
		}
		id, err := conn.DoString("CLUSTER", "MYID")
		if err != nil {
			c.printf("Node %s replied with error:\n%s\n", conn.Addr(), err)
			conn.Close()
			return 1
		}
		if prev, dup := open[id]; dup {
			prev.Close()
		}
		open[id] = conn
	}
	m := NewClusterManager(c.cfg, c.stdout)
	m.Confirm = c.confirm
	defer m.Close()
	loaded := m.LoadFromNode(seed, open)
	seed = nil // the manager owns it now
	if !loaded {
		return 1
	}
	ok := m.ShowClusterInfo()
	ok = m.CheckCluster(false) && ok
	for id, conn := range open {
		if id == m.Nodes[0].Info.ID {
			continue // the seed, given twice
		}
		c.printf("[ERR] Node %s (%s) is not known to node %s.\n", conn.Addr(), id, m.Nodes[0].Addr)
		ok = false
	}
	if !ok {
		return 1
	}
	return 0
}

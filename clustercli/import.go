package clustercli

import (
	"strconv"

	"github.com/slotd/slotd/slots"
)

// Import moves (or with --cluster-copy, copies) every key of db0 of the
// standalone node at --cluster-from into the loaded cluster, one MIGRATE per
// key to the master serving its slot (clusterManagerCommandImport).
func (m *ClusterManager) Import() error {
	if !m.CheckCluster(false) {
		return ErrAborted
	}
	host, port, ok := splitHostPort(m.cfg.From)
	if !ok {
		m.printf("[ERR] Invalid --cluster-from host. You need to pass a valid address (ie. 120.0.0.1:7000).\n")
		return ErrAborted
	}
	srcCfg := *m.cfg
	srcCfg.User, srcCfg.Password = m.cfg.FromUser, m.cfg.FromPass
	src, err := Dial(host, port, &srcCfg)
	if err != nil {
		m.printf("Could not connect to Redis at %s: %v.\n", joinHostPort(host, port), err)
		return err
	}
	defer src.Close()
	srcErr := func(err error) error {
		m.printf("Source %s replied with error:\n%s\n", src.Addr(), err)
		return err
	}
	isCluster, err := IsClusterNode(src)
	if err != nil {
		return srcErr(err)
	}
	if isCluster {
		m.printf("[ERR] The source node should not be a cluster node.\n")
		return ErrAborted
	}
	size, err := src.DoInt("DBSIZE")
	if err != nil {
		return srcErr(err)
	}
	m.printf("*** Importing %d keys from DB 0\n", size)

	var owner [SlotCount]*ClusterNode
	for _, n := range m.masters() {
		for _, s := range slotList(n.Info.Slots) {
			if owner[s] == nil {
				owner[s] = n
			}
		}
	}
	var opts []string
	opts = append(opts, m.migrateAuth()...)
	if m.cfg.Copy {
		opts = append(opts, "COPY")
	}
	if m.cfg.Replace {
		opts = append(opts, "REPLACE")
	}
	timeout := strconv.Itoa(m.cfg.Timeout)
	cursor := "0"
	for {
		v, err := src.Do("SCAN", cursor, "COUNT", "1000")
		if err != nil {
			return srcErr(err)
		}
		if v.Type != '*' || len(v.Elems) < 2 {
			return srcErr(ErrUnexpectedReply)
		}
		cursor = string(v.Elems[0].Str)
		for _, k := range v.Elems[1].Elems {
			key := string(k.Str)
			target := owner[slots.KeySlotString(key)]
			if target == nil {
				m.printf("[ERR] No node serves the slot of key %s\n", key)
				return ErrAborted
			}
			m.printf("Migrating %s to %s: ", key, target.Addr)
			args := append([]string{"MIGRATE", target.Info.IP, strconv.Itoa(target.Info.Port), key, "0", timeout}, opts...)
			if _, err := src.Do(args...); err != nil {
				return srcErr(err)
			}
			m.printf("OK\n")
		}
		if cursor == "0" {
			return nil
		}
	}
}

// runImport mirrors clusterManagerCommandImport.
func (c *command) runImport(addr string) int {
	if c.cfg.From == "" {
		c.eprintf("[ERR] Option '--cluster-from' is required for subcommand 'import'.\n")
		return 1
	}
	c.printf(">>> Importing data from %s to cluster %s\n", c.cfg.From, addr)
	m, ok := c.loadCluster(addr)
	if !ok {
		return 1
	}
	defer m.Close()
	return exitCode(m.Import())
}

package node

import (
	"strconv"

	"github.com/slotd/slotd/slots"
)

// routeReject decides, in cluster mode, whether the command (or, for EXEC,
// the whole transaction) is served here. It returns the redirect or error
// to answer instead, or "". This is the redirection step of processCommand
// with getNodeByQuery's rules (slots.Route).
//
// With locked set, the caller holds the slot locks of every key, and the
// check of which keys exist is atomic with the command that follows.
func (s *Server) routeReject(c *client, cmd *command, argv [][]byte, locked bool) string {
	cl := s.cluster
	isExec := cmd.name == "exec"
	if cl == nil || len(cmd.specs) == 0 && !isExec || isExec && c.multi == nil {
		return ""
	}
	v := cl.view.Load()
	cfg := s.config()
	req := slots.Request{
		Asking:   c.asking || cmd.flags&flagAsking != 0,
		ReadOnly: c.readonly,
		Migrate:  cmd.name == "migrate",
	}
	keys := c.routeKeys[:0]
	add := func(q *command, qargv [][]byte) {
		c.keyIdx = q.keyIndexes(qargv, c.keyIdx[:0])
		for _, i := range c.keyIdx {
			keys = append(keys, qargv[i])
		}
		if q.flags&flagWrite != 0 {
			req.Write = true
		}
		switch q.name {
		case "ssubscribe", "sunsubscribe", "spublish":
			req.ShardPubSub = true
		}
	}
	if isExec {
		for _, q := range c.multi.cmds {
			add(q.cmd, q.argv)
		}
	} else {
		add(cmd, argv)
	}
	c.routeKeys = keys[:0]
	if len(keys) == 0 {
		return ""
	}
	req.Keys = keys
	c.routeLocked = locked
	if c.routeExists == nil {
		// Made once per client, so routing allocates nothing.
		c.routeExists = func(k []byte) bool {
			if !c.routeLocked {
				slot := slots.KeySlot(k)
				s.store.Lock(slot)
				defer s.store.Unlock(slot)
			}
			return s.store.DB(0).Exists(string(k), s.now())
		}
	}
	req.Exists = c.routeExists
	d := slots.Route(v.table, slots.State{
		Self: v.self, MasterOfSelf: v.myselfMaster, OK: v.ok,
		AllowReadsWhenDown:       cfg.ClusterAllowReadsWhenDown,
		AllowPubSubShardWhenDown: cfg.ClusterAllowPubsubshardWhenDown,
	}, req)
	switch d.Redirect {
	case slots.Moved, slots.Ask:
		word := "MOVED "
		if d.Redirect == slots.Ask {
			word = "ASK "
		}
		n := v.nodes[d.Node]
		return word + strconv.Itoa(int(d.Slot)) + " " + redirectHost(cfg, v, n) + ":" + strconv.Itoa(n.port)
	case slots.CrossSlot:
		return "CROSSSLOT Keys in request don't hash to the same slot"
	case slots.TryAgain:
		return "TRYAGAIN Multiple keys request during rehashing of slot"
	case slots.DownUnbound:
		return "CLUSTERDOWN Hash slot not served"
	case slots.DownState:
		return "CLUSTERDOWN The cluster is down"
	case slots.DownReadOnlyState:
		return "CLUSTERDOWN The cluster is down and only accepts read commands"
	}
	return ""
}

// recheckOpenSlots repeats the routing decision once the command holds its
// slot locks, when one of those slots is migrating or importing: a MIGRATE
// may have moved a key between the first check and the lock, and a command
// must not run against a key that is no longer here (it would answer
// wrongly or recreate the key on the source).
func (s *Server) recheckOpenSlots(c *client, cmd *command, argv [][]byte, held []slots.Slot) string {
	v := s.cluster.view.Load()
	if !v.anyOpen || cmd.name == "exec" {
		return ""
	}
	for _, sl := range held {
		if v.table.Migrating[sl] != slots.NoNode || v.table.Importing[sl] != slots.NoNode {
			return s.routeReject(c, cmd, argv, true)
		}
	}
	return ""
}

// redirectHost is the host part of MOVED and ASK: getPreferredEndpoint,
// which is empty for unknown-endpoint so clients reuse the host they know.
func redirectHost(cfg *Config, v *clusterView, n *clusterNode) string {
	return preferredEndpoint(cfg, v, n, "")
}

// preferredEndpoint follows cluster-preferred-endpoint-type: the client
// address, the hostname ("?" when it has none), or unknown for
// unknown-endpoint.
func preferredEndpoint(cfg *Config, v *clusterView, n *clusterNode, unknown string) string {
	switch cfg.ClusterPreferredEndpointType {
	case "hostname":
		if n.hostname != "" {
			return n.hostname
		}
		return "?"
	case "unknown-endpoint":
		return unknown
	}
	return v.clientIP(n)
}

package node

import (
	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/replication"
	"github.com/slotd/slotd/slots"
)

// multiState is a client's open MULTI: the queued commands, and whether a
// queue-time error condemned it (EXECABORT).
type multiState struct {
	cmds  []*queued
	dirty bool
}

// queued is one command waiting for EXEC, with its arguments copied out of
// the read buffer.
type queued struct {
	cmd  *command
	argv [][]byte
}

func (m *multiState) queue(cmd *command, argv [][]byte) {
	cp := make([][]byte, len(argv))
	for i, a := range argv {
		cp[i] = append([]byte(nil), a...)
	}
	m.cmds = append(m.cmds, &queued{cmd: cmd, argv: cp})
}

// execState tracks propagation during EXEC, so the records of a transaction
// are wrapped in MULTI/EXEC only when it wrote something.
type execState struct {
	db      int
	wrapped bool
}

func transactionCommands() []cmdDef {
	return []cmdDef{
		{name: "multi", handler: cmdMulti},
		{name: "exec", handler: cmdExec, lock: lockWalk},
		{name: "discard", handler: cmdDiscard},
		{name: "watch", handler: cmdWatch},
		{name: "unwatch", handler: cmdUnwatch},
	}
}

func cmdMulti(x *ctx) {
	if x.c.multi != nil {
		x.err(errNestedMulti)
		return
	}
	x.c.multi = &multiState{}
	x.w.ok()
}

func cmdDiscard(x *ctx) {
	if x.c.multi == nil {
		x.err(errDiscardNoMult)
		return
	}
	x.c.multi = nil
	x.s.unwatchAll(x.c)
	x.w.ok()
}

// cmdExec is execCommand of multi.c.
func cmdExec(x *ctx) {
	c, s := x.c, x.s
	m := c.multi
	if m == nil {
		x.err(errExecNoMulti)
		return
	}
	// Like Redis, the client stays in MULTI state while its queue runs, so
	// CLIENT INFO inside the transaction shows it.
	defer func() { c.multi = nil }()
	if m.dirty {
		s.unwatchAll(c)
		x.err(errExecAbort)
		return
	}
	// Lock the slots of the queued keys and of the watched keys before the
	// WATCH check, so no write can land between the check and the queue.
	whole := false
	for _, q := range m.cmds {
		if q.cmd.lock != lockKeys {
			whole = true
		}
	}
	var held []slots.Slot
	if whole {
		s.store.LockAll()
	} else {
		held = s.lockKeys(c, append(m.cmds, c.watchedAsQueued()...))
	}
	unlock := func() {
		if whole {
			s.store.UnlockAll()
		}
		for i := len(held) - 1; i >= 0; i-- {
			s.store.Unlock(held[i])
		}
	}
	if s.watchFailedLocked(c, x.now) {
		unlock()
		s.unwatchAll(c)
		x.w.nullArray()
		return
	}
	es := &execState{}
	x.w.array(len(m.cmds))
	for _, q := range m.cmds {
		sub := ctx{s: s, c: c, cmd: q.cmd, argv: q.argv, db: c.db(), w: x.w, now: x.now, allLocked: whole, exec: es}
		start := s.sinceStart()
		q.cmd.handler(&sub)
		s.record(c, q.cmd, q.argv, x.now, s.sinceStart()-start, sub.failed)
	}
	if es.wrapped {
		s.propagate(replication.Record{DB: es.db, Argv: [][]byte{[]byte("EXEC")}})
	}
	unlock()
	s.unwatchAll(c)
}

func cmdWatch(x *ctx) {
	if x.c.multi != nil {
		x.err(errWatchInMulti)
		return
	}
	c := x.c
	for _, a := range x.argv[1:] {
		key := string(a)
		dup := false
		for _, w := range c.watches {
			if w.DB == x.db.ID() && w.Key == key {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		w := &store.Watch{DB: x.db.ID(), Key: key, Dirty: &c.watchDirty}
		x.db.AddWatch(w, x.now)
		c.watches = append(c.watches, w)
	}
	x.w.ok()
}

func cmdUnwatch(x *ctx) {
	x.s.unwatchAll(x.c)
	x.w.ok()
}

// watchedAsQueued presents the watched keys as GET commands, so lockKeys
// can lock their slots together with the transaction's own.
func (c *client) watchedAsQueued() []*queued {
	if len(c.watches) == 0 {
		return nil
	}
	get := c.s.table.cmds["get"]
	out := make([]*queued, len(c.watches))
	for i, w := range c.watches {
		out[i] = &queued{cmd: get, argv: [][]byte{nil, []byte(w.Key)}}
	}
	return out
}

// watchFailedLocked reports whether a watched key changed or expired since
// WATCH. The slots of the watched keys must be locked.
func (s *Server) watchFailedLocked(c *client, now int64) bool {
	if c.watchDirty.Load() {
		return true
	}
	for _, w := range c.watches {
		if s.store.DB(w.DB).WatchExpired(w, now) {
			return true
		}
	}
	return false
}

// unwatchAll drops every WATCH of the client (unwatchAllKeys).
func (s *Server) unwatchAll(c *client) {
	for _, w := range c.watches {
		sl := slots.KeySlotString(w.Key)
		s.store.Lock(sl)
		s.store.DB(w.DB).RemoveWatch(w)
		s.store.Unlock(sl)
	}
	c.watches = nil
	c.watchDirty.Store(false)
}

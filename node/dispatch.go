package node

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/slotd/slotd/slots"
)

// call runs one request through the checks of processCommand in Redis's
// server.c, in its order: lookup, arity, authentication, pub/sub context,
// transaction queueing; then the command itself.
func (s *Server) call(c *client, argv [][]byte) {
	mark := len(c.w.b)
	defer s.applyReplyMode(c, mark)
	cmd, lower := s.table.lookup(argv, c.scratch)
	c.scratch = lower
	if s.cluster != nil {
		defer c.resetAsking(cmd)
	}
	if rej := s.reject(c, cmd, argv); rej != "" {
		s.stats.errorReplies.Add(1)
		if cmd != nil {
			cmd.stats.rejected.Add(1)
		}
		if c.multi != nil {
			c.multi.dirty = true
		}
		if cmd != nil && cmd.name == "exec" {
			// execCommandAbort: a refused EXEC discards the transaction.
			c.multi = nil
			s.unwatchAll(c)
			rej = "EXECABORT Transaction discarded because of: " + strings.TrimPrefix(rej, "ERR ")
		}
		s.errors.count(rej)
		c.w.err(rej)
		return
	}
	if s.cluster != nil {
		if rej := s.routeReject(c, cmd, argv, false); rej != "" {
			s.stats.errorReplies.Add(1)
			cmd.stats.rejected.Add(1)
			if cmd.name == "exec" {
				c.multi = nil
				s.unwatchAll(c)
			} else if c.multi != nil {
				c.multi.dirty = true
			}
			s.errors.count(rej)
			c.w.err(rej)
			return
		}
	}
	if c.multi != nil && !cmd.controlsMulti() {
		c.lastCmd.Store(cmd)
		if cmd.flags&flagNoMulti != 0 {
			c.multi.dirty = true
			c.w.err("ERR Command not allowed inside a transaction")
			return
		}
		c.multi.queue(cmd, argv)
		c.w.simple("QUEUED")
		return
	}
	s.pause.wait(c, cmd)
	s.execute(c, cmd, argv)
}

// reject returns the error that stops argv before it runs, or "".
func (s *Server) reject(c *client, cmd *command, argv [][]byte) string {
	if cmd == nil {
		return unknownCommand(argv)
	}
	if cmd.subs != nil && cmd.handler == nil {
		if len(argv) < 2 {
			return fmt.Sprintf("ERR wrong number of arguments for '%s' command", cmd.fullName)
		}
		sub := cString(argv[1])
		if len(sub) > 128 {
			sub = sub[:128]
		}
		return fmt.Sprintf("ERR unknown subcommand '%s'. Try %s HELP.", sub, strings.ToUpper(cmd.name))
	}
	if (cmd.arity > 0 && len(argv) != cmd.arity) || len(argv) < -cmd.arity {
		return fmt.Sprintf("ERR wrong number of arguments for '%s' command", cmd.fullName)
	}
	if cmd.name == "debug" && !debugAllowed(s, c) {
		return errDebugDisabled
	}
	if !c.authenticated && cmd.flags&flagNoAuth == 0 {
		return errNoAuth
	}
	if c.subs.count.Load() > 0 && !c.resp3.Load() && !cmd.allowedInPubSub() {
		return fmt.Sprintf("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", cmd.fullName)
	}
	return ""
}

// unknownCommand formats Redis's error for a command it does not know. The
// arguments share a 128-byte budget, and like the C code it prints each
// argument as a C string, up to its first NUL.
func unknownCommand(argv [][]byte) string {
	var args []byte
	for _, a := range argv[1:] {
		if len(args) >= 128 {
			break
		}
		a = cString(a)
		if room := 128 - len(args); len(a) > room {
			a = a[:room]
		}
		args = append(append(append(args, '\''), a...), '\'', ' ')
	}
	name := cString(argv[0])
	if len(name) > 128 {
		name = name[:128]
	}
	return "ERR unknown command '" + string(name) + "', with args beginning with: " + string(args)
}

// cString returns b up to its first NUL byte, as C's string functions see it.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// resetAsking clears the one-shot ASKING flag after a command, unless the
// command was ASKING or a transaction is open (resetClient in Redis).
func (c *client) resetAsking(cmd *command) {
	if c.multi == nil && (cmd == nil || cmd.name != "asking") {
		c.asking = false
	}
}

func (cmd *command) controlsMulti() bool {
	switch cmd.name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

func (cmd *command) allowedInPubSub() bool {
	switch cmd.name {
	case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "ping", "quit", "reset":
		return true
	}
	return false
}

// applyReplyMode drops the replies of the command just run under CLIENT
// REPLY OFF or SKIP.
func (s *Server) applyReplyMode(c *client, mark int) {
	switch c.replyMode {
	case replyOff:
		c.w.b = c.w.b[:mark]
	case replySkip:
		c.w.b = c.w.b[:mark]
		c.replyMode = replyOn
	case replySkipNext:
		// CLIENT REPLY SKIP itself replies nothing and skips the next one.
		c.w.b = c.w.b[:mark]
		c.replyMode = replySkip
	}
}

// execute locks the command's slots, runs it and records its statistics.
func (s *Server) execute(c *client, cmd *command, argv [][]byte) {
	start := s.sinceStart()
	now := s.wallMillis(start)
	// The context lives in the client, so a command costs no allocation.
	c.x = ctx{s: s, c: c, cmd: cmd, argv: argv, db: c.db(), w: &c.w, now: now}
	// CLIENT LIST shows a blocked client's command while it waits.
	c.lastCmd.Store(cmd)
	x := &c.x
	var held []slots.Slot
	switch cmd.lock {
	case lockKeys:
		held = s.lockKeys(c, []*queued{{cmd: cmd, argv: argv}})
		if s.cluster != nil && len(held) > 0 {
			if rej := s.recheckOpenSlots(c, cmd, argv, held); rej != "" {
				for i := len(held) - 1; i >= 0; i-- {
					s.store.Unlock(held[i])
				}
				s.stats.errorReplies.Add(1)
				cmd.stats.rejected.Add(1)
				s.errors.count(rej)
				c.w.err(rej)
				c.x = ctx{}
				return
			}
		}
	case lockAll:
		s.store.LockAll()
		x.allLocked = true
	}
	cmd.handler(x)
	dur := s.sinceStart() - start
	if x.allLocked && cmd.lock == lockAll {
		s.store.UnlockAll()
	}
	for i := len(held) - 1; i >= 0; i-- {
		s.store.Unlock(held[i])
	}
	s.record(c, cmd, argv, now, dur, x.failed)
	c.x = ctx{}
}

// record updates the statistics of one executed command and feeds MONITOR,
// the slow log and the latency monitor.
func (s *Server) record(c *client, cmd *command, argv [][]byte, now int64, dur time.Duration, failed bool) {
	us := dur.Microseconds()
	cmd.stats.calls.Add(1)
	cmd.stats.usec.Add(us)
	s.stats.commands.Add(1)
	if failed {
		cmd.stats.failed.Add(1)
		s.stats.errorReplies.Add(1)
	}
	c.lastCmd.Store(cmd)
	c.lastActive.Store(now)
	if cmd.flags&(flagSkipMonitor|flagAdmin) == 0 && s.monitors.active() {
		s.monitors.feed(c, argv)
	}
	if cmd.flags&flagSkipSlowlog == 0 {
		s.slowlog.maybeAdd(s.config(), c, argv, us)
	}
	event := "command"
	if cmd.flags&flagFast != 0 {
		event = "fast-command"
	}
	s.latency.maybeAdd(s.config(), event, dur)
}

// lockKeys locks, in ascending order and once each, the slots of the keys of
// every command in cmds, and returns them. The result lives in the client's
// buffer until its next call.
func (s *Server) lockKeys(c *client, cmds []*queued) []slots.Slot {
	held := c.held[:0]
	for _, q := range cmds {
		c.keyIdx = q.cmd.keyIndexes(q.argv, c.keyIdx[:0])
		for _, i := range c.keyIdx {
			held = append(held, slots.KeySlot(q.argv[i]))
		}
	}
	if len(held) > 1 {
		sort.Slice(held, func(i, j int) bool { return held[i] < held[j] })
		n := 1
		for i := 1; i < len(held); i++ {
			if held[i] != held[n-1] {
				held[n] = held[i]
				n++
			}
		}
		held = held[:n]
	}
	for _, sl := range held {
		s.store.Lock(sl)
	}
	c.held = held
	return held
}

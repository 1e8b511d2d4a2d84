package node

import (
	"net"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/slotd/slotd/node/store"
)

// Error replies of the CLIENT command, as Redis writes them.

func clientCommands() []cmdDef {
	return []cmdDef{
		{name: "client"},
		{name: "client|id", handler: func(x *ctx) { x.w.int(x.c.id) }},
		{name: "client|setname", handler: cmdClientSetname},
		{name: "client|getname", handler: cmdClientGetname},
		{name: "client|list", handler: cmdClientList},
		{name: "client|info", handler: func(x *ctx) { x.w.verbatim(string(x.clientInfo(nil, x.c)) + "\n") }},
		{name: "client|kill", handler: cmdClientKill},
		{name: "client|setinfo", handler: cmdClientSetinfo},
		{name: "client|reply", handler: cmdClientReply},
		{name: "client|no-evict", handler: cmdClientNoEvict},
		{name: "client|pause", handler: cmdClientPause},
		{name: "client|unpause", handler: func(x *ctx) { x.s.pause.unpauseAll(); x.w.ok() }},
		{name: "client|unblock", handler: cmdClientUnblock},
		{name: "client|getredir", handler: func(x *ctx) { x.w.int(-1) }},
		{name: "client|trackinginfo", handler: cmdClientTrackinginfo},
		{name: "client|help", handler: cmdClientHelp},
	}
}

func cmdClientSetname(x *ctx) {
	if !validClientName(x.argv[2]) {
		x.err(errClientName)
		return
	}
	x.c.setName(string(x.argv[2]))
	x.w.ok()
}

func cmdClientGetname(x *ctx) {
	if n := x.c.name.Load(); n != nil {
		x.w.bulkString(*n)
		return
	}
	x.w.null()
}

// Client types of CLIENT LIST TYPE and CLIENT KILL TYPE (getClientType).
type clientType int

const (
	clientTypeNormal clientType = iota
	clientTypeReplica
	clientTypePubSub
	clientTypeMaster
)

// parseClientType is getClientTypeByName.
func parseClientType(b []byte) (clientType, bool) {
	switch string(appendLower(nil, b)) {
	case "normal":
		return clientTypeNormal, true
	case "slave", "replica":
		return clientTypeReplica, true
	case "pubsub":
		return clientTypePubSub, true
	case "master":
		return clientTypeMaster, true
	}
	return 0, false
}

// typeOf is getClientType. A MONITOR client is a normal one, as in Redis.
func (c *client) typeOf() clientType {
	if c.subs.count.Load() > 0 {
		return clientTypePubSub
	}
	return clientTypeNormal
}

// liveClients returns the connected clients in creation order, leaving out
// those already being closed.
func (s *Server) liveClients() []*client {
	s.clientsMu.Lock()
	list := make([]*client, 0, len(s.clients))
	for _, c := range s.clients {
		if !c.closed.Load() {
			list = append(list, c)
		}
	}
	s.clientsMu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	return list
}

// clientByID is lookupClientByID.
func (s *Server) clientByID(id int64) *client {
	s.clientsMu.Lock()
	defer s.clientsMu.Unlock()
	if c := s.clients[id]; c != nil && !c.closed.Load() {
		return c
	}
	return nil
}

// cmdClientList is CLIENT LIST [TYPE type | ID id ...].
func cmdClientList(x *ctx) {
	var list []*client
	switch argc := len(x.argv); {
	case argc == 4 && x.argIs(2, "type"):
		t, ok := parseClientType(x.argv[3])
		if !ok {
			x.errf(errUnknownClientType, x.argv[3])
			return
		}
		for _, c := range x.s.liveClients() {
			if c.typeOf() == t {
				list = append(list, c)
			}
		}
	case argc > 3 && x.argIs(2, "id"):
		for _, a := range x.argv[3:] {
			id, ok := store.ParseInt(a)
			if !ok {
				x.err(errInvalidClientID)
				return
			}
			if c := x.s.clientByID(id); c != nil {
				list = append(list, c)
			}
		}
	case argc != 2:
		x.err(errSyntax)
		return
	default:
		list = x.s.liveClients()
	}
	var b []byte
	for _, c := range list {
		b = x.clientInfo(b, c)
		b = append(b, '\n')
	}
	x.w.verbatim(string(b))
}

// Sizes CLIENT LIST reports for buffers slotd does not allocate the way
// Redis does: the 16 KB static reply buffer (PROTO_REPLY_CHUNK_BYTES) and
// the fixed part of a client structure.
const (
	replyBufSize     = 16 * 1024
	clientStructSize = 776
)

// clientInfo appends one CLIENT LIST line (catClientInfoString), with
// Redis 7.0's fields in its order. State owned by another client's
// goroutine (its transaction, its query buffer, NO-EVICT) is only known
// for the calling client; for the others the line shows it idle.
func (x *ctx) clientInfo(b []byte, c *client) []byte {
	self := c == x.c
	flags := make([]byte, 0, 8)
	if x.s.monitors.has(c) {
		flags = append(flags, 'O')
	}
	if c.subs.count.Load() > 0 {
		flags = append(flags, 'P')
	}
	if self && c.multi != nil {
		flags = append(flags, 'x')
	}
	if x.s.blocking.isBlocked(c.id) {
		flags = append(flags, 'b')
	}
	if c.watchDirty.Load() {
		flags = append(flags, 'd')
	}
	if self && c.closeAfter {
		flags = append(flags, 'c')
	}
	if self && c.noEvict {
		flags = append(flags, 'e')
	}
	if len(flags) == 0 {
		flags = append(flags, 'N')
	}
	r := x.s.pubsub
	r.mu.RLock()
	sub, psub, ssub := len(c.subs.channels), len(c.subs.patterns), len(c.subs.shard)
	r.mu.RUnlock()

	multi, qbuf, qbufFree, argvMem, multiMem := -1, 0, 0, 0, 0
	idle := (x.now - c.lastActive.Load()) / 1000
	cmd := "NULL"
	if lc := c.lastCmd.Load(); lc != nil {
		cmd = lc.fullName
	}
	if self {
		idle = 0
		cmd = x.cmd.fullName
		if x.exec != nil {
			// Inside a transaction Redis's last command is the EXEC.
			cmd = "exec"
		}
		qbuf = respLen(x.argv) + c.rd.end - c.rd.pos
		qbufFree = len(c.rd.buf) - qbuf
		if qbufFree < 0 {
			qbufFree = 0
		}
		for _, a := range x.argv {
			argvMem += len(a)
		}
		if c.multi != nil {
			multi = len(c.multi.cmds)
			for _, q := range c.multi.cmds {
				multiMem += 24
				for _, a := range q.argv {
					multiMem += len(a)
				}
			}
		}
	}
	if idle < 0 {
		idle = 0
	}
	obl, oll, omem := c.outputLen(), 0, 0
	if obl > replyBufSize {
		omem = obl - replyBufSize
		oll = (omem + replyBufSize - 1) / replyBufSize
		obl = replyBufSize
	}
	resp := 2
	if c.resp3.Load() {
		resp = 3
	}
	totMem := qbuf + qbufFree + argvMem + multiMem + replyBufSize + omem + clientStructSize

	b = append(b, "id="...)
	b = strconv.AppendInt(b, c.id, 10)
	b = append(b, " addr="...)
	b = append(b, c.addr...)
	b = append(b, " laddr="...)
	b = append(b, c.laddr...)
	b = append(b, " fd="...)
	b = strconv.AppendInt(b, int64(connFD(c.conn)), 10)
	b = append(b, " name="...)
	b = append(b, loadString(&c.name)...)
	b = appendField(b, " age=", int64(time.Since(c.created)/time.Second))
	b = appendField(b, " idle=", idle)
	b = append(b, " flags="...)
	b = append(b, flags...)
	b = appendField(b, " db=", int64(c.dbID.Load()))
	b = appendField(b, " sub=", int64(sub))
	b = appendField(b, " psub=", int64(psub))
	b = appendField(b, " ssub=", int64(ssub))
	b = appendField(b, " multi=", int64(multi))
	b = appendField(b, " qbuf=", int64(qbuf))
	b = appendField(b, " qbuf-free=", int64(qbufFree))
	b = appendField(b, " argv-mem=", int64(argvMem))
	b = appendField(b, " multi-mem=", int64(multiMem))
	b = appendField(b, " rbs=", replyBufSize)
	b = appendField(b, " rbp=", replyBufSize)
	b = appendField(b, " obl=", int64(obl))
	b = appendField(b, " oll=", int64(oll))
	b = appendField(b, " omem=", int64(omem))
	b = appendField(b, " tot-mem=", int64(totMem))
	b = append(b, " events=r cmd="...)
	b = append(b, cmd...)
	b = append(b, " user=default redir=-1"...)
	return appendField(b, " resp=", int64(resp))
}

func appendField(b []byte, name string, v int64) []byte {
	return strconv.AppendInt(append(b, name...), v, 10)
}

// respLen is the size of argv as a multibulk request, which is what the
// query buffer held for it.
func respLen(argv [][]byte) int {
	n := 1 + len(strconv.Itoa(len(argv))) + 2
	for _, a := range argv {
		n += 1 + len(strconv.Itoa(len(a))) + 2 + len(a) + 2
	}
	return n
}

// connFD returns the socket's file descriptor, or -1.
func connFD(conn net.Conn) int {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	if raw.Control(func(f uintptr) { fd = int(f) }) != nil {
		return -1
	}
	return fd
}

// cmdClientKill is CLIENT KILL in both forms: the old CLIENT KILL ip:port,
// which may kill the caller and replies OK or an error, and the filter form,
// which skips the caller unless SKIPME no and replies the count. A caller
// that kills itself is closed after its reply.
func cmdClientKill(x *ctx) {
	var addr, laddr []byte
	var id int64
	typ := clientType(-1)
	skipme := true
	argc := len(x.argv)
	if argc == 3 {
		addr, skipme = x.argv[2], false
	} else {
		for i := 2; i < argc; i += 2 {
			more := argc > i+1
			switch {
			case x.argIs(i, "id") && more:
				v, ok := store.ParseInt(x.argv[i+1])
				if !ok || v < 1 {
					x.err(errClientIDPositive)
					return
				}
				id = v
			case x.argIs(i, "type") && more:
				t, ok := parseClientType(x.argv[i+1])
				if !ok {
					x.errf(errUnknownClientType, x.argv[i+1])
					return
				}
				typ = t
			case x.argIs(i, "addr") && more:
				addr = x.argv[i+1]
			case x.argIs(i, "laddr") && more:
				laddr = x.argv[i+1]
			case x.argIs(i, "user") && more:
				// Every slotd client is the default user, the only one,
				// so USER default matches them all.
				if string(x.argv[i+1]) != "default" {
					x.errf(errNoSuchUser, x.argv[i+1])
					return
				}
			case x.argIs(i, "skipme") && more:
				switch {
				case x.argIs(i+1, "yes"):
					skipme = true
				case x.argIs(i+1, "no"):
					skipme = false
				default:
					x.err(errSyntax)
					return
				}
			default:
				x.err(errSyntax)
				return
			}
		}
	}
	killed, self := 0, false
	for _, c := range x.s.liveClients() {
		switch {
		case addr != nil && c.addr != string(addr),
			laddr != nil && c.laddr != string(laddr),
			typ != -1 && c.typeOf() != typ,
			id != 0 && c.id != id,
			c == x.c && skipme:
			continue
		}
		if c == x.c {
			self = true
		} else {
			x.s.killClient(c, "killed by CLIENT KILL")
		}
		killed++
	}
	switch {
	case argc != 3:
		x.w.int(int64(killed))
	case killed == 0:
		x.err(errNoSuchClient)
	default:
		x.w.ok()
	}
	if self {
		x.c.closeAfter = true
	}
}

// cmdClientSetinfo is CLIENT SETINFO LIB-NAME|LIB-VER value, from Redis 7.2
// (clientSetinfoCommand); clients such as go-redis v9 send it on connect.
// The values are kept but, as in 7.0, not shown by CLIENT LIST.
func cmdClientSetinfo(x *ctx) {
	if len(x.argv) != 4 {
		x.errf("ERR wrong number of arguments for '%s' command", x.cmd.fullName)
		return
	}
	dest := &x.c.libName
	switch {
	case x.argIs(2, "lib-name"):
	case x.argIs(2, "lib-ver"):
		dest = &x.c.libVer
	default:
		x.errf(errSetinfoOption, x.argv[2])
		return
	}
	if !validClientName(x.argv[3]) {
		x.errf(errSetinfoValue, x.argv[2])
		return
	}
	if len(x.argv[3]) == 0 {
		dest.Store(nil)
	} else {
		v := string(x.argv[3])
		dest.Store(&v)
	}
	x.w.ok()
}

// cmdClientReply is CLIENT REPLY ON|OFF|SKIP. OFF and SKIP reply nothing:
// the dispatcher drops the replies the mode suppresses.
func cmdClientReply(x *ctx) {
	switch {
	case x.argIs(2, "on"):
		x.c.replyMode = replyOn
		x.w.ok()
	case x.argIs(2, "off"):
		x.c.replyMode = replyOff
	case x.argIs(2, "skip"):
		if x.c.replyMode != replyOff {
			x.c.replyMode = replySkipNext
		}
	default:
		x.err(errSyntax)
	}
}

func cmdClientNoEvict(x *ctx) {
	switch {
	case x.argIs(2, "on"):
		x.c.noEvict = true
	case x.argIs(2, "off"):
		x.c.noEvict = false
	default:
		x.err(errSyntax)
		return
	}
	x.w.ok()
}

// cmdClientPause is CLIENT PAUSE timeout [WRITE|ALL]: the mode is checked
// before the timeout, as in Redis.
func cmdClientPause(x *ctx) {
	argc := len(x.argv)
	if argc > 4 {
		x.subcommandSyntaxError()
		return
	}
	all := true
	if argc == 4 {
		switch {
		case x.argIs(3, "write"):
			all = false
		case x.argIs(3, "all"):
		default:
			x.err(errPauseMode)
			return
		}
	}
	ms, ok := store.ParseInt(x.argv[2])
	if !ok {
		x.err(errPauseTimeout)
		return
	}
	if ms < 0 {
		x.err(errTimeoutNegative)
		return
	}
	var until time.Time
	if ms > 0 {
		// Redis 7.0 adds the timeout to the clock without an overflow
		// check: a sum that wraps lies in the past and pauses nothing.
		until = time.UnixMilli(time.Now().UnixMilli() + ms)
	}
	x.s.pause.pauseUntil(until, all)
	x.w.ok()
}

// cmdClientUnblock is CLIENT UNBLOCK id [TIMEOUT|ERROR]: it ends a blocking
// command's wait as a timeout, or with the UNBLOCKED error.
func cmdClientUnblock(x *ctx) {
	argc := len(x.argv)
	if argc > 4 {
		x.subcommandSyntaxError()
		return
	}
	if argc == 4 && !x.argIs(3, "timeout") && !x.argIs(3, "error") {
		x.err(errUnblockReason)
		return
	}
	id, ok := x.intArg(2)
	if !ok {
		return
	}
	if x.s.blocking.unblock(id, argc == 4 && x.argIs(3, "error")) {
		x.w.int(1)
		return
	}
	x.w.int(0)
}

// cmdClientTrackinginfo reports tracking off: slotd does not implement
// client side caching.
func cmdClientTrackinginfo(x *ctx) {
	x.w.mapHeader(3)
	x.w.bulkString("flags")
	x.w.set(1)
	x.w.bulkString("off")
	x.w.bulkString("redirect")
	x.w.int(-1)
	x.w.bulkString("prefixes")
	x.w.array(0)
}

func cmdClientHelp(x *ctx) {
	x.help("CLIENT", []string{
		"CACHING (YES|NO)",
		"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
		"GETREDIR",
		"    Return the client ID we are redirecting to when tracking is enabled.",
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"UNPAUSE",
		"    Stop the current client pause, resuming traffic.",
		"PAUSE <timeout> [WRITE|ALL]",
		"    Suspend all, or just write, clients for <timeout> milliseconds.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"    Unblock the specified blocked client.",
		"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
		"         [OPTIN] [OPTOUT] [NOLOOP]",
		"    Control server assisted client side caching.",
		"TRACKINGINFO",
		"    Report tracking status for the current connection.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
	})
}

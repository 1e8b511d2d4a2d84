package node

import (
	"crypto/subtle"
	"strings"

	"github.com/slotd/slotd/node/store"
)

func connectionCommands() []cmdDef {
	return []cmdDef{
		{name: "ping", handler: cmdPing},
		{name: "echo", handler: func(x *ctx) { x.w.bulk(x.argv[1]) }},
		{name: "hello", handler: cmdHello},
		{name: "auth", handler: cmdAuth},
		{name: "select", handler: cmdSelect},
		{name: "quit", handler: func(x *ctx) { x.w.ok(); x.c.closeAfter = true }},
		{name: "reset", handler: cmdReset},
	}
}

func cmdPing(x *ctx) {
	if len(x.argv) > 2 {
		x.errf("ERR wrong number of arguments for '%s' command", "ping")
		return
	}
	if x.c.subs.count.Load() > 0 && !x.c.resp3.Load() {
		x.w.array(2)
		x.w.bulkString("pong")
		if len(x.argv) == 2 {
			x.w.bulk(x.argv[1])
		} else {
			x.w.bulkString("")
		}
		return
	}
	if len(x.argv) == 2 {
		x.w.bulk(x.argv[1])
		return
	}
	x.w.simple("PONG")
}

// checkPassword validates user and password against requirepass, the only
// user slotd has being "default" (ACL is not implemented).
func (x *ctx) checkPassword(user, pass []byte) bool {
	if !strings.EqualFold(string(user), "default") && string(user) != "default" {
		return false
	}
	want := x.s.config().Requirepass
	if want == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(want), pass) == 1
}

func cmdAuth(x *ctx) {
	if len(x.argv) > 3 {
		x.err(errSyntax)
		return
	}
	user, pass := []byte("default"), x.argv[1]
	if len(x.argv) == 3 {
		user, pass = x.argv[1], x.argv[2]
	} else if x.s.config().Requirepass == "" {
		x.err(errNoPassword)
		return
	}
	if !x.checkPassword(user, pass) {
		x.err(errWrongPass)
		return
	}
	x.c.authenticated = true
	x.w.ok()
}

// cmdHello is helloCommand of networking.c.
func cmdHello(x *ctx) {
	ver := int64(0)
	next := 1
	if len(x.argv) >= 2 {
		v, ok := store.ParseInt(x.argv[1])
		if !ok {
			x.err("ERR Protocol version is not an integer or out of range")
			return
		}
		ver = v
		next = 2
		if ver < 2 || ver > 3 {
			x.err(errNoProto)
			return
		}
	}
	var user, pass, name []byte
	for i := next; i < len(x.argv); i++ {
		more := len(x.argv) - i - 1
		switch {
		case x.argIs(i, "AUTH") && more >= 2:
			user, pass = x.argv[i+1], x.argv[i+2]
			i += 2
		case x.argIs(i, "SETNAME") && more >= 1:
			name = x.argv[i+1]
			i++
		default:
			x.errf("ERR Syntax error in HELLO option '%s'", x.argv[i])
			return
		}
	}
	if user != nil {
		if !x.checkPassword(user, pass) {
			x.err(errWrongPass)
			return
		}
		x.c.authenticated = true
	}
	if !x.c.authenticated {
		x.err("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if name != nil {
		if !validClientName(name) {
			x.err(errClientName)
			return
		}
		x.c.setName(string(name))
	}
	if ver != 0 {
		x.c.resp3.Store(ver == 3)
		x.w.resp3 = ver == 3
	}
	proto := int64(2)
	if x.c.resp3.Load() {
		proto = 3
	}
	mode := "standalone"
	if x.s.config().ClusterEnabled {
		mode = "cluster"
	}
	x.w.mapHeader(7)
	x.w.bulkString("server")
	x.w.bulkString("redis")
	x.w.bulkString("version")
	x.w.bulkString(Version)
	x.w.bulkString("proto")
	x.w.int(proto)
	x.w.bulkString("id")
	x.w.int(x.c.id)
	x.w.bulkString("mode")
	x.w.bulkString(mode)
	x.w.bulkString("role")
	x.w.bulkString("master")
	x.w.bulkString("modules")
	x.w.array(0)
}

func cmdSelect(x *ctx) {
	id, ok := store.ParseInt(x.argv[1])
	if !ok {
		x.err(errNotInteger)
		return
	}
	if x.s.config().ClusterEnabled && id != 0 {
		x.err("ERR SELECT is not allowed in cluster mode")
		return
	}
	if id < 0 || id >= store.NumDBs {
		x.err(errDBIndex)
		return
	}
	x.c.dbID.Store(int32(id))
	x.db = x.c.db()
	x.w.ok()
}

// cmdReset is resetCommand: the connection returns to its initial state.
func cmdReset(x *ctx) {
	c := x.c
	c.multi = nil
	x.s.unwatchAll(c)
	x.s.monitors.remove(c)
	x.s.pubsub.removeClient(c)
	c.dbID.Store(0)
	c.resp3.Store(false)
	x.w.resp3 = false
	c.authenticated = x.s.config().Requirepass == ""
	c.name.Store(nil)
	c.replyMode = replyOn
	c.noEvict = false
	x.w.simple("RESET")
}

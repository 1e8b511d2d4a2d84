package node

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/slotd/slotd/internal/resp"
	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/slots"
)

func migrateCommands() []cmdDef {
	return []cmdDef{
		{name: "cluster|setslot", handler: clusterHandler(cmdClusterSetSlot)},
		{name: "migrate", handler: cmdMigrate},
	}
}

// cmdClusterSetSlot is CLUSTER SETSLOT slot IMPORTING|MIGRATING|STABLE|NODE,
// with the checks of clusterCommand in Redis 7.0.
func cmdClusterSetSlot(x *ctx, v *clusterView) {
	if !v.myself().isMaster() {
		x.err("ERR Please use SETSLOT only with masters.")
		return
	}
	slot, ok := x.slotArg(2)
	if !ok {
		return
	}
	action := ""
	switch {
	case x.argIs(3, "migrating") && len(x.argv) == 5:
		action = "migrating"
	case x.argIs(3, "importing") && len(x.argv) == 5:
		action = "importing"
	case x.argIs(3, "stable") && len(x.argv) == 4:
		action = "stable"
	case x.argIs(3, "node") && len(x.argv) == 5:
		action = "node"
	default:
		x.err("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP")
		return
	}
	keys := 0
	x.withSlotLocked(slot, func() { keys = x.s.store.DB(0).SlotSize(slot) })
	if x.clusterDo(func(cl *cluster, st *clusterState) string {
		me := st.myself
		var n *clusterNode
		if action != "stable" {
			n = st.nodes[string(x.argv[4])]
		}
		switch action {
		case "migrating":
			switch {
			case st.owner[slot] != me:
				return fmt.Sprintf("ERR I'm not the owner of hash slot %d", slot)
			case n == nil:
				return "ERR I don't know about node " + string(x.argv[4])
			case !n.isMaster():
				return "ERR Target node is not a master"
			}
			st.migrating[slot] = n
		case "importing":
			switch {
			case st.owner[slot] == me:
				return fmt.Sprintf("ERR I'm already the owner of hash slot %d", slot)
			case n == nil:
				return "ERR I don't know about node " + string(x.argv[4])
			case !n.isMaster():
				return "ERR Target node is not a master"
			}
			st.importing[slot] = n
		case "stable":
			st.importing[slot], st.migrating[slot] = nil, nil
		case "node":
			if msg := cl.setSlotNode(slot, n, string(x.argv[4]), keys); msg != "" {
				return msg
			}
		}
		cl.dirtySave = true
		return ""
	}) {
		x.w.ok()
	}
}

// setSlotNode is SETSLOT slot NODE id on the loop: it binds the slot,
// turns a master left without slots into a replica of the new owner, and
// closes an import with a configEpoch bump that the cluster then adopts.
func (cl *cluster) setSlotNode(slot slots.Slot, n *clusterNode, id string, keys int) string {
	st := cl.st
	me := st.myself
	switch {
	case n == nil:
		return "ERR Unknown node " + id
	case !n.isMaster():
		return "ERR Target node is not a master"
	case st.owner[slot] == me && n != me && keys != 0:
		return fmt.Sprintf("ERR Can't assign hashslot %d to a different node while I still hold keys for this hash slot.", slot)
	}
	if keys == 0 && st.migrating[slot] != nil {
		st.migrating[slot] = nil
	}
	wasMine := st.owner[slot] == me
	cl.setOwner(slot, n)
	if wasMine && n != me && me.slots.Empty() && cl.s.config().ClusterAllowReplicaMigration {
		cl.log.Info("lost my last slot, configuring myself as a replica of its new owner", zap.String("master", n.id))
		cl.setMyMaster(n)
	}
	if n == me && st.importing[slot] != nil {
		cl.bumpEpochWithoutConsensus()
		st.importing[slot] = nil
		cl.log.Info("configEpoch updated after importing slot", zap.Int("slot", int(slot)))
	}
	return ""
}

// bumpEpochWithoutConsensus is clusterBumpConfigEpochWithoutConsensus: take
// currentEpoch+1 as configEpoch unless myself already has the greatest
// epoch of the cluster. It reports whether it bumped.
func (cl *cluster) bumpEpochWithoutConsensus() bool {
	st := cl.st
	maxEpoch := st.currentEpoch
	for _, n := range st.nodes {
		maxEpoch = max(maxEpoch, n.configEpoch)
	}
	me := st.myself
	if me.configEpoch != 0 && me.configEpoch == maxEpoch {
		return false
	}
	st.currentEpoch++
	me.configEpoch = st.currentEpoch
	cl.touchMyself()
	return true
}

// migrateArgs are MIGRATE's parsed arguments.
type migrateArgs struct {
	host, port     string
	db, timeout    int64
	copy, replace  bool
	user, password []byte
	auth           bool
	keys           [][]byte
}

func parseMigrate(x *ctx) (migrateArgs, bool) {
	a := migrateArgs{host: string(x.argv[1]), port: string(x.argv[2])}
	a.keys = [][]byte{x.argv[3]}
	for j := 6; j < len(x.argv); j++ {
		more := len(x.argv) - 1 - j
		switch {
		case x.argIs(j, "copy"):
			a.copy = true
		case x.argIs(j, "replace"):
			a.replace = true
		case x.argIs(j, "auth"):
			if more < 1 {
				x.err(errSyntax)
				return a, false
			}
			j++
			a.auth, a.user, a.password = true, nil, x.argv[j]
		case x.argIs(j, "auth2"):
			if more < 2 {
				x.err(errSyntax)
				return a, false
			}
			a.auth, a.user, a.password = true, x.argv[j+1], x.argv[j+2]
			j += 2
		case x.argIs(j, "keys"):
			if len(x.argv[3]) != 0 {
				x.err("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")
				return a, false
			}
			a.keys = x.argv[j+1:]
			j = len(x.argv)
		default:
			x.err(errSyntax)
			return a, false
		}
	}
	var ok bool
	if a.timeout, ok = parseLong(x, 5); !ok {
		return a, false
	}
	if a.db, ok = parseLong(x, 4); !ok {
		return a, false
	}
	if a.timeout <= 0 {
		a.timeout = 1000
	}
	return a, true
}

// parseLong reads argv[i] as getLongFromObjectOrReply does.
func parseLong(x *ctx, i int) (int64, bool) {
	n, err := strconv.ParseInt(string(x.argv[i]), 10, 64)
	if err != nil {
		x.err(errNotInteger)
		return 0, false
	}
	return n, true
}

// cmdMigrate is migrateCommand: it sends the keys to the target as
// pipelined RESTORE(-ASKING) commands and, unless COPY, deletes them here
// once the target has acknowledged each. The dispatcher holds the slot locks
// of every key for the whole exchange, so no command on those slots runs in
// between, while every other slot keeps serving.
func cmdMigrate(x *ctx) {
	a, ok := parseMigrate(x)
	if !ok {
		return
	}
	type item struct {
		key []byte
		o   *store.Object
	}
	var items []item
	for _, k := range a.keys {
		if o := x.lookupRead(string(k)); o != nil {
			items = append(items, item{k, o})
		}
	}
	if len(items) == 0 {
		x.w.simple("NOKEY")
		return
	}
	restore := []byte("RESTORE")
	if x.s.cluster != nil {
		restore = []byte("RESTORE-ASKING")
	}
	opt := dumpOptions(x.s.config())
	var cmds [][][]byte
	var sent []item
	for _, it := range items {
		ttl := int64(0)
		if it.o.Expire != 0 {
			ttl = it.o.Expire - x.now
			if ttl < 0 {
				continue
			}
			ttl = max(ttl, 1)
		}
		payload, err := store.DumpPayload(it.o, opt)
		if err != nil {
			x.errf("ERR MIGRATE failed to serialize key %s: %v", it.key, err)
			return
		}
		cmd := [][]byte{restore, it.key, strconv.AppendInt(nil, ttl, 10), payload}
		if a.replace {
			cmd = append(cmd, []byte("REPLACE"))
		}
		cmds = append(cmds, cmd)
		sent = append(sent, it)
	}
	timeout := time.Duration(a.timeout) * time.Millisecond
	addr := net.JoinHostPort(a.host, a.port)
	for attempt := 0; ; attempt++ {
		mc, err := x.s.migrateConns.get(addr, timeout)
		if err != nil {
			// Redis connects without blocking, so a refused connection
			// surfaces as the first write failing (syncWrite), which is
			// retried once like any socket error that is not a timeout.
			if !errors.Is(err, syscall.ECONNREFUSED) {
				x.err("IOERR error or timeout connecting to the client")
				return
			}
			if attempt == 0 {
				continue
			}
			x.err("IOERR error or timeout writing to target instance")
			return
		}
		replies, werr := mc.exchange(a, cmds, timeout)
		var se *migrateSocketError
		if werr != nil {
			x.s.migrateConns.drop(addr, mc)
			errors.As(werr, &se)
			if !se.timeout && !se.acking && attempt == 0 {
				continue
			}
		}
		// The replies are those read before any socket error: the keys
		// they acknowledge are deleted even when a later read fails.
		var failed string
		var deleted [][]byte
		for i, r := range replies {
			if r.Type == '-' {
				if failed == "" {
					failed = "ERR Target instance replied with error: " + string(r.Str)
				}
				continue
			}
			if i < len(sent) && !a.copy {
				x.db.Delete(string(sent[i].key), x.now)
				deleted = append(deleted, sent[i].key)
			}
		}
		if werr == nil {
			if failed != "" {
				// Like Redis, assume the target's database is no longer known.
				mc.lastDB = -1
			}
			x.s.migrateConns.put(addr, mc)
		}
		if len(deleted) > 0 {
			x.propagate(append([][]byte{wordDEL}, deleted...)...)
		}
		switch {
		case failed != "":
			x.err(failed)
		case werr != nil:
			x.errf("IOERR error or timeout %s to target instance", se.op)
		default:
			x.w.ok()
		}
		return
	}
}

// migrateSocketError is a failed read or write on a MIGRATE connection.
type migrateSocketError struct {
	op      string // "reading" or "writing"
	timeout bool
	// acking marks a failure while reading the RESTORE replies, after
	// which Redis does not retry: the target may hold some keys already.
	acking bool
	err    error
}

func (e *migrateSocketError) Error() string { return e.op + ": " + e.err.Error() }

// migrateConn is one cached connection to a MIGRATE target.
type migrateConn struct {
	conn net.Conn
	w    *bufio.Writer
	rd   *resp.Reader
	// lastDB is the database the connection has selected, -1 when unknown
	// (cs->last_dbid): a MIGRATE to db -1 then sends no SELECT, as in Redis.
	lastDB int64
	used   time.Time
}

// exchange sends AUTH, SELECT and the RESTORE commands pipelined and
// returns the replies to the RESTOREs, in order. An error reply to AUTH or
// SELECT is returned as the only reply. When reading a RESTORE reply fails,
// the replies read before it come back with the error.
func (mc *migrateConn) exchange(a migrateArgs, cmds [][][]byte, timeout time.Duration) ([]resp.Value, error) {
	var pre [][][]byte
	if a.auth {
		if a.user != nil {
			pre = append(pre, [][]byte{[]byte("AUTH"), a.user, a.password})
		} else {
			pre = append(pre, [][]byte{[]byte("AUTH"), a.password})
		}
	}
	selecting := mc.lastDB != a.db
	if selecting {
		pre = append(pre, [][]byte{[]byte("SELECT"), strconv.AppendInt(nil, a.db, 10)})
	}
	_ = mc.conn.SetWriteDeadline(time.Now().Add(timeout))
	for _, c := range append(pre, cmds...) {
		if err := writeCommand(mc.w, c); err != nil {
			return nil, socketError("writing", err)
		}
	}
	if err := mc.w.Flush(); err != nil {
		return nil, socketError("writing", err)
	}
	_ = mc.conn.SetReadDeadline(time.Now().Add(timeout))
	for j := range pre {
		r, err := mc.rd.Read()
		if err != nil {
			return nil, socketError("reading", err)
		}
		if r.Type == '-' {
			// Drain the rest so the connection stays in step.
			for i := j + 1; i < len(pre)+len(cmds); i++ {
				if _, err := mc.rd.Read(); err != nil {
					return nil, socketError("reading", err)
				}
			}
			return []resp.Value{r}, nil
		}
	}
	if selecting {
		mc.lastDB = a.db
	}
	replies := make([]resp.Value, 0, len(cmds))
	for range cmds {
		r, err := mc.rd.Read()
		if err != nil {
			se := socketError("reading", err)
			se.acking = true
			return replies, se
		}
		replies = append(replies, r)
	}
	mc.used = time.Now()
	return replies, nil
}

func socketError(op string, err error) *migrateSocketError {
	var ne net.Error
	return &migrateSocketError{op: op, timeout: errors.As(err, &ne) && ne.Timeout(), err: err}
}

func writeCommand(w *bufio.Writer, args [][]byte) error {
	b := append(make([]byte, 0, 64), '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		if _, err := w.Write(b); err != nil {
			return err
		}
		if _, err := w.Write(a); err != nil {
			return err
		}
		b = append(b[:0], '\r', '\n')
	}
	_, err := w.Write(b)
	return err
}

// migrateIdleTimeout is MIGRATE_SOCKET_CACHE_TTL: cached connections idle
// this long are closed.
const migrateIdleTimeout = 10 * time.Second

// migrateCache holds one idle connection per target (migrateGetSocket's
// cache). A connection is taken out while a MIGRATE uses it, so concurrent
// MIGRATEs to one target each get their own.
type migrateCache struct {
	mu    sync.Mutex
	conns map[string]*migrateConn
}

func (m *migrateCache) get(addr string, timeout time.Duration) (*migrateConn, error) {
	m.mu.Lock()
	mc := m.conns[addr]
	delete(m.conns, addr)
	m.mu.Unlock()
	if mc != nil {
		return mc, nil
	}
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	return &migrateConn{conn: conn, w: bufio.NewWriterSize(conn, 64*1024), rd: resp.NewReader(conn), lastDB: -1, used: time.Now()}, nil
}

// put returns a healthy connection to the cache.
func (m *migrateCache) put(addr string, mc *migrateConn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conns == nil {
		m.conns = make(map[string]*migrateConn)
	}
	if old := m.conns[addr]; old != nil {
		_ = old.conn.Close()
	}
	m.conns[addr] = mc
}

// drop closes a connection that failed.
func (m *migrateCache) drop(_ string, mc *migrateConn) { _ = mc.conn.Close() }

// closeIdle closes connections unused for migrateIdleTimeout, or all of
// them when all is set; the cron calls it.
func (m *migrateCache) closeIdle(now time.Time, all bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for addr, mc := range m.conns {
		if all || now.Sub(mc.used) > migrateIdleTimeout {
			_ = mc.conn.Close()
			delete(m.conns, addr)
		}
	}
}

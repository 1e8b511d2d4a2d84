package node

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/slots"
)

// Error replies of the keyspace commands.

// keyCommands declares the generic keyspace commands of db.c and expire.c.
func keyCommands() []cmdDef {
	return []cmdDef{
		{name: "del", handler: cmdDelGeneric},
		{name: "unlink", handler: cmdDelGeneric},
		{name: "exists", handler: cmdExists},
		{name: "type", handler: cmdType},
		{name: "rename", handler: func(x *ctx) { renameGeneric(x, false) }},
		{name: "renamenx", handler: func(x *ctx) { renameGeneric(x, true) }},
		{name: "copy", handler: cmdCopy},
		{name: "move", handler: cmdMove},
		{name: "keys", handler: cmdKeys, lock: lockWalk},
		{name: "scan", handler: cmdScan, lock: lockWalk},
		{name: "randomkey", handler: cmdRandomKey, lock: lockWalk},
		{name: "touch", handler: cmdTouch},
		{name: "expire", handler: func(x *ctx) { expireGeneric(x, x.now, 1000) }},
		{name: "pexpire", handler: func(x *ctx) { expireGeneric(x, x.now, 1) }},
		{name: "expireat", handler: func(x *ctx) { expireGeneric(x, 0, 1000) }},
		{name: "pexpireat", handler: func(x *ctx) { expireGeneric(x, 0, 1) }},
		{name: "ttl", handler: func(x *ctx) { ttlGeneric(x, false, false) }},
		{name: "pttl", handler: func(x *ctx) { ttlGeneric(x, true, false) }},
		{name: "expiretime", handler: func(x *ctx) { ttlGeneric(x, false, true) }},
		{name: "pexpiretime", handler: func(x *ctx) { ttlGeneric(x, true, true) }},
		{name: "persist", handler: cmdPersist},
	}
}

// lookupNoTouch is lookupKeyReadWithFlags(LOOKUP_NOTOUCH) in db.c: it
// counts a keyspace hit or miss but leaves the access time alone.
func (x *ctx) lookupNoTouch(key string) *store.Object {
	o := x.db.Peek(key, x.now)
	if o == nil {
		x.s.stats.misses.Add(1)
	} else {
		x.s.stats.hits.Add(1)
	}
	return o
}

// dbIndexArg parses argument i as a database index the way getIntFromObjectOrReply
// and selectDb do for MOVE and COPY ... DB.
func (x *ctx) dbIndexArg(i int) (*store.DB, bool) {
	id, ok := x.intArg(i)
	if !ok {
		return nil, false
	}
	if id < math.MinInt32 || id > math.MaxInt32 {
		x.err(errIntRange)
		return nil, false
	}
	if id < 0 || id >= store.NumDBs {
		x.err(errDBIndex)
		return nil, false
	}
	return x.s.store.DB(int(id)), true
}

// cmdDelGeneric is delGenericCommand in db.c, for DEL and UNLINK (slotd
// frees inline either way). Redis propagates the command as sent once it
// deleted anything.
func cmdDelGeneric(x *ctx) {
	var n int64
	for i := 1; i < len(x.argv); i++ {
		if x.db.Delete(x.key(i), x.now) {
			n++
		}
	}
	if n > 0 {
		x.propagateArgv()
	}
	x.w.int(n)
}

// cmdExists is existsCommand in db.c; a key named twice counts twice.
func cmdExists(x *ctx) {
	var n int64
	for i := 1; i < len(x.argv); i++ {
		if x.lookupNoTouch(x.key(i)) != nil {
			n++
		}
	}
	x.w.int(n)
}

// cmdType is typeCommand in db.c.
func cmdType(x *ctx) {
	o := x.lookupNoTouch(x.key(1))
	if o == nil {
		x.w.simple("none")
		return
	}
	x.w.simple(o.Type.String())
}

// renameGeneric is renameGenericCommand in db.c: renaming a key to itself
// is a no-op that still fails on a missing key. The object moves as is,
// with its TTL.
func renameGeneric(x *ctx, nx bool) {
	src, dst := x.key(1), x.key(2)
	o := x.lookupWrite(src)
	if o == nil {
		x.err(errNoSuchKey)
		return
	}
	if src == dst {
		if nx {
			x.w.int(0)
		} else {
			x.w.ok()
		}
		return
	}
	if nx && x.lookupWrite(dst) != nil {
		x.w.int(0)
		return
	}
	x.db.Delete(src, x.now)
	x.db.Set(dst, o, false, x.now)
	x.propagateArgv()
	x.signalKeyReady(dst)
	if nx {
		x.w.int(1)
	} else {
		x.w.ok()
	}
}

// cmdCopy is copyCommand in db.c. Both databases share the slot lock of a
// key, so the dispatcher's locks cover the destination database too, and
// clients blocked on the new key there are served (dbAdd's
// signalKeyAsReady).
func cmdCopy(x *ctx) {
	dst := x.db
	replace := false
	for j := 3; j < len(x.argv); j++ {
		switch {
		case optIs(x.argv[j], "replace"):
			replace = true
		case optIs(x.argv[j], "db") && j+1 < len(x.argv):
			db, ok := x.dbIndexArg(j + 1)
			if !ok {
				return
			}
			dst = db
			j++
		default:
			x.err(errSyntax)
			return
		}
	}
	if x.s.config().ClusterEnabled && (x.db.ID() != 0 || dst.ID() != 0) {
		x.err(errCopyCluster)
		return
	}
	key, newkey := x.key(1), x.key(2)
	if dst == x.db && key == newkey {
		x.err(errSameObject)
		return
	}
	o := x.lookupRead(key)
	if o == nil {
		x.w.int(0)
		return
	}
	if dst.Lookup(newkey, x.now) != nil && !replace {
		x.w.int(0)
		return
	}
	dup, ok := o.Dup()
	if !ok {
		x.err(errUnknownObjType)
		return
	}
	dup.LRU = store.LRUClock(x.now)
	dst.Set(newkey, dup, false, x.now)
	x.propagateArgv()
	x.signalKeyReadyIn(dst, newkey)
	x.w.int(1)
}

// cmdMove is moveCommand in db.c; clients blocked on the key in the
// destination database are served, as dbAdd signals it ready there.
func cmdMove(x *ctx) {
	if x.s.config().ClusterEnabled {
		x.err(errMoveCluster)
		return
	}
	dst, ok := x.dbIndexArg(2)
	if !ok {
		return
	}
	if dst == x.db {
		x.err(errSameObject)
		return
	}
	key := x.key(1)
	o := x.lookupWrite(key)
	if o == nil || dst.Lookup(key, x.now) != nil {
		x.w.int(0)
		return
	}
	x.db.Delete(key, x.now)
	dst.Set(key, o, false, x.now)
	x.propagateArgv()
	x.signalKeyReadyIn(dst, key)
	x.w.int(1)
}

// signalKeyReadyIn is signalKeyReady for a key written in db, which may be
// another database than the client's: MOVE and COPY ... DB add the key
// there with dbAdd, which calls signalKeyAsReady for that database. Every
// database shares the slot lock of a key, so the command's locks cover it.
func (x *ctx) signalKeyReadyIn(db *store.DB, key string) {
	if x.s.blocking.blocked.Load() == 0 {
		return
	}
	x.s.blocking.serveReady(x.s, db.ID(), key, x.now, x.holdsSlot)
}

// cmdKeys is keysCommand in db.c: logically expired keys are skipped, not
// deleted.
func cmdKeys(x *ctx) {
	pattern := x.argv[1]
	all := len(pattern) == 1 && pattern[0] == '*'
	var keys []string
	x.walkFrom(0, func(slot slots.Slot) bool {
		x.db.SlotKeys(slot, func(k string, o *store.Object) bool {
			if (all || globMatch(pattern, []byte(k), false)) && (o.Expire == 0 || o.Expire > x.now) {
				keys = append(keys, k)
			}
			return true
		})
		return true
	})
	x.w.bulkStrings(keys)
}

// parseScanCursor mirrors parseScanCursorOrReply in db.c, which uses
// strtoul: an optional sign ("-1" wraps around), no leading space, nothing
// after the digits, and an empty string is cursor 0.
func parseScanCursor(b []byte) (uint64, bool) {
	if len(b) > 0 && strings.IndexByte(" \t\n\v\f\r", b[0]) >= 0 {
		return 0, false
	}
	b = cString(b)
	neg := false
	digits := b
	if len(digits) > 0 && (digits[0] == '+' || digits[0] == '-') {
		neg = digits[0] == '-'
		digits = digits[1:]
	}
	if len(digits) == 0 {
		// No digits: strtoul consumes nothing, so only "" ends there.
		return 0, len(b) == 0
	}
	v, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// cmdScan is scanCommand in db.c over slotd's partitions. The cursor is the
// next slot to visit (0 when the walk is over); each call returns whole
// slots until it has looked at COUNT keys, so a key present for the whole
// scan is returned at least once and no call pauses for the whole
// keyspace. As in Redis, COUNT bounds the keys looked at, before MATCH and
// TYPE filter them.
func cmdScan(x *ctx) {
	cursor, ok := parseScanCursor(x.argv[1])
	if !ok {
		x.err(errInvalidCursor)
		return
	}
	count := int64(10)
	var pattern, typeName []byte
	for i := 2; i < len(x.argv); i += 2 {
		more := len(x.argv) - i
		switch {
		case optIs(x.argv[i], "count") && more >= 2:
			n, ok := x.intArg(i + 1)
			if !ok {
				return
			}
			if n < 1 {
				x.err(errSyntax)
				return
			}
			count = n
		case optIs(x.argv[i], "match") && more >= 2:
			pattern = x.argv[i+1]
			if len(pattern) == 1 && pattern[0] == '*' {
				pattern = nil
			}
		case optIs(x.argv[i], "type") && more >= 2:
			typeName = cString(x.argv[i+1])
		default:
			x.err(errSyntax)
			return
		}
	}
	var keys []string
	var expired []string
	next := uint64(0)
	if cursor < slots.NumSlots {
		seen := int64(0)
		x.walkFrom(int(cursor), func(slot slots.Slot) bool {
			expired = expired[:0]
			x.db.SlotKeys(slot, func(k string, o *store.Object) bool {
				seen++
				if pattern != nil && !globMatch(pattern, []byte(k), false) {
					return true
				}
				live := o.Expire == 0 || o.Expire > x.now
				if typeName != nil {
					// The TYPE filter looks the key up (lookupKeyReadWithFlags),
					// which counts a keyspace hit or miss.
					if live {
						x.s.stats.hits.Add(1)
					} else {
						x.s.stats.misses.Add(1)
					}
				}
				switch {
				case !live:
					expired = append(expired, k)
				case typeName == nil || optIs(typeName, o.Type.String()):
					keys = append(keys, k)
				}
				return true
			})
			// Expired keys met on the way are removed, as expireIfNeeded
			// does in scanGenericCommand, once the iteration is over.
			for _, k := range expired {
				x.db.Peek(k, x.now)
			}
			if seen >= count {
				if int(slot)+1 < slots.NumSlots {
					next = uint64(slot) + 1
				}
				return false
			}
			return true
		})
	}
	x.w.array(2)
	x.w.bulkString(strconv.FormatUint(next, 10))
	x.w.bulkStrings(keys)
}

// cmdRandomKey is randomkeyCommand in db.c: from a random slot, the first
// partition holding a live key gives a random one of its keys.
func cmdRandomKey(x *ctx) {
	start := rand.IntN(slots.NumSlots)
	var key string
	found := false
	visit := func(slot slots.Slot) bool {
		key, found = x.db.RandomKey(slot, x.now, rand.IntN)
		return !found
	}
	if !x.walkFrom(start, visit) {
		x.walkFrom(0, func(slot slots.Slot) bool {
			return int(slot) < start && visit(slot)
		})
	}
	if !found {
		x.w.null()
		return
	}
	x.w.bulkString(key)
}

// cmdTouch is touchCommand in expire.c.
func cmdTouch(x *ctx) {
	var n int64
	for i := 1; i < len(x.argv); i++ {
		if x.lookupRead(x.key(i)) != nil {
			n++
		}
	}
	x.w.int(n)
}

// Flags of the EXPIRE family (EXPIRE_NX... in expire.c).
const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

// parseExpireFlags is parseExtendedExpireArgumentsOrReply in expire.c.
func parseExpireFlags(x *ctx) (int, bool) {
	flags := 0
	for _, a := range x.argv[3:] {
		switch {
		case optIs(a, "nx"):
			flags |= expireNX
		case optIs(a, "xx"):
			flags |= expireXX
		case optIs(a, "gt"):
			flags |= expireGT
		case optIs(a, "lt"):
			flags |= expireLT
		default:
			x.errf(errExpireOption, errArg(cString(a)))
			return 0, false
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		x.err(errExpireNXMix)
		return 0, false
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		x.err(errExpireGTLT)
		return 0, false
	}
	return flags, true
}

// errArg replaces CR and LF by spaces, as addReplyErrorFormat does so
// that an argument echoed in an error cannot break the protocol.
func errArg(b []byte) string {
	out := append([]byte(nil), b...)
	for i, c := range out {
		if c == '\r' || c == '\n' {
			out[i] = ' '
		}
	}
	return string(out)
}

// expireGeneric is expireGenericCommand in expire.c. basetime is x.now for
// the relative forms and 0 for the *AT forms; unit is 1000 for seconds and
// 1 for milliseconds. A time already past deletes the key and propagates a
// DEL (lazyfree-lazy-expire is off); otherwise the record is PEXPIREAT with
// the absolute time.
func expireGeneric(x *ctx, basetime, unit int64) {
	flags, ok := parseExpireFlags(x)
	if !ok {
		return
	}
	when, ok := x.intArg(2)
	if !ok {
		return
	}
	if unit == 1000 {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			x.errf(errInvalidExpire, x.cmd.fullName)
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-basetime {
		x.errf(errInvalidExpire, x.cmd.fullName)
		return
	}
	when += basetime
	key := x.key(1)
	o := x.lookupWrite(key)
	if o == nil {
		x.w.int(0)
		return
	}
	cur := o.Expire
	switch {
	case flags&expireNX != 0 && cur != 0,
		flags&expireXX != 0 && cur == 0,
		flags&expireGT != 0 && (cur == 0 || when <= cur),
		flags&expireLT != 0 && cur != 0 && when >= cur:
		x.w.int(0)
		return
	}
	if when <= x.now {
		x.db.Delete(key, x.now)
		x.propagate([]byte("DEL"), x.argv[1])
		x.w.int(1)
		return
	}
	x.db.SetExpire(key, when)
	x.propagate([]byte("PEXPIREAT"), x.argv[1], strconv.AppendInt(nil, when, 10))
	x.w.int(1)
}

// ttlGeneric is ttlGenericCommand in expire.c, for TTL, PTTL, EXPIRETIME
// and PEXPIRETIME: -2 for a missing key, -1 without a TTL, seconds rounded.
func ttlGeneric(x *ctx, ms, abs bool) {
	o := x.lookupNoTouch(x.key(1))
	if o == nil {
		x.w.int(-2)
		return
	}
	if o.Expire == 0 {
		x.w.int(-1)
		return
	}
	ttl := o.Expire
	if !abs {
		ttl -= x.now
	}
	ttl = max(ttl, 0)
	if !ms {
		ttl = (ttl + 500) / 1000
	}
	x.w.int(ttl)
}

// cmdPersist is persistCommand in expire.c.
func cmdPersist(x *ctx) {
	key := x.key(1)
	o := x.lookupWrite(key)
	if o == nil || o.Expire == 0 {
		x.w.int(0)
		return
	}
	x.db.SetExpire(key, 0)
	x.propagateArgv()
	x.w.int(1)
}

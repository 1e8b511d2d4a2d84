package node

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/slotd/slotd/node/store"
)

// Error replies of the hash commands.
const (
	errHashNotInteger = "ERR hash value is not an integer"
	errHashNotFloat   = "ERR hash value is not a float"
	errValueNaNInf    = "ERR value is NaN or Infinity"
	errValueRange     = "ERR value is out of range"
)

// hashCommands declares the hash commands of t_hash.c.
func hashCommands() []cmdDef {
	return []cmdDef{
		{name: "hset", handler: cmdHSet},
		{name: "hmset", handler: cmdHSet},
		{name: "hsetnx", handler: cmdHSetNX},
		{name: "hget", handler: cmdHGet},
		{name: "hmget", handler: cmdHMGet},
		{name: "hdel", handler: cmdHDel},
		{name: "hlen", handler: func(x *ctx) { x.replyLen(store.TypeHash) }},
		{name: "hstrlen", handler: cmdHStrLen},
		{name: "hexists", handler: cmdHExists},
		{name: "hincrby", handler: cmdHIncrBy},
		{name: "hincrbyfloat", handler: cmdHIncrByFloat},
		{name: "hgetall", handler: func(x *ctx) { hgetallGeneric(x, true, true) }},
		{name: "hkeys", handler: func(x *ctx) { hgetallGeneric(x, true, false) }},
		{name: "hvals", handler: func(x *ctx) { hgetallGeneric(x, false, true) }},
		{name: "hrandfield", handler: cmdHRandField},
		{name: "hscan", handler: cmdHScan},
	}
}

// hashOf returns o's hash, or replies WRONGTYPE (checkType). A nil o is a
// missing key: nil, true.
func hashOf(x *ctx, o *store.Object) (*store.Hash, bool) {
	return valueOf[*store.Hash](x, o, store.TypeHash)
}

// hashWrite looks key up for writing and creates an empty hash when it is
// missing (hashTypeLookupWriteOrCreate); false after a WRONGTYPE reply.
func hashWrite(x *ctx, key string) (*store.Hash, bool) {
	h, ok := hashOf(x, x.lookupWrite(key))
	if !ok || h != nil {
		return h, ok
	}
	h = store.NewHash()
	x.db.Set(key, &store.Object{Type: store.TypeHash, LRU: store.LRUClock(x.now), Val: h}, false, x.now)
	return h, true
}

// hashLimits returns hash-max-listpack-entries and hash-max-listpack-value.
func (x *ctx) hashLimits() (int64, int64) {
	c := x.s.config()
	return c.HashMaxListpackEntries, c.HashMaxListpackValue
}

// cmdHSet is hsetCommand, for HSET (the number of new fields) and HMSET
// (OK). Every field and value is checked for length before any insert.
func cmdHSet(x *ctx) {
	if len(x.argv)%2 == 1 {
		x.errf(errWrongArityFmt, strings.ToLower(string(x.argv[0])))
		return
	}
	key := x.key(1)
	h, ok := hashWrite(x, key)
	if !ok {
		return
	}
	maxEntries, maxValue := x.hashLimits()
	h.TryConversion(x.argv[2:], maxValue)
	created := int64(0)
	for i := 2; i < len(x.argv); i += 2 {
		if h.Set(x.argv[i], x.argv[i+1], maxEntries, maxValue) {
			created++
		}
	}
	x.db.Touched(key)
	x.propagateArgv()
	if optIs(x.argv[0], "hmset") {
		x.w.ok()
		return
	}
	x.w.int(created)
}

// cmdHSetNX is hsetnxCommand.
func cmdHSetNX(x *ctx) {
	key := x.key(1)
	h, ok := hashWrite(x, key)
	if !ok {
		return
	}
	if h.Exists(x.argv[2]) {
		x.w.int(0)
		return
	}
	maxEntries, maxValue := x.hashLimits()
	h.TryConversion(x.argv[2:4], maxValue)
	h.Set(x.argv[2], x.argv[3], maxEntries, maxValue)
	x.db.Touched(key)
	x.propagateArgv()
	x.w.int(1)
}

// cmdHGet is hgetCommand.
func cmdHGet(x *ctx) {
	h, ok := hashOf(x, x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	if h == nil {
		x.w.null()
		return
	}
	if v, ok := h.Get(x.argv[2]); ok {
		x.w.bulkString(v)
		return
	}
	x.w.null()
}

// cmdHMGet is hmgetCommand: a missing key answers nulls.
func cmdHMGet(x *ctx) {
	h, ok := hashOf(x, x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	x.w.array(len(x.argv) - 2)
	for _, f := range x.argv[2:] {
		if h != nil {
			if v, ok := h.Get(f); ok {
				x.w.bulkString(v)
				continue
			}
		}
		x.w.null()
	}
}

// cmdHDel is hdelCommand: the key goes when its last field does.
func cmdHDel(x *ctx) {
	key := x.key(1)
	h, ok := hashOf(x, x.lookupWrite(key))
	if !ok {
		return
	}
	if h == nil {
		x.w.int(0)
		return
	}
	x.removeMembers(key, h.Delete, h.Len)
}

// cmdHStrLen is hstrlenCommand.
func cmdHStrLen(x *ctx) {
	h, ok := hashOf(x, x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	n := 0
	if h != nil {
		v, _ := h.Get(x.argv[2])
		n = len(v)
	}
	x.w.int(int64(n))
}

// cmdHExists is hexistsCommand.
func cmdHExists(x *ctx) {
	h, ok := hashOf(x, x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	replyMembership(x, h != nil && h.Exists(x.argv[2]))
}

// cmdHIncrBy is hincrbyCommand.
func cmdHIncrBy(x *ctx) {
	incr, ok := x.intArg(3)
	if !ok {
		return
	}
	key := x.key(1)
	h, ok := hashWrite(x, key)
	if !ok {
		return
	}
	var cur int64
	if v, ok := h.Get(x.argv[2]); ok {
		if cur, ok = store.ParseInt([]byte(v)); !ok {
			x.err(errHashNotInteger)
			return
		}
	}
	if (incr < 0 && cur < 0 && incr < math.MinInt64-cur) ||
		(incr > 0 && cur > 0 && incr > math.MaxInt64-cur) {
		x.err(errOverflow)
		return
	}
	cur += incr
	maxEntries, maxValue := x.hashLimits()
	h.Set(x.argv[2], strconv.AppendInt(nil, cur, 10), maxEntries, maxValue)
	x.db.Touched(key)
	x.propagateArgv()
	x.w.int(cur)
}

// cmdHIncrByFloat is hincrbyfloatCommand, in long double like Redis; it is
// propagated as HSET of the result so replicas do not redo the arithmetic.
func cmdHIncrByFloat(x *ctx) {
	incr, ok := parseLongDouble(x.argv[3])
	if !ok {
		x.err(errNotFloat)
		return
	}
	if incr.inf != 0 {
		x.err(errValueNaNInf)
		return
	}
	key := x.key(1)
	h, ok := hashWrite(x, key)
	if !ok {
		return
	}
	cur := zeroLongDouble()
	if v, ok := h.Get(x.argv[2]); ok {
		if cur, ok = parseLongDouble([]byte(v)); !ok {
			x.err(errHashNotFloat)
			return
		}
	}
	sum, ok := addLongDouble(cur, incr)
	if !ok {
		x.err(errIncrFloatNaN)
		return
	}
	res := formatLongDoubleHuman(sum)
	maxEntries, maxValue := x.hashLimits()
	h.Set(x.argv[2], res, maxEntries, maxValue)
	x.db.Touched(key)
	x.w.bulk(res)
	x.propagate([]byte("HSET"), x.argv[1], x.argv[2], res)
}

// hgetallGeneric is genericHgetallCommand: HGETALL is a map in RESP3,
// HKEYS and HVALS arrays; a listpack answers in insertion order.
func hgetallGeneric(x *ctx, fields, values bool) {
	h, ok := hashOf(x, x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.Len()
	}
	if fields && values {
		x.w.mapHeader(n)
	} else {
		x.w.array(n)
	}
	if h == nil {
		return
	}
	h.Range(func(f, v string) bool {
		if fields {
			x.w.bulkString(f)
		}
		if values {
			x.w.bulkString(v)
		}
		return true
	})
}

// cmdHRandField is hrandfieldCommand: without a count, one random field or
// null.
func cmdHRandField(x *ctx) {
	if len(x.argv) >= 3 {
		hrandfieldWithCount(x)
		return
	}
	h, ok := hashOf(x, x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	if h == nil {
		x.w.null()
		return
	}
	x.w.bulkString(h.Random().Field)
}

// hrandfieldWithCount is hrandfieldWithCountCommand: a negative count allows
// repeats, a count covering the hash returns all of it in order, otherwise
// distinct fields. With values, RESP3 nests each pair in an array.
func hrandfieldWithCount(x *ctx) {
	l, ok := store.ParseInt(x.argv[2])
	if !ok {
		x.err(errNotInteger)
		return
	}
	if l == math.MinInt64 {
		x.err(errSRandCount)
		return
	}
	withValues := false
	if len(x.argv) > 3 {
		if len(x.argv) > 4 || !x.argIs(3, "withvalues") {
			x.err(errSyntax)
			return
		}
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			x.err(errValueRange)
			return
		}
		withValues = true
	}
	h, ok := hashOf(x, x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	if h == nil || l == 0 {
		x.w.array(0)
		return
	}
	pairs := h.Pairs()
	var picks []store.HashPair
	switch count := l; {
	case count < 0:
		n := int(-count)
		picks = make([]store.HashPair, n)
		for i := range picks {
			picks[i] = pairs[rand.IntN(len(pairs))]
		}
	case count >= int64(len(pairs)):
		picks = pairs
	default:
		perm := rand.Perm(len(pairs))[:count]
		picks = make([]store.HashPair, count)
		for i, j := range perm {
			picks[i] = pairs[j]
		}
	}
	nested := withValues && x.w.resp3
	if withValues && !nested {
		x.w.array(2 * len(picks))
	} else {
		x.w.array(len(picks))
	}
	for _, p := range picks {
		if nested {
			x.w.array(2)
		}
		x.w.bulkString(p.Field)
		if withValues {
			x.w.bulkString(p.Value)
		}
	}
}

// cmdHScan is hscanCommand on scanGenericCommand: a listpack hash is
// returned whole with cursor 0, a hash table page by page with dictScan's
// cursor (Hash.Scan). COUNT bounds the fields looked at before MATCH
// filters them.
func cmdHScan(x *ctx) {
	cursor, ok := parseScanCursor(x.argv[2])
	if !ok {
		x.err(errInvalidCursor)
		return
	}
	h, ok := hashOf(x, x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	if h == nil {
		x.w.array(2)
		x.w.bulkString("0")
		x.w.array(0)
		return
	}
	count := 10
	var pattern []byte
	for i := 3; i < len(x.argv); i += 2 {
		more := len(x.argv) - i
		switch {
		case x.argIs(i, "count") && more >= 2:
			n, ok := x.intArg(i + 1)
			if !ok {
				return
			}
			if n < 1 {
				x.err(errSyntax)
				return
			}
			count = int(min(n, math.MaxInt32))
		case x.argIs(i, "match") && more >= 2:
			pattern = x.argv[i+1]
			if len(pattern) == 1 && pattern[0] == '*' {
				pattern = nil
			}
		default:
			x.err(errSyntax)
			return
		}
	}
	var out []store.HashPair
	next := h.Scan(cursor, count, func(f, v string) {
		if pattern == nil || globMatch(pattern, []byte(f), false) {
			out = append(out, store.HashPair{Field: f, Value: v})
		}
	})
	x.w.array(2)
	x.w.bulkString(strconv.FormatUint(next, 10))
	x.w.array(2 * len(out))
	for _, p := range out {
		x.w.bulkString(p.Field)
		x.w.bulkString(p.Value)
	}
}

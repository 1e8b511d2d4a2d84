package node

import (
	"math"
	"math/big"
	"strconv"

	"github.com/slotd/slotd/node/store"
)

// stringCommands are the commands of t_string.c.
func stringCommands() []cmdDef {
	return []cmdDef{
		{name: "get", handler: cmdGet},
		{name: "set", handler: cmdSet},
		{name: "setnx", handler: func(x *ctx) { setGeneric(x, optNX, 2, 0, true) }},
		{name: "setex", handler: func(x *ctx) { setGeneric(x, optEX, 3, 2, false) }},
		{name: "psetex", handler: func(x *ctx) { setGeneric(x, optPX, 3, 2, false) }},
		{name: "getex", handler: cmdGetEX},
		{name: "getdel", handler: cmdGetDel},
		{name: "getset", handler: cmdGetSet},
		{name: "mget", handler: cmdMGet},
		{name: "mset", handler: cmdMSet},
		{name: "msetnx", handler: cmdMSetNX},
		{name: "append", handler: cmdAppend},
		{name: "strlen", handler: cmdStrlen},
		{name: "incr", handler: func(x *ctx) { incrDecr(x, 1) }},
		{name: "decr", handler: func(x *ctx) { incrDecr(x, -1) }},
		{name: "incrby", handler: cmdIncrBy},
		{name: "decrby", handler: cmdDecrBy},
		{name: "incrbyfloat", handler: cmdIncrByFloat},
		{name: "getrange", handler: cmdGetRange},
		{name: "substr", handler: cmdGetRange},
		{name: "setrange", handler: cmdSetRange},
		{name: "lcs", handler: cmdLCS},
	}
}

// Flags of the extended SET/GETEX options (OBJ_SET_NX... in t_string.c).
const (
	optNX = 1 << iota
	optXX
	optEX
	optPX
	optKeepTTL
	optGet
	optEXAT
	optPXAT
	optPersist
)

// embStringLen is the longest value newString stores in the same
// allocation as its object: a 56-byte Object plus 24 bytes fills Go's
// 80-byte size class.
const embStringLen = 24

// embString co-allocates a short value's bytes with its object, as Redis's
// embstr encoding does, so that SET of a short value costs one allocation.
type embString struct {
	obj store.Object
	buf [embStringLen]byte
}

// newString returns a string object holding a copy of b, with the access
// time of a freshly created Redis object.
func (x *ctx) newString(b []byte) *store.Object {
	if len(b) <= embStringLen {
		e := &embString{}
		n := copy(e.buf[:], b)
		// The capacity ends at the value, so appends reallocate.
		e.obj = store.Object{Type: store.TypeString, LRU: store.LRUClock(x.now), Str: e.buf[:n:n]}
		return &e.obj
	}
	o := store.NewString(b)
	o.LRU = store.LRUClock(x.now)
	return o
}

// unshare makes the string o safe to modify in place, as
// dbUnshareStringValue does: a value that is not already a private raw
// string gets its own copy of the bytes and the raw encoding. Like Redis it
// is not a modification by itself, so it does not touch watchers.
func unshare(o *store.Object) *store.Object {
	if !o.Raw {
		o.Str = append([]byte(nil), o.Str...)
		o.Raw = true
	}
	return o
}

// checkStringLength mirrors checkStringLength in t_string.c: a string of
// size+add bytes must not exceed proto-max-bulk-len, and must not overflow.
func (x *ctx) checkStringLength(size, add int64) bool {
	total := int64(uint64(size) + uint64(add))
	if total > x.s.config().ProtoMaxBulkLen || total < size || total < add {
		x.err(errStringTooBig)
		return false
	}
	return true
}

// parseStringOptions parses the extended options of SET (from argv[3]) or
// GETEX (from argv[2]), mirroring parseExtendedStringArgumentsOrReply in
// t_string.c, including which combinations it rejects. It returns the flags
// and the index of the expire argument (0 when none).
func parseStringOptions(x *ctx, forSet bool) (flags, expIdx int, ok bool) {
	first := 2
	if forSet {
		first = 3
	}
	for j := first; j < len(x.argv); j++ {
		a := x.argv[j]
		next := j < len(x.argv)-1
		switch {
		case forSet && optIs(a, "NX") && flags&optXX == 0:
			flags |= optNX
		case forSet && optIs(a, "XX") && flags&optNX == 0:
			flags |= optXX
		case forSet && optIs(a, "GET"):
			flags |= optGet
		case forSet && optIs(a, "KEEPTTL") && flags&(optPersist|optEX|optEXAT|optPX|optPXAT) == 0:
			flags |= optKeepTTL
		case !forSet && optIs(a, "PERSIST") && flags&(optEX|optEXAT|optPX|optPXAT|optKeepTTL) == 0:
			flags |= optPersist
		case optIs(a, "EX") && next && flags&(optKeepTTL|optPersist|optEXAT|optPX|optPXAT) == 0:
			flags |= optEX
			expIdx = j + 1
			j++
		case optIs(a, "PX") && next && flags&(optKeepTTL|optPersist|optEX|optEXAT|optPXAT) == 0:
			flags |= optPX
			expIdx = j + 1
			j++
		case optIs(a, "EXAT") && next && flags&(optKeepTTL|optPersist|optEX|optPX|optPXAT) == 0:
			flags |= optEXAT
			expIdx = j + 1
			j++
		case optIs(a, "PXAT") && next && flags&(optKeepTTL|optPersist|optEX|optEXAT|optPX) == 0:
			flags |= optPXAT
			expIdx = j + 1
			j++
		default:
			x.err(errSyntax)
			return 0, 0, false
		}
	}
	return flags, expIdx, true
}

// expireAt turns an expire argument into an absolute Unix time in
// milliseconds, mirroring getExpireMillisecondsOrReply in t_string.c: EX and
// EXAT count seconds, relative forms add the command's time, and zero,
// negative or overflowing values are "invalid expire time".
func (x *ctx) expireAt(i, flags int) (int64, bool) {
	v, ok := x.intArg(i)
	if !ok {
		return 0, false
	}
	seconds := flags&(optEX|optEXAT) != 0
	if v <= 0 || (seconds && v > math.MaxInt64/1000) {
		x.errf(errInvalidExpire, x.cmd.fullName)
		return 0, false
	}
	if seconds {
		v *= 1000
	}
	if flags&(optEX|optPX) != 0 {
		v += x.now
	}
	if v <= 0 {
		x.errf(errInvalidExpire, x.cmd.fullName)
		return 0, false
	}
	return v, true
}

// getGeneric replies with the string at key, or null, and reports false
// after replying WRONGTYPE (getGenericCommand in t_string.c).
func (x *ctx) getGeneric(key string) bool {
	o := x.lookupRead(key)
	if o == nil {
		x.w.null()
		return true
	}
	if o.Type != store.TypeString {
		x.wrongType()
		return false
	}
	x.w.bulk(o.Str)
	return true
}

func cmdGet(x *ctx) { x.getGeneric(x.key(1)) }

func cmdSet(x *ctx) {
	flags, expIdx, ok := parseStringOptions(x, true)
	if !ok {
		return
	}
	setGeneric(x, flags, 2, expIdx, false)
}

// setGeneric implements SET, SETNX, SETEX and PSETEX, mirroring
// setGenericCommand in t_string.c. The value is argv[valIdx], the expiry
// argv[expIdx] when expIdx > 0; intReply selects SETNX's 1/0 replies. A
// write with an expiry propagates as SET key value PXAT <ms>, and SET with
// GET propagates without its GET arguments.
func setGeneric(x *ctx, flags, valIdx, expIdx int, intReply bool) {
	val := x.argv[valIdx]
	var at int64
	if expIdx > 0 {
		var ok bool
		if at, ok = x.expireAt(expIdx, flags); !ok {
			return
		}
	}
	key := x.key(1)
	if flags&optGet != 0 && !x.getGeneric(key) {
		return
	}
	if flags&(optNX|optXX) != 0 {
		found := x.lookupWrite(key) != nil
		if (flags&optNX != 0 && found) || (flags&optXX != 0 && !found) {
			switch {
			case flags&optGet != 0:
			case intReply:
				x.w.int(0)
			default:
				x.w.null()
			}
			return
		}
	}
	o := x.newString(val)
	o.Expire = at
	x.db.Set(key, o, flags&optKeepTTL != 0, x.now)
	switch {
	case flags&optGet != 0:
	case intReply:
		x.w.int(1)
	default:
		x.w.ok()
	}
	switch {
	case expIdx > 0:
		x.propagate([]byte("SET"), x.argv[1], val, []byte("PXAT"), strconv.AppendInt(nil, at, 10))
	case flags&optGet != 0:
		argv := make([][]byte, 0, len(x.argv)-1)
		for j, a := range x.argv {
			if j >= 3 && optIs(a, "GET") {
				continue
			}
			argv = append(argv, a)
		}
		x.propagate(argv...)
	default:
		x.propagateArgv()
	}
}

// cmdGetEX mirrors getexCommand in t_string.c: the reply comes before the
// TTL change, an EXAT/PXAT in the past deletes the key (propagated as DEL,
// or UNLINK under lazyfree-lazy-expire), other expiries propagate as
// PEXPIREAT and PERSIST as PERSIST.
func cmdGetEX(x *ctx) {
	flags, expIdx, ok := parseStringOptions(x, false)
	if !ok {
		return
	}
	key := x.key(1)
	o := x.lookupRead(key)
	if o == nil {
		x.w.null()
		return
	}
	if o.Type != store.TypeString {
		x.wrongType()
		return
	}
	var at int64
	if expIdx > 0 {
		if at, ok = x.expireAt(expIdx, flags); !ok {
			return
		}
	}
	x.w.bulk(o.Str)
	switch {
	case flags&(optEXAT|optPXAT) != 0 && at <= x.now:
		x.db.Delete(key, x.now)
		del := []byte("DEL")
		if x.s.config().tuning["lazyfree-lazy-expire"] == "yes" {
			del = []byte("UNLINK")
		}
		x.propagate(del, x.argv[1])
	case expIdx > 0:
		x.db.SetExpire(key, at)
		x.propagate([]byte("PEXPIREAT"), x.argv[1], strconv.AppendInt(nil, at, 10))
	case flags&optPersist != 0 && o.Expire != 0:
		x.db.SetExpire(key, 0)
		x.propagate([]byte("PERSIST"), x.argv[1])
	}
}

// cmdGetDel mirrors getdelCommand: it propagates as DEL.
func cmdGetDel(x *ctx) {
	key := x.key(1)
	if !x.getGeneric(key) {
		return
	}
	if x.db.Delete(key, x.now) {
		x.propagate([]byte("DEL"), x.argv[1])
	}
}

// cmdGetSet mirrors getsetCommand: it drops the TTL and propagates as SET.
func cmdGetSet(x *ctx) {
	key := x.key(1)
	if !x.getGeneric(key) {
		return
	}
	x.db.Set(key, x.newString(x.argv[2]), false, x.now)
	x.propagate([]byte("SET"), x.argv[1], x.argv[2])
}

// cmdMGet replies null for missing keys and for non-string values.
func cmdMGet(x *ctx) {
	x.w.array(len(x.argv) - 1)
	for _, k := range x.argv[1:] {
		o := x.lookupRead(string(k))
		if o == nil || o.Type != store.TypeString {
			x.w.null()
			continue
		}
		x.w.bulk(o.Str)
	}
}

func cmdMSet(x *ctx) { msetGeneric(x, false) }

func cmdMSetNX(x *ctx) { msetGeneric(x, true) }

// msetGeneric mirrors msetGenericCommand: MSETNX sets nothing, and
// propagates nothing, when any key exists.
func msetGeneric(x *ctx, nx bool) {
	if len(x.argv)%2 == 0 {
		x.errf(errWrongArityFmt, x.cmd.fullName)
		return
	}
	if nx {
		for j := 1; j < len(x.argv); j += 2 {
			if x.lookupWrite(string(x.argv[j])) != nil {
				x.w.int(0)
				return
			}
		}
	}
	for j := 1; j < len(x.argv); j += 2 {
		x.db.Set(string(x.argv[j]), x.newString(x.argv[j+1]), false, x.now)
	}
	if nx {
		x.w.int(1)
	} else {
		x.w.ok()
	}
	x.propagateArgv()
}

// cmdAppend mirrors appendCommand: a new key stores the argument as SET
// would; an existing one becomes a raw string grown in place.
func cmdAppend(x *ctx) {
	key := x.key(1)
	add := x.argv[2]
	o := x.lookupWrite(key)
	if o == nil {
		o = x.newString(add)
		x.db.Set(key, o, false, x.now)
	} else {
		if o.Type != store.TypeString {
			x.wrongType()
			return
		}
		if !x.checkStringLength(int64(len(o.Str)), int64(len(add))) {
			return
		}
		o = unshare(o)
		o.Str = append(o.Str, add...)
		x.db.Touched(key)
	}
	x.w.int(int64(len(o.Str)))
	x.propagateArgv()
}

func cmdStrlen(x *ctx) {
	o := x.lookupRead(x.key(1))
	if o == nil {
		x.w.int(0)
		return
	}
	if o.Type != store.TypeString {
		x.wrongType()
		return
	}
	x.w.int(int64(len(o.Str)))
}

func cmdIncrBy(x *ctx) {
	n, ok := x.intArg(2)
	if ok {
		incrDecr(x, n)
	}
}

func cmdDecrBy(x *ctx) {
	n, ok := x.intArg(2)
	if !ok {
		return
	}
	if n == math.MinInt64 {
		x.err(errDecrOverflow)
		return
	}
	incrDecr(x, -n)
}

// incrDecr mirrors incrDecrCommand in t_string.c. The result is an
// int-encoded string that keeps the key's TTL; an existing string is
// rewritten in place, as Redis does for an unshared int object.
func incrDecr(x *ctx, incr int64) {
	key := x.key(1)
	o := x.lookupWrite(key)
	var v int64
	if o != nil {
		if o.Type != store.TypeString {
			x.wrongType()
			return
		}
		var ok bool
		if v, ok = store.ParseInt(o.Str); !ok {
			x.err(errNotInteger)
			return
		}
	}
	if (incr < 0 && v < 0 && incr < math.MinInt64-v) || (incr > 0 && v > 0 && incr > math.MaxInt64-v) {
		x.err(errOverflow)
		return
	}
	v += incr
	if o != nil {
		o.Str = strconv.AppendInt(o.Str[:0], v, 10)
		o.Raw = false
		x.db.Touched(key)
	} else {
		o = &store.Object{Type: store.TypeString, LRU: store.LRUClock(x.now), Str: strconv.AppendInt(nil, v, 10)}
		x.db.Set(key, o, false, x.now)
	}
	x.w.int(v)
	x.propagateArgv()
}

// cmdIncrByFloat mirrors incrbyfloatCommand: the sum is computed in x87
// long double precision and formatted as "%.17Lf" without trailing zeros;
// it propagates as SET key result KEEPTTL.
func cmdIncrByFloat(x *ctx) {
	key := x.key(1)
	o := x.lookupWrite(key)
	cur := zeroLongDouble()
	if o != nil {
		if o.Type != store.TypeString {
			x.wrongType()
			return
		}
		var ok bool
		if cur, ok = parseLongDouble(o.Str); !ok {
			x.err(errNotFloat)
			return
		}
	}
	incr, ok := parseLongDouble(x.argv[2])
	if !ok {
		x.err(errNotFloat)
		return
	}
	sum, ok := addLongDouble(cur, incr)
	if !ok {
		x.err(errIncrFloatNaN)
		return
	}
	res := formatLongDoubleHuman(sum)
	no := x.newString(res)
	no.NoInt = true
	x.db.Set(key, no, true, x.now)
	x.w.bulk(res)
	x.propagate([]byte("SET"), x.argv[1], res, []byte("KEEPTTL"))
}

// cmdGetRange mirrors getrangeCommand (GETRANGE and SUBSTR).
func cmdGetRange(x *ctx) {
	start, ok := x.intArg(2)
	if !ok {
		return
	}
	end, ok := x.intArg(3)
	if !ok {
		return
	}
	o := x.lookupRead(x.key(1))
	if o == nil {
		x.w.bulk(nil)
		return
	}
	if o.Type != store.TypeString {
		x.wrongType()
		return
	}
	if lo, hi, ok := clampRange(start, end, int64(len(o.Str))); ok {
		x.w.bulk(o.Str[lo : hi+1])
	} else {
		x.w.bulk(nil)
	}
}

// clampIndexes resolves Redis's negative indexes against a length n and
// clamps them into [0, n-1]: the shared prologue of getrangeCommand,
// bitcountCommand and bitposCommand. An empty range comes out as end < start.
func clampIndexes(start, end, n int64) (int64, int64) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = 0
	}
	if end >= n {
		end = n - 1
	}
	return start, end
}

// clampRange applies getrangeCommand's index rules to a string of n bytes:
// negative indexes count from the end, two negative indexes in reverse
// order select nothing, and the range is clamped to the string.
func clampRange(start, end, n int64) (int64, int64, bool) {
	if start < 0 && end < 0 && start > end {
		return 0, 0, false
	}
	start, end = clampIndexes(start, end, n)
	if start > end || n == 0 {
		return 0, 0, false
	}
	return start, end, true
}

// cmdSetRange mirrors setrangeCommand: writing nothing changes nothing (and
// creates no key); otherwise the string is zero-padded up to the offset.
func cmdSetRange(x *ctx) {
	offset, ok := x.intArg(2)
	if !ok {
		return
	}
	if offset < 0 {
		x.err(errOffsetRange)
		return
	}
	key := x.key(1)
	val := x.argv[3]
	o := x.lookupWrite(key)
	if o == nil {
		if len(val) == 0 {
			x.w.int(0)
			return
		}
		if !x.checkStringLength(offset, int64(len(val))) {
			return
		}
		o = &store.Object{Type: store.TypeString, Raw: true, LRU: store.LRUClock(x.now), Str: make([]byte, int(offset)+len(val))}
		copy(o.Str[offset:], val)
		x.db.Set(key, o, false, x.now)
	} else {
		if o.Type != store.TypeString {
			x.wrongType()
			return
		}
		if len(val) == 0 {
			x.w.int(int64(len(o.Str)))
			return
		}
		if !x.checkStringLength(offset, int64(len(val))) {
			return
		}
		o = unshare(o)
		o.Str = growZero(o.Str, int(offset)+len(val))
		copy(o.Str[offset:], val)
		x.db.Touched(key)
	}
	x.w.int(int64(len(o.Str)))
	x.propagateArgv()
}

// growZero extends b with zero bytes to at least n bytes (sdsgrowzero).
func growZero(b []byte, n int) []byte {
	if n <= len(b) {
		return b
	}
	if n <= cap(b) {
		old := len(b)
		b = b[:n]
		clear(b[old:])
		return b
	}
	return append(b, make([]byte, n-len(b))...)
}

// cmdLCS mirrors lcsCommand in t_string.c (Redis 7.0): the longest common
// subsequence by the classic dynamic programming table, walked back from the
// end to emit the matching ranges for IDX.
func cmdLCS(x *ctx) {
	oa := x.lookupRead(x.key(1))
	ob := x.lookupRead(x.key(2))
	if (oa != nil && oa.Type != store.TypeString) || (ob != nil && ob.Type != store.TypeString) {
		x.err(errLCSKeyType)
		return
	}
	var a, b []byte
	if oa != nil {
		a = oa.Str
	}
	if ob != nil {
		b = ob.Str
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(x.argv); j++ {
		opt := x.argv[j]
		switch {
		case optIs(opt, "IDX"):
			getIdx = true
		case optIs(opt, "LEN"):
			getLen = true
		case optIs(opt, "WITHMATCHLEN"):
			withMatchLen = true
		case optIs(opt, "MINMATCHLEN") && j < len(x.argv)-1:
			n, ok := x.intArg(j + 1)
			if !ok {
				return
			}
			minMatchLen = max(n, 0)
			j++
		default:
			x.err(errSyntax)
			return
		}
	}
	if getLen && getIdx {
		x.err(errLCSLenAndIdx)
		return
	}
	if len(a) >= math.MaxUint32-1 || len(b) >= math.MaxUint32-1 {
		x.err(errLCSTooLong)
		return
	}
	cells := uint64(len(a)+1) * uint64(len(b)+1)
	if cells*4 > uint64(x.s.config().ProtoMaxBulkLen) {
		x.err(errLCSMemory)
		return
	}
	m := lcsTable(a, b)
	w := len(b) + 1
	total := m[len(a)*w+len(b)]
	if getLen {
		x.w.int(int64(total))
		return
	}
	res := make([]byte, total)
	idx := total
	var matches []lcsMatch
	i, j := len(a), len(b)
	aStart, aEnd, bStart, bEnd := len(a), 0, 0, 0 // aStart == len(a): no range open
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			res[idx-1] = a[i-1]
			switch {
			case aStart == len(a):
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			case aStart == i && bStart == j:
				aStart--
				bStart--
			default:
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if m[(i-1)*w+j] > m[i*w+j-1] {
				i--
			} else {
				j--
			}
			if aStart != len(a) {
				emit = true
			}
		}
		if emit {
			n := int64(aEnd - aStart + 1)
			if getIdx && (minMatchLen == 0 || n >= minMatchLen) {
				matches = append(matches, lcsMatch{aStart, aEnd, bStart, bEnd, n})
			}
			aStart = len(a)
		}
	}
	if !getIdx {
		x.w.bulk(res)
		return
	}
	x.w.mapHeader(2)
	x.w.bulkString("matches")
	x.w.array(len(matches))
	for _, r := range matches {
		if withMatchLen {
			x.w.array(3)
		} else {
			x.w.array(2)
		}
		x.w.array(2)
		x.w.int(int64(r.aStart))
		x.w.int(int64(r.aEnd))
		x.w.array(2)
		x.w.int(int64(r.bStart))
		x.w.int(int64(r.bEnd))
		if withMatchLen {
			x.w.int(r.length)
		}
	}
	x.w.bulkString("len")
	x.w.int(int64(total))
}

// lcsMatch is one range pair of LCS IDX.
type lcsMatch struct {
	aStart, aEnd, bStart, bEnd int
	length                     int64
}

// lcsTable returns the LCS length table of a and b, indexed
// [i*(len(b)+1)+j] for the prefixes a[:i] and b[:j].
func lcsTable(a, b []byte) []uint32 {
	w := len(b) + 1
	m := make([]uint32, (len(a)+1)*w)
	for i := 1; i <= len(a); i++ {
		row, prev := m[i*w:(i+1)*w], m[(i-1)*w:i*w]
		for j := 1; j <= len(b); j++ {
			switch {
			case a[i-1] == b[j-1]:
				row[j] = prev[j-1] + 1
			case prev[j] > row[j-1]:
				row[j] = prev[j]
			default:
				row[j] = row[j-1]
			}
		}
	}
	return m
}

// x87 extended precision (the long double of Redis on amd64): a 64-bit
// significand, normal values from 2^-16382 below 2^16384, subnormals down to
// 2^-16445.
const (
	ldPrec        = 64
	ldMaxExp      = 16384  // values reach 2^ldMaxExp only as infinity
	ldMinNormExp  = -16382 // smallest normal value is 2^ldMinNormExp
	ldSubnormExp  = -16445 // subnormals are multiples of 2^ldSubnormExp
	ldMaxChars    = 5 * 1024
	ldMaxDecExp   = 4933  // 10^4933 overflows
	ldMinDecExp   = -4951 // below 10^-4951 a value rounds to zero
	ldExpSaturate = 1 << 40
)

// longDouble is a finite x87 extended value held exactly in a big.Float of
// 64-bit precision, or an infinity (inf = ±1). Redis does INCRBYFLOAT
// arithmetic in long double, whose rounding and range slotd reproduces.
type longDouble struct {
	f   *big.Float
	inf int
}

func zeroLongDouble() longDouble { return longDouble{f: newLDFloat()} }

func newLDFloat() *big.Float { return new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven) }

// parseLongDouble parses b as Redis's string2ld does with glibc's strtold:
// leading space is refused, the whole of b must be a decimal or hexadecimal
// float or an infinity, NaN is refused, and so are values that overflow to
// infinity or underflow to zero.
func parseLongDouble(b []byte) (longDouble, bool) {
	if len(b) == 0 || len(b) >= ldMaxChars {
		return longDouble{}, false
	}
	switch b[0] {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return longDouble{}, false
	}
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		b = b[1:]
	}
	if optIs(b, "INF") && len(b) == 3 || optIs(b, "INFINITY") && len(b) == 8 {
		if neg {
			return longDouble{inf: -1}, true
		}
		return longDouble{inf: 1}, true
	}
	var r *big.Rat
	var ok bool
	if len(b) > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X') {
		r, ok = parseHexFloat(b[2:])
	} else {
		r, ok = parseDecFloat(b)
	}
	if !ok {
		return longDouble{}, false
	}
	v := zeroLongDouble()
	if r != nil {
		if v, ok = roundLongDouble(r); !ok {
			return longDouble{}, false
		}
	}
	if neg {
		v.f.Neg(v.f)
	}
	return v, true
}

// scanDigits returns the length of the run of digits at the start of b.
func scanDigits(b []byte, hex bool) int {
	n := 0
	for n < len(b) {
		c := b[n]
		if !('0' <= c && c <= '9' || hex && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F')) {
			break
		}
		n++
	}
	return n
}

// scanMantissa splits b into the digits of a mantissa with an optional
// point, returning them without the point, the count after the point, and
// the rest of b. ok is false when there is no digit.
func scanMantissa(b []byte, hex bool) (digits []byte, frac int, rest []byte, ok bool) {
	n := scanDigits(b, hex)
	digits = append(digits, b[:n]...)
	b = b[n:]
	if len(b) > 0 && b[0] == '.' {
		m := scanDigits(b[1:], hex)
		digits = append(digits, b[1:1+m]...)
		frac = m
		b = b[1+m:]
	}
	return digits, frac, b, len(digits) > 0
}

// scanExponent parses a signed exponent after its marker, saturating; ok is
// false when b does not hold exactly one.
func scanExponent(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || scanDigits(b, false) != len(b) {
		return 0, false
	}
	var e int64
	for _, c := range b {
		if e < ldExpSaturate {
			e = e*10 + int64(c-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}

// parseDecFloat returns the exact value of a decimal float, or nil for zero.
func parseDecFloat(b []byte) (*big.Rat, bool) {
	digits, frac, rest, ok := scanMantissa(b, false)
	if !ok {
		return nil, false
	}
	var exp int64
	if len(rest) > 0 {
		if rest[0] != 'e' && rest[0] != 'E' {
			return nil, false
		}
		if exp, ok = scanExponent(rest[1:]); !ok {
			return nil, false
		}
	}
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return nil, true
	}
	exp -= int64(frac)
	mag := exp + int64(len(digits)) // the value lies in [10^(mag-1), 10^mag)
	if mag-1 >= ldMaxDecExp || mag <= ldMinDecExp {
		return nil, false
	}
	m, _ := new(big.Int).SetString(string(digits), 10)
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(abs64(exp)), nil)
	if exp >= 0 {
		return new(big.Rat).SetInt(m.Mul(m, p)), true
	}
	return new(big.Rat).SetFrac(m, p), true
}

// parseHexFloat returns the exact value of the part of a hexadecimal float
// after "0x", or nil for zero.
func parseHexFloat(b []byte) (*big.Rat, bool) {
	digits, frac, rest, ok := scanMantissa(b, true)
	if !ok {
		return nil, false
	}
	var exp int64
	if len(rest) > 0 {
		if rest[0] != 'p' && rest[0] != 'P' {
			return nil, false
		}
		if exp, ok = scanExponent(rest[1:]); !ok {
			return nil, false
		}
	}
	m, _ := new(big.Int).SetString(string(digits), 16)
	if m.Sign() == 0 {
		return nil, true
	}
	exp -= 4 * int64(frac)
	bits := int64(m.BitLen()) // the value lies in [2^(exp+bits-1), 2^(exp+bits))
	if exp+bits-1 >= ldMaxExp || exp+bits <= ldSubnormExp-2 {
		return nil, false
	}
	if exp >= 0 {
		return new(big.Rat).SetInt(m.Lsh(m, uint(exp))), true
	}
	return new(big.Rat).SetFrac(m, new(big.Int).Lsh(big.NewInt(1), uint(-exp))), true
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// roundLongDouble rounds the positive exact value r to long double, to
// nearest even, and fails on overflow or when r rounds to zero.
func roundLongDouble(r *big.Rat) (longDouble, bool) {
	f := newLDFloat().SetRat(r)
	exp := f.MantExp(nil) // f lies in [2^(exp-1), 2^exp)
	if exp > ldMaxExp {
		return longDouble{}, false
	}
	if exp <= ldMinNormExp+1 {
		minNormal := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), -ldMinNormExp))
		if r.Cmp(minNormal) < 0 {
			// Subnormal: round to a multiple of 2^ldSubnormExp.
			scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), -ldSubnormExp)))
			n := roundHalfEven(scaled)
			if n.Sign() == 0 {
				return longDouble{}, false
			}
			f.SetInt(n)
			f.SetMantExp(f, ldSubnormExp)
		}
	}
	return longDouble{f: f}, true
}

// roundHalfEven rounds a non-negative rational to the nearest integer, ties
// to even.
func roundHalfEven(r *big.Rat) *big.Int {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	switch c := new(big.Int).Lsh(m, 1).Cmp(r.Denom()); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		q.Add(q, big.NewInt(1))
	}
	return q
}

// addLongDouble adds in long double precision; it fails when the sum is an
// infinity or NaN.
func addLongDouble(a, b longDouble) (longDouble, bool) {
	if a.inf != 0 || b.inf != 0 {
		return longDouble{}, false
	}
	// A sum of subnormals is exact, so rounding to 64 bits matches the FPU.
	s := newLDFloat().Add(a.f, b.f)
	if s.Sign() != 0 && s.MantExp(nil) > ldMaxExp {
		return longDouble{}, false
	}
	return longDouble{f: s}, true
}

// formatLongDoubleHuman formats v as ld2string's LD_STR_HUMAN mode:
// "%.17Lf" with trailing zeros and a trailing point removed, and "-0" as "0".
func formatLongDoubleHuman(v longDouble) []byte {
	b := v.f.Append(nil, 'f', 17)
	for len(b) > 0 && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if len(b) > 0 && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if string(b) == "-0" {
		return []byte("0")
	}
	return b
}

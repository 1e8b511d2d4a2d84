package node

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"

	"github.com/slotd/slotd/node/store"
)

// Error replies of the sorted set commands (t_zset.c).
const (
	errZMinMaxFloat   = "ERR min or max is not a float"
	errZMinMaxLex     = "ERR min or max not valid string range item"
	errZNaN           = "ERR resulting score is not a number (NaN)"
	errZXXNX          = "ERR XX and NX options at the same time are not compatible"
	errZGTLTNX        = "ERR GT, LT, and/or NX options at the same time are not compatible"
	errZIncrPair      = "ERR INCR option supports a single increment-element pair"
	errZLimitRank     = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errZWithscoresLex = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	errZWeight        = "ERR weight value is not a float"
	errZNoKeysFmt     = "ERR at least 1 input key is needed for '%s' command"
	errZNumkeys       = "ERR numkeys should be greater than 0"
	errZCount         = "ERR count should be greater than 0"
	errZLimitNeg      = "ERR LIMIT can't be negative"
	errZRandRange     = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	errZRandWithScore = "ERR value is out of range"
)

// zsetCommands declares the sorted set commands of t_zset.c.
func zsetCommands() []cmdDef {
	return []cmdDef{
		{name: "zadd", handler: func(x *ctx) { zaddGeneric(x, 0) }},
		{name: "zincrby", handler: func(x *ctx) { zaddGeneric(x, zaddIncr) }},
		{name: "zcard", handler: func(x *ctx) { x.replyLen(store.TypeZSet) }},
		{name: "zcount", handler: cmdZCount},
		{name: "zlexcount", handler: cmdZLexCount},
		{name: "zscore", handler: cmdZScore},
		{name: "zmscore", handler: cmdZMScore},
		{name: "zrank", handler: func(x *ctx) { zrankGeneric(x, false) }},
		{name: "zrevrank", handler: func(x *ctx) { zrankGeneric(x, true) }},
		{name: "zrange", handler: func(x *ctx) { zrangeGeneric(x, 1, false, zrangeAuto, zdirAuto) }},
		{name: "zrangestore", handler: func(x *ctx) { zrangeGeneric(x, 2, true, zrangeAuto, zdirAuto) }},
		{name: "zrevrange", handler: func(x *ctx) { zrangeGeneric(x, 1, false, zrangeRank, zdirReverse) }},
		{name: "zrangebyscore", handler: func(x *ctx) { zrangeGeneric(x, 1, false, zrangeScore, zdirForward) }},
		{name: "zrevrangebyscore", handler: func(x *ctx) { zrangeGeneric(x, 1, false, zrangeScore, zdirReverse) }},
		{name: "zrangebylex", handler: func(x *ctx) { zrangeGeneric(x, 1, false, zrangeLex, zdirForward) }},
		{name: "zrevrangebylex", handler: func(x *ctx) { zrangeGeneric(x, 1, false, zrangeLex, zdirReverse) }},
		{name: "zrem", handler: cmdZRem},
		{name: "zremrangebyrank", handler: func(x *ctx) { zremrangeGeneric(x, zrangeRank) }},
		{name: "zremrangebyscore", handler: func(x *ctx) { zremrangeGeneric(x, zrangeScore) }},
		{name: "zremrangebylex", handler: func(x *ctx) { zremrangeGeneric(x, zrangeLex) }},
		{name: "zpopmin", handler: func(x *ctx) { zpopMinMax(x, false) }},
		{name: "zpopmax", handler: func(x *ctx) { zpopMinMax(x, true) }},
		{name: "zmpop", handler: cmdZMPop},
		{name: "bzpopmin", handler: func(x *ctx) { cmdBZPop(x, false) }, lock: lockWalk},
		{name: "bzpopmax", handler: func(x *ctx) { cmdBZPop(x, true) }, lock: lockWalk},
		{name: "bzmpop", handler: cmdBZMPop, lock: lockWalk},
		{name: "zrandmember", handler: cmdZRandMember},
		{name: "zunion", handler: func(x *ctx) { zsetOpGeneric(x, -1, 1, zopUnion, false) }},
		{name: "zinter", handler: func(x *ctx) { zsetOpGeneric(x, -1, 1, zopInter, false) }},
		{name: "zdiff", handler: func(x *ctx) { zsetOpGeneric(x, -1, 1, zopDiff, false) }},
		{name: "zunionstore", handler: func(x *ctx) { zsetOpGeneric(x, 1, 2, zopUnion, false) }},
		{name: "zinterstore", handler: func(x *ctx) { zsetOpGeneric(x, 1, 2, zopInter, false) }},
		{name: "zdiffstore", handler: func(x *ctx) { zsetOpGeneric(x, 1, 2, zopDiff, false) }},
		{name: "zintercard", handler: func(x *ctx) { zsetOpGeneric(x, -1, 1, zopInter, true) }},
		{name: "zscan", handler: cmdZScan},
	}
}

// zsetOf returns o's sorted set, nil for a missing key; ok is false after
// replying WRONGTYPE (checkType).
func (x *ctx) zsetOf(o *store.Object) (*store.ZSet, bool) {
	return valueOf[*store.ZSet](x, o, store.TypeZSet)
}

// newZSetObject wraps a sorted set in a keyspace object.
func (x *ctx) newZSetObject(z *store.ZSet) *store.Object {
	return &store.Object{Type: store.TypeZSet, Val: z, LRU: store.LRUClock(x.now)}
}

// zsetStoreResult writes the entries of a STORE command's result, already in
// order, to key: an empty result deletes the key. The destination's
// encoding follows the result's size and longest member, as
// zsetConvertToListpackIfNeeded does; the command propagates as sent when
// it changed anything. It replies the result's size. A destination that did
// not exist wakes the clients blocked on it, as setKey's dbAdd signals it.
func (x *ctx) zsetStoreResult(key string, members []string, scores []float64) {
	if len(members) == 0 {
		if x.db.Delete(key, x.now) {
			x.propagateArgv()
		}
		x.w.int(0)
		return
	}
	cfg := x.s.config()
	listpack := int64(len(members)) <= cfg.ZsetMaxListpackEntries
	for _, m := range members {
		if int64(len(m)) > cfg.ZsetMaxListpackValue {
			listpack = false
			break
		}
	}
	z := store.NewZSet(listpack)
	for i, m := range members {
		z.Insert(m, scores[i])
	}
	created := !x.db.Exists(key, x.now)
	x.db.Set(key, x.newZSetObject(z), false, x.now)
	x.propagateArgv()
	x.w.int(int64(len(members)))
	if created {
		x.signalKeyReady(key)
	}
}

// cStrtod parses the longest prefix of b that C's strtod accepts (leading
// white space, a sign, decimal or hexadecimal digits with an exponent, inf,
// infinity, nan) and returns the value, the bytes consumed (0 when nothing
// converts) and whether the result overflowed or underflowed to zero
// (ERANGE).
func cStrtod(b []byte) (v float64, n int, erange bool) {
	i := 0
	for i < len(b) && isCSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	rest := b[i:]
	sign := 1.0
	if neg {
		sign = -1
	}
	switch {
	case hasPrefixFold(rest, "infinity"):
		return math.Inf(int(sign)), i + 8, false
	case hasPrefixFold(rest, "inf"):
		return math.Inf(int(sign)), i + 3, false
	case hasPrefixFold(rest, "nan"):
		j := 3
		if len(rest) > 3 && rest[3] == '(' {
			k := 4
			for k < len(rest) && (isAlnum(rest[k]) || rest[k] == '_') {
				k++
			}
			if k < len(rest) && rest[k] == ')' {
				j = k + 1
			}
		}
		return math.NaN(), i + j, false
	}
	hex := len(rest) >= 2 && rest[0] == '0' && lower(rest[1]) == 'x'
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	digit := isDigit
	j := 0
	if hex {
		j = 2
		digit = func(c byte) bool { return isDigit(c) || (lower(c) >= 'a' && lower(c) <= 'f') }
	}
	digits, nonzero := 0, false
	for ; j < len(rest) && digit(rest[j]); j++ {
		digits++
		nonzero = nonzero || rest[j] != '0'
	}
	if j < len(rest) && rest[j] == '.' {
		for j++; j < len(rest) && digit(rest[j]); j++ {
			digits++
			nonzero = nonzero || rest[j] != '0'
		}
	}
	if digits == 0 {
		if hex {
			// "0x" without digits converts the "0".
			return math.Copysign(0, sign), i + 1, false
		}
		return 0, 0, false
	}
	mant := j
	expChar := byte('e')
	if hex {
		expChar = 'p'
	}
	if j < len(rest) && lower(rest[j]) == expChar {
		k := j + 1
		if k < len(rest) && (rest[k] == '+' || rest[k] == '-') {
			k++
		}
		if k < len(rest) && isDigit(rest[k]) {
			for k < len(rest) && isDigit(rest[k]) {
				k++
			}
			j = k
		}
	}
	text := string(rest[:j])
	if hex && j == mant {
		text += "p0"
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !math.IsInf(f, 0) {
		// A huge exponent that ParseFloat rejects: the value is beyond
		// every double either way.
		f = math.Inf(1)
	}
	erange = math.IsInf(f, 0) || (f == 0 && nonzero)
	return sign * f, i + j, erange
}

func isCSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

func isAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'z')
}

func hasPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && optIs(b[:len(p)], p)
}

// parseDouble is getDoubleFromObject in object.c (Redis 7.0): the whole
// argument must be a number, with no leading space, no overflow or
// underflow to zero, and not NaN.
func parseDouble(b []byte) (float64, bool) {
	if len(b) == 0 || isCSpace(b[0]) {
		return 0, false
	}
	v, n, erange := cStrtod(b)
	if n != len(b) || erange || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// parseScoreBound is one half of zslParseRange: an optional '(' for an
// exclusive bound, then strtod up to the end of the C string; NaN is
// refused.
func parseScoreBound(b []byte) (v float64, ex, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		ex = true
		b = b[1:]
	}
	v, n, _ := cStrtod(b)
	if (n < len(b) && b[n] != 0) || math.IsNaN(v) {
		return 0, false, false
	}
	return v, ex, true
}

// parseScoreRange is zslParseRange.
func parseScoreRange(min, max []byte) (store.ScoreRange, bool) {
	var r store.ScoreRange
	var ok bool
	if r.Min, r.MinEx, ok = parseScoreBound(min); !ok {
		return r, false
	}
	r.Max, r.MaxEx, ok = parseScoreBound(max)
	return r, ok
}

// parseLexBound is zslParseLexRangeItem: "+" and "-" (as C strings) are
// the infinities, '(' and '[' prefix an exclusive or inclusive member.
func parseLexBound(b []byte) (store.LexBound, bool) {
	if len(b) == 0 {
		return store.LexBound{}, false
	}
	switch b[0] {
	case '+', '-':
		if len(b) > 1 && b[1] != 0 {
			return store.LexBound{}, false
		}
		inf := 1
		if b[0] == '-' {
			inf = -1
		}
		return store.LexBound{Inf: inf, Ex: true}, true
	case '(':
		return store.LexBound{S: string(b[1:]), Ex: true}, true
	case '[':
		return store.LexBound{S: string(b[1:])}, true
	}
	return store.LexBound{}, false
}

// parseLexRange is zslParseLexRange.
func parseLexRange(min, max []byte) (store.LexRange, bool) {
	lo, ok1 := parseLexBound(min)
	hi, ok2 := parseLexBound(max)
	return store.LexRange{Min: lo, Max: hi}, ok1 && ok2
}

// Input flags of ZADD (ZADD_IN_* in server.h, plus CH).
const (
	zaddIncr = 1 << iota
	zaddNX
	zaddXX
	zaddGT
	zaddLT
	zaddCH
)

// zaddOption returns the flag an option of ZADD sets, 0 for a non-option.
func zaddOption(a []byte) int {
	for _, o := range [...]struct {
		name string
		flag int
	}{{"nx", zaddNX}, {"xx", zaddXX}, {"ch", zaddCH}, {"incr", zaddIncr}, {"gt", zaddGT}, {"lt", zaddLT}} {
		if optIs(a, o.name) {
			return o.flag
		}
	}
	return 0
}

// Output flags of zsetAdd.
const (
	zaddAdded = 1 << iota
	zaddUpdated
	zaddNop
)

// zsetAdd is zsetAdd in t_zset.c: it adds or updates member under the
// NX/XX/GT/LT/INCR rules, converting a listpack that would outgrow its
// limits first. ok is false when the result would be NaN.
func zsetAdd(z *store.ZSet, cfg *Config, score float64, member []byte, flags int) (newScore float64, out int, ok bool) {
	if cur, found := z.Score(member); found {
		if flags&zaddNX != 0 {
			return 0, zaddNop, true
		}
		if flags&zaddIncr != 0 {
			score += cur
			if math.IsNaN(score) {
				return 0, 0, false
			}
		}
		if (flags&zaddLT != 0 && score >= cur) || (flags&zaddGT != 0 && score <= cur) {
			return 0, zaddNop, true
		}
		if score != cur {
			z.Update(string(member), cur, score)
			out = zaddUpdated
		}
		return score, out, true
	}
	if flags&zaddXX != 0 {
		return 0, zaddNop, true
	}
	if z.Listpack() && (int64(z.Len())+1 > cfg.ZsetMaxListpackEntries || int64(len(member)) > cfg.ZsetMaxListpackValue) {
		z.ConvertToSkiplist()
	}
	z.Insert(string(member), score)
	return score, zaddAdded, true
}

// zaddGeneric is zaddGenericCommand, for ZADD and ZINCRBY (which takes the
// same options, so "ZINCRBY key nx m" is a syntax error as in Redis). Both
// propagate as sent when they changed the set.
func zaddGeneric(x *ctx, flags int) {
	idx := 2
	for ; idx < len(x.argv); idx++ {
		f := zaddOption(x.argv[idx])
		if f == 0 {
			break
		}
		flags |= f
	}
	ch := flags&zaddCH != 0
	elements := len(x.argv) - idx
	if elements%2 != 0 || elements == 0 {
		x.err(errSyntax)
		return
	}
	elements /= 2
	nx, xx, gt, lt := flags&zaddNX != 0, flags&zaddXX != 0, flags&zaddGT != 0, flags&zaddLT != 0
	incr := flags&zaddIncr != 0
	switch {
	case nx && xx:
		x.err(errZXXNX)
		return
	case (gt && nx) || (lt && nx) || (gt && lt):
		x.err(errZGTLTNX)
		return
	case incr && elements > 1:
		x.err(errZIncrPair)
		return
	}
	scores := make([]float64, elements)
	for j := range scores {
		s, ok := parseDouble(x.argv[idx+2*j])
		if !ok {
			x.err(errNotFloat)
			return
		}
		scores[j] = s
	}
	key := x.key(1)
	o := x.lookupWrite(key)
	z, ok := x.zsetOf(o)
	if !ok {
		return
	}
	cfg := x.s.config()
	added, updated, processed := 0, 0, 0
	var score float64
	created := z == nil && !xx
	if created {
		listpack := cfg.ZsetMaxListpackEntries != 0 && int64(len(x.argv[idx+1])) <= cfg.ZsetMaxListpackValue
		z = store.NewZSet(listpack)
		x.db.Set(key, x.newZSetObject(z), false, x.now)
	}
	if z != nil {
		for j := 0; j < elements; j++ {
			newScore, out, ok := zsetAdd(z, cfg, scores[j], x.argv[idx+1+2*j], flags)
			if !ok {
				// Only INCR, with a single pair, can produce NaN, so
				// nothing has changed yet.
				x.err(errZNaN)
				return
			}
			if out&zaddAdded != 0 {
				added++
			}
			if out&zaddUpdated != 0 {
				updated++
			}
			if out&zaddNop == 0 {
				processed++
			}
			score = newScore
		}
	}
	x.zaddFinish(key, added, updated)
	switch {
	case incr && processed > 0:
		x.w.double(score)
	case incr:
		x.w.null()
	case ch:
		x.w.int(int64(added + updated))
	default:
		x.w.int(int64(added))
	}
	if created {
		// dbAdd signals a new sorted set to BZPOPMIN and BZMPOP.
		x.signalKeyReady(key)
	}
}

// zaddFinish signals and propagates a ZADD that changed the set.
func (x *ctx) zaddFinish(key string, added, updated int) {
	if added+updated > 0 {
		x.db.Touched(key)
		x.propagateArgv()
	}
}

// cmdZCount is zcountCommand.
func cmdZCount(x *ctx) {
	r, ok := parseScoreRange(x.argv[2], x.argv[3])
	if !ok {
		x.err(errZMinMaxFloat)
		return
	}
	z, ok := x.zsetOf(x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	if z == nil {
		x.w.int(0)
		return
	}
	lo, hi := z.ScoreSpan(r)
	x.w.int(int64(hi - lo))
}

// cmdZLexCount is zlexcountCommand.
func cmdZLexCount(x *ctx) {
	r, ok := parseLexRange(x.argv[2], x.argv[3])
	if !ok {
		x.err(errZMinMaxLex)
		return
	}
	z, ok := x.zsetOf(x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	if z == nil {
		x.w.int(0)
		return
	}
	lo, hi := z.LexSpan(r, false)
	x.w.int(int64(hi - lo))
}

// cmdZScore is zscoreCommand.
func cmdZScore(x *ctx) {
	z, ok := x.zsetOf(x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	if z != nil {
		if s, found := z.Score(x.argv[2]); found {
			x.w.double(s)
			return
		}
	}
	x.w.null()
}

// cmdZMScore is zmscoreCommand.
func cmdZMScore(x *ctx) {
	z, ok := x.zsetOf(x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	x.w.array(len(x.argv) - 2)
	for _, m := range x.argv[2:] {
		if z != nil {
			if s, found := z.Score(m); found {
				x.w.double(s)
				continue
			}
		}
		x.w.null()
	}
}

// zrankGeneric is zrankGenericCommand (Redis 7.0 has no WITHSCORE).
func zrankGeneric(x *ctx, rev bool) {
	z, ok := x.zsetOf(x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	if z != nil {
		if r, _, found := z.Rank(x.argv[2]); found {
			if rev {
				r = z.Len() - 1 - r
			}
			x.w.int(int64(r))
			return
		}
	}
	x.w.null()
}

// Range kinds and directions of zrangeGenericCommand.
const (
	zrangeAuto = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

const (
	zdirAuto = iota
	zdirForward
	zdirReverse
)

// zrangeGeneric is zrangeGenericCommand: ZRANGE and its BYSCORE, BYLEX,
// REV and LIMIT options, the older Z[REV]RANGE[BYSCORE|BYLEX] forms, and
// ZRANGESTORE (start is the index of the source key).
func zrangeGeneric(x *ctx, start int, storeRes bool, kind, dir int) {
	minIdx, maxIdx := start+1, start+2
	withScores := false
	offset, limit := int64(0), int64(-1)
	for j := start + 3; j < len(x.argv); j++ {
		left := len(x.argv) - j - 1
		switch a := x.argv[j]; {
		case !storeRes && optIs(a, "withscores"):
			withScores = true
		case optIs(a, "limit") && left >= 2:
			var ok bool
			if offset, ok = x.intArg(j + 1); !ok {
				return
			}
			if limit, ok = x.intArg(j + 2); !ok {
				return
			}
			j += 2
		case dir == zdirAuto && optIs(a, "rev"):
			dir = zdirReverse
		case kind == zrangeAuto && optIs(a, "bylex"):
			kind = zrangeLex
		case kind == zrangeAuto && optIs(a, "byscore"):
			kind = zrangeScore
		default:
			x.err(errSyntax)
			return
		}
	}
	if dir == zdirAuto {
		dir = zdirForward
	}
	if kind == zrangeAuto {
		kind = zrangeRank
	}
	if limit != -1 && kind == zrangeRank {
		x.err(errZLimitRank)
		return
	}
	if withScores && kind == zrangeLex {
		x.err(errZWithscoresLex)
		return
	}
	rev := dir == zdirReverse
	if rev && kind != zrangeRank {
		minIdx, maxIdx = maxIdx, minIdx
	}
	var (
		rankStart, rankEnd int64
		scoreRange         store.ScoreRange
		lexRange           store.LexRange
		ok                 bool
	)
	switch kind {
	case zrangeRank:
		if rankStart, ok = x.intArg(minIdx); !ok {
			return
		}
		if rankEnd, ok = x.intArg(maxIdx); !ok {
			return
		}
	case zrangeScore:
		if scoreRange, ok = parseScoreRange(x.argv[minIdx], x.argv[maxIdx]); !ok {
			x.err(errZMinMaxFloat)
			return
		}
	case zrangeLex:
		if lexRange, ok = parseLexRange(x.argv[minIdx], x.argv[maxIdx]); !ok {
			x.err(errZMinMaxLex)
			return
		}
	}
	z, ok := x.zsetOf(x.lookupRead(x.key(start)))
	if !ok {
		return
	}
	var from, n int
	if z != nil {
		switch kind {
		case zrangeRank:
			from, n = rankSpan(int64(z.Len()), rankStart, rankEnd)
			if rev {
				from = z.Len() - 1 - from
			}
		case zrangeScore:
			lo, hi := z.ScoreSpan(scoreRange)
			from, n = limitSpan(z.Len(), lo, hi, offset, limit, rev)
		case zrangeLex:
			lo, hi := z.LexSpan(lexRange, rev)
			from, n = limitSpan(z.Len(), lo, hi, offset, limit, rev)
		}
	}
	if storeRes {
		members := make([]string, 0, n)
		scores := make([]float64, 0, n)
		zwalk(z, from, n, rev, func(m string, s float64) {
			members = append(members, m)
			scores = append(scores, s)
		})
		if rev {
			// The destination is a sorted set: its order is its own.
			reverseEntries(members, scores)
		}
		x.zsetStoreResult(x.key(1), members, scores)
		return
	}
	x.zrangeHeader(n, withScores)
	zwalk(z, from, n, rev, func(m string, s float64) { x.zrangeEntry(m, s, withScores) })
}

func reverseEntries(members []string, scores []float64) {
	for i, j := 0, len(members)-1; i < j; i, j = i+1, j-1 {
		members[i], members[j] = members[j], members[i]
		scores[i], scores[j] = scores[j], scores[i]
	}
}

// zwalk visits n entries of z from rank from, upward or downward.
func zwalk(z *store.ZSet, from, n int, rev bool, fn func(m string, s float64)) {
	if n <= 0 {
		return
	}
	visit := func(m string, s float64) bool {
		fn(m, s)
		n--
		return n > 0
	}
	if rev {
		z.Descend(from, visit)
	} else {
		z.Ascend(from, visit)
	}
}

// rankSpan sanitizes a rank range as genericZrangebyrankCommand does and
// returns its first rank and length.
func rankSpan(llen, start, end int64) (from, n int) {
	if start < 0 {
		start += llen
	}
	if end < 0 {
		end += llen
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= llen {
		return 0, 0
	}
	if end >= llen {
		end = llen - 1
	}
	return int(start), int(end - start + 1)
}

// limitSpan applies LIMIT offset count to the ranks [lo, hi) of a score or
// lex range, as the walks of genericZrangebyscoreCommand do: an offset past
// the set or a negative one yields nothing, a negative count means all. It
// returns the first rank to visit (the highest one when rev) and how many.
func limitSpan(size, lo, hi int, offset, limit int64, rev bool) (from, n int) {
	if offset < 0 || (offset > 0 && offset >= int64(size)) {
		return 0, 0
	}
	avail := int64(hi-lo) - offset
	if avail <= 0 {
		return 0, 0
	}
	if limit >= 0 && limit < avail {
		avail = limit
	}
	if rev {
		return hi - 1 - int(offset), int(avail)
	}
	return lo + int(offset), int(avail)
}

// zrangeHeader starts a range reply of n entries: with scores, a flat array
// in RESP2 and an array of pairs in RESP3 (zrangeResultBeginClient).
func (x *ctx) zrangeHeader(n int, withScores bool) {
	if withScores && !x.w.resp3 {
		n *= 2
	}
	x.w.array(n)
}

// zrangeEntry writes one entry of a range reply.
func (x *ctx) zrangeEntry(m string, s float64, withScores bool) {
	if withScores && x.w.resp3 {
		x.w.array(2)
	}
	x.w.bulkString(m)
	if withScores {
		x.w.double(s)
	}
}

// cmdZRem is zremCommand: the key goes when its last member does, and the
// command propagates as sent when it removed anything.
func cmdZRem(x *ctx) {
	key := x.key(1)
	z, ok := x.zsetOf(x.lookupWrite(key))
	if !ok {
		return
	}
	if z == nil {
		x.w.int(0)
		return
	}
	x.removeMembers(key, z.Delete, z.Len)
}

// zsetModified ends an in-place write: an emptied set is deleted, a changed
// one signalled, and a change propagates the command as sent.
func (x *ctx) zsetModified(key string, z *store.ZSet, changed bool) {
	if !changed {
		return
	}
	if z.Len() == 0 {
		x.db.Delete(key, x.now)
	} else {
		x.db.Touched(key)
	}
	x.propagateArgv()
}

// zremrangeGeneric is zremrangeGenericCommand.
func zremrangeGeneric(x *ctx, kind int) {
	var (
		start, end int64
		sr         store.ScoreRange
		lr         store.LexRange
		ok         bool
	)
	switch kind {
	case zrangeRank:
		if start, ok = x.intArg(2); !ok {
			return
		}
		if end, ok = x.intArg(3); !ok {
			return
		}
	case zrangeScore:
		if sr, ok = parseScoreRange(x.argv[2], x.argv[3]); !ok {
			x.err(errZMinMaxFloat)
			return
		}
	case zrangeLex:
		if lr, ok = parseLexRange(x.argv[2], x.argv[3]); !ok {
			x.err(errZMinMaxLex)
			return
		}
	}
	key := x.key(1)
	z, ok := x.zsetOf(x.lookupWrite(key))
	if !ok {
		return
	}
	if z == nil {
		x.w.int(0)
		return
	}
	var from, n int
	switch kind {
	case zrangeRank:
		from, n = rankSpan(int64(z.Len()), start, end)
	case zrangeScore:
		lo, hi := z.ScoreSpan(sr)
		from, n = lo, hi-lo
	case zrangeLex:
		lo, hi := z.LexSpan(lr, false)
		from, n = lo, hi-lo
	}
	for i := 0; i < n; i++ {
		z.DeleteRank(from)
	}
	x.zsetModified(key, z, n > 0)
	x.w.int(int64(n))
}

// zpopMinMax is zpopMinMaxCommand: ZPOPMIN/ZPOPMAX key [count]. A count
// reply is nested in RESP3; the command propagates as sent.
func zpopMinMax(x *ctx, max bool) {
	if len(x.argv) > 3 {
		x.err(errSyntax)
		return
	}
	count := int64(-1)
	if len(x.argv) == 3 {
		n, ok := store.ParseInt(x.argv[2])
		if !ok || n < 0 {
			x.err(errOutOfRange)
			return
		}
		count = n
	}
	nested := x.w.resp3 && count != -1
	x.zpop([][]byte{x.argv[1]}, max, false, count, nested, false)
}

// zpop is genericZpopCommand: pop up to count entries (-1: one) from the
// first non-empty key of keys. emitKey adds the key to the reply (ZMPOP),
// nested writes each entry as a pair, and nilWhenEmpty replies a null
// array when no key holds a set. ZMPOP propagates as ZPOPMIN/ZPOPMAX key
// with the number popped, as Redis 7.0 rewrites it; the others as sent.
func (x *ctx) zpop(keys [][]byte, max, emitKey bool, count int64, nested, nilWhenEmpty bool) {
	key, z, ok := x.firstZSet(keys)
	switch {
	case !ok:
		return
	case z == nil && nilWhenEmpty:
		x.w.nullArray()
		return
	case z == nil, count == 0:
		x.w.array(0)
		return
	}
	n := x.zpopFrom(key, z, max, emitKey, count, nested)
	if emitKey && nested {
		x.propagate(zpopWord(max), key, strconv.AppendInt(nil, int64(n), 10))
	} else {
		x.propagateArgv()
	}
}

// firstZSet finds the first of keys holding a sorted set (the key loops of
// genericZpopCommand and blockingGenericZpopCommand); ok is false after a
// WRONGTYPE reply. A nil set means all are missing.
func (x *ctx) firstZSet(keys [][]byte) ([]byte, *store.ZSet, bool) {
	for _, k := range keys {
		o := x.lookupWrite(string(k))
		if o == nil {
			continue
		}
		z, ok := x.zsetOf(o)
		return k, z, ok
	}
	return nil, nil, true
}

// zpopWord is the command a pop propagates as.
func zpopWord(max bool) []byte {
	if max {
		return []byte("ZPOPMAX")
	}
	return []byte("ZPOPMIN")
}

// zpopFrom pops up to count entries (-1: one) of z, the set at key, and
// replies them in the shape genericZpopCommand chooses from emitKey and
// nested. It deletes an emptied key and returns the number popped.
func (x *ctx) zpopFrom(key []byte, z *store.ZSet, max, emitKey bool, count int64, nested bool) int {
	if count == -1 {
		count = 1
	}
	n := int(min(count, int64(z.Len())))
	switch {
	case !nested && !emitKey:
		x.w.array(2 * n)
	case nested && !emitKey:
		x.w.array(n)
	case !nested && emitKey:
		x.w.array(2*n + 1)
		x.w.bulk(key)
	default:
		x.w.array(2)
		x.w.bulk(key)
		x.w.array(n)
	}
	for i := 0; i < n; i++ {
		rank := 0
		if max {
			rank = z.Len() - 1
		}
		m, s := z.DeleteRank(rank)
		if nested {
			x.w.array(2)
		}
		x.w.bulkString(m)
		x.w.double(s)
	}
	skey := string(key)
	if z.Len() == 0 {
		x.db.Delete(skey, x.now)
	} else {
		x.db.Touched(skey)
	}
	return n
}

// zmpopArgs parses numkeys, the keys, MIN|MAX and COUNT of ZMPOP (numkeys
// at argument 1) and BZMPOP (at 2), as zmpopGenericCommand does. The count
// defaults to 1.
func (x *ctx) zmpopArgs(numIdx int) (keys [][]byte, max bool, count int64, ok bool) {
	numkeys, valid := store.ParseInt(x.argv[numIdx])
	if !valid || numkeys < 1 {
		x.err(errZNumkeys)
		return nil, false, 0, false
	}
	if numkeys >= int64(len(x.argv)-numIdx-1) {
		x.err(errSyntax)
		return nil, false, 0, false
	}
	whereIdx := numIdx + 1 + int(numkeys)
	switch {
	case optIs(x.argv[whereIdx], "min"):
	case optIs(x.argv[whereIdx], "max"):
		max = true
	default:
		x.err(errSyntax)
		return nil, false, 0, false
	}
	count = -1
	for j := whereIdx + 1; j < len(x.argv); j++ {
		if count == -1 && optIs(x.argv[j], "count") && j+1 < len(x.argv) {
			j++
			n, valid := store.ParseInt(x.argv[j])
			if !valid || n < 1 {
				x.err(errZCount)
				return nil, false, 0, false
			}
			count = n
			continue
		}
		x.err(errSyntax)
		return nil, false, 0, false
	}
	if count == -1 {
		count = 1
	}
	return x.argv[numIdx+1 : whereIdx], max, count, true
}

// cmdZMPop is zmpopCommand: ZMPOP numkeys key [key ...] MIN|MAX [COUNT n].
func cmdZMPop(x *ctx) {
	keys, max, count, ok := x.zmpopArgs(1)
	if ok {
		x.zpop(keys, max, true, count, true, true)
	}
}

// cmdBZPop is bzpopMinMaxCommand: BZPOPMIN/BZPOPMAX key [key ...] timeout.
func cmdBZPop(x *ctx, max bool) {
	x.blockingZpop(x.argv[1:len(x.argv)-1], max, -1, len(x.argv)-1)
}

// cmdBZMPop is bzmpopCommand: BZMPOP timeout numkeys key [key ...] MIN|MAX
// [COUNT n]. The timeout is checked after the other arguments.
func cmdBZMPop(x *ctx) {
	keys, max, count, ok := x.zmpopArgs(2)
	if ok {
		x.blockingZpop(keys, max, count, 1)
	}
}

// blockingZpop is blockingGenericZpopCommand for BZPOPMIN/BZPOPMAX (count
// -1: reply [key, member, score]) and BZMPOP (count >= 1: reply [key,
// [[member, score]...]]): pop from the first key holding a sorted set at
// once, or block on all the keys until a write creates one of them. Inside
// MULTI it replies a null array instead of blocking. Either way the pop
// propagates as ZPOPMIN/ZPOPMAX key, with the number popped for BZMPOP, as
// Redis rewrites it (and as serveClientsBlockedOnSortedSetKey propagates a
// served client).
func (x *ctx) blockingZpop(keys [][]byte, max bool, count int64, timeoutIdx int) {
	timeout, ok := x.blockTimeout(timeoutIdx)
	if !ok {
		return
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = string(k)
	}
	held := x.lockSlotsOf(names)
	key, z, ok := x.firstZSet(keys)
	switch {
	case !ok:
	case z != nil:
		x.bzpopFrom(key, z, max, count)
	case x.exec != nil:
		x.w.nullArray()
	default:
		w := x.newWaiter(distinct(names), nil, func(sx *ctx, key string) bool {
			o := sx.lookupWrite(key)
			if o == nil || o.Type != store.TypeZSet {
				return false
			}
			sx.bzpopFrom([]byte(key), o.Val.(*store.ZSet), max, count)
			return true
		})
		x.block(w, held, timeout)
		return
	}
	x.unlockSlots(held)
}

// bzpopFrom pops for a blocking pop from z, the set at key, replies and
// propagates.
func (x *ctx) bzpopFrom(key []byte, z *store.ZSet, max bool, count int64) {
	nested := count != -1
	n := x.zpopFrom(key, z, max, true, count, nested)
	if nested {
		x.propagate(zpopWord(max), key, strconv.AppendInt(nil, int64(n), 10))
	} else {
		x.propagate(zpopWord(max), key)
	}
}

// cmdZRandMember is zrandmemberCommand and zrandmemberWithCountCommand. A
// negative count may repeat members; a count at least the set's size
// returns the whole set from the highest score down, the order of Redis's
// zuiNext iterator.
func cmdZRandMember(x *ctx) {
	if len(x.argv) < 3 {
		z, ok := x.zsetOf(x.lookupRead(x.key(1)))
		if !ok {
			return
		}
		if z == nil {
			x.w.null()
			return
		}
		m, _ := z.At(rand.IntN(z.Len()))
		x.w.bulkString(m)
		return
	}
	l, ok := store.ParseInt(x.argv[2])
	if !ok {
		x.err(errNotInteger)
		return
	}
	if l == math.MinInt64 {
		x.err(errZRandRange)
		return
	}
	withScores := false
	if len(x.argv) > 4 || (len(x.argv) == 4 && !x.argIs(3, "withscores")) {
		x.err(errSyntax)
		return
	} else if len(x.argv) == 4 {
		withScores = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			x.err(errZRandWithScore)
			return
		}
	}
	z, ok := x.zsetOf(x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	if z == nil || l == 0 {
		x.w.array(0)
		return
	}
	uniq := l > 0
	count := l
	if !uniq {
		count = -l
	}
	size := z.Len()
	if !uniq || count == 1 {
		x.zrangeHeader(int(count), withScores)
		for i := int64(0); i < count; i++ {
			m, s := z.At(rand.IntN(size))
			x.zrangeEntry(m, s, withScores)
		}
		return
	}
	if count >= int64(size) {
		x.zrangeHeader(size, withScores)
		z.Descend(size-1, func(m string, s float64) bool {
			x.zrangeEntry(m, s, withScores)
			return true
		})
		return
	}
	// A partial Fisher-Yates shuffle of the ranks picks count distinct ones.
	picked := make(map[int]int, count)
	x.zrangeHeader(int(count), withScores)
	for i := 0; i < int(count); i++ {
		j := i + rand.IntN(size-i)
		rj, ok := picked[j]
		if !ok {
			rj = j
		}
		ri, ok := picked[i]
		if !ok {
			ri = i
		}
		picked[j] = ri
		m, s := z.At(rj)
		x.zrangeEntry(m, s, withScores)
	}
}

// Operations of zunionInterDiffGenericCommand.
const (
	zopUnion = iota
	zopInter
	zopDiff
)

// zsetMembers is the part of a set value a sorted set operation reads: a
// set counts as a sorted set whose scores are all 1.
type zsetMembers interface {
	ForEachMember(fn func(member []byte))
	Len() int
}

// zsrc is one input of a sorted set operation (zsetopsrc).
type zsrc struct {
	obj    *store.Object
	z      *store.ZSet
	set    map[string]struct{}
	weight float64
}

func (s *zsrc) length() int {
	switch {
	case s.z != nil:
		return s.z.Len()
	case s.obj != nil:
		return s.obj.Val.(zsetMembers).Len()
	}
	return 0
}

// each visits the entries of the input (zuiNext).
func (s *zsrc) each(fn func(m string, score float64)) {
	switch {
	case s.z != nil:
		s.z.Ascend(0, func(m string, score float64) bool {
			fn(m, score)
			return true
		})
	case s.obj != nil:
		s.obj.Val.(zsetMembers).ForEachMember(func(m []byte) { fn(string(m), 1) })
	}
}

// find is zuiFind: the score of m in the input.
func (s *zsrc) find(m string) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.Score([]byte(m))
	case s.obj != nil:
		if s.set == nil {
			s.set = make(map[string]struct{}, s.length())
			s.obj.Val.(zsetMembers).ForEachMember(func(b []byte) { s.set[string(b)] = struct{}{} })
		}
		_, ok := s.set[m]
		return 1, ok
	}
	return 0, false
}

// Aggregates of ZUNION/ZINTER.
const (
	zaggSum = iota
	zaggMin
	zaggMax
)

// zaggregate is zunionInterAggregate: +inf plus -inf sums to 0.
func zaggregate(target *float64, v float64, agg int) {
	switch agg {
	case zaggSum:
		*target += v
		if math.IsNaN(*target) {
			*target = 0
		}
	case zaggMin:
		if v < *target {
			*target = v
		}
	case zaggMax:
		if v > *target {
			*target = v
		}
	}
}

// zsetOpGeneric is zunionInterDiffGenericCommand for ZUNION, ZINTER,
// ZDIFF, their STORE forms (dstIdx >= 0) and ZINTERCARD (cardOnly).
func zsetOpGeneric(x *ctx, dstIdx, numIdx, op int, cardOnly bool) {
	setnum, ok := x.intArg(numIdx)
	if !ok {
		return
	}
	if setnum < 1 {
		x.errf(errZNoKeysFmt, x.cmd.fullName)
		return
	}
	if setnum > int64(len(x.argv)-(numIdx+1)) {
		x.err(errSyntax)
		return
	}
	srcs := make([]zsrc, setnum)
	j := numIdx + 1
	for i := range srcs {
		var o *store.Object
		if dstIdx >= 0 {
			o = x.lookupWrite(x.key(j))
		} else {
			o = x.lookupRead(x.key(j))
		}
		j++
		srcs[i].weight = 1
		if o == nil {
			continue
		}
		switch o.Type {
		case store.TypeZSet:
			srcs[i].z = o.Val.(*store.ZSet)
		case store.TypeSet:
			if _, ok := o.Val.(zsetMembers); !ok {
				x.wrongType()
				return
			}
		default:
			x.wrongType()
			return
		}
		srcs[i].obj = o
	}
	agg := zaggSum
	withScores := false
	limit := int64(0)
	for j < len(x.argv) {
		remaining := len(x.argv) - j
		a := x.argv[j]
		switch {
		case op != zopDiff && !cardOnly && remaining >= int(setnum)+1 && optIs(a, "weights"):
			j++
			for i := range srcs {
				w, ok := parseDouble(x.argv[j])
				if !ok {
					x.err(errZWeight)
					return
				}
				srcs[i].weight = w
				j++
			}
		case op != zopDiff && !cardOnly && remaining >= 2 && optIs(a, "aggregate"):
			switch b := x.argv[j+1]; {
			case optIs(b, "sum"):
				agg = zaggSum
			case optIs(b, "min"):
				agg = zaggMin
			case optIs(b, "max"):
				agg = zaggMax
			default:
				x.err(errSyntax)
				return
			}
			j += 2
		case dstIdx < 0 && !cardOnly && optIs(a, "withscores"):
			withScores = true
			j++
		case cardOnly && remaining >= 2 && optIs(a, "limit"):
			n, ok := store.ParseInt(x.argv[j+1])
			if !ok || n < 0 {
				x.err(errZLimitNeg)
				return
			}
			limit = n
			j += 2
		default:
			x.err(errSyntax)
			return
		}
	}
	if op != zopDiff {
		sort.SliceStable(srcs, func(a, b int) bool { return srcs[a].length() < srcs[b].length() })
	}
	res := map[string]float64{}
	switch op {
	case zopInter:
		if srcs[0].length() == 0 {
			break
		}
		card := int64(0)
		done := false
		srcs[0].each(func(m string, s float64) {
			if done {
				return
			}
			score := srcs[0].weight * s
			if math.IsNaN(score) {
				score = 0
			}
			for k := 1; k < len(srcs); k++ {
				var v float64
				if srcs[k].obj == srcs[0].obj {
					v = s * srcs[k].weight
				} else {
					found := false
					if v, found = srcs[k].find(m); !found {
						return
					}
					v *= srcs[k].weight
				}
				zaggregate(&score, v, agg)
			}
			if cardOnly {
				card++
				done = limit > 0 && card >= limit
				return
			}
			res[m] = score
		})
		if cardOnly {
			x.w.int(card)
			return
		}
	case zopUnion:
		for i := range srcs {
			w := srcs[i].weight
			srcs[i].each(func(m string, s float64) {
				score := w * s
				if math.IsNaN(score) {
					score = 0
				}
				if cur, ok := res[m]; ok {
					zaggregate(&cur, score, agg)
					res[m] = cur
				} else {
					res[m] = score
				}
			})
		}
	case zopDiff:
		srcs[0].each(func(m string, s float64) {
			for k := 1; k < len(srcs); k++ {
				if _, found := srcs[k].find(m); found {
					return
				}
			}
			res[m] = s
		})
	}
	if cardOnly {
		x.w.int(0)
		return
	}
	members := make([]string, 0, len(res))
	for m := range res {
		members = append(members, m)
	}
	sort.Slice(members, func(a, b int) bool {
		sa, sb := res[members[a]], res[members[b]]
		return sa < sb || (sa == sb && members[a] < members[b])
	})
	scores := make([]float64, len(members))
	for i, m := range members {
		scores[i] = res[m]
	}
	if dstIdx >= 0 {
		x.zsetStoreResult(x.key(dstIdx), members, scores)
		return
	}
	x.zrangeHeader(len(members), withScores)
	for i, m := range members {
		x.zrangeEntry(m, scores[i], withScores)
	}
}

// cmdZScan is zscanCommand on scanGenericCommand: a listpack set is
// returned whole with cursor 0, a skiplist set page by page through its
// dict with dictScan's cursor (ZSet.Scan). COUNT bounds the members looked
// at before MATCH filters them.
func cmdZScan(x *ctx) {
	cursor, ok := parseScanCursor(x.argv[2])
	if !ok {
		x.err(errInvalidCursor)
		return
	}
	z, ok := x.zsetOf(x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	if z == nil {
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
	var buf []byte
	var out []string
	next := z.Scan(cursor, count, func(m string, s float64) {
		if pattern != nil && !globMatch(pattern, []byte(m), false) {
			return
		}
		buf = appendDouble(buf[:0], s)
		out = append(out, m, string(buf))
	})
	x.w.array(2)
	x.w.bulkString(strconv.FormatUint(next, 10))
	x.w.bulkStrings(out)
}

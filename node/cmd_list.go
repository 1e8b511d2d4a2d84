package node

import (
	"strconv"
	"time"

	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/slots"
)

// Error replies of the list commands (t_list.c).
const (
	errIndexOutOfRange = "ERR index out of range"
	errLposRank        = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errLposCount       = "ERR COUNT can't be negative"
	errLposMaxlen      = "ERR MAXLEN can't be negative"
	errNumkeys         = "ERR numkeys should be greater than 0"
	errCountPositive   = "ERR count should be greater than 0"
)

func listCommands() []cmdDef {
	return []cmdDef{
		{name: "lpush", handler: func(x *ctx) { pushGeneric(x, true, false) }},
		{name: "rpush", handler: func(x *ctx) { pushGeneric(x, false, false) }},
		{name: "lpushx", handler: func(x *ctx) { pushGeneric(x, true, true) }},
		{name: "rpushx", handler: func(x *ctx) { pushGeneric(x, false, true) }},
		{name: "lpop", handler: func(x *ctx) { popGeneric(x, true) }},
		{name: "rpop", handler: func(x *ctx) { popGeneric(x, false) }},
		{name: "llen", handler: func(x *ctx) { x.replyLen(store.TypeList) }},
		{name: "lrange", handler: cmdLrange},
		{name: "lindex", handler: cmdLindex},
		{name: "lset", handler: cmdLset},
		{name: "linsert", handler: cmdLinsert},
		{name: "lrem", handler: cmdLrem},
		{name: "ltrim", handler: cmdLtrim},
		{name: "lpos", handler: cmdLpos},
		{name: "lmove", handler: cmdLmove},
		{name: "rpoplpush", handler: cmdRpoplpush},
		{name: "lmpop", handler: cmdLmpop},
		{name: "blpop", handler: func(x *ctx) { cmdBlockingPop(x, true) }, lock: lockWalk},
		{name: "brpop", handler: func(x *ctx) { cmdBlockingPop(x, false) }, lock: lockWalk},
		{name: "blmove", handler: cmdBlmove, lock: lockWalk},
		{name: "brpoplpush", handler: cmdBrpoplpush, lock: lockWalk},
		{name: "blmpop", handler: cmdBlmpop, lock: lockWalk},
	}
}

// Words of the records blocking commands are rewritten to.
var (
	wordLPOP      = []byte("LPOP")
	wordRPOP      = []byte("RPOP")
	wordLMOVE     = []byte("LMOVE")
	wordRPOPLPUSH = []byte("RPOPLPUSH")
	wordLEFT      = []byte("LEFT")
	wordRIGHT     = []byte("RIGHT")
)

func popWord(left bool) []byte {
	if left {
		return wordLPOP
	}
	return wordRPOP
}

func sideWord(left bool) []byte {
	if left {
		return wordLEFT
	}
	return wordRIGHT
}

// listOf returns o's list, or replies WRONGTYPE (a nil o gives nil, true).
func (x *ctx) listOf(o *store.Object) (*store.List, bool) {
	return valueOf[*store.List](x, o, store.TypeList)
}

// newListAt creates an empty list at key (dbAdd of a quicklist object).
func (x *ctx) newListAt(key string) *store.List {
	l := store.NewList(x.s.config().ListMaxListpackSize)
	x.db.Set(key, &store.Object{Type: store.TypeList, Val: l, LRU: store.LRUClock(x.now)}, false, x.now)
	return l
}

// listModified deletes key once its list is empty, as Redis never keeps an
// empty list, and otherwise records the in-place change (listElementsRemoved).
func (x *ctx) listModified(key string, l *store.List) {
	if l.Len() == 0 {
		x.db.Delete(key, x.now)
		return
	}
	x.db.Touched(key)
}

// pushGeneric is pushGenericCommand: LPUSH, RPUSH, and with xx LPUSHX and
// RPUSHX, which push only onto an existing list.
func pushGeneric(x *ctx, left, xx bool) {
	key := x.key(1)
	o := x.lookupWrite(key)
	var l *store.List
	switch {
	case o != nil:
		var ok bool
		if l, ok = x.listOf(o); !ok {
			return
		}
		x.db.Touched(key)
	case xx:
		x.w.int(0)
		return
	default:
		l = x.newListAt(key)
	}
	for _, a := range x.argv[2:] {
		l.Push(string(a), left)
	}
	x.w.int(int64(l.Len()))
	x.propagateArgv()
	x.signalKeyReady(key)
}

// popGeneric is popGenericCommand: LPOP and RPOP, with an optional count.
func popGeneric(x *ctx, left bool) {
	argc := len(x.argv)
	if argc > 3 {
		x.errf(errWrongArityFmt, x.cmd.fullName)
		return
	}
	hasCount := argc == 3
	var count int64
	if hasCount {
		v, ok := store.ParseInt(x.argv[2])
		if !ok || v < 0 {
			x.err(errOutOfRange)
			return
		}
		count = v
	}
	key := x.key(1)
	o := x.lookupWrite(key)
	if o == nil {
		if hasCount {
			x.w.nullArray()
		} else {
			x.w.null()
		}
		return
	}
	l, ok := x.listOf(o)
	if !ok {
		return
	}
	if hasCount && count == 0 {
		x.w.array(0)
		return
	}
	if !hasCount {
		x.w.bulkString(l.Pop(left))
	} else {
		n := int(min(count, int64(l.Len())))
		x.w.array(n)
		for i := 0; i < n; i++ {
			x.w.bulkString(l.Pop(left))
		}
	}
	x.listModified(key, l)
	x.propagateArgv()
}

// listRange converts LRANGE-style indexes into an inclusive range of a list
// of n elements; ok is false when the range is empty (addListRangeReply).
func listRange(start, end int64, n int) (int, int, bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if end < 0 {
		end += ln
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= ln {
		return 0, 0, false
	}
	if end >= ln {
		end = ln - 1
	}
	return int(start), int(end), true
}

// replyRange writes elements start..end (inclusive) as an array.
func (x *ctx) replyRange(l *store.List, start, end int) {
	x.w.array(end - start + 1)
	l.Range(start, end, x.w.bulkString)
}

func cmdLrange(x *ctx) {
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
		x.w.array(0)
		return
	}
	l, ok := x.listOf(o)
	if !ok {
		return
	}
	s, e, ok := listRange(start, end, l.Len())
	if !ok {
		x.w.array(0)
		return
	}
	x.replyRange(l, s, e)
}

// listIndex resolves a possibly negative index; ok is false out of range.
func listIndex(i int64, n int) (int, bool) {
	if i < 0 {
		i += int64(n)
	}
	if i < 0 || i >= int64(n) {
		return 0, false
	}
	return int(i), true
}

func cmdLindex(x *ctx) {
	o := x.lookupRead(x.key(1))
	if o == nil {
		x.w.null()
		return
	}
	l, ok := x.listOf(o)
	if !ok {
		return
	}
	idx, ok := x.intArg(2)
	if !ok {
		return
	}
	if i, ok := listIndex(idx, l.Len()); ok {
		x.w.bulkString(l.Index(i))
	} else {
		x.w.null()
	}
}

func cmdLset(x *ctx) {
	key := x.key(1)
	o := x.lookupWrite(key)
	if o == nil {
		x.err(errNoSuchKey)
		return
	}
	l, ok := x.listOf(o)
	if !ok {
		return
	}
	idx, ok := x.intArg(2)
	if !ok {
		return
	}
	i, ok := listIndex(idx, l.Len())
	if !ok {
		x.err(errIndexOutOfRange)
		return
	}
	l.Set(i, string(x.argv[3]))
	x.db.Touched(key)
	x.w.ok()
	x.propagateArgv()
}

func cmdLinsert(x *ctx) {
	var after bool
	switch {
	case x.argIs(2, "after"):
		after = true
	case x.argIs(2, "before"):
	default:
		x.err(errSyntax)
		return
	}
	key := x.key(1)
	o := x.lookupWrite(key)
	if o == nil {
		x.w.int(0)
		return
	}
	l, ok := x.listOf(o)
	if !ok {
		return
	}
	pivot := string(x.argv[3])
	for i, n := 0, l.Len(); i < n; i++ {
		if l.Index(i) != pivot {
			continue
		}
		if after {
			i++
		}
		l.Insert(i, string(x.argv[4]))
		x.db.Touched(key)
		x.w.int(int64(l.Len()))
		x.propagateArgv()
		return
	}
	x.w.int(-1)
}

func cmdLrem(x *ctx) {
	count, ok := x.intArg(2)
	if !ok {
		return
	}
	key := x.key(1)
	o := x.lookupWrite(key)
	if o == nil {
		x.w.int(0)
		return
	}
	l, ok := x.listOf(o)
	if !ok {
		return
	}
	removed := l.Remove(string(x.argv[3]), count)
	if removed > 0 {
		x.listModified(key, l)
		x.propagateArgv()
	}
	x.w.int(int64(removed))
}

// cmdLtrim is ltrimCommand. Like Redis it signals the key modified even
// when nothing is trimmed, but propagates only a trim that removed elements.
func cmdLtrim(x *ctx) {
	start, ok := x.intArg(2)
	if !ok {
		return
	}
	end, ok := x.intArg(3)
	if !ok {
		return
	}
	key := x.key(1)
	o := x.lookupWrite(key)
	if o == nil {
		x.w.ok()
		return
	}
	l, ok := x.listOf(o)
	if !ok {
		return
	}
	n := l.Len()
	s, e, keep := listRange(start, end, n)
	if keep {
		l.Trim(s, e-s+1)
	} else {
		l.Trim(0, 0)
	}
	x.listModified(key, l)
	x.w.ok()
	if l.Len() != n {
		x.propagateArgv()
	}
}

// positiveArg parses argument i as getPositiveLongFromObjectOrReply does
// with a custom message, which it uses for both kinds of bad value.
func (x *ctx) positiveArg(i int, msg string) (int64, bool) {
	v, ok := store.ParseInt(x.argv[i])
	if !ok || v < 0 {
		x.err(msg)
		return 0, false
	}
	return v, true
}

// cmdLpos is lposCommand.
func cmdLpos(x *ctx) {
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	argc := len(x.argv)
	for j := 3; j < argc; j++ {
		more := j+1 < argc
		var ok bool
		switch {
		case x.argIs(j, "rank") && more:
			j++
			if rank, ok = x.intArg(j); !ok {
				return
			}
			if rank == 0 {
				x.err(errLposRank)
				return
			}
		case x.argIs(j, "count") && more:
			j++
			if count, ok = x.positiveArg(j, errLposCount); !ok {
				return
			}
		case x.argIs(j, "maxlen") && more:
			j++
			if maxlen, ok = x.positiveArg(j, errLposMaxlen); !ok {
				return
			}
		default:
			x.err(errSyntax)
			return
		}
	}
	fromTail := false
	if rank < 0 {
		// -LONG_MIN stays negative, as it does in C; every match then
		// satisfies the rank.
		rank = -rank
		fromTail = true
	}
	o := x.lookupRead(x.key(1))
	if o == nil {
		if count != -1 {
			x.w.array(0)
		} else {
			x.w.null()
		}
		return
	}
	l, ok := x.listOf(o)
	if !ok {
		return
	}
	ele := string(x.argv[2])
	n := l.Len()
	var found []int64
	var matches int64
	for k := 0; k < n && (maxlen == 0 || int64(k) < maxlen); k++ {
		i := k
		if fromTail {
			i = n - 1 - k
		}
		if l.Index(i) != ele {
			continue
		}
		matches++
		if matches < rank {
			continue
		}
		found = append(found, int64(i))
		if count == -1 || (count != 0 && matches-rank+1 >= count) {
			break
		}
	}
	if count != -1 {
		x.w.array(len(found))
		for _, i := range found {
			x.w.int(i)
		}
		return
	}
	if len(found) > 0 {
		x.w.int(found[0])
	} else {
		x.w.null()
	}
}

// listSide parses LEFT or RIGHT (getListPositionFromObjectOrReply).
func (x *ctx) listSide(i int) (left, ok bool) {
	switch {
	case x.argIs(i, "left"):
		return true, true
	case x.argIs(i, "right"):
		return false, true
	}
	x.err(errSyntax)
	return false, false
}

// lmoveLocked is the work of lmoveGenericCommand once src is known to hold
// a list: it checks dst, moves one element and replies it. It reports
// whether it moved one; on false it has replied WRONGTYPE.
func (x *ctx) lmoveLocked(src, dst string, sl *store.List, from, to bool) bool {
	d := x.lookupWrite(dst)
	var dl *store.List
	if d != nil {
		var ok bool
		if dl, ok = x.listOf(d); !ok {
			return false
		}
	}
	v := sl.Pop(from)
	if dl == nil {
		dl = x.newListAt(dst)
	}
	dl.Push(v, to)
	x.db.Touched(dst)
	x.listModified(src, sl)
	x.w.bulkString(v)
	return true
}

// lmoveGeneric is lmoveGenericCommand for LMOVE and RPOPLPUSH, which
// propagate as sent.
func lmoveGeneric(x *ctx, from, to bool) {
	src, dst := x.key(1), x.key(2)
	o := x.lookupWrite(src)
	if o == nil {
		x.w.null()
		return
	}
	sl, ok := x.listOf(o)
	if !ok {
		return
	}
	if x.lmoveLocked(src, dst, sl, from, to) {
		x.propagateArgv()
		x.signalKeyReady(dst)
	}
}

func cmdLmove(x *ctx) {
	from, ok := x.listSide(3)
	if !ok {
		return
	}
	to, ok := x.listSide(4)
	if !ok {
		return
	}
	lmoveGeneric(x, from, to)
}

func cmdRpoplpush(x *ctx) { lmoveGeneric(x, false, true) }

// mpopArgs parses the numkeys, keys, direction and COUNT of LMPOP and BLMPOP
// (lmpopGenericCommand), numkeys being argument idx.
func (x *ctx) mpopArgs(idx int) (keys []string, left bool, count int64, ok bool) {
	argc := len(x.argv)
	numkeys, valid := store.ParseInt(x.argv[idx])
	if !valid || numkeys < 1 {
		x.err(errNumkeys)
		return nil, false, 0, false
	}
	if numkeys >= int64(argc) || idx+int(numkeys)+1 >= argc {
		x.err(errSyntax)
		return nil, false, 0, false
	}
	where := idx + int(numkeys) + 1
	if left, ok = x.listSide(where); !ok {
		return nil, false, 0, false
	}
	count = -1
	for j := where + 1; j < argc; j++ {
		if count == -1 && x.argIs(j, "count") && j+1 < argc {
			j++
			v, valid := store.ParseInt(x.argv[j])
			if !valid || v < 1 {
				x.err(errCountPositive)
				return nil, false, 0, false
			}
			count = v
			continue
		}
		x.err(errSyntax)
		return nil, false, 0, false
	}
	if count == -1 {
		count = 1
	}
	keys = make([]string, numkeys)
	for i := range keys {
		keys[i] = x.key(idx + 1 + i)
	}
	return keys, left, count, true
}

// popRangeWithKey replies [key, [elements]] after popping up to count
// elements, and propagates it as [LR]POP key n (listPopRangeAndReplyWithKey
// and its rewrite in mpopGenericCommand).
func (x *ctx) popRangeWithKey(key string, l *store.List, left bool, count int64) {
	n := int(min(count, int64(l.Len())))
	x.w.array(2)
	x.w.bulkString(key)
	x.w.array(n)
	for i := 0; i < n; i++ {
		x.w.bulkString(l.Pop(left))
	}
	x.listModified(key, l)
	x.propagate(popWord(left), []byte(key), strconv.AppendInt(nil, int64(n), 10))
}

// firstList finds the first of keys holding a list (the key loop of
// mpopGenericCommand and blockingPopGenericCommand); ok is false after a
// WRONGTYPE reply. A nil list means all are missing.
func (x *ctx) firstList(keys []string) (string, *store.List, bool) {
	for _, k := range keys {
		o := x.lookupWrite(k)
		if o == nil {
			continue
		}
		l, ok := x.listOf(o)
		if !ok {
			return "", nil, false
		}
		return k, l, true
	}
	return "", nil, true
}

func cmdLmpop(x *ctx) {
	keys, left, count, ok := x.mpopArgs(1)
	if !ok {
		return
	}
	key, l, ok := x.firstList(keys)
	switch {
	case !ok:
	case l == nil:
		x.w.nullArray()
	default:
		x.popRangeWithKey(key, l, left, count)
	}
}

// distinct returns keys without repeats, in order (blockForKeys adds a key
// once).
func distinct(keys []string) []string {
	out := make([]string, 0, len(keys))
next:
	for _, k := range keys {
		for _, o := range out {
			if o == k {
				continue next
			}
		}
		out = append(out, k)
	}
	return out
}

// blockingPop is blockingPopGenericCommand for BLPOP, BRPOP (count < 0) and
// BLMPOP: pop from the first non-empty list at once, or block on all keys.
// Inside MULTI it replies a null array instead of blocking.
func (x *ctx) blockingPop(keys []string, left bool, count int64, timeout time.Duration) {
	held := x.lockSlotsOf(keys)
	key, l, ok := x.firstList(keys)
	switch {
	case !ok:
	case l != nil && count < 0:
		v := l.Pop(left)
		x.w.array(2)
		x.w.bulkString(key)
		x.w.bulkString(v)
		x.listModified(key, l)
		x.propagate(popWord(left), []byte(key))
	case l != nil:
		x.popRangeWithKey(key, l, left, count)
	case x.exec != nil:
		x.w.nullArray()
	default:
		w := x.newWaiter(distinct(keys), nil, func(sx *ctx, key string) bool {
			o := sx.lookupWrite(key)
			if o == nil || o.Type != store.TypeList {
				return false
			}
			l := o.Val.(*store.List)
			if count < 0 {
				v := l.Pop(left)
				sx.w.array(2)
				sx.w.bulkString(key)
				sx.w.bulkString(v)
				sx.listModified(key, l)
				sx.propagate(popWord(left), []byte(key))
			} else {
				sx.popRangeWithKey(key, l, left, count)
			}
			return true
		})
		x.block(w, held, timeout)
		return
	}
	x.unlockSlots(held)
}

func cmdBlockingPop(x *ctx, left bool) {
	n := len(x.argv)
	timeout, ok := x.blockTimeout(n - 1)
	if !ok {
		return
	}
	keys := make([]string, n-2)
	for i := range keys {
		keys[i] = x.key(i + 1)
	}
	x.blockingPop(keys, left, -1, timeout)
}

func cmdBlmpop(x *ctx) {
	keys, left, count, ok := x.mpopArgs(2)
	if !ok {
		return
	}
	timeout, ok := x.blockTimeout(1)
	if !ok {
		return
	}
	x.blockingPop(keys, left, count, timeout)
}

// blmoveGeneric is blmoveGenericCommand for BLMOVE and BRPOPLPUSH, which
// propagate as LMOVE and RPOPLPUSH. Inside MULTI an empty source replies a
// null bulk, unlike a timeout's null array.
// now and served build the record of an immediate move and of a served
// wait.
func blmoveGeneric(x *ctx, from, to bool, timeout time.Duration, now, served func(src, dst string) [][]byte) {
	src, dst := x.key(1), x.key(2)
	held := x.lockSlotsOf([]string{src, dst})
	o := x.lookupWrite(src)
	switch {
	case o != nil:
		sl, ok := x.listOf(o)
		if ok && x.lmoveLocked(src, dst, sl, from, to) {
			x.propagate(now(src, dst)...)
			if x.s.blocking.blocked.Load() != 0 {
				x.s.blocking.serveReady(x.s, x.db.ID(), dst, x.now, x.heldIn(held))
			}
		}
	case x.exec != nil:
		x.w.null()
	default:
		w := x.newWaiter([]string{src}, &dst, func(sx *ctx, key string) bool {
			o := sx.lookupWrite(key)
			if o == nil || o.Type != store.TypeList {
				return false
			}
			if sx.lmoveLocked(key, dst, o.Val.(*store.List), from, to) {
				sx.propagate(served(key, dst)...)
			}
			return true
		})
		x.block(w, held, timeout)
		return
	}
	x.unlockSlots(held)
}

// heldIn reports slots in held as held, or all of them when the command
// holds every slot; none inside EXEC, whose ready keys are served after
// the transaction (see holdsSlot).
func (x *ctx) heldIn(held []slots.Slot) func(slots.Slot) bool {
	return func(slot slots.Slot) bool {
		switch {
		case x.exec != nil:
			return false
		case x.allLocked:
			return true
		}
		for _, v := range held {
			if v == slot {
				return true
			}
		}
		return false
	}
}

func cmdBlmove(x *ctx) {
	from, ok := x.listSide(3)
	if !ok {
		return
	}
	to, ok := x.listSide(4)
	if !ok {
		return
	}
	timeout, ok := x.blockTimeout(5)
	if !ok {
		return
	}
	// The immediate form keeps the sides as sent; a served wait writes
	// Redis's shared LEFT/RIGHT words.
	blmoveGeneric(x, from, to, timeout, func(src, dst string) [][]byte {
		return [][]byte{wordLMOVE, []byte(src), []byte(dst), x.argv[3], x.argv[4]}
	}, func(src, dst string) [][]byte {
		return [][]byte{wordLMOVE, []byte(src), []byte(dst), sideWord(from), sideWord(to)}
	})
}

func cmdBrpoplpush(x *ctx) {
	timeout, ok := x.blockTimeout(3)
	if !ok {
		return
	}
	record := func(src, dst string) [][]byte {
		return [][]byte{wordRPOPLPUSH, []byte(src), []byte(dst)}
	}
	blmoveGeneric(x, false, true, timeout, record, record)
}

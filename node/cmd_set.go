package node

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"

	"github.com/slotd/slotd/node/store"
)

// Error replies of the set commands.
const (
	errSRandCount      = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	errNumkeysPositive = "ERR numkeys should be greater than 0"
	errNumkeysTooMany  = "ERR Number of keys can't be greater than number of args"
	errLimitNegative   = "ERR LIMIT can't be negative"
)

const (
	// sremPropagateBatch is the most members one SREM record of SPOP
	// carries, as Redis 7.2 batches them.
	sremPropagateBatch = 1024
	// spopMoveStrategyMul is SPOP_MOVE_STRATEGY_MUL in t_set.c.
	spopMoveStrategyMul = 5
)

// setCommands declares the set commands of t_set.c.
func setCommands() []cmdDef {
	return []cmdDef{
		{name: "sadd", handler: cmdSAdd},
		{name: "srem", handler: cmdSRem},
		{name: "smove", handler: cmdSMove},
		{name: "sismember", handler: cmdSIsMember},
		{name: "smismember", handler: cmdSMIsMember},
		{name: "scard", handler: func(x *ctx) { x.replyLen(store.TypeSet) }},
		{name: "spop", handler: cmdSPop},
		{name: "srandmember", handler: cmdSRandMember},
		{name: "smembers", handler: func(x *ctx) { sinterGeneric(x, x.argv[1:], nil, false, 0) }},
		{name: "sinter", handler: func(x *ctx) { sinterGeneric(x, x.argv[1:], nil, false, 0) }},
		{name: "sintercard", handler: cmdSInterCard},
		{name: "sinterstore", handler: func(x *ctx) { sinterGeneric(x, x.argv[2:], x.argv[1], false, 0) }},
		{name: "sunion", handler: func(x *ctx) { sunionDiffGeneric(x, x.argv[1:], nil, false) }},
		{name: "sunionstore", handler: func(x *ctx) { sunionDiffGeneric(x, x.argv[2:], x.argv[1], false) }},
		{name: "sdiff", handler: func(x *ctx) { sunionDiffGeneric(x, x.argv[1:], nil, true) }},
		{name: "sdiffstore", handler: func(x *ctx) { sunionDiffGeneric(x, x.argv[2:], x.argv[1], true) }},
		{name: "sscan", handler: cmdSScan},
	}
}

// setOf returns o's set, or replies WRONGTYPE (checkType). A nil o is a
// missing key: nil, true.
func setOf(x *ctx, o *store.Object) (*store.Set, bool) {
	return valueOf[*store.Set](x, o, store.TypeSet)
}

// maxIntset is set-max-intset-entries.
func (x *ctx) maxIntset() int64 { return x.s.config().SetMaxIntsetEntries }

// newSetObject wraps s in a fresh object stamped with the access time.
func (x *ctx) newSetObject(s *store.Set) *store.Object {
	return &store.Object{Type: store.TypeSet, LRU: store.LRUClock(x.now), Val: s}
}

// replySetMembers writes every member of s, integers of an intset in
// ascending order as Redis iterates them.
func replySetMembers(x *ctx, s *store.Set) {
	if ints := s.Ints(); s.IsIntset() {
		for _, n := range ints {
			x.w.bulkInt(n)
		}
		return
	}
	for _, m := range s.Strings() {
		x.w.bulkString(m)
	}
}

// replyMemberAt writes the member at position i of s.
func replyMemberAt(x *ctx, s *store.Set, i int) {
	if s.IsIntset() {
		x.w.bulkInt(s.Ints()[i])
		return
	}
	x.w.bulkString(s.Strings()[i])
}

// memberAt returns the member at position i of s as bytes.
func memberAt(s *store.Set, i int) []byte {
	if s.IsIntset() {
		return strconv.AppendInt(nil, s.Ints()[i], 10)
	}
	return []byte(s.Strings()[i])
}

// cmdSAdd is saddCommand.
func cmdSAdd(x *ctx) {
	key := x.key(1)
	o := x.lookupWrite(key)
	s, ok := setOf(x, o)
	if !ok {
		return
	}
	if s == nil {
		s = store.NewSetFor(x.argv[2])
		x.db.Set(key, x.newSetObject(s), false, x.now)
	}
	limit := x.maxIntset()
	added := int64(0)
	for _, m := range x.argv[2:] {
		if s.Add(m, limit) {
			added++
		}
	}
	if added > 0 {
		x.db.Touched(key)
		x.propagateArgv()
	}
	x.w.int(added)
}

// cmdSRem is sremCommand: the key goes when its last member does.
func cmdSRem(x *ctx) {
	key := x.key(1)
	s, ok := setOf(x, x.lookupWrite(key))
	if !ok {
		return
	}
	if s == nil {
		x.w.int(0)
		return
	}
	x.removeMembers(key, s.Remove, s.Len)
}

// cmdSMove is smoveCommand: a missing source answers 0 before any type
// check of the destination, and moving within one key changes nothing.
func cmdSMove(x *ctx) {
	srcKey, dstKey := x.key(1), x.key(2)
	srcObj := x.lookupWrite(srcKey)
	dstObj := x.lookupWrite(dstKey)
	if srcObj == nil {
		x.w.int(0)
		return
	}
	src, ok := setOf(x, srcObj)
	if !ok {
		return
	}
	dst, ok := setOf(x, dstObj)
	if !ok {
		return
	}
	ele := x.argv[3]
	if src == dst {
		replyMembership(x, src.Has(ele))
		return
	}
	if !src.Remove(ele) {
		x.w.int(0)
		return
	}
	if src.Len() == 0 {
		x.db.Delete(srcKey, x.now)
	}
	if dst == nil {
		dst = store.NewSetFor(ele)
		x.db.Set(dstKey, x.newSetObject(dst), false, x.now)
	}
	x.db.Touched(srcKey)
	if dst.Add(ele, x.maxIntset()) {
		x.db.Touched(dstKey)
	}
	x.propagateArgv()
	x.w.int(1)
}

// replyMembership writes 1 or 0 as an integer reply, in both protocols.
func replyMembership(x *ctx, v bool) {
	if v {
		x.w.int(1)
	} else {
		x.w.int(0)
	}
}

// cmdSIsMember is sismemberCommand.
func cmdSIsMember(x *ctx) {
	s, ok := setOf(x, x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	replyMembership(x, s != nil && s.Has(x.argv[2]))
}

// cmdSMIsMember is smismemberCommand: a missing key is an empty set.
func cmdSMIsMember(x *ctx) {
	s, ok := setOf(x, x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	x.w.array(len(x.argv) - 2)
	for _, m := range x.argv[2:] {
		replyMembership(x, s != nil && s.Has(m))
	}
}

// cmdSPop is spopCommand: the popped member is propagated as SREM.
func cmdSPop(x *ctx) {
	if len(x.argv) == 3 {
		spopWithCount(x)
		return
	}
	if len(x.argv) > 3 {
		x.err(errSyntax)
		return
	}
	key := x.key(1)
	s, ok := setOf(x, x.lookupWrite(key))
	if !ok {
		return
	}
	if s == nil {
		x.w.null()
		return
	}
	i := s.RandomIndex()
	m := memberAt(s, i)
	s.RemoveAt(i)
	x.propagate([]byte("SREM"), x.argv[1], m)
	x.w.bulk(m)
	if s.Len() == 0 {
		x.db.Delete(key, x.now)
	}
	x.db.Touched(key)
}

// spopWithCount is spopWithCountCommand. Popping the whole set deletes the
// key and propagates DEL. Otherwise the popped members are propagated as SREM
// records; when few members remain (SPOP_MOVE_STRATEGY_MUL) the survivors
// move to a new set, as Redis does, which can turn a hash table back into an
// intset.
func spopWithCount(x *ctx) {
	l, ok := store.ParseInt(x.argv[2])
	if !ok || l < 0 {
		x.err(errOutOfRange)
		return
	}
	count := int(min(l, math.MaxInt))
	key := x.key(1)
	o := x.lookupWrite(key)
	s, ok := setOf(x, o)
	if !ok {
		return
	}
	if s == nil || count == 0 {
		x.w.set(0)
		return
	}
	size := s.Len()
	if count >= size {
		x.w.set(size)
		replySetMembers(x, s)
		x.db.Delete(key, x.now)
		x.propagate([]byte("DEL"), x.argv[1])
		return
	}
	x.w.set(count)
	rec := newSremBatcher(x)
	remaining := size - count
	switch {
	case s.IsIntset():
		// Mark the popped (or, when most go, the kept) positions and
		// compact once, instead of one memmove per member.
		pick := count
		if remaining*spopMoveStrategyMul <= count {
			pick = remaining
		}
		drop := make([]bool, size)
		for _, i := range randomPositions(size, pick) {
			drop[i] = true
		}
		if pick != count {
			for i := range drop {
				drop[i] = !drop[i]
			}
		}
		for i, n := range s.Ints() {
			if drop[i] {
				x.w.bulkInt(n)
				rec.add(strconv.AppendInt(nil, n, 10))
			}
		}
		if pick == count {
			s.RemoveInts(drop)
			break
		}
		// The survivors form a new set, as in Redis, with its own
		// intset width and set-max-intset-entries check.
		kept := store.NewIntset()
		limit := x.maxIntset()
		for i, n := range s.Ints() {
			if !drop[i] {
				kept.AddInt(n, limit)
			}
		}
		o.Val = kept
	case remaining*spopMoveStrategyMul > count:
		for ; count > 0; count-- {
			i := s.RandomIndex()
			m := s.Strings()[i]
			x.w.bulkString(m)
			rec.add([]byte(m))
			s.RemoveAt(i)
		}
	default:
		kept := store.NewSetFor([]byte(s.Strings()[s.RandomIndex()]))
		limit := x.maxIntset()
		for ; remaining > 0; remaining-- {
			i := s.RandomIndex()
			kept.AddString(s.Strings()[i], limit)
			s.RemoveAt(i)
		}
		for _, m := range s.Strings() {
			x.w.bulkString(m)
			rec.add([]byte(m))
		}
		o.Val = kept
	}
	rec.flush()
	x.db.Touched(key)
}

// sremBatcher propagates popped members as SREM records of at most
// sremPropagateBatch members each.
type sremBatcher struct {
	x    *ctx
	argv [][]byte
}

func newSremBatcher(x *ctx) *sremBatcher {
	return &sremBatcher{x: x, argv: [][]byte{[]byte("SREM"), append([]byte(nil), x.argv[1]...)}}
}

func (b *sremBatcher) add(m []byte) {
	b.argv = append(b.argv, m)
	if len(b.argv)-2 == sremPropagateBatch {
		b.flush()
	}
}

func (b *sremBatcher) flush() {
	if len(b.argv) > 2 {
		b.x.propagate(b.argv...)
		b.argv = [][]byte{b.argv[0], b.argv[1]}
	}
}

// randomPositions returns k distinct positions in [0, n), uniformly chosen:
// by rejection when k is small against n, else by a partial Fisher-Yates
// shuffle.
func randomPositions(n, k int) []int {
	if k*3 <= n {
		seen := make(map[int]struct{}, k)
		out := make([]int, 0, k)
		for len(out) < k {
			i := rand.IntN(n)
			if _, dup := seen[i]; !dup {
				seen[i] = struct{}{}
				out = append(out, i)
			}
		}
		return out
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := 0; i < k; i++ {
		j := i + rand.IntN(n-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm[:k]
}

// cmdSRandMember is srandmemberCommand.
func cmdSRandMember(x *ctx) {
	if len(x.argv) == 3 {
		srandmemberWithCount(x)
		return
	}
	if len(x.argv) > 3 {
		x.err(errSyntax)
		return
	}
	s, ok := setOf(x, x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	if s == nil {
		x.w.null()
		return
	}
	replyMemberAt(x, s, s.RandomIndex())
}

// srandmemberWithCount is srandmemberWithCountCommand: a negative count
// allows repeats; a count covering the set returns all of it; otherwise
// distinct members. The reply is an array in both protocols.
func srandmemberWithCount(x *ctx) {
	l, ok := store.ParseInt(x.argv[2])
	if !ok {
		x.err(errNotInteger)
		return
	}
	if l == math.MinInt64 {
		x.err(errSRandCount)
		return
	}
	s, ok := setOf(x, x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	if s == nil || l == 0 {
		x.w.array(0)
		return
	}
	size := s.Len()
	if l < 0 || l == 1 {
		n := l
		if n < 0 {
			n = -n
		}
		x.w.array(int(n))
		for ; n > 0; n-- {
			replyMemberAt(x, s, s.RandomIndex())
		}
		return
	}
	if l >= int64(size) {
		x.w.array(size)
		replySetMembers(x, s)
		return
	}
	picked := randomPositions(size, int(l))
	x.w.array(len(picked))
	for _, i := range picked {
		replyMemberAt(x, s, i)
	}
}

// cmdSInterCard is sinterCardCommand.
func cmdSInterCard(x *ctx) {
	numkeys, ok := store.ParseInt(x.argv[1])
	if !ok || numkeys < 1 {
		x.err(errNumkeysPositive)
		return
	}
	if numkeys > int64(len(x.argv)-2) {
		x.err(errNumkeysTooMany)
		return
	}
	limit := int64(0)
	for j := 2 + int(numkeys); j < len(x.argv); j++ {
		if !x.argIs(j, "limit") || j+1 >= len(x.argv) {
			x.err(errSyntax)
			return
		}
		j++
		v, ok := store.ParseInt(x.argv[j])
		if !ok || v < 0 {
			x.err(errLimitNegative)
			return
		}
		limit = v
	}
	sinterGeneric(x, x.argv[2:2+numkeys], nil, true, limit)
}

// lookupSets looks up every key for reading (lookupKeyRead, even for the
// STORE variants, as Redis 7.0 does) and fails on the first one of another
// type. Missing keys are nil entries.
func lookupSets(x *ctx, keys [][]byte) ([]*store.Set, bool) {
	sets := make([]*store.Set, len(keys))
	for j, k := range keys {
		s, ok := setOf(x, x.lookupRead(string(k)))
		if !ok {
			return nil, false
		}
		sets[j] = s
	}
	return sets, true
}

// storeSetResult is the STORE tail of sinterGenericCommand and
// sunionDiffGenericCommand: a non-empty result replaces dst (dropping its
// TTL), an empty one deletes it. The command is propagated as sent whenever
// the dataset changed.
func storeSetResult(x *ctx, dst []byte, res *store.Set) {
	key := string(dst)
	if res.Len() > 0 {
		x.db.Set(key, x.newSetObject(res), false, x.now)
		x.propagateArgv()
		x.w.int(int64(res.Len()))
		return
	}
	if x.db.Delete(key, x.now) {
		x.propagateArgv()
	}
	x.w.int(0)
}

// sinterGeneric is sinterGenericCommand, for SMEMBERS, SINTER, SINTERCARD
// (cardOnly, stopping at limit unless it is 0) and SINTERSTORE (dst). The
// smallest set is walked and each member tested against the others.
func sinterGeneric(x *ctx, keys [][]byte, dst []byte, cardOnly bool, limit int64) {
	sets, ok := lookupSets(x, keys)
	if !ok {
		return
	}
	for _, s := range sets {
		if s == nil {
			switch {
			case dst != nil:
				storeSetResult(x, dst, store.NewIntset())
			case cardOnly:
				x.w.int(0)
			default:
				x.w.set(0)
			}
			return
		}
	}
	sort.SliceStable(sets, func(i, j int) bool { return sets[i].Len() < sets[j].Len() })
	first := sets[0]
	inAll := func(has func(s *store.Set) bool) bool {
		for _, s := range sets[1:] {
			if s != first && !has(s) {
				return false
			}
		}
		return true
	}
	var ints []int64
	var strs []string
	card := int64(0)
	if first.IsIntset() {
		for _, n := range first.Ints() {
			if !inAll(func(s *store.Set) bool { return s.HasInt(n) }) {
				continue
			}
			card++
			if cardOnly {
				if limit != 0 && card >= limit {
					break
				}
				continue
			}
			ints = append(ints, n)
		}
	} else {
		for _, m := range first.Strings() {
			if !inAll(func(s *store.Set) bool { return s.HasString(m) }) {
				continue
			}
			card++
			if cardOnly {
				if limit != 0 && card >= limit {
					break
				}
				continue
			}
			strs = append(strs, m)
		}
	}
	switch {
	case cardOnly:
		x.w.int(card)
	case dst != nil:
		res := store.NewIntset()
		limit := x.maxIntset()
		for _, n := range ints {
			res.AddInt(n, limit)
		}
		for _, m := range strs {
			res.AddString(m, limit)
		}
		storeSetResult(x, dst, res)
	default:
		x.w.set(int(card))
		for _, n := range ints {
			x.w.bulkInt(n)
		}
		for _, m := range strs {
			x.w.bulkString(m)
		}
	}
}

// addAll adds every member of src to dst, reporting how many were new.
func addAll(dst, src *store.Set, limit int64) int {
	added := 0
	if src.IsIntset() {
		for _, n := range src.Ints() {
			if dst.AddInt(n, limit) {
				added++
			}
		}
		return added
	}
	for _, m := range src.Strings() {
		if dst.AddString(m, limit) {
			added++
		}
	}
	return added
}

// sunionDiffGeneric is sunionDiffGenericCommand, for SUNION, SDIFF and their
// STORE variants. The result is built as a set starting from an intset, so
// its encoding (and, for an intset, its ascending order) is Redis's. SDIFF
// picks between Redis's two algorithms by the same cost estimate, since the
// one that adds and then removes members can leave a hash table behind.
func sunionDiffGeneric(x *ctx, keys [][]byte, dst []byte, diff bool) {
	sets, ok := lookupSets(x, keys)
	if !ok {
		return
	}
	sameset := false
	for j := 1; j < len(sets); j++ {
		if sets[j] == sets[0] {
			sameset = true
		}
	}
	res := store.NewIntset()
	limit := x.maxIntset()
	switch {
	case !diff:
		for _, s := range sets {
			if s != nil {
				addAll(res, s, limit)
			}
		}
	case sameset || sets[0] == nil:
	case diffByRemoval(sets):
		card := addAll(res, sets[0], limit)
		for _, s := range sets[1:] {
			if card == 0 {
				break
			}
			if s == nil {
				continue
			}
			if s.IsIntset() {
				for _, n := range s.Ints() {
					if res.RemoveInt(n) {
						card--
					}
				}
			} else {
				for _, m := range s.Strings() {
					if res.RemoveString(m) {
						card--
					}
				}
			}
		}
	default:
		others := sets[1:]
		sort.SliceStable(others, func(i, j int) bool { return setLen(others[i]) > setLen(others[j]) })
		inAny := func(has func(s *store.Set) bool) bool {
			for _, s := range others {
				if s != nil && has(s) {
					return true
				}
			}
			return false
		}
		if sets[0].IsIntset() {
			for _, n := range sets[0].Ints() {
				if !inAny(func(s *store.Set) bool { return s.HasInt(n) }) {
					res.AddInt(n, limit)
				}
			}
		} else {
			for _, m := range sets[0].Strings() {
				if !inAny(func(s *store.Set) bool { return s.HasString(m) }) {
					res.AddString(m, limit)
				}
			}
		}
	}
	if dst != nil {
		storeSetResult(x, dst, res)
		return
	}
	x.w.set(res.Len())
	replySetMembers(x, res)
}

// setLen is the size of a possibly missing set.
func setLen(s *store.Set) int {
	if s == nil {
		return 0
	}
	return s.Len()
}

// diffByRemoval reports whether SDIFF uses its second algorithm (add the
// first set, remove the others), by sunionDiffGenericCommand's estimate:
// half of N*M against the total of all sizes.
func diffByRemoval(sets []*store.Set) bool {
	var one, two int64
	for _, s := range sets {
		if s != nil {
			one += int64(sets[0].Len())
			two += int64(s.Len())
		}
	}
	return one/2 > two
}

// cmdSScan is sscanCommand with scanGenericCommand's options: an intset is
// returned whole with cursor 0, a hash table page by page. COUNT bounds the
// members looked at before MATCH filters them.
func cmdSScan(x *ctx) {
	cursor, ok := parseScanCursor(x.argv[2])
	if !ok {
		x.err(errInvalidCursor)
		return
	}
	s, ok := setOf(x, x.lookupRead(x.key(1)))
	if !ok {
		return
	}
	if s == nil {
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
	var out [][]byte
	next := s.Scan(cursor, count,
		func(n int64) { out = append(out, strconv.AppendInt(nil, n, 10)) },
		func(m string) { out = append(out, []byte(m)) })
	if pattern != nil {
		kept := out[:0]
		for _, m := range out {
			if globMatch(pattern, m, false) {
				kept = append(kept, m)
			}
		}
		out = kept
	}
	x.w.array(2)
	x.w.bulkString(strconv.FormatUint(next, 10))
	x.w.array(len(out))
	for _, m := range out {
		x.w.bulk(m)
	}
}

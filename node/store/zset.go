package store

import (
	"math"
	"sort"
	"strconv"
)

// Capacities of the sorted set's B+tree nodes. Leaves hold entries inline,
// so a leaf of 64 entries is one 1.5 KiB block; internal nodes keep the
// entry count of every child, which makes rank lookups O(log n).
const (
	zLeafMax = 64
	zKidsMax = 64
)

// zentry is one member of a sorted set with its score.
type zentry struct {
	member string
	score  float64
}

// zless orders entries by score, then by member bytes (memcmp), as zslInsert
// and zzlInsert in t_zset.c do.
func zless(a, b *zentry) bool {
	return a.score < b.score || (a.score == b.score && a.member < b.member)
}

// znode is a node of the order-statistic B+tree. A leaf holds entries in
// order and is linked to its neighbours; an internal node holds children,
// a lower bound of each child (mins[i] <= every entry under kids[i], and
// greater than every entry under kids[i-1]) and the size of each child.
type znode struct {
	items      []zentry
	kids       []*znode
	mins       []zentry
	cnt        []int
	prev, next *znode
}

func (n *znode) leaf() bool { return n.kids == nil }

func (n *znode) size() int {
	if n.leaf() {
		return len(n.items)
	}
	s := 0
	for _, c := range n.cnt {
		s += c
	}
	return s
}

// kidFor returns the child of an internal node that holds (or would hold) e:
// the last child whose lower bound is not above e.
func (n *znode) kidFor(e *zentry) int {
	lo, hi := 1, len(n.kids)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if zless(e, &n.mins[m]) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo - 1
}

// leafPos returns the index of the first item of a leaf not below e.
func (n *znode) leafPos(e *zentry) int {
	lo, hi := 0, len(n.items)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if zless(&n.items[m], e) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// ZSet is a sorted set (t_zset.c). Entries live in an order-statistic
// B+tree; the skiplist encoding adds a member index for O(1) score lookups,
// while the listpack encoding, like Redis's, finds members by a linear scan.
// The encoding flag follows Redis's rules so OBJECT ENCODING matches: a set
// starts as listpack and converts one way to skiplist once it exceeds
// zset-max-listpack-entries or holds a member longer than
// zset-max-listpack-value.
type ZSet struct {
	root *znode
	n    int
	dict *dictTable[float64] // nil in the listpack encoding
}

// NewZSet returns an empty sorted set in the listpack or skiplist encoding.
func NewZSet(listpack bool) *ZSet {
	z := &ZSet{root: &znode{}}
	if !listpack {
		z.dict = newDictTable[float64](0)
	}
	return z
}

// Len returns the number of members.
func (z *ZSet) Len() int { return z.n }

// Listpack reports whether the set is in the listpack encoding.
func (z *ZSet) Listpack() bool { return z.dict == nil }

// Encoding returns the name OBJECT ENCODING reports.
func (z *ZSet) Encoding() string {
	if z.dict == nil {
		return "listpack"
	}
	return "skiplist"
}

// ConvertToSkiplist switches to the skiplist encoding (zsetConvert). The
// conversion is one way.
func (z *ZSet) ConvertToSkiplist() {
	if z.dict != nil {
		return
	}
	z.dict = newDictTable[float64](z.n)
	z.Ascend(0, func(m string, s float64) bool {
		z.dict.set(m, s)
		return true
	})
}

// Score returns the score of member.
func (z *ZSet) Score(member []byte) (float64, bool) {
	if z.dict != nil {
		if i := z.dict.index(member); i >= 0 {
			return z.dict.vals[i], true
		}
		return 0, false
	}
	var score float64
	found := false
	z.Ascend(0, func(m string, s float64) bool {
		if m == string(member) {
			score, found = s, true
			return false
		}
		return true
	})
	return score, found
}

// Insert adds a member that is not in the set. In the listpack encoding a
// negative zero score is stored as zero, since Redis keeps listpack scores
// as text that reads back as an integer.
func (z *ZSet) Insert(member string, score float64) {
	if z.dict != nil {
		z.dict.set(member, score)
	} else if score == 0 {
		score = 0 // -0 becomes 0
	}
	z.insert(zentry{member: member, score: score})
}

// Update changes the score of a member from old to score.
func (z *ZSet) Update(member string, old, score float64) {
	z.remove(&zentry{member: member, score: old})
	z.Insert(member, score)
}

// Delete removes member and reports whether it was there.
func (z *ZSet) Delete(member []byte) bool {
	s, ok := z.Score(member)
	if !ok {
		return false
	}
	e := zentry{member: string(member), score: s}
	if z.dict != nil {
		z.dict.remove(z.dict.indexString(e.member))
	}
	z.remove(&e)
	return true
}

// Rank returns the 0-based rank of member in ascending order and its score.
func (z *ZSet) Rank(member []byte) (rank int, score float64, ok bool) {
	s, ok := z.Score(member)
	if !ok {
		return 0, 0, false
	}
	e := zentry{member: string(member), score: s}
	return z.lowerBound(func(x *zentry) bool { return !zless(x, &e) }), s, true
}

// At returns the entry at rank, 0 <= rank < Len().
func (z *ZSet) At(rank int) (member string, score float64) {
	n, i := z.seek(rank)
	return n.items[i].member, n.items[i].score
}

// DeleteRank removes the entry at rank and returns it.
func (z *ZSet) DeleteRank(rank int) (member string, score float64) {
	n, i := z.seek(rank)
	e := n.items[i]
	if z.dict != nil {
		z.dict.remove(z.dict.indexString(e.member))
	}
	z.remove(&e)
	return e.member, e.score
}

// Ascend calls fn for the entries from rank start upward until fn returns
// false.
func (z *ZSet) Ascend(start int, fn func(member string, score float64) bool) {
	if start < 0 || start >= z.n {
		return
	}
	n, i := z.seek(start)
	for n != nil {
		for ; i < len(n.items); i++ {
			if !fn(n.items[i].member, n.items[i].score) {
				return
			}
		}
		n, i = n.next, 0
	}
}

// Descend calls fn for the entries from rank start downward until fn
// returns false.
func (z *ZSet) Descend(start int, fn func(member string, score float64) bool) {
	if start < 0 || start >= z.n {
		return
	}
	n, i := z.seek(start)
	for n != nil {
		for ; i >= 0; i-- {
			if !fn(n.items[i].member, n.items[i].score) {
				return
			}
		}
		n = n.prev
		if n != nil {
			i = len(n.items) - 1
		}
	}
}

// Scan visits the members and scores of one ZSCAN call
// (scanGenericCommand in db.c): a listpack in one go, in rank order, with
// cursor 0; a skiplist set through its dict, bucket by bucket with
// dictScan's reverse-binary cursor until count members were returned or
// 10*count buckets were visited, so that a member present for the whole
// scan is returned at least once even if the dict is resized in between.
// It returns the next cursor, 0 when the scan is complete.
func (z *ZSet) Scan(cursor uint64, count int, fn func(member string, score float64)) uint64 {
	if z.dict == nil {
		z.Ascend(0, func(m string, s float64) bool {
			fn(m, s)
			return true
		})
		return 0
	}
	return z.dict.scanPage(cursor, count, fn)
}

// ForEachScored visits every member and score in ascending order, for
// DEBUG DIGEST.
func (z *ZSet) ForEachScored(fn func(member []byte, score float64)) {
	z.Ascend(0, func(m string, s float64) bool {
		fn([]byte(m), s)
		return true
	})
}

// Dup returns a deep copy in the same encoding. Members are immutable
// strings, so the copy shares their bytes.
func (z *ZSet) Dup() any {
	d := NewZSet(z.dict == nil)
	z.Ascend(0, func(m string, s float64) bool {
		d.Insert(m, s)
		return true
	})
	return d
}

// ScoreRange is a parsed score interval (zrangespec).
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

func (r *ScoreRange) gteMin(s float64) bool {
	if r.MinEx {
		return s > r.Min
	}
	return s >= r.Min
}

func (r *ScoreRange) lteMax(s float64) bool {
	if r.MaxEx {
		return s < r.Max
	}
	return s <= r.Max
}

// empty reports a range that can hold nothing (the first test of
// zslIsInRange).
func (r *ScoreRange) empty() bool {
	return r.Min > r.Max || (r.Min == r.Max && (r.MinEx || r.MaxEx))
}

// ScoreSpan returns the ranks [lo, hi) of the entries whose score is in r.
func (z *ZSet) ScoreSpan(r ScoreRange) (lo, hi int) {
	if r.empty() || z.n == 0 {
		return 0, 0
	}
	lo = z.lowerBound(func(e *zentry) bool { return r.gteMin(e.score) })
	hi = z.lowerBound(func(e *zentry) bool { return !r.lteMax(e.score) })
	return lo, max(lo, hi)
}

// LexBound is one end of a lexicographic range: a member with its
// exclusivity, or the "-" and "+" infinities (Inf -1 and +1).
type LexBound struct {
	Inf int
	S   string
	Ex  bool
}

// LexRange is a parsed lexicographic interval (zlexrangespec).
type LexRange struct{ Min, Max LexBound }

// gteMin is zslLexValueGteMin.
func (r *LexRange) gteMin(m string) bool {
	switch r.Min.Inf {
	case -1:
		return true
	case 1:
		return false
	}
	if r.Min.Ex {
		return m > r.Min.S
	}
	return m >= r.Min.S
}

// lteMax is zslLexValueLteMax.
func (r *LexRange) lteMax(m string) bool {
	switch r.Max.Inf {
	case 1:
		return true
	case -1:
		return false
	}
	if r.Max.Ex {
		return m < r.Max.S
	}
	return m <= r.Max.S
}

// cmpLex is sdscmplex: the infinities compare below and above every
// string and equal to themselves.
func cmpLex(a, b LexBound) int {
	if a.Inf != 0 || b.Inf != 0 {
		switch {
		case a.Inf == b.Inf:
			return 0
		case a.Inf == -1 || b.Inf == 1:
			return -1
		default:
			return 1
		}
	}
	switch {
	case a.S < b.S:
		return -1
	case a.S > b.S:
		return 1
	}
	return 0
}

// inLex is zslIsInLexRange: the range is not empty, the last entry is not
// below min and the first is not above max.
func (z *ZSet) inLex(r *LexRange) bool {
	c := cmpLex(r.Min, r.Max)
	if c > 0 || (c == 0 && (r.Min.Ex || r.Max.Ex)) || z.n == 0 {
		return false
	}
	last, _ := z.At(z.n - 1)
	first, _ := z.At(0)
	return r.gteMin(last) && r.lteMax(first)
}

// LexSpan returns the ranks [lo, hi) that a lexicographic range walk visits
// (zzlFirstInLexRange / zslFirstInLexRange, then forward while not above
// max; or with rev, the last-in-range walk backward). The walks assume
// every score is equal; for the listpack encoding they scan linearly as
// Redis does, so mixed scores give Redis's answer too.
func (z *ZSet) LexSpan(r LexRange, rev bool) (lo, hi int) {
	if !z.inLex(&r) {
		return 0, 0
	}
	if z.dict == nil {
		return z.lexScan(&r, rev)
	}
	lo = z.lowerBound(func(e *zentry) bool { return r.gteMin(e.member) })
	hi = z.lowerBound(func(e *zentry) bool { return !r.lteMax(e.member) })
	return lo, max(lo, hi)
}

// lexScan is the listpack form of LexSpan.
func (z *ZSet) lexScan(r *LexRange, rev bool) (lo, hi int) {
	if !rev {
		lo = -1
		i := 0
		z.Ascend(0, func(m string, _ float64) bool {
			if lo < 0 {
				if !r.gteMin(m) {
					i++
					return true
				}
				lo = i
			}
			if !r.lteMax(m) {
				return false
			}
			i++
			return true
		})
		if lo < 0 {
			return 0, 0
		}
		return lo, i
	}
	hi = -1
	i := z.n - 1
	z.Descend(z.n-1, func(m string, _ float64) bool {
		if hi < 0 {
			if !r.lteMax(m) {
				i--
				return true
			}
			hi = i + 1
		}
		if !r.gteMin(m) {
			return false
		}
		i--
		return true
	})
	if hi < 0 {
		return 0, 0
	}
	return i + 1, hi
}

// seek finds the leaf and index of rank.
func (z *ZSet) seek(rank int) (*znode, int) {
	n := z.root
	for !n.leaf() {
		i := 0
		for rank >= n.cnt[i] {
			rank -= n.cnt[i]
			i++
		}
		n = n.kids[i]
	}
	return n, rank
}

// lowerBound returns the rank of the first entry for which pred holds; pred
// must be monotone (false, then true) over the set's order. It returns Len()
// when pred holds nowhere.
func (z *ZSet) lowerBound(pred func(*zentry) bool) int {
	n, rank := z.root, 0
	for !n.leaf() {
		i := sort.Search(len(n.kids)-1, func(j int) bool { return pred(&n.mins[j+1]) })
		for k := 0; k < i; k++ {
			rank += n.cnt[k]
		}
		n = n.kids[i]
	}
	return rank + sort.Search(len(n.items), func(j int) bool { return pred(&n.items[j]) })
}

func (z *ZSet) insert(e zentry) {
	z.n++
	right, sep := z.root.insert(e)
	if right == nil {
		return
	}
	left := z.root
	z.root = &znode{
		kids: []*znode{left, right},
		mins: []zentry{{}, sep},
		cnt:  []int{left.size(), right.size()},
	}
}

// insert adds e under n and returns the new right sibling and its lower
// bound when n had to split.
func (n *znode) insert(e zentry) (*znode, zentry) {
	if n.leaf() {
		i := n.leafPos(&e)
		n.items = append(n.items, zentry{})
		copy(n.items[i+1:], n.items[i:])
		n.items[i] = e
		if len(n.items) <= zLeafMax {
			return nil, zentry{}
		}
		return n.splitLeaf(i)
	}
	i := n.kidFor(&e)
	n.cnt[i]++
	right, sep := n.kids[i].insert(e)
	if right == nil {
		return nil, zentry{}
	}
	rs := right.size()
	n.cnt[i] -= rs
	n.kids = append(n.kids, nil)
	copy(n.kids[i+2:], n.kids[i+1:])
	n.kids[i+1] = right
	n.mins = append(n.mins, zentry{})
	copy(n.mins[i+2:], n.mins[i+1:])
	n.mins[i+1] = sep
	n.cnt = append(n.cnt, 0)
	copy(n.cnt[i+2:], n.cnt[i+1:])
	n.cnt[i+1] = rs
	if len(n.kids) <= zKidsMax {
		return nil, zentry{}
	}
	// Splitting the last child of the rightmost path unevenly keeps
	// sequential inserts dense, as for leaves.
	s := len(n.kids) / 2
	if i+1 == len(n.kids)-1 {
		s = len(n.kids) - 1
	}
	r := &znode{
		kids: append([]*znode(nil), n.kids[s:]...),
		mins: append([]zentry(nil), n.mins[s:]...),
		cnt:  append([]int(nil), n.cnt[s:]...),
	}
	sep = r.mins[0]
	r.mins[0] = zentry{}
	clear(n.kids[s:])
	clear(n.mins[s:])
	n.kids, n.mins, n.cnt = n.kids[:s], n.mins[:s], n.cnt[:s]
	return r, sep
}

// splitLeaf splits an overfull leaf; i is where the new entry went. An
// append at the right end (or a prepend at the left end) moves a single
// entry, so sorted inserts fill leaves completely. Both halves get leaves
// of fixed capacity, so later inserts shift in place.
func (n *znode) splitLeaf(i int) (*znode, zentry) {
	s := len(n.items) / 2
	switch {
	case n.next == nil && i == len(n.items)-1:
		s = len(n.items) - 1
	case n.prev == nil && i == 0:
		s = 1
	}
	left := make([]zentry, s, zLeafMax+1)
	copy(left, n.items[:s])
	right := make([]zentry, len(n.items)-s, zLeafMax+1)
	copy(right, n.items[s:])
	n.items = left
	r := &znode{items: right, prev: n, next: n.next}
	if n.next != nil {
		n.next.prev = r
	}
	n.next = r
	return r, right[0]
}

// remove deletes e, which must be in the set.
func (z *ZSet) remove(e *zentry) {
	z.n--
	z.root.remove(e)
	for !z.root.leaf() && len(z.root.kids) == 1 {
		z.root = z.root.kids[0]
	}
}

func (n *znode) remove(e *zentry) {
	if n.leaf() {
		i := n.leafPos(e)
		copy(n.items[i:], n.items[i+1:])
		n.items[len(n.items)-1] = zentry{}
		n.items = n.items[:len(n.items)-1]
		return
	}
	i := n.kidFor(e)
	n.kids[i].remove(e)
	n.cnt[i]--
	n.rebalance(i)
}

// width is the number of slots a node uses: entries or children.
func (n *znode) width() int {
	if n.leaf() {
		return len(n.items)
	}
	return len(n.kids)
}

// rebalance drops child i when it is empty and merges it with a neighbour
// when both together fit in one node.
func (n *znode) rebalance(i int) {
	k := n.kids[i]
	if n.cnt[i] == 0 {
		if k.leaf() {
			if k.prev != nil {
				k.prev.next = k.next
			}
			if k.next != nil {
				k.next.prev = k.prev
			}
		}
		n.drop(i)
		return
	}
	limit := zLeafMax
	if !k.leaf() {
		limit = zKidsMax
	}
	if k.width() >= limit/4 || len(n.kids) < 2 {
		return
	}
	j := i + 1
	if j == len(n.kids) {
		i, j = i-1, i
	}
	l, r := n.kids[i], n.kids[j]
	if l.width()+r.width() > limit {
		return
	}
	if l.leaf() {
		l.items = append(l.items, r.items...)
		l.next = r.next
		if r.next != nil {
			r.next.prev = l
		}
	} else {
		l.kids = append(l.kids, r.kids...)
		l.mins = append(l.mins, n.mins[j])
		l.mins = append(l.mins, r.mins[1:]...)
		l.cnt = append(l.cnt, r.cnt...)
	}
	n.cnt[i] += n.cnt[j]
	n.drop(j)
}

// drop removes child i of an internal node.
func (n *znode) drop(i int) {
	last := len(n.kids) - 1
	copy(n.kids[i:], n.kids[i+1:])
	n.kids[last] = nil
	n.kids = n.kids[:last]
	copy(n.mins[i:], n.mins[i+1:])
	n.mins[last] = zentry{}
	n.mins = n.mins[:last]
	copy(n.cnt[i:], n.cnt[i+1:])
	n.cnt = n.cnt[:last]
}

// MemoryUsage estimates the bytes Redis would use for this value, as
// objectComputeSize in object.c does (the robj header is added by the
// caller): the listpack's exact size, or the skiplist and dict sizes with
// the per-member cost averaged over samples members (all when 0).
func (z *ZSet) MemoryUsage(samples int64) int64 {
	if z.dict == nil {
		size := int64(6 + 1)
		var buf []byte
		z.Ascend(0, func(m string, s float64) bool {
			size += lpEntrySize(m)
			buf = appendScoreText(buf[:0], s)
			size += lpEntrySize(string(buf))
			return true
		})
		return JemallocSize(size)
	}
	slots := int64(4)
	for slots < int64(z.n) {
		slots *= 2
	}
	// zset, zskiplist, dict, the bucket array and the 32-level header.
	size := int64(16+32+56) + 8*slots + JemallocSize(24+32*16)
	var sum, seen int64
	z.Ascend(0, func(m string, _ float64) bool {
		sum += JemallocSize(int64(len(m))+4) + 24 + JemallocSize(24+16)
		seen++
		return samples == 0 || seen < samples
	})
	if seen > 0 {
		size += int64(float64(sum) / float64(seen) * float64(z.n))
	}
	return size
}

// appendScoreText is d2string: how a listpack stores a score.
func appendScoreText(dst []byte, s float64) []byte {
	if s == math.Trunc(s) && s > -4503599627370495 && s < 4503599627370496 {
		return strconv.AppendInt(dst, int64(s), 10)
	}
	return strconv.AppendFloat(dst, s, 'g', 17, 64)
}

// lpEntrySize is the bytes of one listpack entry holding s: integers use
// the compact integer encodings, strings a length header, and every entry
// ends with its back length (lpEncodeBacklen).
func lpEntrySize(s string) int64 {
	var enc int64
	if v, ok := ParseInt([]byte(s)); ok {
		switch {
		case v >= 0 && v <= 127:
			enc = 1
		case v >= -4096 && v <= 4095:
			enc = 2
		case v >= -32768 && v <= 32767:
			enc = 3
		case v >= -8388608 && v <= 8388607:
			enc = 4
		case v >= -2147483648 && v <= 2147483647:
			enc = 5
		default:
			enc = 9
		}
	} else {
		switch l := int64(len(s)); {
		case l < 64:
			enc = 1 + l
		case l < 4096:
			enc = 2 + l
		default:
			enc = 5 + l
		}
	}
	switch {
	case enc <= 127:
		return enc + 1
	case enc < 16383:
		return enc + 2
	case enc < 2097151:
		return enc + 3
	case enc < 268435455:
		return enc + 4
	}
	return enc + 5
}

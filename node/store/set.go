package store

import (
	"hash/maphash"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
)

// intsetHardLimit caps set-max-intset-entries as setTypeAdd in t_set.c does
// ("limit to 1G entries due to intset internals").
const intsetHardLimit = 1 << 30

// Set is the value of a Redis set. Like Redis 7.0 it has two encodings: an
// intset (ascending int64s) while every member is an integer that string2ll
// accepts and there are at most set-max-intset-entries of them, and a hash
// table from then on; the conversion is one way (setTypeAdd and
// setTypeConvert in t_set.c). Members are owned by the set.
type Set struct {
	// ints holds the intset's members in ascending order; unused once table
	// is set.
	ints []int64
	// width is the intset's element width in bytes (2, 4 or 8). Like
	// intset.c's encoding it grows with the values added and never shrinks,
	// so MEMORY USAGE agrees with Redis.
	width uint8
	table *memberTable
}

// NewIntset returns an empty set with the intset encoding
// (createIntsetObject), as the STORE commands start their result.
func NewIntset() *Set { return &Set{width: 2} }

// NewSetFor returns an empty set that can hold member (setTypeCreate): an
// intset when member is an integer, a hash table otherwise.
func NewSetFor(member []byte) *Set {
	if _, ok := ParseInt(member); ok {
		return NewIntset()
	}
	return &Set{table: &memberTable{seed: maphash.MakeSeed()}}
}

// IsIntset reports whether the set uses the intset encoding.
func (s *Set) IsIntset() bool { return s.table == nil }

// Encoding returns the name OBJECT ENCODING reports.
func (s *Set) Encoding() string {
	if s.table == nil {
		return "intset"
	}
	return "hashtable"
}

// Len returns the number of members (setTypeSize).
func (s *Set) Len() int {
	if s.table == nil {
		return len(s.ints)
	}
	return len(s.table.members)
}

// Ints returns the intset's members in ascending order, or nil for a hash
// table. The slice belongs to the set: callers must not modify or keep it
// across a mutation.
func (s *Set) Ints() []int64 {
	if s.table == nil {
		return s.ints
	}
	return nil
}

// Strings returns the hash table's members in table order, or nil for an
// intset. The slice belongs to the set: callers must not modify or keep it
// across a mutation.
func (s *Set) Strings() []string {
	if s.table == nil {
		return nil
	}
	return s.table.members
}

// intsetMax is set-max-intset-entries as setTypeAdd applies it.
func intsetMax(maxIntset int64) int {
	return int(min(max(maxIntset, 0), intsetHardLimit))
}

// intWidth is _intsetValueEncoding: the bytes needed to store v.
func intWidth(v int64) uint8 {
	switch {
	case v < math.MinInt32 || v > math.MaxInt32:
		return 8
	case v < math.MinInt16 || v > math.MaxInt16:
		return 4
	}
	return 2
}

// Add adds member and reports whether it was new (setTypeAdd). maxIntset is
// set-max-intset-entries; exceeding it, or adding a non-integer, converts an
// intset to a hash table.
func (s *Set) Add(member []byte, maxIntset int64) bool {
	if s.table != nil {
		h := s.table.hash(member)
		if find(s.table, member, h) >= 0 {
			return false
		}
		s.table.insert(string(member), h)
		return true
	}
	if n, ok := ParseInt(member); ok {
		return s.addInt(n, maxIntset)
	}
	s.convert()
	s.table.insert(string(member), s.table.hash(member))
	return true
}

// AddString is Add for a member already held as a string, which the set may
// share: strings are immutable.
func (s *Set) AddString(member string, maxIntset int64) bool {
	if s.table != nil {
		h := s.table.hashString(member)
		if find(s.table, member, h) >= 0 {
			return false
		}
		s.table.insert(member, h)
		return true
	}
	if n, ok := parseIntString(member); ok {
		return s.addInt(n, maxIntset)
	}
	s.convert()
	s.table.insert(member, s.table.hashString(member))
	return true
}

// AddInt adds an integer member (setTypeAdd of its decimal form).
func (s *Set) AddInt(n int64, maxIntset int64) bool {
	if s.table != nil {
		var buf [20]byte
		b := strconv.AppendInt(buf[:0], n, 10)
		h := s.table.hash(b)
		if find(s.table, b, h) >= 0 {
			return false
		}
		s.table.insert(string(b), h)
		return true
	}
	return s.addInt(n, maxIntset)
}

func (s *Set) addInt(n int64, maxIntset int64) bool {
	i, found := slices.BinarySearch(s.ints, n)
	if found {
		return false
	}
	s.ints = slices.Insert(s.ints, i, n)
	s.width = max(s.width, intWidth(n))
	if len(s.ints) > intsetMax(maxIntset) {
		s.convert()
	}
	return true
}

// parseIntString is ParseInt for a string; longer strings are never
// integers, and short ones convert on the stack.
func parseIntString(m string) (int64, bool) {
	if len(m) > 20 {
		return 0, false
	}
	return ParseInt([]byte(m))
}

// convert turns an intset into a hash table presized for its members
// (setTypeConvert).
func (s *Set) convert() {
	t := newDictTable[struct{}](len(s.ints))
	for _, n := range s.ints {
		m := strconv.FormatInt(n, 10)
		t.insert(m, t.hashString(m))
	}
	s.ints = nil
	s.table = t
}

// Remove removes member and reports whether it was present (setTypeRemove).
func (s *Set) Remove(member []byte) bool {
	if s.table != nil {
		i := find(s.table, member, s.table.hash(member))
		if i < 0 {
			return false
		}
		s.table.remove(i)
		return true
	}
	n, ok := ParseInt(member)
	return ok && s.removeInt(n)
}

// RemoveString is Remove for a string member.
func (s *Set) RemoveString(member string) bool {
	if s.table != nil {
		i := find(s.table, member, s.table.hashString(member))
		if i < 0 {
			return false
		}
		s.table.remove(i)
		return true
	}
	n, ok := parseIntString(member)
	return ok && s.removeInt(n)
}

// RemoveInt removes the member whose decimal form is n.
func (s *Set) RemoveInt(n int64) bool {
	if s.table != nil {
		var buf [20]byte
		return s.Remove(strconv.AppendInt(buf[:0], n, 10))
	}
	return s.removeInt(n)
}

func (s *Set) removeInt(n int64) bool {
	i, found := slices.BinarySearch(s.ints, n)
	if found {
		s.ints = slices.Delete(s.ints, i, i+1)
	}
	return found
}

// Has reports whether member is in the set (setTypeIsMember).
func (s *Set) Has(member []byte) bool {
	if s.table != nil {
		return find(s.table, member, s.table.hash(member)) >= 0
	}
	n, ok := ParseInt(member)
	return ok && s.HasInt(n)
}

// HasString is Has for a string member.
func (s *Set) HasString(member string) bool {
	if s.table != nil {
		return find(s.table, member, s.table.hashString(member)) >= 0
	}
	n, ok := parseIntString(member)
	return ok && s.HasInt(n)
}

// HasInt reports whether the decimal form of n is a member.
func (s *Set) HasInt(n int64) bool {
	if s.table != nil {
		var buf [20]byte
		return s.Has(strconv.AppendInt(buf[:0], n, 10))
	}
	_, found := slices.BinarySearch(s.ints, n)
	return found
}

// RandomIndex returns a uniformly chosen position in the set's members
// (Ints or Strings), like setTypeRandomElement. The set must not be empty.
func (s *Set) RandomIndex() int { return rand.IntN(s.Len()) }

// RemoveAt removes the member at position i of Ints or Strings. For a hash
// table it moves the last member into position i, so positions past i are
// unaffected and a walk downwards from the end stays valid.
func (s *Set) RemoveAt(i int) {
	if s.table != nil {
		s.table.remove(i)
		return
	}
	s.ints = slices.Delete(s.ints, i, i+1)
}

// RemoveInts removes the intset members at the positions marked in drop, in
// one pass. drop has one entry per member.
func (s *Set) RemoveInts(drop []bool) {
	out := s.ints[:0]
	for i, n := range s.ints {
		if !drop[i] {
			out = append(out, n)
		}
	}
	s.ints = out
}

// ForEachMember calls fn with every member, integers in decimal form; the
// slice is only valid during the call (the digest walker of DEBUG DIGEST).
func (s *Set) ForEachMember(fn func(member []byte)) {
	var buf []byte
	if s.table == nil {
		for _, n := range s.ints {
			buf = strconv.AppendInt(buf[:0], n, 10)
			fn(buf)
		}
		return
	}
	for _, m := range s.table.members {
		buf = append(buf[:0], m...)
		fn(buf)
	}
}

// Scan visits the members of one SSCAN call (scanGenericCommand in db.c): an
// intset in one go with cursor 0; a hash table bucket by bucket with
// dictScan's reverse-binary cursor until count members were returned or
// 10*count buckets were visited, so that a member present for the whole
// scan is returned at least once even if the table is resized in between.
// It returns the next cursor, 0 when the scan is complete.
func (s *Set) Scan(cursor uint64, count int, intFn func(n int64), strFn func(m string)) uint64 {
	if s.table == nil {
		for _, n := range s.ints {
			intFn(n)
		}
		return 0
	}
	return s.table.scanPage(cursor, count, func(m string, _ struct{}) { strFn(m) })
}

// Dup returns a deep copy with the same encoding (setTypeDup): an intset is
// copied as is, a hash table is rebuilt presized for its members.
func (s *Set) Dup() any {
	if s.table == nil {
		return &Set{ints: slices.Clone(s.ints), width: s.width}
	}
	return &Set{table: s.table.clone()}
}

// Memory accounting constants of a 64-bit Redis 7.0: sizeof(dict),
// sizeof(intset)'s header, and the dict's pointer slot.
const (
	dictStructSize = 56
	intsetHdrSize  = 8
	dictSlotSize   = 8
)

// MemoryUsage estimates the set's bytes as objectComputeSize in object.c
// does, without the robj header: an intset's allocation, or the dict with its slots
// plus the average size of the first samples members' entries and sds
// strings (every member when samples is 0) times the member count.
func (s *Set) MemoryUsage(samples int64) int64 {
	if s.table == nil {
		return JemallocSize(intsetHdrSize + int64(s.width)*int64(len(s.ints)))
	}
	t := s.table
	size := int64(dictStructSize + dictSlotSize*len(t.buckets))
	n := int64(len(t.members))
	if samples <= 0 || samples > n {
		samples = n
	}
	if samples == 0 {
		return size
	}
	var ele int64
	for _, m := range t.members[:samples] {
		ele += DictEntrySize + SdsAllocSize(len(m))
	}
	return size + int64(float64(ele)/float64(samples)*float64(n))
}

// dictNextPower is _dictNextPower in dict.c: the table size for n entries,
// a power of two of at least 4 (DICT_HT_INITIAL_SIZE).
func dictNextPower(n int) int {
	size := 4
	for size < n {
		size *= 2
	}
	return size
}

// dictTable is the hash table behind a set, a hash and a skiplist sorted
// set (dict.c's role in Redis): members are kept densely in
// insertion-and-swap order, with the value of member i at vals[i], so a
// uniform random member is one index away and removal is O(1); buckets chain
// entries by index. Its bucket count follows dict.c's rules (grow to the
// next power of two when full, shrink below 10% fill), which keeps MEMORY
// USAGE close to Redis's and gives HSCAN, SSCAN and ZSCAN dictScan's cursor
// semantics. A set's values are struct{}, which take no memory.
type dictTable[V any] struct {
	seed maphash.Seed
	// buckets holds, per bucket, the index+1 of its first entry (0: empty).
	buckets []uint32
	members []string
	vals    []V
	ents    []tableEntry
}

// memberTable is the hash table of a set.
type memberTable = dictTable[struct{}]

// tableEntry is the hash of one member and the index+1 of the next entry in
// its bucket's chain (0 ends the chain).
type tableEntry struct {
	hash uint32
	next uint32
}

// newDictTable returns an empty table presized for n members, as dictExpand
// does before a conversion copies them in.
func newDictTable[V any](n int) *dictTable[V] {
	t := &dictTable[V]{seed: maphash.MakeSeed()}
	if n > 0 {
		t.resize(dictNextPower(n))
		t.members = make([]string, 0, n)
		t.vals = make([]V, 0, n)
		t.ents = make([]tableEntry, 0, n)
	}
	return t
}

func (t *dictTable[V]) hash(b []byte) uint32 { return uint32(maphash.Bytes(t.seed, b)) }

func (t *dictTable[V]) hashString(s string) uint32 { return uint32(maphash.String(t.seed, s)) }

// find returns the index of member, or -1; h is the member's hash.
func find[V any, M string | []byte](t *dictTable[V], member M, h uint32) int {
	if len(t.buckets) == 0 {
		return -1
	}
	for e := t.buckets[h&uint32(len(t.buckets)-1)]; e != 0; e = t.ents[e-1].next {
		if t.ents[e-1].hash == h && t.members[e-1] == string(member) {
			return int(e - 1)
		}
	}
	return -1
}

// index returns the index of member, or -1.
func (t *dictTable[V]) index(member []byte) int { return find(t, member, t.hash(member)) }

// indexString returns the index of member, or -1.
func (t *dictTable[V]) indexString(member string) int {
	return find(t, member, t.hashString(member))
}

// insert adds a member known to be absent with the zero value, growing
// first as _dictExpandIfNeeded does, and returns its index.
func (t *dictTable[V]) insert(m string, h uint32) int {
	switch used := len(t.members); {
	case len(t.buckets) == 0:
		t.resize(4)
	case used >= len(t.buckets):
		t.resize(dictNextPower(used + 1))
	}
	b := h & uint32(len(t.buckets)-1)
	t.members = append(t.members, m)
	var zero V
	t.vals = append(t.vals, zero)
	t.ents = append(t.ents, tableEntry{hash: h, next: t.buckets[b]})
	t.buckets[b] = uint32(len(t.members))
	return len(t.members) - 1
}

// set stores v under member, adding the member when absent, and reports
// whether it was added (dictReplace).
func (t *dictTable[V]) set(m string, v V) bool {
	h := t.hashString(m)
	if i := find(t, m, h); i >= 0 {
		t.vals[i] = v
		return false
	}
	t.vals[t.insert(m, h)] = v
	return true
}

// remove deletes the entry at index i, moving the last entry into its place,
// then shrinks the table as htNeedsResize and dictResize do.
func (t *dictTable[V]) remove(i int) {
	t.unlink(i)
	last := len(t.members) - 1
	if i != last {
		t.unlink(last)
		t.members[i] = t.members[last]
		t.vals[i] = t.vals[last]
		h := t.ents[last].hash
		b := h & uint32(len(t.buckets)-1)
		t.ents[i] = tableEntry{hash: h, next: t.buckets[b]}
		t.buckets[b] = uint32(i + 1)
	}
	var zero V
	t.members[last] = ""
	t.vals[last] = zero
	t.members = t.members[:last]
	t.vals = t.vals[:last]
	t.ents = t.ents[:last]
	if size := len(t.buckets); size > 4 && len(t.members)*100/size < 10 {
		if n := dictNextPower(len(t.members)); n != size {
			t.shrink(n)
		}
	}
}

// unlink removes entry i from its bucket's chain.
func (t *dictTable[V]) unlink(i int) {
	p := &t.buckets[t.ents[i].hash&uint32(len(t.buckets)-1)]
	for *p != uint32(i+1) {
		p = &t.ents[*p-1].next
	}
	*p = t.ents[i].next
}

// resize replaces the buckets with n of them and rechains every entry.
func (t *dictTable[V]) resize(n int) {
	t.buckets = make([]uint32, n)
	t.rechain()
}

// shrink resizes to n buckets and gives back the spare capacity of the
// member arrays, which stays allocated after a set lost most of its members.
func (t *dictTable[V]) shrink(n int) {
	if cap(t.members) > 2*len(t.members) {
		t.members = slices.Clone(t.members)
		t.vals = slices.Clone(t.vals)
		t.ents = slices.Clone(t.ents)
	}
	t.resize(n)
}

func (t *dictTable[V]) rechain() {
	mask := uint32(len(t.buckets) - 1)
	for i := range t.ents {
		b := t.ents[i].hash & mask
		t.ents[i].next = t.buckets[b]
		t.buckets[b] = uint32(i + 1)
	}
}

// clone returns a copy with the same seed, presized for its members as
// setTypeDup and hashTypeDup do with dictExpand.
func (t *dictTable[V]) clone() *dictTable[V] {
	c := &dictTable[V]{
		seed:    t.seed,
		members: slices.Clone(t.members),
		vals:    slices.Clone(t.vals),
		ents:    slices.Clone(t.ents),
	}
	c.resize(dictNextPower(len(t.members)))
	return c
}

// scan visits the entries of one bucket and returns the next cursor
// (dictScan in dict.c): the cursor's reversed bits are incremented, so a
// walk survives resizes between calls, visiting an entry present for the
// whole walk at least once.
func (t *dictTable[V]) scan(cursor uint64, fn func(i int)) uint64 {
	if len(t.buckets) == 0 {
		return 0
	}
	mask := uint64(len(t.buckets) - 1)
	for e := t.buckets[cursor&mask]; e != 0; e = t.ents[e-1].next {
		fn(int(e - 1))
	}
	cursor |= ^mask
	cursor = bits.Reverse64(cursor)
	cursor++
	return bits.Reverse64(cursor)
}

// scanPage is one HSCAN, SSCAN or ZSCAN call over a table
// (scanGenericCommand in db.c): buckets are visited until count entries
// were returned or 10*count buckets were looked at. It returns the next
// cursor, 0 when the walk is complete.
func (t *dictTable[V]) scanPage(cursor uint64, count int, fn func(member string, v V)) uint64 {
	returned := 0
	visit := func(i int) {
		returned++
		fn(t.members[i], t.vals[i])
	}
	iterations := count * 10
	for {
		cursor = t.scan(cursor, visit)
		if cursor == 0 || iterations == 0 || returned >= count {
			return cursor
		}
		iterations--
	}
}

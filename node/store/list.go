package store

// List is the value of a list key: a deque of elements in a ring buffer
// whose capacity is a power of two, so indexing from either end is O(1) and
// a range is read without walking nodes. Redis 7.0 keeps lists in a
// quicklist of listpacks; List does not mirror that layout but reports the
// same encoding and estimates the same memory.
type List struct {
	ring []string
	head int // index in ring of element 0
	n    int
	// fill is list-max-listpack-size when the list was created, which fixes
	// the size of its quicklist nodes (quicklistSetOptions), for MEMORY
	// USAGE.
	fill int
}

// listMinCap is the smallest ring allocated.
const listMinCap = 4

// NewList returns an empty list whose quicklist nodes follow fill
// (list-max-listpack-size).
func NewList(fill int64) *List { return &List{fill: int(fill)} }

// Len returns the number of elements.
func (l *List) Len() int { return l.n }

// Encoding returns "quicklist": Redis 7.0 stores every list as one.
func (l *List) Encoding() string { return "quicklist" }

func (l *List) at(i int) int { return (l.head + i) & (len(l.ring) - 1) }

// Index returns element i, 0 <= i < Len().
func (l *List) Index(i int) string { return l.ring[l.at(i)] }

// Set replaces element i, 0 <= i < Len().
func (l *List) Set(i int, v string) { l.ring[l.at(i)] = v }

// resize moves the elements to a ring of capacity c >= n.
func (l *List) resize(c int) {
	r := make([]string, c)
	if l.n > 0 {
		k := copy(r, l.ring[l.head:min(l.head+l.n, len(l.ring))])
		copy(r[k:l.n], l.ring)
	}
	l.ring, l.head = r, 0
}

func (l *List) grow(extra int) {
	need := l.n + extra
	if need <= len(l.ring) {
		return
	}
	c := max(len(l.ring), listMinCap)
	for c < need {
		c *= 2
	}
	l.resize(c)
}

// shrink halves the ring while it is at most a quarter full, so a list that
// was long once does not keep its memory.
func (l *List) shrink() {
	c := len(l.ring)
	for c > listMinCap && l.n <= c/4 {
		c /= 2
	}
	if c != len(l.ring) {
		l.resize(c)
	}
}

// PushLeft inserts v at the head.
func (l *List) PushLeft(v string) {
	l.grow(1)
	l.head = (l.head - 1) & (len(l.ring) - 1)
	l.ring[l.head] = v
	l.n++
}

// PushRight appends v at the tail.
func (l *List) PushRight(v string) {
	l.grow(1)
	l.ring[l.at(l.n)] = v
	l.n++
}

// Push inserts v at the head when left, else at the tail.
func (l *List) Push(v string, left bool) {
	if left {
		l.PushLeft(v)
	} else {
		l.PushRight(v)
	}
}

// Pop removes and returns the head element when left, else the tail one.
// The list must not be empty.
func (l *List) Pop(left bool) string {
	var i int
	if left {
		i = l.head
		l.head = (l.head + 1) & (len(l.ring) - 1)
	} else {
		i = l.at(l.n - 1)
	}
	v := l.ring[i]
	l.ring[i] = ""
	l.n--
	l.shrink()
	return v
}

// Insert puts v before position i (i == Len() appends), moving the shorter
// side of the ring.
func (l *List) Insert(i int, v string) {
	if i == 0 {
		l.PushLeft(v)
		return
	}
	if i == l.n {
		l.PushRight(v)
		return
	}
	l.grow(1)
	if i < l.n/2 {
		l.head = (l.head - 1) & (len(l.ring) - 1)
		for j := 0; j < i; j++ {
			l.ring[l.at(j)] = l.ring[l.at(j+1)]
		}
	} else {
		for j := l.n; j > i; j-- {
			l.ring[l.at(j)] = l.ring[l.at(j-1)]
		}
	}
	l.ring[l.at(i)] = v
	l.n++
}

// Trim keeps the elements [start, start+count) and drops the others.
func (l *List) Trim(start, count int) {
	for j := 0; j < start; j++ {
		l.ring[l.at(j)] = ""
	}
	for j := start + count; j < l.n; j++ {
		l.ring[l.at(j)] = ""
	}
	l.head = l.at(start)
	l.n = count
	l.shrink()
}

// Remove deletes up to count elements equal to v, from the head when count
// > 0, from the tail when count < 0, all of them when count == 0, as
// lremCommand does. It returns how many it removed.
func (l *List) Remove(v string, count int64) int {
	removed := 0
	if count >= 0 {
		w := 0
		for r := 0; r < l.n; r++ {
			e := l.ring[l.at(r)]
			if e == v && (count == 0 || int64(removed) < count) {
				removed++
				continue
			}
			l.ring[l.at(w)] = e
			w++
		}
		for j := w; j < l.n; j++ {
			l.ring[l.at(j)] = ""
		}
	} else {
		w := l.n - 1
		for r := l.n - 1; r >= 0; r-- {
			e := l.ring[l.at(r)]
			if e == v && int64(removed) < -count {
				removed++
				continue
			}
			l.ring[l.at(w)] = e
			w--
		}
		for j := 0; j <= w; j++ {
			l.ring[l.at(j)] = ""
		}
		l.head = l.at(w + 1)
	}
	l.n -= removed
	l.shrink()
	return removed
}

// Range calls fn for elements start..end inclusive (0 <= start <= end <
// Len()), in order.
func (l *List) Range(start, end int, fn func(v string)) {
	// Two contiguous runs of the ring, without masking each index.
	first := l.at(start)
	cnt := end - start + 1
	run := min(cnt, len(l.ring)-first)
	for _, v := range l.ring[first : first+run] {
		fn(v)
	}
	for _, v := range l.ring[:cnt-run] {
		fn(v)
	}
}

// ForEachElement visits the elements from head to tail, for DEBUG DIGEST.
func (l *List) ForEachElement(fn func(elem []byte)) {
	if l.n == 0 {
		return
	}
	l.Range(0, l.n-1, func(v string) { fn([]byte(v)) })
}

// Dup returns a deep copy (strings are immutable, so sharing them is one).
func (l *List) Dup() any {
	d := &List{fill: l.fill}
	d.resize(max(listMinCap, len(l.ring)))
	if l.n > 0 {
		l.Range(0, l.n-1, func(v string) {
			d.ring[d.n] = v
			d.n++
		})
	}
	return d
}

// Sizes of the quicklist structures of a 64-bit Redis 7.0.
const (
	quicklistSize     = 40
	quicklistNodeSize = 40
	// quicklistSafetyLimit is SIZE_SAFETY_LIMIT, the node size cap when
	// fill is a count.
	quicklistSafetyLimit = 8192
	// quicklistEstimateOverhead is SIZE_ESTIMATE_OVERHEAD.
	quicklistEstimateOverhead = 8
	// listpackEmptySize is a listpack's header and end byte.
	listpackEmptySize = 7
)

// nodeFits is _quicklistNodeAllowInsert: whether an element of size bytes
// still goes into a node of nodeBytes bytes and count elements.
func (l *List) nodeFits(nodeBytes, count, size int64) bool {
	newSize := nodeBytes + size + quicklistEstimateOverhead
	if l.fill < 0 {
		lim := int64(4096) << min(-l.fill-1, 4)
		return newSize <= lim
	}
	return newSize <= quicklistSafetyLimit && count < int64(l.fill)
}

// MemoryUsage estimates what objectComputeSize reports for a quicklist (the
// robj is added by the caller): the quicklist, and the node headers and
// listpacks of up to samples nodes (all when 0) averaged over the node
// count. Nodes are packed from the head as pushes to the tail would pack
// them.
func (l *List) MemoryUsage(samples int64) int64 {
	var nodes, sampled, sampledSize, nodeBytes, count int64
	var sampledElems int64
	closeNode := func() {
		nodes++
		if samples == 0 || sampled < samples {
			sampled++
			sampledSize += quicklistNodeSize + JemallocSize(nodeBytes)
			sampledElems += count
		}
		nodeBytes, count = listpackEmptySize, 0
	}
	nodeBytes = listpackEmptySize
	stop := false
	for i := 0; i < l.n && !stop; i++ {
		v := l.Index(i)
		if count > 0 && !l.nodeFits(nodeBytes, count, int64(len(v))) {
			closeNode()
			if samples != 0 && sampled >= samples {
				stop = true
				break
			}
		}
		nodeBytes += lpEntrySize(v)
		count++
	}
	if !stop && count > 0 {
		closeNode()
	}
	if sampled == 0 {
		return quicklistSize
	}
	if stop {
		// Extrapolate the node count from the elements per sampled node.
		per := float64(sampledElems) / float64(sampled)
		nodes = int64(float64(l.n)/per + 0.999999)
	}
	return quicklistSize + int64(float64(sampledSize)/float64(sampled)*float64(nodes))
}

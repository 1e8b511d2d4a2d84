package store

import "math/rand/v2"

// Hash is the value of a Redis hash. Like Redis 7.0 it has two encodings: a
// listpack, kept here as a slice of field/value pairs in insertion order so
// HGETALL, HKEYS and HVALS answer in Redis's order, and a hash table once a
// field or value is longer than hash-max-listpack-value or there are more
// than hash-max-listpack-entries fields; the conversion is one way
// (hashTypeTryConversion and hashTypeConvert in t_hash.c). Fields and
// values are owned by the hash.
type Hash struct {
	// pairs holds the listpack's entries; unused once table is set.
	pairs []HashPair
	table *dictTable[string]
}

// HashPair is one field and its value.
type HashPair struct {
	Field, Value string
}

// NewHash returns an empty hash with the listpack encoding
// (createHashObject).
func NewHash() *Hash { return &Hash{} }

// IsListpack reports whether the hash uses the listpack encoding.
func (h *Hash) IsListpack() bool { return h.table == nil }

// Encoding returns the name OBJECT ENCODING reports.
func (h *Hash) Encoding() string {
	if h.table == nil {
		return "listpack"
	}
	return "hashtable"
}

// Len returns the number of fields (hashTypeLength).
func (h *Hash) Len() int {
	if h.table == nil {
		return len(h.pairs)
	}
	return len(h.table.members)
}

// index returns the position of field in the listpack, or -1.
func (h *Hash) index(field []byte) int {
	for i := range h.pairs {
		if h.pairs[i].Field == string(field) {
			return i
		}
	}
	return -1
}

// Get returns field's value (hashTypeGetValue).
func (h *Hash) Get(field []byte) (string, bool) {
	if h.table != nil {
		if i := h.table.index(field); i >= 0 {
			return h.table.vals[i], true
		}
		return "", false
	}
	if i := h.index(field); i >= 0 {
		return h.pairs[i].Value, true
	}
	return "", false
}

// Exists reports whether field is present (hashTypeExists).
func (h *Hash) Exists(field []byte) bool {
	_, ok := h.Get(field)
	return ok
}

// TryConversion converts a listpack to a hash table when any of args is
// longer than maxValue (hashTypeTryConversion), before they are inserted.
func (h *Hash) TryConversion(args [][]byte, maxValue int64) {
	if h.table != nil {
		return
	}
	for _, a := range args {
		if int64(len(a)) > maxValue {
			h.convert()
			return
		}
	}
}

// Set sets field to value and reports whether the field is new
// (hashTypeSet). A field or value longer than maxValue converts a listpack
// first, and so does holding more than maxEntries fields afterwards.
func (h *Hash) Set(field, value []byte, maxEntries, maxValue int64) bool {
	if h.table == nil {
		if int64(len(field)) > maxValue || int64(len(value)) > maxValue {
			h.convert()
		}
	}
	if h.table != nil {
		hv := h.table.hash(field)
		if i := find(h.table, field, hv); i >= 0 {
			h.table.vals[i] = string(value)
			return false
		}
		h.table.vals[h.table.insert(string(field), hv)] = string(value)
		return true
	}
	added := false
	if i := h.index(field); i >= 0 {
		h.pairs[i].Value = string(value)
	} else {
		h.pairs = append(h.pairs, HashPair{Field: string(field), Value: string(value)})
		added = true
	}
	// Redis checks the length after an update too, so a listpack left over
	// the limit by a lowered hash-max-listpack-entries converts on any write.
	if int64(len(h.pairs)) > maxEntries {
		h.convert()
	}
	return added
}

// convert turns a listpack into a hash table (hashTypeConvertListpack).
func (h *Hash) convert() {
	t := newDictTable[string](len(h.pairs))
	for _, p := range h.pairs {
		t.set(p.Field, p.Value)
	}
	h.pairs = nil
	h.table = t
}

// Delete removes field and reports whether it was present (hashTypeDelete);
// a listpack keeps the order of the remaining fields.
func (h *Hash) Delete(field []byte) bool {
	if h.table != nil {
		i := h.table.index(field)
		if i < 0 {
			return false
		}
		h.table.remove(i)
		return true
	}
	i := h.index(field)
	if i < 0 {
		return false
	}
	copy(h.pairs[i:], h.pairs[i+1:])
	h.pairs[len(h.pairs)-1] = HashPair{}
	h.pairs = h.pairs[:len(h.pairs)-1]
	return true
}

// Range calls fn with every field and value, a listpack in insertion order,
// until fn returns false.
func (h *Hash) Range(fn func(field, value string) bool) {
	if h.table != nil {
		for i, f := range h.table.members {
			if !fn(f, h.table.vals[i]) {
				return
			}
		}
		return
	}
	for _, p := range h.pairs {
		if !fn(p.Field, p.Value) {
			return
		}
	}
}

// Pairs returns every field and value; a listpack's in insertion order. The
// result is fresh for a hash table and shared for a listpack: callers must
// not modify it or keep it across a mutation.
func (h *Hash) Pairs() []HashPair {
	if h.table == nil {
		return h.pairs
	}
	out := make([]HashPair, len(h.table.members))
	for i, f := range h.table.members {
		out[i] = HashPair{Field: f, Value: h.table.vals[i]}
	}
	return out
}

// Random returns a uniformly chosen field and value (hashTypeRandomElement).
// The hash must not be empty.
func (h *Hash) Random() HashPair {
	if h.table == nil {
		return h.pairs[rand.IntN(len(h.pairs))]
	}
	i := rand.IntN(len(h.table.members))
	return HashPair{Field: h.table.members[i], Value: h.table.vals[i]}
}

// ForEachField calls fn with every field and value; the slices are only
// valid during the call (the digest walker of DEBUG DIGEST).
func (h *Hash) ForEachField(fn func(field, value []byte)) {
	var fb, vb []byte
	h.Range(func(f, v string) bool {
		fb = append(fb[:0], f...)
		vb = append(vb[:0], v...)
		fn(fb, vb)
		return true
	})
}

// Dup returns a deep copy with the same encoding (hashTypeDup).
func (h *Hash) Dup() any {
	if h.table == nil {
		return &Hash{pairs: append([]HashPair(nil), h.pairs...)}
	}
	return &Hash{table: h.table.clone()}
}

// MemoryUsage estimates the hash's bytes as objectComputeSize in object.c
// does, without the robj header: a listpack's allocation, or the dict with
// its slots plus the average size of the first samples entries and their
// two sds strings (every entry when samples is 0) times the field count.
func (h *Hash) MemoryUsage(samples int64) int64 {
	if h.table == nil {
		size := int64(listpackEmptySize)
		for _, p := range h.pairs {
			size += lpEntrySize(p.Field) + lpEntrySize(p.Value)
		}
		return JemallocSize(size)
	}
	n := int64(len(h.table.members))
	size := int64(dictStructSize + dictSlotSize*dictNextPower(len(h.table.members)))
	if samples <= 0 || samples > n {
		samples = n
	}
	if samples == 0 {
		return size
	}
	var ele int64
	for i, f := range h.table.members[:samples] {
		ele += DictEntrySize + SdsAllocSize(len(f)) + SdsAllocSize(len(h.table.vals[i]))
	}
	return size + int64(float64(ele)/float64(samples)*float64(n))
}

// Scan visits the fields and values of one HSCAN call (scanGenericCommand
// in db.c): a listpack in one go with cursor 0; a hash table bucket by
// bucket with dictScan's reverse-binary cursor until count fields were
// returned or 10*count buckets were visited, so that a field present for
// the whole scan is returned at least once even if the table is resized in
// between. It returns the next cursor, 0 when the scan is complete.
func (h *Hash) Scan(cursor uint64, count int, fn func(field, value string)) uint64 {
	if h.table == nil {
		for _, p := range h.pairs {
			fn(p.Field, p.Value)
		}
		return 0
	}
	return h.table.scanPage(cursor, count, fn)
}

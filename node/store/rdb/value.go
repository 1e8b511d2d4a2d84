package rdb

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Version is RDB_VERSION of Redis 7.0: DUMP writes it, RESTORE accepts
// payloads up to it.
const Version = 10

// footerSize is the RDB version and the CRC64 that end a payload.
const footerSize = 2 + 8

// Type is an RDB object type (RDB_TYPE_* in rdb.h).
type Type byte

// The object types Redis 7.0 writes, and the older ones it still loads.
const (
	TypeString         Type = 0
	TypeList           Type = 1
	TypeSet            Type = 2
	TypeZSet           Type = 3
	TypeHash           Type = 4
	TypeZSet2          Type = 5
	TypeHashZipmap     Type = 9
	TypeListZiplist    Type = 10
	TypeSetIntset      Type = 11
	TypeZSetZiplist    Type = 12
	TypeHashZiplist    Type = 13
	TypeListQuicklist  Type = 14
	TypeHashListpack   Type = 16
	TypeZSetListpack   Type = 17
	TypeListQuicklist2 Type = 18
)

// Quicklist node containers (QUICKLIST_NODE_CONTAINER_*): a plain node
// holds one large element as is, a packed one a listpack.
const (
	quicklistNodePlain  = 1
	quicklistNodePacked = 2
)

// ZEntry is one member of a sorted set with its score.
type ZEntry struct {
	Member []byte
	Score  float64
}

// Pair is one field of a hash with its value.
type Pair struct {
	Field, Value []byte
}

// Value is one key's value in the shape its RDB type gives it. Type selects
// the field that holds the data:
//
//	TypeString                      Str
//	TypeList*                       Elems, head to tail
//	TypeSet                         Elems, in any order
//	TypeSetIntset                   Ints ascending, IntsetWidth bytes each
//	TypeZSet*, TypeZSetListpack     ZSet (ascending for listpacks; Redis
//	                                writes TypeZSet2 from the highest)
//	TypeHash*                       Hash
//
// Decoding normalises the legacy types to the one of the same family that
// Redis 7.0 writes (TypeListQuicklist2, TypeZSetListpack, TypeZSet2,
// TypeHashListpack) and sets Legacy.
type Value struct {
	Type        Type
	Str         []byte
	Elems       [][]byte
	Ints        []int64
	IntsetWidth int
	ZSet        []ZEntry
	Hash        []Pair
	// Legacy records that the payload used an encoding older than Redis
	// 7.0's (ziplist, zipmap, old list and zset types).
	Legacy bool
}

// Options tune encoding. The zero value writes uncompressed strings and,
// like a fill of 0 in Redis, one list element per quicklist node.
type Options struct {
	// Compress LZF-compresses strings longer than 20 bytes when that saves
	// space, as rdbcompression yes does.
	Compress bool
	// ListMaxListpackSize is list-max-listpack-size, which sizes the
	// quicklist nodes of a list (quicklistSetFill): a negative value caps a
	// node's bytes at 4 KiB << (-n-1), a positive one its element count.
	ListMaxListpackSize int
	// ListCompressDepth is list-compress-depth: the quicklist nodes further
	// than this from both ends are kept LZF-compressed by Redis, and DUMP
	// writes them so whatever Compress says.
	ListCompressDepth int
}

// DefaultOptions returns the options of a default redis-server 7.0.
func DefaultOptions() Options {
	return Options{
		Compress:            true, // rdbcompression yes
		ListMaxListpackSize: -2,   // list-max-listpack-size -2: 8 KiB nodes
	}
}

// EncodePayload returns the DUMP payload of v (createDumpPayload in
// cluster.c): the type byte, the value as rdbSaveObject writes it, the RDB
// version and the CRC64. v.Type must be one Redis 7.0 writes (TypeString,
// TypeListQuicklist2, TypeSet, TypeSetIntset, TypeZSet2, TypeZSetListpack,
// TypeHash, TypeHashListpack), as DecodePayload returns; any other type is
// a programming error and panics.
func EncodePayload(v *Value, o Options) []byte {
	b := []byte{byte(v.Type)}
	b = appendValue(b, v, o)
	b = binary.LittleEndian.AppendUint16(b, Version)
	return binary.LittleEndian.AppendUint64(b, CRC64(0, b))
}

// VerifyPayload is verifyDumpPayload: it checks the footer's RDB version and
// CRC64, and returns ErrVersionOrChecksum when either is wrong.
func VerifyPayload(p []byte) error {
	if len(p) < footerSize {
		return ErrVersionOrChecksum
	}
	footer := p[len(p)-footerSize:]
	if binary.LittleEndian.Uint16(footer) > Version {
		return ErrVersionOrChecksum
	}
	if CRC64(0, p[:len(p)-8]) != binary.LittleEndian.Uint64(footer[2:]) {
		return ErrVersionOrChecksum
	}
	return nil
}

// DecodePayload verifies p's footer and decodes its value. Errors wrap
// ErrVersionOrChecksum or ErrBadFormat. The result never aliases p. Like
// restoreCommand, it ignores bytes between the value and the footer.
func DecodePayload(p []byte) (*Value, error) {
	if err := VerifyPayload(p); err != nil {
		return nil, err
	}
	r := &reader{b: p[:len(p)-footerSize]}
	t, err := r.byte()
	if err != nil {
		return nil, err
	}
	return decodeValue(r, Type(t))
}

// appendValue is rdbSaveObject for the types slotd stores.
func appendValue(b []byte, v *Value, o Options) []byte {
	switch v.Type {
	case TypeString:
		return appendString(b, v.Str, o.Compress)
	case TypeListQuicklist2:
		nodes := packQuicklist(v.Elems, o.ListMaxListpackSize)
		b = appendLen(b, uint64(len(nodes)))
		depth := o.ListCompressDepth
		for i, n := range nodes {
			b = appendLen(b, quicklistNodePacked)
			lp := newListpack()
			for _, e := range n {
				lp.append(e)
			}
			blob := lp.finish()
			if depth > 0 && i >= depth && i < len(nodes)-depth {
				if c := compressNode(blob); c != nil {
					b = append(b, encVal<<6|encLZF)
					b = appendLen(b, uint64(len(c)))
					b = appendLen(b, uint64(len(blob)))
					b = append(b, c...)
					continue
				}
			}
			b = appendString(b, blob, o.Compress)
		}
		return b
	case TypeSet:
		b = appendLen(b, uint64(len(v.Elems)))
		for _, e := range v.Elems {
			b = appendString(b, e, o.Compress)
		}
		return b
	case TypeSetIntset:
		w := v.IntsetWidth
		for _, n := range v.Ints {
			w = max(w, intsetWidth(n))
		}
		return appendString(b, encodeIntset(v.Ints, w), o.Compress)
	case TypeZSet2:
		b = appendLen(b, uint64(len(v.ZSet)))
		for _, e := range v.ZSet {
			b = appendString(b, e.Member, o.Compress)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(e.Score))
		}
		return b
	case TypeZSetListpack:
		lp := newListpack()
		var score []byte
		for _, e := range v.ZSet {
			lp.append(e.Member)
			score = appendScore(score[:0], e.Score)
			lp.append(score)
		}
		return appendString(b, lp.finish(), o.Compress)
	case TypeHash:
		b = appendLen(b, uint64(len(v.Hash)))
		for _, p := range v.Hash {
			b = appendString(b, p.Field, o.Compress)
			b = appendString(b, p.Value, o.Compress)
		}
		return b
	case TypeHashListpack:
		lp := newListpack()
		for _, p := range v.Hash {
			lp.append(p.Field)
			lp.append(p.Value)
		}
		return appendString(b, lp.finish(), o.Compress)
	}
	panic(fmt.Sprintf("rdb: cannot encode object type %d", v.Type))
}

// Quicklist node compression thresholds (MIN_COMPRESS_BYTES and
// MIN_COMPRESS_IMPROVE in quicklist.c).
const (
	quicklistMinCompressBytes   = 48
	quicklistMinCompressImprove = 8
)

// compressNode is __quicklistCompressNode: the LZF form of an inner node's
// listpack, or nil when the node is too small or does not shrink enough.
func compressNode(lp []byte) []byte {
	if len(lp) < quicklistMinCompressBytes {
		return nil
	}
	c := lzfCompress(lp, len(lp))
	if c == nil || len(c)+quicklistMinCompressImprove >= len(lp) {
		return nil
	}
	return c
}

// Quicklist node limits of Redis 7.0's quicklist.c.
const (
	quicklistFillMin      = -5
	quicklistFillMax      = 1 << 15
	quicklistSafetyLimit  = 8192
	quicklistSizeEstimate = 8 // SIZE_ESTIMATE_OVERHEAD
)

// packQuicklist splits elements into quicklist nodes the way pushes to the
// tail fill them (_quicklistNodeAllowInsert with fill).
func packQuicklist(elems [][]byte, fill int) [][][]byte {
	fill = min(max(fill, quicklistFillMin), quicklistFillMax)
	var nodes [][][]byte
	var cur [][]byte
	size := 0
	for _, e := range elems {
		if len(cur) > 0 && !nodeAllowsInsert(size, len(cur), len(e), fill) {
			nodes = append(nodes, cur)
			cur = nil
		}
		if len(cur) == 0 {
			size = lpHeaderSize + 1
		}
		cur = append(cur, e)
		size += entrySize(e)
	}
	if len(cur) > 0 {
		nodes = append(nodes, cur)
	}
	return nodes
}

// nodeAllowsInsert is _quicklistNodeAllowInsert of Redis 7.0: whether an
// element of sz bytes still joins a node of nodeSize bytes and count
// elements. A negative fill caps the node's bytes, a positive one its
// count (within the safety limit).
func nodeAllowsInsert(nodeSize, count, sz, fill int) bool {
	newSize := nodeSize + sz + quicklistSizeEstimate
	if fill < 0 {
		return newSize <= 4096<<(-fill-1)
	}
	return newSize <= quicklistSafetyLimit && count < fill
}

// decodeValue is rdbLoadObject for one value of type t.
func decodeValue(r *reader, t Type) (*Value, error) {
	switch t {
	case TypeString:
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		return &Value{Type: TypeString, Str: s}, nil
	case TypeList:
		n, err := r.count(1)
		if err != nil {
			return nil, err
		}
		v := &Value{Type: TypeListQuicklist2, Legacy: true, Elems: make([][]byte, 0, n)}
		for range n {
			e, err := r.str()
			if err != nil {
				return nil, err
			}
			v.Elems = append(v.Elems, e)
		}
		return v, nil
	case TypeListQuicklist, TypeListQuicklist2:
		return decodeQuicklist(r, t)
	case TypeSet:
		n, err := r.count(1)
		if err != nil {
			return nil, err
		}
		v := &Value{Type: TypeSet, Elems: make([][]byte, 0, n)}
		seen := make(map[string]struct{}, n)
		for range n {
			e, err := r.str()
			if err != nil {
				return nil, err
			}
			if _, dup := seen[string(e)]; dup {
				return nil, fmt.Errorf("%w: duplicate set member", ErrBadFormat)
			}
			seen[string(e)] = struct{}{}
			v.Elems = append(v.Elems, e)
		}
		return v, nil
	case TypeSetIntset:
		blob, err := r.str()
		if err != nil {
			return nil, err
		}
		ints, w, err := decodeIntset(blob)
		if err != nil {
			return nil, err
		}
		return &Value{Type: TypeSetIntset, Ints: ints, IntsetWidth: w}, nil
	case TypeZSet, TypeZSet2:
		return decodeZSet(r, t)
	case TypeHash:
		n, err := r.count(2)
		if err != nil {
			return nil, err
		}
		v := &Value{Type: TypeHash, Hash: make([]Pair, 0, n)}
		for range n {
			f, err := r.str()
			if err != nil {
				return nil, err
			}
			val, err := r.str()
			if err != nil {
				return nil, err
			}
			v.Hash = append(v.Hash, Pair{Field: f, Value: val})
		}
		if err := checkFieldDups(v.Hash); err != nil {
			return nil, err
		}
		return v, nil
	case TypeZSetListpack, TypeZSetZiplist, TypeHashListpack, TypeHashZiplist, TypeListZiplist, TypeHashZipmap:
		blob, err := r.str()
		if err != nil {
			return nil, err
		}
		return decodeBlob(blob, t)
	}
	return nil, fmt.Errorf("%w: unknown object type %d", ErrBadFormat, t)
}

// decodeQuicklist reads the nodes of a quicklist, skipping empty ones as
// Redis does; a list left empty is an error.
func decodeQuicklist(r *reader, t Type) (*Value, error) {
	n, err := r.count(2)
	if err != nil {
		return nil, err
	}
	v := &Value{Type: TypeListQuicklist2, Legacy: t == TypeListQuicklist}
	for range n {
		container := uint64(quicklistNodePacked)
		if t == TypeListQuicklist2 {
			if container, err = r.length(); err != nil {
				return nil, err
			}
			if container != quicklistNodePlain && container != quicklistNodePacked {
				return nil, fmt.Errorf("%w: quicklist container %d", ErrBadFormat, container)
			}
		}
		blob, err := r.str()
		if err != nil {
			return nil, err
		}
		if container == quicklistNodePlain {
			v.Elems = append(v.Elems, blob)
			continue
		}
		var elems [][]byte
		if t == TypeListQuicklist2 {
			elems, err = decodeListpack(blob)
		} else {
			elems, err = decodeZiplist(blob)
		}
		if err != nil {
			return nil, err
		}
		v.Elems = append(v.Elems, elems...)
	}
	if len(v.Elems) == 0 {
		return nil, fmt.Errorf("%w: empty list", ErrBadFormat)
	}
	return v, nil
}

// decodeZSet reads ZSET_2 (binary scores) or the old ZSET (text scores).
func decodeZSet(r *reader, t Type) (*Value, error) {
	n, err := r.count(2)
	if err != nil {
		return nil, err
	}
	v := &Value{Type: TypeZSet2, Legacy: t == TypeZSet, ZSet: make([]ZEntry, 0, n)}
	seen := make(map[string]struct{}, n)
	for range n {
		m, err := r.str()
		if err != nil {
			return nil, err
		}
		var s float64
		if t == TypeZSet2 {
			s, err = r.binaryDouble()
		} else {
			s, err = r.textDouble()
		}
		if err != nil {
			return nil, err
		}
		if math.IsNaN(s) {
			return nil, fmt.Errorf("%w: zset with a NaN score", ErrBadFormat)
		}
		if _, dup := seen[string(m)]; dup {
			return nil, fmt.Errorf("%w: duplicate zset member", ErrBadFormat)
		}
		seen[string(m)] = struct{}{}
		v.ZSet = append(v.ZSet, ZEntry{Member: m, Score: s})
	}
	return v, nil
}

// decodeBlob decodes the value types stored as one string: listpacks,
// ziplists and zipmaps.
func decodeBlob(blob []byte, t Type) (*Value, error) {
	var elems [][]byte
	var err error
	switch t {
	case TypeZSetListpack, TypeHashListpack:
		elems, err = decodeListpack(blob)
	case TypeHashZipmap:
		elems, err = decodeZipmap(blob)
	default:
		elems, err = decodeZiplist(blob)
	}
	if err != nil {
		return nil, err
	}
	if len(elems) == 0 {
		return nil, fmt.Errorf("%w: empty collection", ErrBadFormat)
	}
	legacy := t != TypeZSetListpack && t != TypeHashListpack
	switch t {
	case TypeListZiplist:
		return &Value{Type: TypeListQuicklist2, Legacy: true, Elems: elems}, nil
	case TypeZSetListpack, TypeZSetZiplist:
		if len(elems)%2 != 0 {
			return nil, fmt.Errorf("%w: zset listpack with an odd entry count", ErrBadFormat)
		}
		v := &Value{Type: TypeZSetListpack, Legacy: legacy, ZSet: make([]ZEntry, 0, len(elems)/2)}
		seen := make(map[string]struct{}, len(elems)/2)
		for i := 0; i < len(elems); i += 2 {
			s, err := parseScore(elems[i+1])
			if err != nil {
				return nil, err
			}
			if _, dup := seen[string(elems[i])]; dup {
				return nil, fmt.Errorf("%w: duplicate zset member", ErrBadFormat)
			}
			seen[string(elems[i])] = struct{}{}
			v.ZSet = append(v.ZSet, ZEntry{Member: elems[i], Score: s})
		}
		return v, nil
	}
	if len(elems)%2 != 0 {
		return nil, fmt.Errorf("%w: hash listpack with an odd entry count", ErrBadFormat)
	}
	v := &Value{Type: TypeHashListpack, Legacy: legacy, Hash: make([]Pair, 0, len(elems)/2)}
	for i := 0; i < len(elems); i += 2 {
		v.Hash = append(v.Hash, Pair{Field: elems[i], Value: elems[i+1]})
	}
	if err := checkFieldDups(v.Hash); err != nil {
		return nil, err
	}
	return v, nil
}

func checkFieldDups(h []Pair) error {
	seen := make(map[string]struct{}, len(h))
	for _, p := range h {
		if _, dup := seen[string(p.Field)]; dup {
			return fmt.Errorf("%w: duplicate hash field", ErrBadFormat)
		}
		seen[string(p.Field)] = struct{}{}
	}
	return nil
}

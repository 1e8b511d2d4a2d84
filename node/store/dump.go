package store

import (
	"errors"
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/slotd/slotd/node/store/rdb"
)

// ErrNotDumpable is returned by DumpValue for an object whose type has no
// RDB encoding in slotd.
var ErrNotDumpable = errors.New("store: object type cannot be dumped")

// EncodingLimits are the *-max-listpack-* and set-max-intset-entries
// settings that decide the encoding of a restored value, as they decide the
// encoding of one built by commands.
type EncodingLimits struct {
	HashMaxListpackEntries int64
	HashMaxListpackValue   int64
	ListMaxListpackSize    int64
	SetMaxIntsetEntries    int64
	ZsetMaxListpackEntries int64
	ZsetMaxListpackValue   int64
}

// DumpValue returns o's value as rdbSaveObject writes it, choosing the RDB
// type from o's encoding: a listpack or intset object keeps its compact form,
// so Redis restores it with the same OBJECT ENCODING. A skiplist sorted set
// is listed from the highest score down, as Redis saves it. The value shares
// o's bytes and is only valid until o is next modified.
func DumpValue(o *Object) (*rdb.Value, error) {
	switch o.Type {
	case TypeString:
		return &rdb.Value{Type: rdb.TypeString, Str: o.Str}, nil
	case TypeList:
		l := o.Val.(*List)
		v := &rdb.Value{Type: rdb.TypeListQuicklist2, Elems: make([][]byte, 0, l.Len())}
		if l.Len() > 0 {
			l.Range(0, l.Len()-1, func(e string) { v.Elems = append(v.Elems, []byte(e)) })
		}
		return v, nil
	case TypeSet:
		s := o.Val.(*Set)
		if s.IsIntset() {
			return &rdb.Value{Type: rdb.TypeSetIntset, Ints: s.ints, IntsetWidth: int(s.width)}, nil
		}
		v := &rdb.Value{Type: rdb.TypeSet, Elems: make([][]byte, 0, s.Len())}
		for _, m := range s.Strings() {
			v.Elems = append(v.Elems, []byte(m))
		}
		return v, nil
	case TypeZSet:
		z := o.Val.(*ZSet)
		v := &rdb.Value{ZSet: make([]rdb.ZEntry, 0, z.Len())}
		add := func(m string, s float64) bool {
			v.ZSet = append(v.ZSet, rdb.ZEntry{Member: []byte(m), Score: s})
			return true
		}
		if z.Listpack() {
			v.Type = rdb.TypeZSetListpack
			z.Ascend(0, add)
		} else {
			v.Type = rdb.TypeZSet2
			z.Descend(z.Len()-1, add)
		}
		return v, nil
	case TypeHash:
		h := o.Val.(*Hash)
		v := &rdb.Value{Type: rdb.TypeHash, Hash: make([]rdb.Pair, 0, h.Len())}
		if h.IsListpack() {
			v.Type = rdb.TypeHashListpack
		}
		h.Range(func(f, val string) bool {
			v.Hash = append(v.Hash, rdb.Pair{Field: []byte(f), Value: []byte(val)})
			return true
		})
		return v, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNotDumpable, o.Type)
}

// DumpPayload is createDumpPayload: o's DUMP payload, encoded with opt
// (rdbcompression, and the list-max-listpack-size and list-compress-depth
// that shape Redis's quicklist nodes).
func DumpPayload(o *Object, opt rdb.Options) ([]byte, error) {
	v, err := DumpValue(o)
	if err != nil {
		return nil, err
	}
	return rdb.EncodePayload(v, opt), nil
}

// RestorePayload decodes a DUMP payload into a new object, as RESTORE does
// with verifyDumpPayload and rdbLoadObject; errors wrap
// rdb.ErrVersionOrChecksum or rdb.ErrBadFormat. The object has no expiry
// and a zero access time; it does not alias p.
func RestorePayload(p []byte, lim EncodingLimits) (*Object, error) {
	v, err := rdb.DecodePayload(p)
	if err != nil {
		return nil, err
	}
	return RestoreValue(v, lim), nil
}

// RestoreValue builds the object rdbLoadObject builds from v, converting
// to the encoding Redis 7.0 ends up with under lim. The object takes
// ownership of v's slices.
func RestoreValue(v *rdb.Value, lim EncodingLimits) *Object {
	switch v.Type {
	case rdb.TypeString:
		return &Object{Type: TypeString, Str: v.Str}
	case rdb.TypeListQuicklist2:
		l := NewList(lim.ListMaxListpackSize)
		l.grow(len(v.Elems))
		for _, e := range v.Elems {
			l.PushRight(string(e))
		}
		return &Object{Type: TypeList, Val: l}
	case rdb.TypeSet, rdb.TypeSetIntset:
		return &Object{Type: TypeSet, Val: restoreSet(v, lim)}
	case rdb.TypeZSet2, rdb.TypeZSetListpack:
		return &Object{Type: TypeZSet, Val: restoreZSet(v, lim)}
	}
	return &Object{Type: TypeHash, Val: restoreHash(v, lim)}
}

// restoreSet follows rdbLoadObject: a plain set of at most
// set-max-intset-entries integers becomes an intset, an intset over that
// many members a hash table.
func restoreSet(v *rdb.Value, lim EncodingLimits) *Set {
	maxInts := intsetMax(lim.SetMaxIntsetEntries)
	if v.Type == rdb.TypeSetIntset {
		if len(v.Ints) <= maxInts {
			return &Set{ints: v.Ints, width: uint8(v.IntsetWidth)}
		}
		s := &Set{ints: v.Ints}
		s.convert()
		return s
	}
	if len(v.Elems) <= maxInts {
		ints := make([]int64, 0, len(v.Elems))
		width := uint8(2)
		for _, e := range v.Elems {
			n, ok := ParseInt(e)
			if !ok {
				ints = nil
				break
			}
			ints = append(ints, n)
			width = max(width, intWidth(n))
		}
		if ints != nil {
			slices.Sort(ints)
			return &Set{ints: ints, width: width}
		}
	}
	t := &memberTable{seed: maphash.MakeSeed()}
	t.resize(dictNextPower(len(v.Elems)))
	t.members = make([]string, 0, len(v.Elems))
	t.ents = make([]tableEntry, 0, len(v.Elems))
	for _, e := range v.Elems {
		m := string(e)
		t.insert(m, t.hashString(m))
	}
	return &Set{table: t}
}

// restoreZSet follows rdbLoadObject: a listpack stays one up to
// zset-max-listpack-entries members; a skiplist payload becomes a listpack
// when it is small enough in members and member length.
func restoreZSet(v *rdb.Value, lim EncodingLimits) *ZSet {
	listpack := int64(len(v.ZSet)) <= lim.ZsetMaxListpackEntries
	if listpack && v.Type == rdb.TypeZSet2 {
		for _, e := range v.ZSet {
			if int64(len(e.Member)) > lim.ZsetMaxListpackValue {
				listpack = false
				break
			}
		}
	}
	z := NewZSet(listpack)
	for _, e := range v.ZSet {
		z.Insert(string(e.Member), e.Score)
	}
	return z
}

// restoreHash follows rdbLoadObject: a listpack stays one up to
// hash-max-listpack-entries fields; a hash table payload becomes a listpack
// when it is small enough in fields and in field and value length.
func restoreHash(v *rdb.Value, lim EncodingLimits) *Hash {
	listpack := int64(len(v.Hash)) <= lim.HashMaxListpackEntries
	if listpack && v.Type == rdb.TypeHash {
		for _, p := range v.Hash {
			if int64(len(p.Field)) > lim.HashMaxListpackValue || int64(len(p.Value)) > lim.HashMaxListpackValue {
				listpack = false
				break
			}
		}
	}
	if listpack {
		h := &Hash{pairs: make([]HashPair, len(v.Hash))}
		for i, p := range v.Hash {
			h.pairs[i] = HashPair{Field: string(p.Field), Value: string(p.Value)}
		}
		return h
	}
	t := newDictTable[string](len(v.Hash))
	for _, p := range v.Hash {
		t.set(string(p.Field), string(p.Value))
	}
	return &Hash{table: t}
}

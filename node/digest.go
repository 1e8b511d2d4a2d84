package node

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"strconv"

	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/slots"
)

// digest is the 20-byte accumulator of DEBUG DIGEST (debug.c). Aggregates
// whose order does not matter are combined with xor, ordered ones with mix,
// so slotd and Redis agree on the digest of the same dataset.
type digest [20]byte

// xor is xorDigest: digest ^= SHA1(data).
func (d *digest) xor(data []byte) {
	h := sha1.Sum(data)
	for i := range d {
		d[i] ^= h[i]
	}
}

// mix is mixDigest: digest = SHA1(digest ^ SHA1(data)), which makes the
// result depend on the order of the calls.
func (d *digest) mix(data []byte) {
	d.xor(data)
	*d = sha1.Sum(d[:])
}

func (d *digest) String() string { return hex.EncodeToString(d[:]) }

// The aggregate value types implement these so DEBUG DIGEST covers them
// exactly as xorObjectDigest walks each Redis type; integers are visited in
// their decimal form, as Redis decodes them.
type (
	// digestList visits a list's elements from head to tail.
	digestList interface{ ForEachElement(fn func(elem []byte)) }
	// digestSet visits a set's members in any order.
	digestSet interface{ ForEachMember(fn func(member []byte)) }
	// digestZSet visits a sorted set's members and scores in any order.
	digestZSet interface {
		ForEachScored(fn func(member []byte, score float64))
	}
	// digestHash visits a hash's fields and values in any order.
	digestHash interface {
		ForEachField(fn func(field, value []byte))
	}
	// digestStream visits a stream's entries in ID order, fields as
	// name, value pairs.
	digestStream interface {
		ForEachStreamEntry(fn func(ms, seq uint64, fields [][]byte))
	}
)

// rdbType is the OBJ_* number Redis mixes into the digest for each type.
func rdbType(t store.Type) uint32 {
	if t == store.TypeStream {
		return 6 // OBJ_STREAM; 5 is OBJ_MODULE
	}
	return uint32(t)
}

// addObject is xorObjectDigest: the type, the value, and a marker when the
// key has a TTL (its time is left out, so replicas agree).
func (d *digest) addObject(o *store.Object) {
	var aux [4]byte
	binary.BigEndian.PutUint32(aux[:], rdbType(o.Type))
	d.mix(aux[:])
	switch v := o.Val.(type) {
	case digestList:
		v.ForEachElement(func(e []byte) { d.mix(e) })
	case digestSet:
		v.ForEachMember(func(m []byte) { d.xor(m) })
	case digestZSet:
		var buf []byte
		v.ForEachScored(func(m []byte, score float64) {
			var ele digest
			ele.mix(m)
			buf = appendDouble(buf[:0], score)
			ele.mix(buf)
			d.xor(ele[:])
		})
	case digestHash:
		v.ForEachField(func(f, val []byte) {
			var ele digest
			ele.mix(f)
			ele.mix(val)
			d.xor(ele[:])
		})
	case digestStream:
		var buf []byte
		v.ForEachStreamEntry(func(ms, seq uint64, fields [][]byte) {
			buf = strconv.AppendUint(buf[:0], ms, 10)
			buf = append(buf, '.')
			buf = strconv.AppendUint(buf, seq, 10)
			d.mix(buf)
			for _, f := range fields {
				d.mix(f)
			}
		})
	default:
		if o.Type == store.TypeString {
			d.mix(o.Str)
		}
	}
	if o.Expire != 0 {
		d.xor([]byte("!!expire!!"))
	}
}

// valueDigest is one DEBUG DIGEST-VALUE result: the value alone, without
// its key; all zeros for a missing key.
func valueDigest(o *store.Object) string {
	var d digest
	if o != nil {
		d.addObject(o)
	}
	return d.String()
}

// datasetDigest is computeDatasetDigest: for each non-empty database its
// number is mixed in, then the digest of every key and value pair is xored,
// so the order of keys inside a database does not matter. Keys that are
// logically expired but not yet removed count, as in Redis. Every slot must
// be locked.
func (s *Server) datasetDigest() digest {
	var final digest
	for i := 0; i < store.NumDBs; i++ {
		db := s.store.DB(i)
		if db.Size() == 0 {
			continue
		}
		var aux [4]byte
		binary.BigEndian.PutUint32(aux[:], uint32(i))
		final.mix(aux[:])
		for slot := slots.Slot(0); slot < slots.NumSlots; slot++ {
			db.SlotKeys(slot, func(key string, o *store.Object) bool {
				var kv digest
				kv.mix([]byte(key))
				kv.addObject(o)
				final.xor(kv[:])
				return true
			})
		}
	}
	return final
}

// Digest returns what DEBUG DIGEST replies: 40 hex digits that are equal
// on two nodes holding the same data, all zeros for an empty dataset. It
// locks the whole keyspace while it reads.
func (s *Server) Digest() string {
	s.store.LockAll()
	defer s.store.UnlockAll()
	d := s.datasetDigest()
	return d.String()
}

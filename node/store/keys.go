package store

import "github.com/slotd/slotd/slots"

// Duplicator is implemented by the values of the non-string types, so that
// COPY can deep-copy them (the dup*Object functions used by copyCommand in
// db.c).
type Duplicator interface {
	Dup() any
}

// Dup returns a deep copy of o, keeping its type, encoding flag, access time
// and expiry. ok is false when o's value does not implement Duplicator, which
// COPY reports as an unknown type, as copyCommand does.
func (o *Object) Dup() (dup *Object, ok bool) {
	n := &Object{Type: o.Type, Raw: o.Raw, LRU: o.LRU, Expire: o.Expire}
	if o.Type == TypeString {
		n.Str = append([]byte(nil), o.Str...)
		return n, true
	}
	d, ok := o.Val.(Duplicator)
	if !ok {
		return nil, false
	}
	n.Val = d.Dup()
	return n, true
}

// RandomKey returns a random live key of slot, deleting (and reporting
// through OnExpire) the expired keys it draws on the way, as dbRandomKey in
// db.c does. intn(n) must return a uniform integer in [0, n). ok is false
// when the slot holds no live key. The slot must be locked.
func (db *DB) RandomKey(slot slots.Slot, now int64, intn func(n int) int) (key string, ok bool) {
	for {
		p := db.parts[slot]
		if p == nil || len(p.dict) == 0 {
			return "", false
		}
		i := intn(len(p.dict))
		var o *Object
		for k, v := range p.dict {
			if i == 0 {
				key, o = k, v
				break
			}
			i--
		}
		if o.Expire == 0 || o.Expire > now {
			return key, true
		}
		db.expire(p, key)
	}
}

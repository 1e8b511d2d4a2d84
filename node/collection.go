package node

import "github.com/slotd/slotd/node/store"

// valueOf returns o's value when o holds type t, or replies WRONGTYPE and
// reports false (checkType in object.c). A nil o is a missing key: the zero
// value and true.
func valueOf[T any](x *ctx, o *store.Object, t store.Type) (T, bool) {
	var zero T
	if o == nil {
		return zero, true
	}
	if o.Type != t {
		x.wrongType()
		return zero, false
	}
	return o.Val.(T), true
}

// removeMembers is the shared body of HDEL, SREM and ZREM: it removes each
// member argument (from argv[2] on) with remove, deletes the key when the
// last one goes, signals and propagates a change, and replies the count.
func (x *ctx) removeMembers(key string, remove func([]byte) bool, length func() int) {
	deleted := int64(0)
	for _, m := range x.argv[2:] {
		if remove(m) {
			deleted++
			if length() == 0 {
				break
			}
		}
	}
	if deleted > 0 {
		if length() == 0 {
			x.db.Delete(key, x.now)
		} else {
			x.db.Touched(key)
		}
		x.propagateArgv()
	}
	x.w.int(deleted)
}

// replyLen is HLEN, LLEN, SCARD and ZCARD: the length of the collection of
// type t at argv[1], 0 for a missing key.
func (x *ctx) replyLen(t store.Type) {
	v, ok := valueOf[interface{ Len() int }](x, x.lookupRead(x.key(1)), t)
	if !ok {
		return
	}
	n := 0
	if v != nil {
		n = v.Len()
	}
	x.w.int(int64(n))
}

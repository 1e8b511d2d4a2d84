package store

import (
	"strconv"
)

// Type is the Redis data type of an object.
type Type uint8

// The Redis data types, named as TYPE prints them.
const (
	TypeString Type = iota
	TypeList
	TypeSet
	TypeZSet
	TypeHash
	TypeStream
)

var typeNames = [...]string{"string", "list", "set", "zset", "hash", "stream"}

// String returns the name TYPE replies with.
func (t Type) String() string { return typeNames[t] }

// Object is one value in the keyspace. Strings keep their bytes in Str; the
// other types keep their structure in Val.
type Object struct {
	Type Type
	// Raw records that a string was modified in place (APPEND, SETRANGE,
	// SETBIT), which makes Redis report the "raw" encoding from then on.
	Raw bool
	// NoInt records a string Redis created without trying the int encoding
	// (INCRBYFLOAT's result), so an integer-looking value reports embstr.
	NoInt bool
	// LRU is the access time in seconds (LRUClock) for OBJECT IDLETIME.
	LRU uint32
	// Expire is the absolute expiry in Unix milliseconds, 0 for none.
	Expire int64
	Str    []byte
	Val    any
}

// NewString returns a string object holding a copy of b.
func NewString(b []byte) *Object {
	return &Object{Type: TypeString, Str: append([]byte(nil), b...)}
}

// maxSharedInt mirrors OBJ_SHARED_INTEGERS: Redis shares the objects for
// 0..9999 and reports them with a refcount of INT_MAX.
const maxSharedInt = 10000

// Encoding returns the name OBJECT ENCODING reports, by Redis's rules for
// strings: int for values that fit a long, embstr up to 44 bytes, raw beyond.
func (o *Object) Encoding() string {
	if o.Type != TypeString {
		if e, ok := o.Val.(interface{ Encoding() string }); ok {
			return e.Encoding()
		}
		return "unknown"
	}
	if !o.Raw && !o.NoInt {
		if _, ok := ParseInt(o.Str); ok {
			return "int"
		}
	}
	if len(o.Str) <= 44 && !o.Raw {
		return "embstr"
	}
	return "raw"
}

// RefCount returns what OBJECT REFCOUNT reports.
func (o *Object) RefCount() int64 {
	if o.Type == TypeString && !o.Raw && !o.NoInt {
		if n, ok := ParseInt(o.Str); ok && n >= 0 && n < maxSharedInt {
			return 2147483647
		}
	}
	return 1
}

// ParseInt parses b as Redis's string2ll does: an optional '-', no leading
// zeros, no '+', no spaces, and the value must fit an int64.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	i := 0
	if b[0] == '-' {
		neg = true
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (1<<64-1)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
		if v < uint64(c-'0') {
			return 0, false
		}
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// FormatInt appends the decimal form of n to dst.
func FormatInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

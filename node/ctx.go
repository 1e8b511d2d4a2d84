package node

import (
	"fmt"

	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/replication"
	"github.com/slotd/slotd/slots"
)

// ctx is one command execution: the client, its arguments and the database,
// with the slot locks of its keys already held by the dispatcher.
type ctx struct {
	s    *Server
	c    *client
	cmd  *command
	argv [][]byte
	db   *store.DB
	w    *reply
	now  int64 // Unix milliseconds, fixed for the whole command (mstime cache)
	// allLocked is set when every slot lock is held (lockAll, or an EXEC that
	// contains a whole-keyspace command); walkers must not lock again.
	allLocked bool
	// exec is set for commands run by EXEC.
	exec *execState
	// failed records that the command replied with an error, for
	// commandstats' failed_calls.
	failed bool
}

// key returns argument i as a string key. It copies, since arguments point
// into the connection's read buffer.
func (x *ctx) key(i int) string { return string(x.argv[i]) }

// argIs reports whether argument i equals s, case-insensitively.
func (x *ctx) argIs(i int, s string) bool { return optIs(x.argv[i], s) }

// optIs compares an option argument with an ASCII keyword as Redis does with
// strcasecmp: case-insensitively, and as a C string, so the argument ends at
// its first NUL byte.
func optIs(arg []byte, opt string) bool {
	arg = cString(arg)
	if len(arg) != len(opt) {
		return false
	}
	for i := 0; i < len(opt); i++ {
		if lower(arg[i]) != lower(opt[i]) {
			return false
		}
	}
	return true
}

// err replies with an error and marks the call failed.
func (x *ctx) err(msg string) {
	x.failed = true
	x.s.errors.count(msg)
	x.w.err(msg)
}

// errf replies with a formatted error.
func (x *ctx) errf(format string, a ...any) { x.err(fmt.Sprintf(format, a...)) }

// wrongType replies WRONGTYPE.
func (x *ctx) wrongType() { x.err(errWrongType) }

// intArg parses argument i as an integer, replying the Redis error on failure.
func (x *ctx) intArg(i int) (int64, bool) {
	n, ok := store.ParseInt(x.argv[i])
	if !ok {
		x.err(errNotInteger)
	}
	return n, ok
}

// propagate emits the deterministic record of a write. It must be called
// under the locks of the keys written, which the dispatcher holds.
func (x *ctx) propagate(argv ...[]byte) {
	if x.exec != nil && !x.exec.wrapped {
		x.exec.wrapped = true
		x.exec.db = x.db.ID()
		x.s.propagate(replication.Record{DB: x.db.ID(), Argv: [][]byte{[]byte("MULTI")}})
	}
	x.s.propagate(replication.Record{DB: x.db.ID(), Argv: argv})
}

// propagateArgv emits the command itself as its record, for writes that are
// deterministic as sent.
func (x *ctx) propagateArgv() { x.propagate(x.argv...) }

// walkFrom visits slots start..NumSlots-1 of the keyspace, locking each
// unless all are held, until fn returns false; it reports whether fn stopped
// the walk. SCAN and RANDOMKEY resume mid-keyspace.
func (x *ctx) walkFrom(start int, fn func(slot slots.Slot) bool) bool {
	for i := start; i < slots.NumSlots; i++ {
		slot := slots.Slot(i)
		if !x.allLocked {
			x.s.store.Lock(slot)
		}
		more := fn(slot)
		if !x.allLocked {
			x.s.store.Unlock(slot)
		}
		if !more {
			return true
		}
	}
	return false
}

// lookupRead finds a live key for reading and counts a keyspace hit or miss
// (lookupKeyRead in db.c).
func (x *ctx) lookupRead(key string) *store.Object {
	o := x.db.Lookup(key, x.now)
	if o == nil {
		x.s.stats.misses.Add(1)
	} else {
		x.s.stats.hits.Add(1)
	}
	return o
}

// lookupWrite finds a live key for writing (lookupKeyWrite).
func (x *ctx) lookupWrite(key string) *store.Object { return x.db.Lookup(key, x.now) }

// walk visits every slot of the keyspace, as walkFrom(0, fn) does.
func (x *ctx) walk(fn func(slot slots.Slot) bool) { x.walkFrom(0, fn) }

package node

import (
	"math/rand/v2"
	"strconv"

	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/node/store/hll"
)

// Error replies of the HyperLogLog commands.
const (
	errNotHLL        = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errInvalidHLL    = "INVALIDOBJ Corrupted HLL object detected"
	errPFDebugNoKey  = "ERR The specified key does not exist"
	errPFDebugSparse = "ERR HLL encoding is not sparse"
	errPFDebugSub    = "ERR Unknown PFDEBUG subcommand '%s'"
)

// hllCommands declares the commands of hyperloglog.c. The algorithm lives
// in node/store/hll; an HLL is a string value holding its bytes.
func hllCommands() []cmdDef {
	return []cmdDef{
		{name: "pfadd", handler: cmdPFAdd},
		{name: "pfcount", handler: cmdPFCount},
		{name: "pfmerge", handler: cmdPFMerge},
		{name: "pfdebug", handler: cmdPFDebug},
		{name: "pfselftest", handler: cmdPFSelfTest},
	}
}

// hllOf reports whether o holds a valid HLL, replying WRONGTYPE otherwise
// (isHLLObjectOrReply).
func (x *ctx) hllOf(o *store.Object) bool {
	if o.Type != store.TypeString {
		x.wrongType()
		return false
	}
	if !hll.Valid(o.Str) {
		x.err(errNotHLL)
		return false
	}
	return true
}

// newHLL creates an empty HLL at key (createHLLObject plus dbAdd). Redis
// builds it as a raw sds string.
func (x *ctx) newHLL(key string) *store.Object {
	o := &store.Object{Type: store.TypeString, Raw: true, LRU: store.LRUClock(x.now), Str: hll.New()}
	x.db.Set(key, o, false, x.now)
	return o
}

// hllSparseMaxBytes is the hll-sparse-max-bytes option.
func (x *ctx) hllSparseMaxBytes() int64 {
	n, _ := strconv.ParseInt(x.s.config().tuning["hll-sparse-max-bytes"], 10, 64)
	return n
}

// cmdPFAdd is pfaddCommand: it replies 1 when the key was created or a
// register changed, and propagates only then.
func cmdPFAdd(x *ctx) {
	key := x.key(1)
	o := x.lookupWrite(key)
	updated := false
	if o == nil {
		o = x.newHLL(key)
		updated = true
	} else {
		if !x.hllOf(o) {
			return
		}
		o = unshare(o)
	}
	sparseMax := x.hllSparseMaxBytes()
	for _, ele := range x.argv[2:] {
		b, changed, err := hll.Add(o.Str, ele, sparseMax)
		o.Str = b
		if err != nil {
			x.err(errInvalidHLL)
			return
		}
		updated = updated || changed
	}
	if !updated {
		x.w.int(0)
		return
	}
	hll.InvalidateCache(o.Str)
	x.db.Touched(key)
	x.w.int(1)
	x.propagateArgv()
}

// cmdPFCount is pfcountCommand. With several keys it counts their union
// and changes nothing. With one key it replies the cached cardinality, or
// computes it and stores it in the header; that modifies the string, so
// Redis propagates the PFCOUNT itself, and so does slotd: replaying it
// writes the same bytes.
func cmdPFCount(x *ctx) {
	if len(x.argv) > 2 {
		var max [hll.Registers]uint8
		for _, k := range x.argv[1:] {
			o := x.lookupRead(string(k))
			if o == nil {
				continue
			}
			if !x.hllOf(o) {
				return
			}
			if hll.Merge(&max, o.Str) != nil {
				x.err(errInvalidHLL)
				return
			}
		}
		x.w.int(int64(hll.CountRegisters(&max)))
		return
	}
	key := x.key(1)
	o := x.lookupRead(key)
	if o == nil {
		x.w.int(0)
		return
	}
	if !x.hllOf(o) {
		return
	}
	o = unshare(o)
	card, ok := hll.Cached(o.Str)
	if !ok {
		var err error
		if card, err = hll.Count(o.Str); err != nil {
			x.err(errInvalidHLL)
			return
		}
		hll.SetCached(o.Str, card)
		x.db.Touched(key)
		x.propagateArgv()
	}
	x.w.int(int64(card))
}

// cmdPFMerge is pfmergeCommand: the destination (itself one of the
// sources) gets the register-wise maximum, dense when any source is dense,
// and a stale cache. It is propagated as sent.
func cmdPFMerge(x *ctx) {
	var max [hll.Registers]uint8
	dense := false
	for _, k := range x.argv[1:] {
		o := x.lookupRead(string(k))
		if o == nil {
			continue
		}
		if !x.hllOf(o) {
			return
		}
		if hll.Encoding(o.Str) == hll.Dense {
			dense = true
		}
		if hll.Merge(&max, o.Str) != nil {
			x.err(errInvalidHLL)
			return
		}
	}
	key := x.key(1)
	o := x.lookupWrite(key)
	if o == nil {
		o = x.newHLL(key)
	} else {
		o = unshare(o)
	}
	if dense {
		b, err := hll.ToDense(o.Str)
		if err != nil {
			x.err(errInvalidHLL)
			return
		}
		o.Str = b
	}
	sparseMax := x.hllSparseMaxBytes()
	for i, v := range max {
		if v != 0 {
			// Like Redis, a failed sparse update leaves the register as it
			// is; the sources were all validated above.
			o.Str, _, _ = hll.Set(o.Str, i, v, sparseMax)
		}
	}
	hll.InvalidateCache(o.Str)
	x.db.Touched(key)
	x.w.ok()
	x.propagateArgv()
}

// cmdPFDebug is pfdebugCommand: GETREG, DECODE, ENCODING and TODENSE. The
// key is looked up before the subcommand is known, as in Redis. GETREG and
// TODENSE of a sparse HLL convert it, and are propagated then.
func cmdPFDebug(x *ctx) {
	key := x.key(2)
	o := x.lookupWrite(key)
	if o == nil {
		x.err(errPFDebugNoKey)
		return
	}
	if !x.hllOf(o) {
		return
	}
	o = unshare(o)
	sub := x.argv[1]
	switch {
	case optIs(sub, "getreg"):
		if !pfDebugToDense(x, o) {
			return
		}
		x.w.array(hll.Registers)
		for i := 0; i < hll.Registers; i++ {
			x.w.int(int64(hll.Register(o.Str, i)))
		}
	case optIs(sub, "decode"):
		if hll.Encoding(o.Str) != hll.Sparse {
			x.err(errPFDebugSparse)
			return
		}
		x.w.bulkString(hll.Decode(o.Str))
	case optIs(sub, "encoding"):
		if hll.Encoding(o.Str) == hll.Dense {
			x.w.simple("dense")
		} else {
			x.w.simple("sparse")
		}
	case optIs(sub, "todense"):
		conv := hll.Encoding(o.Str) == hll.Sparse
		if !pfDebugToDense(x, o) {
			return
		}
		if conv {
			x.w.int(1)
		} else {
			x.w.int(0)
		}
	default:
		x.errf(errPFDebugSub, cString(sub))
	}
}

// pfDebugToDense converts the HLL of o to dense when it is sparse, and
// propagates the PFDEBUG that did it, as Redis forces its propagation on
// an encoding change. It reports false after an INVALIDOBJ reply.
func pfDebugToDense(x *ctx, o *store.Object) bool {
	if hll.Encoding(o.Str) == hll.Dense {
		return true
	}
	b, err := hll.ToDense(o.Str)
	if err != nil {
		x.err(errInvalidHLL)
		return false
	}
	o.Str = b
	x.propagateArgv()
	return true
}

// cmdPFSelfTest is pfselftestCommand: it checks the dense register access
// and the estimator's error against the sparse encoding, with random data.
func cmdPFSelfTest(x *ctx) {
	if msg := hll.SelfTest(x.hllSparseMaxBytes(), rand.Uint64); msg != "" {
		x.err("ERR " + msg)
		return
	}
	x.w.ok()
}

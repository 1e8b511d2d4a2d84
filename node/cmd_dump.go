package node

import (
	"errors"
	"strconv"

	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/node/store/rdb"
)

// Error replies of DUMP and RESTORE (cluster.c).
const (
	errDumpPayload = "ERR DUMP payload version or checksum are wrong"
	errBadData     = "ERR Bad data format"
	errBusyKey     = "BUSYKEY Target key name already exists."
	errInvalidTTL  = "ERR Invalid TTL value, must be >= 0"
	errIdletimeNeg = "ERR Invalid IDLETIME value, must be >= 0"
	errFreqRange   = "ERR Invalid FREQ value, must be >= 0 and <= 255"
)

const (
	// lruClockMax is LRU_CLOCK_MAX: Redis keeps 24 bits of seconds.
	lruClockMax = 1<<24 - 1
	// restoreFreqNone marks a RESTORE without FREQ.
	restoreFreqNone = -1
)

var (
	wordDEL    = []byte("DEL")
	wordUNLINK = []byte("UNLINK")
	wordABSTTL = []byte("ABSTTL")
)

// dumpCommands declares DUMP and RESTORE; RESTORE-ASKING is RESTORE that
// cluster routing lets through for a slot being imported.
func dumpCommands() []cmdDef {
	return []cmdDef{
		{name: "dump", handler: cmdDump},
		{name: "restore", handler: cmdRestore},
		{name: "restore-asking", handler: cmdRestore},
	}
}

// encodingLimits returns the settings that choose the encodings of
// restored values. MIGRATE's importing side (RESTORE-ASKING) uses them too.
func encodingLimits(cfg *Config) store.EncodingLimits {
	return store.EncodingLimits{
		HashMaxListpackEntries: cfg.HashMaxListpackEntries,
		HashMaxListpackValue:   cfg.HashMaxListpackValue,
		ListMaxListpackSize:    cfg.ListMaxListpackSize,
		SetMaxIntsetEntries:    cfg.SetMaxIntsetEntries,
		ZsetMaxListpackEntries: cfg.ZsetMaxListpackEntries,
		ZsetMaxListpackValue:   cfg.ZsetMaxListpackValue,
	}
}

// dumpOptions returns the settings that shape a DUMP payload, for DUMP and
// MIGRATE alike: rdbcompression, list-max-listpack-size and
// list-compress-depth.
func dumpOptions(cfg *Config) rdb.Options {
	return rdb.Options{
		Compress:            cfg.tuning["rdbcompression"] != "no",
		ListMaxListpackSize: int(cfg.ListMaxListpackSize),
		ListCompressDepth:   int(cfg.ListCompressDepth),
	}
}

// cmdDump is dumpCommand: the key's value as an RDB payload, or nil.
func cmdDump(x *ctx) {
	o := x.lookupRead(x.key(1))
	if o == nil {
		x.w.null()
		return
	}
	p, err := store.DumpPayload(o, dumpOptions(x.s.config()))
	if err != nil {
		x.err(errUnknownObjType)
		return
	}
	x.w.bulk(p)
}

// restoreOptions are RESTORE's optional arguments.
type restoreOptions struct {
	replace, absTTL bool
	idle            int64 // seconds, -1 when not given
	freq            int64 // restoreFreqNone when not given
}

// parseRestoreOptions parses the arguments after the payload as
// restoreCommand does: IDLETIME and FREQ exclude each other, and the
// second of the two is a syntax error.
func parseRestoreOptions(x *ctx) (restoreOptions, bool) {
	opt := restoreOptions{idle: -1, freq: restoreFreqNone}
	for j := 4; j < len(x.argv); j++ {
		more := len(x.argv) - j - 1
		switch {
		case x.argIs(j, "replace"):
			opt.replace = true
		case x.argIs(j, "absttl"):
			opt.absTTL = true
		case x.argIs(j, "idletime") && more >= 1 && opt.freq == restoreFreqNone:
			n, ok := x.intArg(j + 1)
			if !ok {
				return opt, false
			}
			if n < 0 {
				x.err(errIdletimeNeg)
				return opt, false
			}
			opt.idle = n
			j++
		case x.argIs(j, "freq") && more >= 1 && opt.idle == -1:
			n, ok := x.intArg(j + 1)
			if !ok {
				return opt, false
			}
			if n < 0 || n > 255 {
				x.err(errFreqRange)
				return opt, false
			}
			opt.freq = n
			j++
		default:
			x.err(errSyntax)
			return opt, false
		}
	}
	return opt, true
}

// cmdRestore is restoreCommand in cluster.c. The payload is decoded in full
// before the key is touched, so a bad payload changes nothing. A relative
// TTL is propagated as an absolute one with ABSTTL, and a TTL already past
// creates nothing (propagating a DEL, or UNLINK under
// lazyfree-lazy-server-del, when REPLACE removed a key).
func cmdRestore(x *ctx) {
	opt, ok := parseRestoreOptions(x)
	if !ok {
		return
	}
	key := x.key(1)
	if !opt.replace && x.lookupWrite(key) != nil {
		x.err(errBusyKey)
		return
	}
	ttl, ok := x.intArg(2)
	if !ok {
		return
	}
	if ttl < 0 {
		x.err(errInvalidTTL)
		return
	}
	o, err := store.RestorePayload(x.argv[3], encodingLimits(x.s.config()))
	if err != nil {
		if errors.Is(err, rdb.ErrVersionOrChecksum) {
			x.err(errDumpPayload)
		} else {
			x.err(errBadData)
		}
		return
	}
	deleted := opt.replace && x.db.Delete(key, x.now)
	if ttl != 0 && !opt.absTTL {
		ttl += x.now // wraps like Redis's ttl+=mstime() and then counts as past
	}
	if ttl != 0 && ttl <= x.now {
		if deleted {
			del := wordDEL
			if x.s.config().tuning["lazyfree-lazy-server-del"] == "yes" {
				del = wordUNLINK
			}
			x.propagate(del, x.argv[1])
		}
		x.w.ok()
		return
	}
	o.Expire = ttl
	o.LRU = restoreLRU(x, opt)
	x.db.Set(key, o, false, x.now)
	if ttl != 0 && !opt.absTTL {
		rec := make([][]byte, 0, len(x.argv)+1)
		rec = append(rec, x.argv[:2]...)
		rec = append(rec, strconv.AppendInt(nil, ttl, 10))
		rec = append(rec, x.argv[3:]...)
		x.propagate(append(rec, wordABSTTL)...)
	} else {
		x.propagateArgv()
	}
	x.w.ok()
	x.signalKeyReady(key)
}

// restoreLRU is the access time objectSetLRUOrLFU gives a restored key:
// now, or IDLETIME seconds ago outside an LFU policy. Redis keeps a 24-bit
// LRU clock and wraps an idle time that reaches past its start (adding
// LRU_CLOCK_MAX once, then truncating to 24 bits), so slotd computes the
// idle time Redis would then report and sets the access time from it.
// slotd keeps no LFU counter, so FREQ is validated but not stored.
func restoreLRU(x *ctx, opt restoreOptions) uint32 {
	now := store.LRUClock(x.now)
	if opt.idle < 0 || lfuPolicy(x.s.config()) {
		return now
	}
	clock := int64(now) & lruClockMax
	idle := opt.idle * 1000 / 1000 // wraps as Redis's lru_idle*lru_multiplier does
	abs := clock - idle
	if abs < 0 {
		abs += lruClockMax
	}
	lru := abs & lruClockMax
	reported := clock - lru
	if clock < lru {
		reported = clock + lruClockMax - lru
	}
	return now - uint32(reported)
}

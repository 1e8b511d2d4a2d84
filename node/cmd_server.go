package node

import (
	"fmt"
	"net"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/slots"
)

func serverCommands() []cmdDef {
	return []cmdDef{
		{name: "dbsize", handler: func(x *ctx) { x.w.int(x.db.Size()) }},
		{name: "flushall", handler: cmdFlushall, lock: lockAll},
		{name: "flushdb", handler: cmdFlushdb, lock: lockAll},
		{name: "time", handler: cmdTime},
		{name: "lastsave", handler: func(x *ctx) { x.w.int(x.s.stats.lastSave.Load()) }},
		{name: "shutdown", handler: cmdShutdown},
		{name: "monitor", handler: cmdMonitor},
		{name: "slowlog"},
		{name: "slowlog|get", handler: cmdSlowlogGet},
		{name: "slowlog|len", handler: func(x *ctx) { x.w.int(int64(x.s.slowlog.len())) }},
		{name: "slowlog|reset", handler: func(x *ctx) { x.s.slowlog.reset(); x.w.ok() }},
		{name: "slowlog|help", handler: cmdSlowlogHelp},
		{name: "latency"},
		{name: "latency|latest", handler: cmdLatencyLatest},
		{name: "latency|history", handler: cmdLatencyHistory},
		{name: "latency|reset", handler: cmdLatencyReset},
		{name: "latency|doctor", handler: func(x *ctx) { x.w.verbatim(x.s.latency.doctor(x.s.config())) }},
		{name: "latency|graph", handler: cmdLatencyGraph},
		{name: "latency|help", handler: cmdLatencyHelp},
		{name: "memory"},
		{name: "memory|usage", handler: cmdMemoryUsage},
		{name: "memory|doctor", handler: cmdMemoryDoctor},
		{name: "memory|stats", handler: cmdMemoryStats},
		{name: "memory|malloc-stats", handler: func(x *ctx) { x.w.verbatim("Stats not supported for the current allocator") }},
		{name: "memory|purge", handler: func(x *ctx) { debug.FreeOSMemory(); x.w.ok() }},
		{name: "memory|help", handler: cmdMemoryHelp},
		{name: "object"},
		{name: "object|encoding", handler: cmdObjectEncoding},
		{name: "object|freq", handler: cmdObjectFreq},
		{name: "object|idletime", handler: cmdObjectIdletime},
		{name: "object|refcount", handler: cmdObjectRefcount},
		{name: "object|help", handler: cmdObjectHelp},
		{name: "debug", handler: cmdDebug, lock: lockAll},
	}
}

// flushFlags parses FLUSHALL/FLUSHDB's [ASYNC|SYNC] (getFlushCommandFlags).
// slotd always frees synchronously: a slot flush is already proportional
// to the slot's size.
func flushFlags(x *ctx) bool {
	if len(x.argv) == 1 || len(x.argv) == 2 && (x.argIs(1, "sync") || x.argIs(1, "async")) {
		return true
	}
	x.err(errSyntax)
	return false
}

// cmdFlushall is flushallCommand: it empties every database under all the
// slot locks and is always propagated, even when nothing was removed.
func cmdFlushall(x *ctx) {
	if !flushFlags(x) {
		return
	}
	for i := 0; i < store.NumDBs; i++ {
		db := x.s.store.DB(i)
		if db.Size() == 0 {
			continue
		}
		x.walk(func(slot slots.Slot) bool { db.FlushSlot(slot); return true })
	}
	x.propagateArgv()
	x.w.ok()
}

// cmdFlushdb is flushdbCommand for the client's database.
func cmdFlushdb(x *ctx) {
	if !flushFlags(x) {
		return
	}
	if x.db.Size() > 0 {
		x.walk(func(slot slots.Slot) bool { x.db.FlushSlot(slot); return true })
	}
	x.propagateArgv()
	x.w.ok()
}

func cmdTime(x *ctx) {
	us := time.Now().UnixMicro()
	if x.s.clockInjected {
		us = x.now * 1000
	}
	x.w.array(2)
	x.w.bulkInt(us / 1e6)
	x.w.bulkInt(us % 1e6)
}

// cmdShutdown is shutdownCommand. slotd keeps no data on disk, so a
// shutdown never fails and never waits: it asks the process to stop, and
// the connection closes without a reply, as when redis-server exits.
func cmdShutdown(x *ctx) {
	var save, nosave, abort, other bool
	for i := 1; i < len(x.argv); i++ {
		switch {
		case x.argIs(i, "nosave"):
			nosave = true
		case x.argIs(i, "save"):
			save = true
		case x.argIs(i, "now"), x.argIs(i, "force"):
			other = true
		case x.argIs(i, "abort"):
			abort = true
		default:
			x.err(errSyntax)
			return
		}
	}
	if abort && (save || nosave || other) || save && nosave {
		x.err(errSyntax)
		return
	}
	if abort {
		x.err(errNoShutdown)
		return
	}
	x.s.log.Warn("user requested shutdown", zap.String("addr", x.c.addr))
	x.s.requestShutdown()
	x.c.closeAfter = true
}

// cmdMonitor is monitorCommand. The +OK is committed before the client
// joins the monitors, so no fed line can overtake it.
func cmdMonitor(x *ctx) {
	if x.exec != nil {
		x.err(errMonitorDeny)
		return
	}
	c := x.c
	if x.s.monitors.has(c) {
		return
	}
	c.startPushWriter()
	if c.replyMode == replyOn {
		x.w.ok()
		c.commit()
	}
	x.s.monitors.add(c)
}

// cmdSlowlogGet replies the newest entries (default 10, -1 for all), each
// as id, timestamp, microseconds, arguments, client address and name.
func cmdSlowlogGet(x *ctx) {
	n := int64(10)
	switch len(x.argv) {
	case 2:
	case 3:
		v, ok := store.ParseInt(x.argv[2])
		if !ok || v < -1 {
			x.err(errSlowlogCount)
			return
		}
		n = v
	default:
		x.subcommandSyntaxError()
		return
	}
	entries := x.s.slowlog.newest(n)
	x.w.array(len(entries))
	for _, e := range entries {
		x.w.array(6)
		x.w.int(e.id)
		x.w.int(e.time)
		x.w.int(e.duration)
		x.w.array(len(e.argv))
		for _, a := range e.argv {
			x.w.bulk(a)
		}
		x.w.bulkString(e.addr)
		x.w.bulkString(e.name)
	}
}

// subcommandSyntaxError is addReplySubcommandSyntaxError.
func (x *ctx) subcommandSyntaxError() {
	x.errf(errSubcommandArgs, x.argv[1], strings.ToUpper(string(x.argv[0])))
}

func cmdSlowlogHelp(x *ctx) {
	x.help("SLOWLOG", []string{
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	})
}

func cmdLatencyLatest(x *ctx) {
	rows := x.s.latency.latest()
	x.w.array(len(rows))
	for _, r := range rows {
		x.w.array(4)
		x.w.bulkString(r.event)
		x.w.int(r.time)
		x.w.int(r.ms)
		x.w.int(r.max)
	}
}

func cmdLatencyHistory(x *ctx) {
	samples := x.s.latency.history(x.key(2))
	x.w.array(len(samples))
	for _, s := range samples {
		x.w.array(2)
		x.w.int(s.time)
		x.w.int(s.ms)
	}
}

func cmdLatencyReset(x *ctx) {
	names := make([]string, 0, len(x.argv)-2)
	for _, a := range x.argv[2:] {
		names = append(names, string(a))
	}
	x.w.int(x.s.latency.reset(names))
}

func cmdLatencyGraph(x *ctx) {
	g, ok := x.s.latency.graph(x.key(2))
	if !ok {
		x.errf(errNoLatencyData, x.argv[2])
		return
	}
	x.w.verbatim(g)
}

func cmdLatencyHelp(x *ctx) {
	x.help("LATENCY", []string{
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return an ASCII latency graph for the <event> class.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	})
}

// Memory accounting constants of a 64-bit Redis: sizeof(robj) and the per-key cluster metadata of Redis 7.0
// (clusterDictEntryMetadata, two pointers).
const (
	robjSize          = 16
	clusterKeyMetaLen = 16
)

// memoryUser is implemented by aggregate values that can estimate their
// own size for MEMORY USAGE, sampling at most samples elements (all when
// samples is 0), like objectComputeSize.
type memoryUser interface{ MemoryUsage(samples int64) int64 }

// cmdMemoryUsage is MEMORY USAGE key [SAMPLES n]: an estimate of the key's
// footprint computed the way Redis's objectComputeSize is, with jemalloc's
// size classes, so strings report what Redis reports.
func cmdMemoryUsage(x *ctx) {
	samples := int64(5)
	for i := 3; i < len(x.argv); i++ {
		if !x.argIs(i, "samples") || i+1 >= len(x.argv) {
			x.err(errSyntax)
			return
		}
		v, ok := x.intArg(i + 1)
		if !ok {
			return
		}
		if v < 0 {
			x.err(errSyntax)
			return
		}
		samples = v
		i++
	}
	key := x.key(2)
	o := x.db.Peek(key, rawLookupTime)
	if o == nil {
		x.w.null()
		return
	}
	n := objectSize(o, samples) + store.SdsAllocSize(len(key)) + store.DictEntrySize
	if x.s.config().ClusterEnabled {
		n += clusterKeyMetaLen
	}
	x.w.int(n)
}

// objectSize is objectComputeSize for strings, and the value's own estimate
// for the other types.
func objectSize(o *store.Object, samples int64) int64 {
	if o.Type != store.TypeString {
		if m, ok := o.Val.(memoryUser); ok {
			return robjSize + m.MemoryUsage(samples)
		}
		return robjSize
	}
	switch o.Encoding() {
	case "int":
		return robjSize
	case "embstr":
		// robj, sdshdr8 and the bytes with their terminator in one block.
		return store.JemallocSize(robjSize + 3 + int64(len(o.Str)) + 1)
	}
	return robjSize + store.SdsAllocSize(len(o.Str))
}

// memoryDoctorThreshold is the allocation below which getMemoryDoctorReport
// declines to analyse (5 MB).
const memoryDoctorThreshold = 5 << 20

// cmdMemoryDoctor answers as getMemoryDoctorReport does for an instance
// without issues; slotd's allocator is Go's, which has none of the
// jemalloc fragmentation Redis diagnoses.
func cmdMemoryDoctor(x *ctx) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc < memoryDoctorThreshold {
		x.w.verbatim("Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n")
		return
	}
	x.w.verbatim("Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n")
}

// cmdMemoryStats is MEMORY STATS with Redis's fields, filled from the Go
// runtime: heap bytes stand for allocated, heap spans for active, and the
// memory obtained from the OS for resident.
func cmdMemoryStats(x *ctx) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var keys int64
	type dbOverhead struct {
		id            int
		main, expires int64
	}
	var dbs []dbOverhead
	for i := 0; i < store.NumDBs; i++ {
		db := x.s.store.DB(i)
		n := db.Size()
		if n == 0 {
			continue
		}
		keys += n
		dbs = append(dbs, dbOverhead{id: i, main: n * store.DictEntrySize, expires: db.VolatileSize() * store.DictEntrySize})
	}
	var clientsNormal int64
	x.s.clientsMu.Lock()
	for _, c := range x.s.clients {
		clientsNormal += int64(c.outputLen())
	}
	x.s.clientsMu.Unlock()
	allocated := int64(ms.HeapAlloc)
	startup := int64(ms.StackSys + ms.MSpanSys + ms.MCacheSys + ms.GCSys + ms.OtherSys)
	overhead := startup + clientsNormal
	for _, d := range dbs {
		overhead += d.main + d.expires
	}
	dataset := allocated - overhead
	if dataset < 0 {
		dataset = 0
	}
	perKey := int64(0)
	if keys > 0 {
		perKey = (allocated - startup) / keys
	}
	pct := func(a, b int64) float64 {
		if b <= 0 {
			return 0
		}
		return float64(a) * 100 / float64(b)
	}
	ratio := func(a, b int64) float64 {
		if b <= 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	active := int64(ms.HeapInuse)
	resident := int64(ms.HeapSys - ms.HeapReleased)
	rss := int64(ms.Sys - ms.HeapReleased)
	x.w.mapHeader(27 + len(dbs))
	pair := func(name string, v int64) { x.w.bulkString(name); x.w.int(v) }
	double := func(name string, v float64) { x.w.bulkString(name); x.w.double(v) }
	pair("peak.allocated", int64(ms.HeapSys))
	pair("total.allocated", allocated)
	pair("startup.allocated", startup)
	pair("replication.backlog", 0)
	pair("clients.slaves", 0)
	pair("clients.normal", clientsNormal)
	pair("cluster.links", 0)
	pair("aof.buffer", 0)
	pair("lua.caches", 0)
	pair("functions.caches", 0)
	for _, d := range dbs {
		x.w.bulkString("db." + strconv.Itoa(d.id))
		x.w.mapHeader(3)
		pair("overhead.hashtable.main", d.main)
		pair("overhead.hashtable.expires", d.expires)
		pair("overhead.hashtable.slot-to-keys", 0)
	}
	pair("overhead.total", overhead)
	pair("keys.count", keys)
	pair("keys.bytes-per-key", perKey)
	pair("dataset.bytes", dataset)
	double("dataset.percentage", pct(dataset, allocated-startup))
	double("peak.percentage", pct(allocated, int64(ms.HeapSys)))
	pair("allocator.allocated", allocated)
	pair("allocator.active", active)
	pair("allocator.resident", resident)
	double("allocator-fragmentation.ratio", ratio(active, allocated))
	pair("allocator-fragmentation.bytes", active-allocated)
	double("allocator-rss.ratio", ratio(resident, active))
	pair("allocator-rss.bytes", resident-active)
	double("rss-overhead.ratio", ratio(rss, resident))
	pair("rss-overhead.bytes", rss-resident)
	double("fragmentation", ratio(rss, allocated))
	pair("fragmentation.bytes", rss-allocated)
}

func cmdMemoryHelp(x *ctx) {
	x.help("MEMORY", []string{
		"DOCTOR",
		"    Return memory problems reports.",
		"MALLOC-STATS",
		"    Return internal statistics report from the memory allocator.",
		"PURGE",
		"    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS",
		"    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
	})
}

// objectLookup is objectCommandLookup: a read that counts a keyspace hit or
// miss but leaves the access time alone. It replies the null for a missing
// key.
func objectLookup(x *ctx) *store.Object {
	o := x.lookupNoTouch(x.key(2))
	if o == nil {
		x.w.null()
	}
	return o
}

func cmdObjectEncoding(x *ctx) {
	if o := objectLookup(x); o != nil {
		x.w.bulkString(o.Encoding())
	}
}

func cmdObjectRefcount(x *ctx) {
	if o := objectLookup(x); o != nil {
		x.w.int(o.RefCount())
	}
}

// idleSeconds is estimateObjectIdleTime in seconds.
func idleSeconds(o *store.Object, now int64) int64 {
	idle := int64(store.LRUClock(now)) - int64(o.LRU)
	if idle < 0 {
		return 0
	}
	return idle
}

func cmdObjectIdletime(x *ctx) {
	o := objectLookup(x)
	if o == nil {
		return
	}
	if lfuPolicy(x.s.config()) {
		x.err(errIdletimeLFU)
		return
	}
	x.w.int(idleSeconds(o, x.now))
}

// lfuInitVal is LFU_INIT_VAL, the counter of a new key.
const lfuInitVal = 5

// cmdObjectFreq answers OBJECT FREQ. slotd keeps no LFU counter, so it
// reports the counter Redis would for a key accessed once at its last
// access: LFU_INIT_VAL decayed by one per lfu-decay-time minutes idle
// (LFUDecrAndReturn).
func cmdObjectFreq(x *ctx) {
	o := objectLookup(x)
	if o == nil {
		return
	}
	cfg := x.s.config()
	if !lfuPolicy(cfg) {
		x.err(errFreqNotLFU)
		return
	}
	freq := int64(lfuInitVal)
	if decay, err := strconv.ParseInt(cfg.tuning["lfu-decay-time"], 10, 64); err == nil && decay > 0 {
		freq -= idleSeconds(o, x.now) / 60 / decay
	}
	if freq < 0 {
		freq = 0
	}
	x.w.int(freq)
}

func cmdObjectHelp(x *ctx) {
	x.help("OBJECT", []string{
		"ENCODING <key>",
		"    Return the kind of internal representation used in order to store the value",
		"    associated with a <key>.",
		"FREQ <key>",
		"    Return the access frequency index of the <key>. The returned integer is",
		"    proportional to the logarithm of the recent access frequency of the key.",
		"IDLETIME <key>",
		"    Return the idle time of the <key>, that is the approximated number of",
		"    seconds elapsed since the last access to the key.",
		"REFCOUNT <key>",
		"    Return the number of references of the value associated with the specified",
		"    <key>.",
	})
}

// debugAllowed is allowProtectedAction for enable-debug-command: "yes", or
// "local" for a client on the loopback address (islocalClient).
func debugAllowed(s *Server, c *client) bool {
	switch s.config().EnableDebugCommand {
	case "yes":
		return true
	case "local":
		host, _, err := net.SplitHostPort(c.addr)
		return err == nil && (host == "127.0.0.1" || host == "::1")
	}
	return false
}

// cmdDebug is debugCommand. It runs with every slot locked, so DIGEST sees
// one consistent dataset and SLEEP stalls the keyspace as it stalls Redis.
func cmdDebug(x *ctx) {
	sub := strings.ToLower(string(x.argv[1]))
	argc := len(x.argv)
	switch {
	case sub == "help" && argc == 2:
		cmdDebugHelp(x)
	case sub == "digest" && argc == 2:
		d := x.s.datasetDigest()
		x.w.simple(d.String())
	case sub == "digest-value":
		x.w.array(argc - 2)
		for i := 2; i < argc; i++ {
			x.w.simple(valueDigest(x.db.Peek(x.key(i), rawLookupTime)))
		}
	case sub == "object" && argc == 3:
		debugObject(x)
	case sub == "sleep" && argc == 3:
		debugSleep(x)
	case sub == "populate" && argc >= 3 && argc <= 5:
		debugPopulate(x)
	case sub == "set-active-expire" && argc == 3:
		x.s.activeExpireOff.Store(atoi(x.argv[2]) == 0)
		x.w.ok()
	case sub == "error" && argc == 3:
		// A raw reply of "-" and the text: no ERR prefix is added.
		x.w.err(strings.NewReplacer("\n", " ", "\r", " ").Replace(string(x.argv[2])))
	case sub == "log" && argc == 3:
		x.s.log.Warn("debug log", zap.ByteString("message", x.argv[2]))
		x.w.ok()
	case sub == "protocol" && argc == 3:
		debugProtocol(x)
	default:
		x.subcommandSyntaxError()
	}
}

// debugObject is DEBUG OBJECT key, in Redis's format. It sees logically
// expired keys, as Redis's dictFind does. serializedlength is the RDB size
// of the value without LZF compression.
func debugObject(x *ctx) {
	o := x.db.Peek(x.key(2), rawLookupTime)
	if o == nil {
		x.err(errNoSuchKey)
		return
	}
	const lruClockMax = 1<<24 - 1
	x.w.simple(fmt.Sprintf("Value at:%p refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d",
		o, o.RefCount(), o.Encoding(), rdbStringLen(o), o.LRU&lruClockMax, idleSeconds(o, x.now)))
}

// rdbStringLen is rdbSavedObjectLen for a string: an integer that fits 32
// bits takes its special encoding, anything else a length and the bytes.
// Other types report 0: their RDB encoding is not computed here.
func rdbStringLen(o *store.Object) int64 {
	if o.Type != store.TypeString {
		return 0
	}
	if len(o.Str) <= 11 {
		if v, ok := store.ParseInt(o.Str); ok {
			switch {
			case v >= -1<<7 && v < 1<<7:
				return 2
			case v >= -1<<15 && v < 1<<15:
				return 3
			case v >= -1<<31 && v < 1<<31:
				return 5
			}
		}
	}
	n := int64(len(o.Str))
	switch {
	case n < 1<<6:
		return 1 + n
	case n < 1<<14:
		return 2 + n
	case n <= 1<<32-1:
		return 5 + n
	}
	return 9 + n
}

// debugSleep is DEBUG SLEEP seconds: strtod semantics, so text that is not
// a number sleeps for zero seconds. The sleep ends early if the server
// closes.
func debugSleep(x *ctx) {
	secs := strtod(x.argv[2])
	if d := time.Duration(secs * float64(time.Second)); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-x.s.done:
		}
		t.Stop()
	}
	x.w.ok()
}

// debugPopulate is DEBUG POPULATE count [prefix] [size]: keys prefix:N with
// values value:N (cut or zero-padded to size), skipping keys that exist.
// Like Redis it does not propagate.
func debugPopulate(x *ctx) {
	count, ok := store.ParseInt(x.argv[2])
	if !ok || count < 0 {
		x.err(errOutOfRange)
		return
	}
	size := int64(0)
	if len(x.argv) == 5 {
		if size, ok = store.ParseInt(x.argv[4]); !ok || size < 0 {
			x.err(errOutOfRange)
			return
		}
	}
	prefix := []byte("key")
	if len(x.argv) >= 4 {
		prefix = x.argv[3]
	}
	var kb, vb []byte
	for j := int64(0); j < count; j++ {
		kb = append(append(kb[:0], prefix...), ':')
		kb = strconv.AppendInt(kb, j, 10)
		if len(kb) > 127 {
			// snprintf into Redis's 128-byte buffer.
			kb = kb[:127]
		}
		key := string(kb)
		if x.db.Exists(key, x.now) {
			continue
		}
		vb = strconv.AppendInt(append(vb[:0], "value:"...), j, 10)
		o := store.NewString(vb)
		if size > 0 {
			val := make([]byte, size)
			copy(val, vb)
			o.Str = val
		}
		o.LRU = store.LRUClock(x.now)
		x.db.Set(key, o, false, x.now)
	}
	x.w.ok()
}

// debugProtocol is DEBUG PROTOCOL type: one sample reply of each RESP type.
func debugProtocol(x *ctx) {
	w := x.w
	switch strings.ToLower(string(x.argv[2])) {
	case "string":
		w.bulkString("Hello World")
	case "integer":
		w.int(12345)
	case "double":
		w.double(3.141)
	case "bignum":
		const big = "1234567999999999999999999999999999999"
		if w.resp3 {
			w.b = append(append(append(w.b, '('), big...), '\r', '\n')
		} else {
			w.bulkString(big)
		}
	case "null":
		w.null()
	case "array", "set":
		if x.argIs(2, "set") {
			w.set(3)
		} else {
			w.array(3)
		}
		for j := int64(0); j < 3; j++ {
			w.int(j)
		}
	case "map":
		w.mapHeader(3)
		for j := int64(0); j < 3; j++ {
			w.int(j)
			w.boolean(j == 1)
		}
	case "attrib":
		if w.resp3 {
			w.b = append(w.b, "|1\r\n"...)
			w.bulkString("key-popularity")
			w.array(2)
			w.bulkString("key:123")
			w.int(90)
		}
		w.bulkString("Some real reply following the attribute")
	case "push":
		if !w.resp3 {
			x.err(errRESP2Push)
			return
		}
		w.push(2)
		w.bulkString("server-cpu-usage")
		w.int(42)
		w.bulkString("Some real reply following the push reply")
	case "true":
		w.boolean(true)
	case "false":
		w.boolean(false)
	case "verbatim":
		w.verbatim("This is a verbatim\nstring")
	default:
		x.err(errProtocolType)
	}
}

// atoi is C's atoi: optional spaces and sign, then digits until the first
// other byte; 0 when there are none.
func atoi(b []byte) int64 {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	var n int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

// strtod is C's strtod without the end pointer: the longest numeric prefix
// (of at most strtodMaxLen bytes), 0 when there is none.
func strtod(b []byte) float64 {
	s := strings.TrimLeft(string(b), " \t\n\v\f\r")
	if len(s) > strtodMaxLen {
		s = s[:strtodMaxLen]
	}
	for end := len(s); end > 0; end-- {
		f, err := strconv.ParseFloat(s[:end], 64)
		if err == nil {
			return f
		}
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f
		}
	}
	return 0
}

// strtodMaxLen bounds the prefixes strtod tries; no double needs more.
const strtodMaxLen = 512

func cmdDebugHelp(x *ctx) {
	x.help("DEBUG", []string{
		"AOF-FLUSH-SLEEP <microsec>",
		"    Server will sleep before flushing the AOF, this is used for testing.",
		"ASSERT",
		"    Crash by assertion failed.",
		"CHANGE-REPL-ID",
		"    Change the replication IDs of the instance.",
		"    Dangerous: should be used only for testing the replication subsystem.",
		"CONFIG-REWRITE-FORCE-ALL",
		"    Like CONFIG REWRITE but writes all configuration options, including",
		"    keywords not listed in original configuration file or default values.",
		"CRASH-AND-RECOVER [<milliseconds>]",
		"    Hard crash and restart after a <milliseconds> delay (default 0).",
		"DIGEST",
		"    Output a hex signature representing the current DB content.",
		"DIGEST-VALUE <key> [<key> ...]",
		"    Output a hex signature of the values of all the specified keys.",
		"ERROR <string>",
		"    Return a Redis protocol error with <string> as message. Useful for clients",
		"    unit tests to simulate Redis errors.",
		"LEAK <string>",
		"    Create a memory leak of the input string.",
		"LOG <message>",
		"    Write <message> to the server log.",
		"HTSTATS <dbid>",
		"    Return hash table statistics of the specified Redis database.",
		"HTSTATS-KEY <key>",
		"    Like HTSTATS but for the hash table stored at <key>'s value.",
		"LOADAOF",
		"    Flush the AOF buffers on disk and reload the AOF in memory.",
		"REPLICATE <string>",
		"    Replicates the provided string to replicas, allowing data divergence.",
		"MALLCTL <key> [<val>]",
		"    Get or set a malloc tuning integer.",
		"MALLCTL-STR <key> [<val>]",
		"    Get or set a malloc tuning string.",
		"OBJECT <key>",
		"    Show low level info about `key` and associated value.",
		"DROP-CLUSTER-PACKET-FILTER <packet-type>",
		"    Drop all packets that match the filtered type. Set to -1 allow all packets.",
		"OOM",
		"    Crash the server simulating an out-of-memory error.",
		"PANIC",
		"    Crash the server simulating a panic.",
		"POPULATE <count> [<prefix>] [<size>]",
		"    Create <count> string keys named key:<num>. If <prefix> is specified then",
		"    it is used instead of the 'key' prefix. These are not propagated to",
		"    replicas. Cluster slots are not respected so keys not belonging to the",
		"    current node can be created in cluster mode.",
		"PROTOCOL <type>",
		"    Reply with a test value of the specified type. <type> can be: string,",
		"    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
		"    true, false.",
		"RELOAD [option ...]",
		"    Save the RDB on disk and reload it back to memory. Valid <option> values:",
		"    * MERGE: conflicting keys will be loaded from RDB.",
		"    * NOFLUSH: the existing database will not be removed before load, but",
		"      conflicting keys will generate an exception and kill the server.",
		"    * NOSAVE: the database will be loaded from an existing RDB file.",
		"    Examples:",
		"    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
		"      the database.",
		"    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
		"      existing RDB file.",
		"    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
		"      file to the database.",
		"RESTART [<milliseconds>]",
		"    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
		"SDSLEN <key>",
		"    Show low level SDS string info representing `key` and value.",
		"SEGFAULT",
		"    Crash the server with sigsegv.",
		"SET-ACTIVE-EXPIRE <0|1>",
		"    Setting it to 0 disables expiring keys in background when they are not",
		"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
		"    default.",
		"QUICKLIST-PACKED-THRESHOLD <size>",
		"    Sets the threshold for elements to be inserted as plain vs packed nodes",
		"    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
		"SET-SKIP-CHECKSUM-VALIDATION <0|1>",
		"    Enables or disables checksum checks for RDB files and RESTORE's payload.",
		"SLEEP <seconds>",
		"    Stop the server for <seconds>. Decimals allowed.",
		"STRINGMATCH-TEST",
		"    Run a fuzz tester against the stringmatchlen() function.",
		"STRUCTSIZE",
		"    Return the size of different Redis core C structures.",
		"LISTPACK <key>",
		"    Show low level info about the listpack encoding of <key>.",
		"QUICKLIST <key> [<0|1>]",
		"    Show low level info about the quicklist encoding of <key>.",
		"    The optional argument (0 by default) sets the level of detail",
		"CLIENT-EVICTION",
		"    Show low level client eviction pools info (maxmemory-clients).",
		"PAUSE-CRON <0|1>",
		"    Stop periodic cron job processing.",
		"REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
		"    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
		"    In case NEVER is provided the last observed peak will never be reset",
		"    In case RESET is provided the peak reset time will be restored to the default value",
		"REPLYBUFFER RESIZING <0|1>",
		"    Enable or disable the reply buffer resize cron job",
		"CLUSTERLINK KILL <to|from|all> <node-id>",
		"    Kills the link based on the direction to/from (both) with the provided node.",
	})
}

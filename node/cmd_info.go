package node

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// infoSections are INFO's sections in the order Redis writes them
// (genRedisInfoString), with the writer of each.
var infoSections = []struct {
	name  string
	write func(st *infoState, x *ctx, b *infoBuilder)
}{
	{"server", (*infoState).server},
	{"clients", (*infoState).clients},
	{"memory", (*infoState).memory},
	{"persistence", (*infoState).persistence},
	{"stats", (*infoState).stats},
	{"replication", (*infoState).replication},
	{"cpu", (*infoState).cpu},
	{"modules", nil},
	{"commandstats", (*infoState).commandstats},
	{"errorstats", (*infoState).errorstats},
	{"latencystats", nil},
	{"cluster", (*infoState).cluster},
	{"keyspace", (*infoState).keyspace},
}

// infoHeaders are the section titles that are not the name capitalized.
var infoHeaders = map[string]string{
	"cpu": "CPU", "commandstats": "Commandstats", "errorstats": "Errorstats",
	"latencystats": "Latencystats", "modules": "Modules",
}

// defaultInfoSections are INFO's sections without arguments.
var defaultInfoSections = []string{"server", "clients", "memory", "persistence", "stats",
	"replication", "cpu", "modules", "errorstats", "cluster", "keyspace"}

func infoCommands() []cmdDef {
	// Each command table (one per Server) gets its own INFO state.
	st := newInfoState()
	return []cmdDef{{name: "info", handler: st.info}}
}

// infoState is what INFO keeps between calls: the memory sample, refreshed
// at most every 100 ms, the peak, and facts read once.
type infoState struct {
	mu      sync.Mutex // guards sampled, mem and peak
	sampled time.Time
	mem     memSample
	peak    uint64

	startup  uint64 // used_memory when the node was built
	replID   string
	osName   string
	totalMem uint64
}

// memSample is the Go runtime's view of memory, in allocator terms: heap
// objects are "allocated", plus free space in spans "active", and what is
// mapped and not returned to the OS "resident".
type memSample struct {
	allocated, active, resident, rss uint64
}

func newInfoState() *infoState {
	st := &infoState{osName: osDescription(), totalMem: totalSystemMemory()}
	var id [20]byte
	_, _ = rand.Read(id[:])
	st.replID = hex.EncodeToString(id[:])
	st.mem = readMemory()
	st.sampled = time.Now()
	st.startup = st.mem.allocated
	st.peak = st.mem.allocated
	return st
}

// sample returns the memory figures, read again when older than 100 ms,
// and the peak of used_memory.
func (st *infoState) sample() (memSample, uint64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if time.Since(st.sampled) >= 100*time.Millisecond {
		st.mem = readMemory()
		st.sampled = time.Now()
	}
	st.peak = max(st.peak, st.mem.allocated)
	return st.mem, st.peak
}

func readMemory() memSample {
	s := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/total:bytes"},
	}
	metrics.Read(s)
	v := func(i int) uint64 {
		if s[i].Value.Kind() == metrics.KindUint64 {
			return s[i].Value.Uint64()
		}
		return 0
	}
	return memSample{
		allocated: v(0),
		active:    v(0) + v(1),
		resident:  v(3) - v(2),
		rss:       residentSetSize(),
	}
}

// residentSetSize reads the process's resident pages from /proc/self/statm,
// as zmalloc_get_rss does; 0 where there is no /proc.
func residentSetSize() uint64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(fields[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// totalSystemMemory reads MemTotal from /proc/meminfo; 0 where unknown.
func totalSystemMemory() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, _ := strconv.ParseUint(fields[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// osDescription is uname's "sysname release machine", from /proc where
// available.
func osDescription() string {
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	name, release := read("/proc/sys/kernel/ostype"), read("/proc/sys/kernel/osrelease")
	if name == "" {
		name = runtime.GOOS
	}
	machine := map[string]string{"amd64": "x86_64", "arm64": "aarch64", "386": "i686"}[runtime.GOARCH]
	if machine == "" {
		machine = runtime.GOARCH
	}
	return strings.Join(strings.Fields(name+" "+release+" "+machine), " ")
}

// infoBuilder collects INFO's text: "name:value" lines, "\r\n" ended.
type infoBuilder struct{ strings.Builder }

func (b *infoBuilder) field(name string, value any) {
	b.WriteString(name)
	b.WriteByte(':')
	fmt.Fprint(b, value)
	b.WriteString("\r\n")
}

func (b *infoBuilder) fieldf(name, format string, a ...any) {
	b.WriteString(name)
	b.WriteByte(':')
	fmt.Fprintf(b, format, a...)
	b.WriteString("\r\n")
}

// info is INFO [section ...] (infoCommand, genInfoSectionDict): sections
// in Redis's order whatever the order asked, "default", "all" and
// "everything" as in Redis 7.0; a bulk string, verbatim in RESP3.
func (st *infoState) info(x *ctx) {
	want := make(map[string]bool)
	all := false
	args := x.argv[1:]
	if len(args) == 0 {
		for _, s := range defaultInfoSections {
			want[s] = true
		}
	}
	for _, a := range args {
		switch s := strings.ToLower(string(a)); s {
		case "default":
			for _, d := range defaultInfoSections {
				want[d] = true
			}
		case "all", "everything":
			all = true
		case "module_list":
			want["modules"] = true
		default:
			want[s] = true
		}
	}
	var b infoBuilder
	n := 0
	for _, sec := range infoSections {
		if !all && !want[sec.name] {
			continue
		}
		if n > 0 {
			b.WriteString("\r\n")
		}
		n++
		title := infoHeaders[sec.name]
		if title == "" {
			title = strings.ToUpper(sec.name[:1]) + sec.name[1:]
		}
		b.WriteString("# " + title + "\r\n")
		if sec.write != nil {
			sec.write(st, x, &b)
		}
	}
	x.w.verbatim(b.String())
}

func (st *infoState) server(x *ctx, b *infoBuilder) {
	cfg := x.s.config()
	mode := "standalone"
	if cfg.ClusterEnabled {
		mode = "cluster"
	}
	exe, _ := os.Executable()
	cfgFile := x.s.cfgFile
	if cfgFile != "" {
		if abs, err := filepath.Abs(cfgFile); err == nil {
			cfgFile = abs
		}
	}
	now := time.Now()
	uptime := int64(now.Sub(x.s.started).Seconds())
	b.field("redis_version", Version)
	b.field("redis_git_sha1", "00000000")
	b.field("redis_git_dirty", 0)
	b.field("redis_build_id", "0")
	b.field("redis_mode", mode)
	b.field("os", st.osName)
	b.field("arch_bits", strconv.IntSize)
	b.field("monotonic_clock", "POSIX clock_gettime")
	b.field("multiplexing_api", map[string]string{"linux": "epoll", "darwin": "kqueue", "freebsd": "kqueue"}[runtime.GOOS])
	b.field("atomicvar_api", "sync/atomic")
	b.field("gcc_version", "0.0.0")
	b.field("process_id", os.Getpid())
	b.field("process_supervised", "no")
	b.field("run_id", x.s.runID)
	b.field("tcp_port", cfg.Port)
	b.field("server_time_usec", now.UnixMicro())
	b.field("uptime_in_seconds", uptime)
	b.field("uptime_in_days", uptime/86400)
	b.field("hz", cfg.Hz)
	b.field("configured_hz", cfg.Hz)
	b.field("lru_clock", (now.UnixMilli()/1000)&(1<<24-1))
	b.field("executable", exe)
	b.field("config_file", cfgFile)
	b.field("io_threads_active", 0)
}

func (st *infoState) clients(x *ctx, b *infoBuilder) {
	x.s.clientsMu.Lock()
	n := len(x.s.clients)
	x.s.clientsMu.Unlock()
	b.field("connected_clients", n)
	b.field("cluster_connections", 0)
	b.field("maxclients", x.s.config().Maxclients)
	b.field("client_recent_max_input_buffer", 0)
	b.field("client_recent_max_output_buffer", 0)
	b.field("blocked_clients", x.s.blocking.count()+x.s.pause.blocked())
	b.field("tracking_clients", 0)
	b.field("clients_in_timeout_table", 0)
}

// bytesToHuman formats n as Redis's bytesToHuman does (1.50K, 2.00M...).
func bytesToHuman(n uint64) string {
	d := float64(n)
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%dB", n)
	case n < 1<<20:
		return fmt.Sprintf("%.2fK", d/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.2fM", d/(1<<20))
	case n < 1<<40:
		return fmt.Sprintf("%.2fG", d/(1<<30))
	case n < 1<<50:
		return fmt.Sprintf("%.2fT", d/(1<<40))
	case n < 1<<60:
		return fmt.Sprintf("%.2fP", d/(1<<50))
	}
	return fmt.Sprintf("%dB", n)
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b uint64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (st *infoState) memory(x *ctx, b *infoBuilder) {
	cfg := x.s.config()
	mem, peak := st.sample()
	used := mem.allocated
	var clientsOut uint64
	x.s.clientsMu.Lock()
	for _, c := range x.s.clients {
		clientsOut += uint64(c.outputLen())
	}
	x.s.clientsMu.Unlock()
	// getMemoryOverheadData: the overhead is what the empty server used plus
	// the clients' buffers; the rest is the dataset.
	overhead := st.startup + clientsOut
	var dataset uint64
	if used > overhead {
		dataset = used - overhead
	}
	net := uint64(1)
	if used > st.startup {
		net = used - st.startup
	}
	b.field("used_memory", used)
	b.field("used_memory_human", bytesToHuman(used))
	b.field("used_memory_rss", mem.rss)
	b.field("used_memory_rss_human", bytesToHuman(mem.rss))
	b.field("used_memory_peak", peak)
	b.field("used_memory_peak_human", bytesToHuman(peak))
	b.fieldf("used_memory_peak_perc", "%.2f%%", ratio(used*100, peak))
	b.field("used_memory_overhead", overhead)
	b.field("used_memory_startup", st.startup)
	b.field("used_memory_dataset", dataset)
	b.fieldf("used_memory_dataset_perc", "%.2f%%", ratio(dataset*100, net))
	b.field("allocator_allocated", mem.allocated)
	b.field("allocator_active", mem.active)
	b.field("allocator_resident", mem.resident)
	b.field("total_system_memory", st.totalMem)
	b.field("total_system_memory_human", bytesToHuman(st.totalMem))
	// slotd has no scripting engine: Redis's figures for an idle one.
	b.field("used_memory_lua", 32768)
	b.field("used_memory_vm_eval", 32768)
	b.field("used_memory_lua_human", "32.00K")
	b.field("used_memory_scripts_eval", 0)
	b.field("number_of_cached_scripts", 0)
	b.field("number_of_functions", 0)
	b.field("number_of_libraries", 0)
	b.field("used_memory_vm_functions", 33792)
	b.field("used_memory_vm_total", 66560)
	b.field("used_memory_vm_total_human", "65.00K")
	b.field("used_memory_functions", 200)
	b.field("used_memory_scripts", 200)
	b.field("used_memory_scripts_human", "200B")
	b.field("maxmemory", uint64(cfg.Maxmemory))
	b.field("maxmemory_human", bytesToHuman(uint64(cfg.Maxmemory)))
	b.field("maxmemory_policy", cfg.MaxmemoryPolicy)
	b.fieldf("allocator_frag_ratio", "%.2f", ratio(mem.active, mem.allocated))
	b.field("allocator_frag_bytes", int64(mem.active-mem.allocated))
	b.fieldf("allocator_rss_ratio", "%.2f", ratio(mem.resident, mem.active))
	b.field("allocator_rss_bytes", int64(mem.resident-mem.active))
	b.fieldf("rss_overhead_ratio", "%.2f", ratio(mem.rss, mem.resident))
	b.field("rss_overhead_bytes", int64(mem.rss-mem.resident))
	b.fieldf("mem_fragmentation_ratio", "%.2f", ratio(mem.rss, used))
	b.field("mem_fragmentation_bytes", int64(mem.rss-used))
	b.field("mem_not_counted_for_evict", 0)
	b.field("mem_replication_backlog", 0)
	b.field("mem_total_replication_buffers", 0)
	b.field("mem_clients_slaves", 0)
	b.field("mem_clients_normal", clientsOut)
	b.field("mem_cluster_links", 0)
	b.field("mem_aof_buffer", 0)
	b.field("mem_allocator", "go")
	b.field("active_defrag_running", 0)
	b.field("lazyfree_pending_objects", 0)
	b.field("lazyfreed_objects", 0)
}

// persistence reports a server that never saved or loaded: slotd has no
// RDB or AOF yet, so these are Redis's idle values.
func (st *infoState) persistence(x *ctx, b *infoBuilder) {
	for _, f := range []struct {
		name  string
		value any
	}{
		{"loading", 0}, {"async_loading", 0}, {"current_cow_peak", 0}, {"current_cow_size", 0},
		{"current_cow_size_age", 0}, {"current_fork_perc", "0.00"}, {"current_save_keys_processed", 0},
		{"current_save_keys_total", 0}, {"rdb_changes_since_last_save", 0}, {"rdb_bgsave_in_progress", 0},
		{"rdb_last_save_time", x.s.stats.lastSave.Load()}, {"rdb_last_bgsave_status", "ok"},
		{"rdb_last_bgsave_time_sec", -1}, {"rdb_current_bgsave_time_sec", -1}, {"rdb_saves", 0},
		{"rdb_last_cow_size", 0}, {"rdb_last_load_keys_expired", 0}, {"rdb_last_load_keys_loaded", 0},
		{"aof_enabled", 0}, {"aof_rewrite_in_progress", 0}, {"aof_rewrite_scheduled", 0},
		{"aof_last_rewrite_time_sec", -1}, {"aof_current_rewrite_time_sec", -1},
		{"aof_last_bgrewrite_status", "ok"}, {"aof_rewrites", 0}, {"aof_rewrites_consecutive_failures", 0},
		{"aof_last_write_status", "ok"}, {"aof_last_cow_size", 0}, {"module_fork_in_progress", 0},
		{"module_fork_last_cow_size", 0},
	} {
		b.field(f.name, f.value)
	}
}

func (st *infoState) stats(x *ctx, b *infoBuilder) {
	s := &x.s.stats
	r := x.s.pubsub
	r.mu.RLock()
	channels, patterns, shard := len(r.channels), len(r.patterns), len(r.shard)
	r.mu.RUnlock()
	for _, f := range []struct {
		name  string
		value any
	}{
		{"total_connections_received", s.connections.Load()},
		{"total_commands_processed", s.commands.Load()},
		{"instantaneous_ops_per_sec", s.opsPerSec.Load()},
		{"total_net_input_bytes", s.netIn.Load()},
		{"total_net_output_bytes", s.netOut.Load()},
		{"total_net_repl_input_bytes", 0},
		{"total_net_repl_output_bytes", 0},
		{"instantaneous_input_kbps", "0.00"},
		{"instantaneous_output_kbps", "0.00"},
		{"instantaneous_input_repl_kbps", "0.00"},
		{"instantaneous_output_repl_kbps", "0.00"},
		{"rejected_connections", s.rejectedConns.Load()},
		{"sync_full", 0}, {"sync_partial_ok", 0}, {"sync_partial_err", 0},
		{"expired_keys", x.s.store.ExpiredKeys()},
		{"expired_stale_perc", "0.00"},
		{"expired_time_cap_reached_count", 0},
		{"expire_cycle_cpu_milliseconds", 0},
		{"evicted_keys", 0}, {"evicted_clients", 0},
		{"total_eviction_exceeded_time", 0}, {"current_eviction_exceeded_time", 0},
		{"keyspace_hits", s.hits.Load()},
		{"keyspace_misses", s.misses.Load()},
		{"pubsub_channels", channels},
		{"pubsub_patterns", patterns},
		{"pubsubshard_channels", shard},
		{"latest_fork_usec", 0}, {"total_forks", 0},
		{"migrate_cached_sockets", 0},
		{"slave_expires_tracked_keys", 0},
		{"active_defrag_hits", 0}, {"active_defrag_misses", 0},
		{"active_defrag_key_hits", 0}, {"active_defrag_key_misses", 0},
		{"total_active_defrag_time", 0}, {"current_active_defrag_time", 0},
		{"tracking_total_keys", 0}, {"tracking_total_items", 0}, {"tracking_total_prefixes", 0},
		{"unexpected_error_replies", 0},
		{"total_error_replies", s.errorReplies.Load()},
		{"dump_payload_sanitizations", 0},
		{"total_reads_processed", 0}, {"total_writes_processed", 0},
		{"io_threaded_reads_processed", 0}, {"io_threaded_writes_processed", 0},
		{"reply_buffer_shrinks", 0}, {"reply_buffer_expands", 0},
	} {
		b.field(f.name, f.value)
	}
}

// replication reports a master without replicas, the only role slotd has
// so far.
func (st *infoState) replication(x *ctx, b *infoBuilder) {
	b.field("role", "master")
	b.field("connected_slaves", 0)
	b.field("master_failover_state", "no-failover")
	b.field("master_replid", st.replID)
	b.field("master_replid2", strings.Repeat("0", 40))
	b.field("master_repl_offset", 0)
	b.field("second_repl_offset", -1)
	b.field("repl_backlog_active", 0)
	b.field("repl_backlog_size", x.s.config().ReplBacklogSize)
	b.field("repl_backlog_first_byte_offset", 0)
	b.field("repl_backlog_histlen", 0)
}

// cpu reports getrusage's times. Go serves clients from every thread, so
// the "main thread" figures are the process's.
func (st *infoState) cpu(_ *ctx, b *infoBuilder) {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	tv := func(t syscall.Timeval) string { return fmt.Sprintf("%d.%06d", t.Sec, t.Usec) }
	b.field("used_cpu_sys", tv(self.Stime))
	b.field("used_cpu_user", tv(self.Utime))
	b.field("used_cpu_sys_children", tv(children.Stime))
	b.field("used_cpu_user_children", tv(children.Utime))
	b.field("used_cpu_sys_main_thread", tv(self.Stime))
	b.field("used_cpu_user_main_thread", tv(self.Utime))
}

// commandstats lists every command and subcommand that ran or was refused.
func (st *infoState) commandstats(x *ctx, b *infoBuilder) {
	for _, c := range sortedCommands(x.s.table.cmds) {
		for _, e := range append([]*command{c}, sortedCommands(c.subs)...) {
			calls, usec := e.stats.calls.Load(), e.stats.usec.Load()
			rejected, failed := e.stats.rejected.Load(), e.stats.failed.Load()
			if calls == 0 && rejected == 0 && failed == 0 {
				continue
			}
			perCall := 0.0
			if calls > 0 {
				perCall = float64(usec) / float64(calls)
			}
			b.fieldf("cmdstat_"+e.fullName, "calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d",
				calls, usec, perCall, rejected, failed)
		}
	}
}

func (st *infoState) cluster(x *ctx, b *infoBuilder) {
	enabled := 0
	if x.s.config().ClusterEnabled {
		enabled = 1
	}
	b.field("cluster_enabled", enabled)
}

func (st *infoState) keyspace(x *ctx, b *infoBuilder) {
	for i := 0; i < x.s.config().Databases; i++ {
		db := x.s.store.DB(i)
		keys, expires := db.Size(), db.VolatileSize()
		if keys > 0 || expires > 0 {
			b.fieldf("db"+strconv.Itoa(i), "keys=%d,expires=%d,avg_ttl=0", keys, expires)
		}
	}
}

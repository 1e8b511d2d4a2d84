package node

import (
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/replication"
)

// Config is the node's configuration. Field names follow the redis.conf
// options they come from; DefaultConfig documents each default. Options
// that change nothing in slotd live in the unexported tuning map instead.
type Config struct {
	Port     int
	Bind     []string
	Dir      string
	Pidfile  string
	Logfile  string
	Loglevel string
	// LogFormat is slotd's own option: "console" (default) or "json".
	LogFormat   string
	Daemonize   bool
	Requirepass string
	Maxclients  int
	// Timeout closes clients idle for this many seconds; 0 never does.
	Timeout      int
	TCPKeepalive int
	TCPBacklog   int
	Databases    int

	ProtoMaxBulkLen         int64
	ClientQueryBufferLimit  int64
	ClientOutputBufferLimit [3]OutputBufferLimit // normal, replica, pubsub

	Hz                      int
	SlowlogLogSlowerThan    int64
	SlowlogMaxLen           int
	LatencyMonitorThreshold int64
	// EnableDebugCommand is "no", "yes" or "local", as in Redis.
	EnableDebugCommand string
	// EnableProtectedConfigs is "no", "yes" or "local": whether CONFIG SET
	// may change dir and dbfilename.
	EnableProtectedConfigs string
	// NotifyKeyspaceEvents is the notify-keyspace-events classes, as the
	// notify* bits.
	NotifyKeyspaceEvents int

	Save           []SaveParam
	Appendonly     bool
	Appendfsync    string
	Dbfilename     string
	Appendfilename string
	Appenddirname  string

	Maxmemory       int64
	MaxmemoryPolicy string

	ClusterEnabled                  bool
	ClusterConfigFile               string
	ClusterNodeTimeout              int64
	ClusterPort                     int
	ClusterAnnounceIP               string
	ClusterAnnouncePort             int
	ClusterAnnounceBusPort          int
	ClusterAnnounceHostname         string
	ClusterPreferredEndpointType    string
	ClusterRequireFullCoverage      bool
	ClusterAllowReadsWhenDown       bool
	ClusterAllowPubsubshardWhenDown bool
	ClusterAllowReplicaMigration    bool
	ClusterReplicaNoFailover        bool
	ClusterReplicaValidityFactor    int
	ClusterMigrationBarrier         int
	ClusterLinkSendbufLimit         int64
	// ClusterAnnounceClientIPv4 is the address clients are given (MOVED,
	// CLUSTER SLOTS/SHARDS/NODES) when it differs from the bus address,
	// as in Valkey: behind NAT or Docker port publishing.
	ClusterAnnounceClientIPv4 string
	// ClusterKey, when set, encrypts and authenticates the cluster bus; a
	// node without it cannot join or inject state.
	ClusterKey string

	// MasterHost and MasterPort are replicaof; MasterHost is empty on a master.
	MasterHost            string
	MasterPort            int
	Masterauth            string
	Masteruser            string
	ReplicaAnnounceIP     string
	ReplicaAnnouncePort   int
	ReplicaAnnounced      bool
	ReplicaPriority       int
	ReplicaReadOnly       bool
	ReplicaServeStaleData bool
	ReplBacklogSize       int64
	ReplBacklogTTL        int64
	ReplTimeout           int
	ReplPingReplicaPeriod int
	MinReplicasToWrite    int
	MinReplicasMaxLag     int

	ShutdownTimeout int

	// Logger receives the node's logs; nil means no logging.
	Logger *zap.Logger
	// LogLevel, when set, is Logger's level; CONFIG SET loglevel changes it.
	LogLevel *zap.AtomicLevel
	// Propagator receives the record of every write; nil discards them.
	Propagator replication.Propagator
	// Clock returns the current Unix time in milliseconds; nil uses the
	// system clock. Tests inject one to drive expiry.
	Clock func() int64

	// Encoding thresholds of the collection types (the *-max-listpack-*
	// family): OBJECT ENCODING reports listpack, intset or quicklist
	// against them exactly as Redis decides.
	HashMaxListpackEntries int64
	HashMaxListpackValue   int64
	ListMaxListpackSize    int64
	ListCompressDepth      int64
	SetMaxIntsetEntries    int64
	ZsetMaxListpackEntries int64
	ZsetMaxListpackValue   int64

	// tuning holds the options that change nothing in slotd, in CONFIG GET's
	// form, so that stock configs and tools keep working.
	tuning map[string]string
}

// SaveParam is one "save <seconds> <changes>" point.
type SaveParam struct {
	Seconds, Changes int64
}

// OutputBufferLimit is one class of client-output-buffer-limit.
type OutputBufferLimit struct {
	Hard, Soft  int64
	SoftSeconds int64
}

// Output buffer limit classes, in client-output-buffer-limit order.
const (
	classNormal = iota
	classReplica
	classPubSub
)

// classNames are the class names CONFIG GET prints (getClientTypeName).
var classNames = [3]string{"normal", "slave", "pubsub"}

// Keyspace notification classes (NOTIFY_* in server.h).
const (
	notifyKeyspace = 1 << iota
	notifyKeyevent
	notifyGeneric
	notifyString
	notifyList
	notifySet
	notifyHash
	notifyZset
	notifyExpired
	notifyEvicted
	notifyStream
	notifyKeyMiss
	notifyLoaded
	notifyModule
	notifyNew
	notifyAll = notifyGeneric | notifyString | notifyList | notifySet | notifyHash |
		notifyZset | notifyExpired | notifyEvicted | notifyStream | notifyModule
)

// DefaultConfig returns redis-server 7's defaults.
func DefaultConfig() *Config {
	c := &Config{
		Port:                            6379,                  // port
		Bind:                            defaultBind(),         // listen on every interface
		Dir:                             ".",                   // working directory for data files
		Loglevel:                        "notice",              // debug, verbose, notice, warning
		LogFormat:                       "console",             // console or json
		Maxclients:                      10000,                 // connected clients at most
		TCPKeepalive:                    300,                   // seconds between keepalive probes
		TCPBacklog:                      511,                   // listen backlog
		Databases:                       16,                    // logical databases (fixed)
		ProtoMaxBulkLen:                 512 << 20,             // largest bulk argument
		ClientQueryBufferLimit:          1 << 30,               // largest pending input per client
		ClientOutputBufferLimit:         defaultOutputLimits(), // normal, replica, pubsub
		Hz:                              10,                    // background task frequency
		SlowlogLogSlowerThan:            10000,                 // microseconds; -1 disables
		SlowlogMaxLen:                   128,                   // slow log entries kept
		EnableDebugCommand:              "no",                  // DEBUG is refused by default
		EnableProtectedConfigs:          "no",                  // CONFIG SET dir/dbfilename refused
		Save:                            []SaveParam{{3600, 1}, {300, 100}, {60, 10000}},
		Appendfsync:                     "everysec", // AOF fsync policy
		Dbfilename:                      "dump.rdb", // RDB file name
		Appendfilename:                  "appendonly.aof",
		Appenddirname:                   "appendonlydir",
		MaxmemoryPolicy:                 "noeviction", // refuse writes over maxmemory
		HashMaxListpackEntries:          512,          // hash listpack up to this many fields
		HashMaxListpackValue:            64,           // and fields/values up to this size
		ListMaxListpackSize:             -2,           // quicklist node size: -2 is 8 KB
		ListCompressDepth:               0,            // quicklist nodes left uncompressed
		SetMaxIntsetEntries:             512,          // intset up to this many integers
		ZsetMaxListpackEntries:          128,          // zset listpack up to this many members
		ZsetMaxListpackValue:            64,           // and members up to this size
		ClusterConfigFile:               "nodes.conf", // cluster state file
		ClusterNodeTimeout:              15000,        // ms before a node is suspected
		ClusterPreferredEndpointType:    "ip",         // endpoint in MOVED and CLUSTER SLOTS
		ClusterRequireFullCoverage:      true,         // stop serving with uncovered slots
		ClusterAllowPubsubshardWhenDown: true,         // SPUBLISH while the cluster is down
		ClusterAllowReplicaMigration:    true,         // replicas move to orphaned masters
		ClusterReplicaValidityFactor:    10,           // failover data age factor
		ClusterMigrationBarrier:         1,            // replicas a master keeps
		ReplicaAnnounced:                true,         // listed in the master's INFO
		ReplicaPriority:                 100,          // failover preference
		ReplicaReadOnly:                 true,         // replicas refuse writes
		ReplicaServeStaleData:           true,         // replicas answer while syncing
		ReplBacklogSize:                 1 << 20,      // replication backlog bytes
		ReplBacklogTTL:                  3600,         // seconds to keep a backlog without replicas
		ReplTimeout:                     60,           // replication link timeout, seconds
		ReplPingReplicaPeriod:           10,           // seconds between pings to replicas
		MinReplicasMaxLag:               10,           // seconds of lag for min-replicas-to-write
		ShutdownTimeout:                 10,           // seconds to wait for replicas at shutdown
		tuning:                          make(map[string]string),
	}
	for _, o := range optionTable.list {
		if o.tuning {
			c.tuning[o.name] = o.def
		}
	}
	return c
}

// clone returns a deep copy, for CONFIG SET to change and validate.
func (c *Config) clone() *Config {
	n := *c
	n.Bind = append([]string(nil), c.Bind...)
	n.Save = append([]SaveParam(nil), c.Save...)
	n.tuning = make(map[string]string, len(c.tuning))
	for k, v := range c.tuning {
		n.tuning[k] = v
	}
	return &n
}

// Validate checks values that are valid alone but not together, and
// refuses the options slotd does not implement. The error names the option.
func (c *Config) Validate() error {
	if name, reason := c.check(); reason != "" {
		return fmt.Errorf("%w: '%s %s': %s", ErrConfig, name, optionTable.byName[name].o.get(c), reason)
	}
	return nil
}

// check returns the first option whose value slotd can't run, and why.
func (c *Config) check() (name, reason string) {
	if c.Databases != 16 {
		return "databases", "slotd has exactly 16 databases"
	}
	for _, o := range optionTable.list {
		if o.refuse != nil {
			if r := o.refuse(c); r != "" {
				return o.name, r
			}
		}
	}
	return "", ""
}

// zapLevel maps a Redis log level onto zap: debug and verbose are Debug,
// notice is Info, warning is Warn.
// ZapLevel maps a Redis loglevel name onto zap: debug and verbose are Debug,
// notice is Info, warning is Warn.
func ZapLevel(loglevel string) zapcore.Level {
	switch loglevel {
	case "debug", "verbose":
		return zapcore.DebugLevel
	case "warning":
		return zapcore.WarnLevel
	}
	return zapcore.InfoLevel
}

// optFlags are the standardConfig flags of config.c that slotd acts on.
type optFlags uint8

const (
	// optImmutable: CONFIG SET refuses the option (IMMUTABLE_CONFIG).
	optImmutable optFlags = 1 << iota
	// optProtected: CONFIG SET needs enable-protected-configs (PROTECTED_CONFIG).
	optProtected
	// optMultiArg: the option takes several arguments; CONFIG SET splits
	// its value on spaces (MULTI_ARG_CONFIG).
	optMultiArg
	// optNullIfEmpty: "" means unset, and CONFIG REWRITE drops the option
	// (EMPTY_STRING_IS_NULL).
	optNullIfEmpty
)

// option is one configuration directive, like standardConfig in config.c.
type option struct {
	name  string
	alias string // the second name Redis accepts, e.g. "slave-read-only"
	flags optFlags
	// def is the default as CONFIG GET prints it.
	def string
	// tuning options are stored in Config.tuning as their CONFIG GET text.
	tuning bool
	get    func(c *Config) string
	// set parses args into c; the error text is Redis's reason.
	set func(c *Config, args []string) error
	// rewrite gives CONFIG REWRITE the option's lines.
	rewrite func(c *Config, st *rewriteState)
	// refuse, when set, says why slotd can't run c's value, or "".
	refuse func(c *Config) string
}

// optionEntry is a name under which an option is found.
type optionEntry struct {
	o     *option
	alias bool
}

type optionSet struct {
	list   []*option              // canonical options, in rewrite order
	byName map[string]optionEntry // names and aliases, lower case
	names  []string               // every name and alias, sorted
}

var optionTable = buildOptionTable()

// lookupOption finds an option by name or alias, case-insensitively.
func lookupOption(name string) (optionEntry, bool) {
	e, ok := optionTable.byName[strings.ToLower(name)]
	return e, ok
}

func buildOptionTable() optionSet {
	t := optionSet{list: configOptions(), byName: make(map[string]optionEntry)}
	for _, o := range t.list {
		t.byName[o.name] = optionEntry{o: o}
		t.names = append(t.names, o.name)
		if o.alias != "" {
			t.byName[o.alias] = optionEntry{o: o, alias: true}
			t.names = append(t.names, o.alias)
		}
	}
	sort.Strings(t.names)
	return t
}

// Bounds of Redis's numeric config types.
const (
	intMax   = math.MaxInt32
	intMin   = math.MinInt32
	uintMax  = math.MaxUint32
	longMax  = math.MaxInt64
	ullMax   = -1 // ULLONG_MAX, compared as unsigned
	notSlotd = " not supported by slotd"
)

// configOptions lists every option of redis.conf in Redis 7.0 (static_configs
// in config.c) plus slotd's own log-format. Port and bind are immutable in
// slotd: listeners are opened once at start.
func configOptions() []*option {
	tls := func(c *Config) string {
		if c.tuning["tls-port"] != "0" || c.tuning["tls-replication"] == "yes" || c.tuning["tls-cluster"] == "yes" {
			return "TLS is" + notSlotd
		}
		return ""
	}
	noRepl := "replication is" + notSlotd + " yet"
	return []*option{
		// Networking and process.
		numOpt("port", "", optImmutable, num{min: 0, max: 65535}, 6379, intRef(func(c *Config) *int { return &c.Port })),
		bindOption(),
		numOpt("tcp-backlog", "", optImmutable, num{min: 0, max: intMax}, 511, intRef(func(c *Config) *int { return &c.TCPBacklog })),
		numOpt("tcp-keepalive", "", 0, num{min: 0, max: intMax}, 300, intRef(func(c *Config) *int { return &c.TCPKeepalive })),
		numOpt("timeout", "", 0, num{min: 0, max: intMax}, 0, intRef(func(c *Config) *int { return &c.Timeout })),
		numOpt("maxclients", "", 0, num{min: 1, max: uintMax, unsigned: true}, 10000, intRef(func(c *Config) *int { return &c.Maxclients })),
		withRefuse(strOpt("unixsocket", "", optImmutable|optNullIfEmpty, "", nil, nil), func(c *Config) string {
			if c.tuning["unixsocket"] != "" {
				return "unix sockets are" + notSlotd
			}
			return ""
		}),
		numOpt("unixsocketperm", "", optImmutable, num{min: 0, max: 0o777, unsigned: true, octal: true}, 0, nil),
		numOpt("socket-mark-id", "", optImmutable, num{min: 0, max: uintMax, unsigned: true}, 0, nil),
		boolOpt("protected-mode", "", 0, true, nil),
		boolOpt("daemonize", "", optImmutable, false, func(c *Config) *bool { return &c.Daemonize }),
		strOpt("pidfile", "", optImmutable|optNullIfEmpty, "", func(c *Config) *string { return &c.Pidfile }, nil),
		dirOption(),
		withRefuse(enumOpt("supervised", "", optImmutable, []string{"upstart", "systemd", "auto", "no"}, "no", nil), func(c *Config) string {
			if c.tuning["supervised"] != "no" {
				return "supervision is" + notSlotd
			}
			return ""
		}),
		strOpt("logfile", "", optImmutable, "", func(c *Config) *string { return &c.Logfile }, nil),
		enumOpt("loglevel", "", 0, []string{"debug", "verbose", "notice", "warning"}, "notice", func(c *Config) *string { return &c.Loglevel }),
		enumOpt("log-format", "", optImmutable, []string{"console", "json"}, "console", func(c *Config) *string { return &c.LogFormat }),
		withRefuse(boolOpt("syslog-enabled", "", optImmutable, false, nil), func(c *Config) string {
			if c.tuning["syslog-enabled"] == "yes" {
				return "syslog is" + notSlotd
			}
			return ""
		}),
		strOpt("syslog-ident", "", optImmutable, "redis", nil, nil),
		enumOpt("syslog-facility", "", optImmutable, []string{"user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}, "local0", nil),
		boolOpt("crash-log-enabled", "", 0, true, nil),
		boolOpt("crash-memcheck-enabled", "", 0, true, nil),
		numOpt("databases", "", optImmutable, num{min: 1, max: intMax}, 16, intRef(func(c *Config) *int { return &c.Databases })),
		boolOpt("always-show-logo", "", optImmutable, false, nil),
		boolOpt("set-proc-title", "", optImmutable, true, nil),
		strOpt("proc-title-template", "", 0, "{title} {listen-addr} {server-mode}", nil, validProcTitleTemplate),
		enumOpt("enable-protected-configs", "", optImmutable, []string{"no", "yes", "local"}, "no", func(c *Config) *string { return &c.EnableProtectedConfigs }),
		enumOpt("enable-debug-command", "", optImmutable, []string{"no", "yes", "local"}, "no", func(c *Config) *string { return &c.EnableDebugCommand }),
		enumOpt("enable-module-command", "", optImmutable, []string{"no", "yes", "local"}, "no", nil),
		strOpt("ignore-warnings", "", 0, "", nil, nil),
		numOpt("io-threads", "", optImmutable, num{min: 1, max: 128}, 1, nil),
		boolOpt("io-threads-do-reads", "", optImmutable, false, nil),
		strOpt("server_cpulist", "", optImmutable|optNullIfEmpty, "", nil, nil),
		strOpt("bio_cpulist", "", optImmutable|optNullIfEmpty, "", nil, nil),
		strOpt("aof_rewrite_cpulist", "", optImmutable|optNullIfEmpty, "", nil, nil),
		strOpt("bgsave_cpulist", "", optImmutable|optNullIfEmpty, "", nil, nil),
		enumOpt("oom-score-adj", "", 0, []string{"no", "yes", "relative=yes", "absolute"}, "no", nil),
		oomScoreAdjValuesOption(),
		boolOpt("disable-thp", "", optImmutable, true, nil),
		numOpt("shutdown-timeout", "", 0, num{min: 0, max: intMax}, 10, intRef(func(c *Config) *int { return &c.ShutdownTimeout })),
		shutdownOnSignalOption("shutdown-on-sigint"),
		shutdownOnSignalOption("shutdown-on-sigterm"),

		// Security.
		strOpt("requirepass", "", optNullIfEmpty, "", func(c *Config) *string { return &c.Requirepass }, nil),
		withRefuse(strOpt("aclfile", "", optImmutable, "", nil, nil), func(c *Config) string {
			if c.tuning["aclfile"] != "" {
				return "ACL files are" + notSlotd
			}
			return ""
		}),
		enumOpt("acl-pubsub-default", "", 0, []string{"allchannels", "resetchannels"}, "resetchannels", nil),
		numOpt("acllog-max-len", "", 0, num{min: 0, max: longMax}, 128, nil),

		// Limits and request handling.
		numOpt("proto-max-bulk-len", "", 0, num{min: 1 << 20, max: longMax, memory: true}, 512<<20, int64Ref(func(c *Config) *int64 { return &c.ProtoMaxBulkLen })),
		numOpt("client-query-buffer-limit", "", 0, num{min: 1 << 20, max: longMax, memory: true, unsigned: true}, 1<<30, int64Ref(func(c *Config) *int64 { return &c.ClientQueryBufferLimit })),
		clientOutputBufferLimitOption(),
		withRefuse(numOpt("maxmemory-clients", "", 0, num{min: -100, max: longMax, memory: true, percent: true}, 0, nil), func(c *Config) string {
			if c.tuning["maxmemory-clients"] != "0" {
				return "client eviction is" + notSlotd
			}
			return ""
		}),
		hzOption(),
		boolOpt("dynamic-hz", "", 0, true, nil),
		numOpt("busy-reply-threshold", "lua-time-limit", 0, num{min: 0, max: longMax}, 5000, nil),
		numOpt("slowlog-log-slower-than", "", 0, num{min: -1, max: longMax}, 10000, int64Ref(func(c *Config) *int64 { return &c.SlowlogLogSlowerThan })),
		numOpt("slowlog-max-len", "", 0, num{min: 0, max: longMax}, 128, intRef(func(c *Config) *int { return &c.SlowlogMaxLen })),
		numOpt("latency-monitor-threshold", "", 0, num{min: 0, max: longMax}, 0, int64Ref(func(c *Config) *int64 { return &c.LatencyMonitorThreshold })),
		boolOpt("latency-tracking", "", 0, true, nil),
		percentilesOption(),
		notifyKeyspaceEventsOption(),
		numOpt("tracking-table-max-keys", "", 0, num{min: 0, max: longMax, unsigned: true}, 1000000, nil),
		numOpt("active-expire-effort", "", 0, num{min: 1, max: 10}, 1, nil),

		// Memory.
		numOpt("maxmemory", "", 0, num{min: 0, max: ullMax, memory: true, unsigned: true}, 0, int64Ref(func(c *Config) *int64 { return &c.Maxmemory })),
		enumOpt("maxmemory-policy", "", 0, []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}, "noeviction", func(c *Config) *string { return &c.MaxmemoryPolicy }),
		numOpt("maxmemory-samples", "", 0, num{min: 1, max: intMax}, 5, nil),
		numOpt("maxmemory-eviction-tenacity", "", 0, num{min: 0, max: 100}, 10, nil),
		numOpt("lfu-log-factor", "", 0, num{min: 0, max: intMax}, 10, nil),
		numOpt("lfu-decay-time", "", 0, num{min: 0, max: intMax}, 1, nil),
		boolOpt("lazyfree-lazy-eviction", "", 0, false, nil),
		boolOpt("lazyfree-lazy-expire", "", 0, false, nil),
		boolOpt("lazyfree-lazy-server-del", "", 0, false, nil),
		boolOpt("lazyfree-lazy-user-del", "", 0, false, nil),
		boolOpt("lazyfree-lazy-user-flush", "", 0, false, nil),
		boolOpt("activerehashing", "", 0, true, nil),
		boolOpt("jemalloc-bg-thread", "", 0, true, nil),
		boolOpt("activedefrag", "", 0, false, nil),
		numOpt("active-defrag-ignore-bytes", "", 0, num{min: 1, max: longMax, memory: true, unsigned: true}, 100<<20, nil),
		numOpt("active-defrag-threshold-lower", "", 0, num{min: 0, max: 1000}, 10, nil),
		numOpt("active-defrag-threshold-upper", "", 0, num{min: 0, max: 1000}, 100, nil),
		numOpt("active-defrag-cycle-min", "", 0, num{min: 1, max: 99}, 1, nil),
		numOpt("active-defrag-cycle-max", "", 0, num{min: 1, max: 99}, 25, nil),
		numOpt("active-defrag-max-scan-fields", "", 0, num{min: 1, max: longMax}, 1000, nil),
		numOpt("hash-max-listpack-entries", "hash-max-ziplist-entries", 0, num{min: 0, max: longMax, unsigned: true}, 512, int64Ref(func(c *Config) *int64 { return &c.HashMaxListpackEntries })),
		numOpt("hash-max-listpack-value", "hash-max-ziplist-value", 0, num{min: 0, max: longMax, memory: true, unsigned: true}, 64, int64Ref(func(c *Config) *int64 { return &c.HashMaxListpackValue })),
		numOpt("list-max-listpack-size", "list-max-ziplist-size", 0, num{min: intMin, max: intMax}, -2, int64Ref(func(c *Config) *int64 { return &c.ListMaxListpackSize })),
		numOpt("list-compress-depth", "", 0, num{min: 0, max: intMax}, 0, int64Ref(func(c *Config) *int64 { return &c.ListCompressDepth })),
		numOpt("set-max-intset-entries", "", 0, num{min: 0, max: longMax, unsigned: true}, 512, int64Ref(func(c *Config) *int64 { return &c.SetMaxIntsetEntries })),
		numOpt("zset-max-listpack-entries", "zset-max-ziplist-entries", 0, num{min: 0, max: longMax, unsigned: true}, 128, int64Ref(func(c *Config) *int64 { return &c.ZsetMaxListpackEntries })),
		numOpt("zset-max-listpack-value", "zset-max-ziplist-value", 0, num{min: 0, max: longMax, memory: true, unsigned: true}, 64, int64Ref(func(c *Config) *int64 { return &c.ZsetMaxListpackValue })),
		numOpt("hll-sparse-max-bytes", "", 0, num{min: 0, max: longMax, memory: true, unsigned: true}, 3000, nil),
		numOpt("stream-node-max-bytes", "", 0, num{min: 0, max: longMax, memory: true, unsigned: true}, 4096, nil),
		numOpt("stream-node-max-entries", "", 0, num{min: 0, max: longMax}, 100, nil),
		enumOpt("sanitize-dump-payload", "", 0, []string{"no", "yes", "clients"}, "no", nil),

		// Persistence.
		saveOption(),
		boolOpt("stop-writes-on-bgsave-error", "", 0, true, nil),
		boolOpt("rdbcompression", "", 0, true, nil),
		boolOpt("rdbchecksum", "", optImmutable, true, nil),
		strOpt("dbfilename", "", optProtected, "dump.rdb", func(c *Config) *string { return &c.Dbfilename }, baseName("dbfilename", "filename", false)),
		boolOpt("rdb-del-sync-files", "", 0, false, nil),
		boolOpt("rdb-save-incremental-fsync", "", 0, true, nil),
		boolOpt("appendonly", "", 0, false, func(c *Config) *bool { return &c.Appendonly }),
		strOpt("appendfilename", "", optImmutable, "appendonly.aof", func(c *Config) *string { return &c.Appendfilename }, baseName("appendfilename", "filename", true)),
		strOpt("appenddirname", "", optImmutable, "appendonlydir", func(c *Config) *string { return &c.Appenddirname }, baseName("appenddirname", "dirname", true)),
		enumOpt("appendfsync", "", 0, []string{"everysec", "always", "no"}, "everysec", func(c *Config) *string { return &c.Appendfsync }),
		boolOpt("no-appendfsync-on-rewrite", "", 0, false, nil),
		numOpt("auto-aof-rewrite-percentage", "", 0, num{min: 0, max: intMax}, 100, nil),
		numOpt("auto-aof-rewrite-min-size", "", 0, num{min: 0, max: longMax, memory: true}, 64<<20, nil),
		boolOpt("aof-load-truncated", "", 0, true, nil),
		boolOpt("aof-use-rdb-preamble", "", 0, true, nil),
		boolOpt("aof-timestamp-enabled", "", 0, false, nil),
		boolOpt("aof-disable-auto-gc", "", 0, false, nil),
		boolOpt("aof-rewrite-incremental-fsync", "", 0, true, nil),

		// Replication.
		withRefuse(replicaofOption(), func(c *Config) string {
			if c.MasterHost != "" {
				return noRepl
			}
			return ""
		}),
		strOpt("masterauth", "", optNullIfEmpty, "", func(c *Config) *string { return &c.Masterauth }, nil),
		strOpt("masteruser", "", optNullIfEmpty, "", func(c *Config) *string { return &c.Masteruser }, nil),
		strOpt("replica-announce-ip", "slave-announce-ip", optNullIfEmpty, "", func(c *Config) *string { return &c.ReplicaAnnounceIP }, nil),
		numOpt("replica-announce-port", "slave-announce-port", 0, num{min: 0, max: 65535}, 0, intRef(func(c *Config) *int { return &c.ReplicaAnnouncePort })),
		boolOpt("replica-announced", "", 0, true, func(c *Config) *bool { return &c.ReplicaAnnounced }),
		numOpt("replica-priority", "slave-priority", 0, num{min: 0, max: intMax}, 100, intRef(func(c *Config) *int { return &c.ReplicaPriority })),
		boolOpt("replica-read-only", "slave-read-only", 0, true, func(c *Config) *bool { return &c.ReplicaReadOnly }),
		boolOpt("replica-serve-stale-data", "slave-serve-stale-data", 0, true, func(c *Config) *bool { return &c.ReplicaServeStaleData }),
		boolOpt("replica-lazy-flush", "slave-lazy-flush", 0, false, nil),
		boolOpt("replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, true, nil),
		boolOpt("replica-ignore-disk-write-errors", "", 0, false, nil),
		numOpt("repl-backlog-size", "", 0, num{min: 1, max: longMax, memory: true}, 1<<20, int64Ref(func(c *Config) *int64 { return &c.ReplBacklogSize })),
		numOpt("repl-backlog-ttl", "", 0, num{min: 0, max: longMax}, 3600, int64Ref(func(c *Config) *int64 { return &c.ReplBacklogTTL })),
		numOpt("repl-timeout", "", 0, num{min: 1, max: intMax}, 60, intRef(func(c *Config) *int { return &c.ReplTimeout })),
		numOpt("repl-ping-replica-period", "repl-ping-slave-period", 0, num{min: 1, max: intMax}, 10, intRef(func(c *Config) *int { return &c.ReplPingReplicaPeriod })),
		boolOpt("repl-diskless-sync", "", 0, true, nil),
		numOpt("repl-diskless-sync-delay", "", 0, num{min: 0, max: intMax}, 5, nil),
		numOpt("repl-diskless-sync-max-replicas", "", 0, num{min: 0, max: intMax}, 0, nil),
		enumOpt("repl-diskless-load", "", 0, []string{"disabled", "on-empty-db", "swapdb"}, "disabled", nil),
		boolOpt("repl-disable-tcp-nodelay", "", 0, false, nil),
		withRefuse(numOpt("min-replicas-to-write", "min-slaves-to-write", 0, num{min: 0, max: intMax}, 0, intRef(func(c *Config) *int { return &c.MinReplicasToWrite })), func(c *Config) string {
			if c.MinReplicasToWrite != 0 {
				return noRepl
			}
			return ""
		}),
		numOpt("min-replicas-max-lag", "min-slaves-max-lag", 0, num{min: 0, max: intMax}, 10, intRef(func(c *Config) *int { return &c.MinReplicasMaxLag })),
		strOpt("bind-source-addr", "", optNullIfEmpty, "", nil, nil),
		enumOpt("propagation-error-behavior", "", 0, []string{"ignore", "panic", "panic-on-replicas"}, "ignore", nil),

		// Cluster.
		boolOpt("cluster-enabled", "", optImmutable, false, func(c *Config) *bool { return &c.ClusterEnabled }),
		strOpt("cluster-config-file", "", optImmutable, "nodes.conf", func(c *Config) *string { return &c.ClusterConfigFile }, nil),
		numOpt("cluster-node-timeout", "", 0, num{min: 0, max: longMax}, 15000, int64Ref(func(c *Config) *int64 { return &c.ClusterNodeTimeout })),
		numOpt("cluster-port", "", optImmutable, num{min: 0, max: 65535}, 0, intRef(func(c *Config) *int { return &c.ClusterPort })),
		strOpt("cluster-announce-ip", "", optNullIfEmpty, "", func(c *Config) *string { return &c.ClusterAnnounceIP }, nil),
		numOpt("cluster-announce-port", "", 0, num{min: 0, max: 65535}, 0, intRef(func(c *Config) *int { return &c.ClusterAnnouncePort })),
		numOpt("cluster-announce-bus-port", "", 0, num{min: 0, max: 65535}, 0, intRef(func(c *Config) *int { return &c.ClusterAnnounceBusPort })),
		numOpt("cluster-announce-tls-port", "", 0, num{min: 0, max: 65535}, 0, nil),
		strOpt("cluster-announce-hostname", "", optNullIfEmpty, "", func(c *Config) *string { return &c.ClusterAnnounceHostname }, validHostname),
		enumOpt("cluster-preferred-endpoint-type", "", 0, []string{"ip", "hostname", "unknown-endpoint"}, "ip", func(c *Config) *string { return &c.ClusterPreferredEndpointType }),
		boolOpt("cluster-require-full-coverage", "", 0, true, func(c *Config) *bool { return &c.ClusterRequireFullCoverage }),
		boolOpt("cluster-allow-reads-when-down", "", 0, false, func(c *Config) *bool { return &c.ClusterAllowReadsWhenDown }),
		boolOpt("cluster-allow-pubsubshard-when-down", "", 0, true, func(c *Config) *bool { return &c.ClusterAllowPubsubshardWhenDown }),
		boolOpt("cluster-allow-replica-migration", "", 0, true, func(c *Config) *bool { return &c.ClusterAllowReplicaMigration }),
		boolOpt("cluster-replica-no-failover", "cluster-slave-no-failover", 0, false, func(c *Config) *bool { return &c.ClusterReplicaNoFailover }),
		numOpt("cluster-replica-validity-factor", "cluster-slave-validity-factor", 0, num{min: 0, max: intMax}, 10, intRef(func(c *Config) *int { return &c.ClusterReplicaValidityFactor })),
		numOpt("cluster-migration-barrier", "", 0, num{min: 0, max: intMax}, 1, intRef(func(c *Config) *int { return &c.ClusterMigrationBarrier })),
		strOpt("cluster-announce-client-ipv4", "", optNullIfEmpty, "", func(c *Config) *string { return &c.ClusterAnnounceClientIPv4 }, validIPv4),
		strOpt("cluster-key", "", optImmutable|optNullIfEmpty, "", func(c *Config) *string { return &c.ClusterKey }, nil),
		numOpt("cluster-link-sendbuf-limit", "", 0, num{min: 0, max: ullMax, memory: true, unsigned: true}, 0, int64Ref(func(c *Config) *int64 { return &c.ClusterLinkSendbufLimit })),

		// TLS: accepted with its defaults, refused when it would turn TLS on.
		withRefuse(numOpt("tls-port", "", 0, num{min: 0, max: 65535}, 0, nil), tls),
		boolOpt("tls-cluster", "", 0, false, nil),
		boolOpt("tls-replication", "", 0, false, nil),
		enumOpt("tls-auth-clients", "", 0, []string{"no", "yes", "optional"}, "yes", nil),
		boolOpt("tls-prefer-server-ciphers", "", 0, false, nil),
		boolOpt("tls-session-caching", "", 0, true, nil),
		numOpt("tls-session-cache-size", "", 0, num{min: 0, max: intMax}, 20480, nil),
		numOpt("tls-session-cache-timeout", "", 0, num{min: 0, max: intMax}, 300, nil),
		strOpt("tls-cert-file", "", optNullIfEmpty, "", nil, nil),
		strOpt("tls-key-file", "", optNullIfEmpty, "", nil, nil),
		strOpt("tls-key-file-pass", "", optNullIfEmpty, "", nil, nil),
		strOpt("tls-client-cert-file", "", optNullIfEmpty, "", nil, nil),
		strOpt("tls-client-key-file", "", optNullIfEmpty, "", nil, nil),
		strOpt("tls-client-key-file-pass", "", optNullIfEmpty, "", nil, nil),
		strOpt("tls-dh-params-file", "", optNullIfEmpty, "", nil, nil),
		strOpt("tls-ca-cert-file", "", optNullIfEmpty, "", nil, nil),
		strOpt("tls-ca-cert-dir", "", optNullIfEmpty, "", nil, nil),
		strOpt("tls-protocols", "", optNullIfEmpty, "", nil, nil),
		strOpt("tls-ciphers", "", optNullIfEmpty, "", nil, nil),
		strOpt("tls-ciphersuites", "", optNullIfEmpty, "", nil, nil),
	}
}

func withRefuse(o *option, refuse func(c *Config) string) *option {
	o.refuse = refuse
	return o
}

// lineRewrite is the rewrite of a one-line option: the line is written when
// the file already has the option or when the value is not the default.
func lineRewrite(o *option) func(c *Config, st *rewriteState) {
	return func(c *Config, st *rewriteState) {
		v := o.get(c)
		st.rewriteLine(o.name, o.name+" "+v, v != o.def)
	}
}

// boolOpt is a yes/no option (createBoolConfig); p nil stores it in tuning.
func boolOpt(name, alias string, flags optFlags, def bool, p func(*Config) *bool) *option {
	o := &option{name: name, alias: alias, flags: flags, def: yesNo(def), tuning: p == nil}
	o.get = func(c *Config) string {
		if p == nil {
			return c.tuning[name]
		}
		return yesNo(*p(c))
	}
	o.set = func(c *Config, a []string) error {
		var v bool
		switch strings.ToLower(a[0]) {
		case "yes":
			v = true
		case "no":
		default:
			return errors.New("argument must be 'yes' or 'no'")
		}
		if p == nil {
			c.tuning[name] = yesNo(v)
		} else {
			*p(c) = v
		}
		return nil
	}
	o.rewrite = lineRewrite(o)
	return o
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// num describes a numeric option: its bounds and how its values are written
// (numericConfigData in config.c).
type num struct {
	min, max int64
	// unsigned bounds compare as unsigned (size_t, unsigned int, unsigned
	// long long), so negative input reports the bounds.
	unsigned bool
	memory   bool // accepts 1k, 1mb, ... (MEMORY_CONFIG)
	percent  bool // accepts 10%, stored negative (PERCENT_CONFIG)
	octal    bool // written in base 8 (OCTAL_CONFIG)
}

// numRef reads and writes a numeric option's field.
type numRef struct {
	load  func(*Config) int64
	store func(*Config, int64)
}

func intRef(p func(*Config) *int) *numRef {
	return &numRef{
		load:  func(c *Config) int64 { return int64(*p(c)) },
		store: func(c *Config, v int64) { *p(c) = int(v) },
	}
}

func int64Ref(p func(*Config) *int64) *numRef {
	return &numRef{
		load:  func(c *Config) int64 { return *p(c) },
		store: func(c *Config, v int64) { *p(c) = v },
	}
}

// format writes v as CONFIG GET does (numericConfigGet).
func (n num) format(v int64) string {
	switch {
	case n.percent && v < 0:
		return strconv.FormatInt(-v, 10) + "%"
	case n.memory:
		return strconv.FormatUint(uint64(v), 10)
	case n.octal:
		return strconv.FormatInt(v, 8)
	}
	return strconv.FormatInt(v, 10)
}

// parse reads a value with numericParseString's rules and checks its bounds
// (numericBoundaryCheck).
func (n num) parse(s string) (int64, error) {
	v, ok := int64(0), false
	if n.memory {
		v, ok = parseMemory(s)
	}
	if !ok && n.percent && len(s) > 1 && s[len(s)-1] == '%' {
		if p, pok := store.ParseInt([]byte(s[:len(s)-1])); pok && p >= 0 {
			v, ok = -p, true
		}
	}
	if !ok && n.octal {
		if o, err := strconv.ParseInt(s, 8, 64); err == nil {
			v, ok = o, true
		}
	}
	if !ok && !n.memory && !n.percent && !n.octal {
		v, ok = store.ParseInt([]byte(s))
	}
	if !ok {
		switch {
		case n.memory && n.percent:
			return 0, errors.New("argument must be a memory or percent value")
		case n.memory:
			return 0, errors.New("argument must be a memory value")
		case n.octal:
			return 0, errors.New("argument couldn't be parsed as an octal number")
		}
		return 0, errors.New("argument couldn't be parsed into an integer")
	}
	if n.unsigned {
		if uint64(v) > uint64(n.max) || uint64(v) < uint64(n.min) {
			if n.octal {
				return 0, fmt.Errorf("argument must be between %o and %o inclusive", uint64(n.min), uint64(n.max))
			}
			return 0, fmt.Errorf("argument must be between %d and %d inclusive", uint64(n.min), uint64(n.max))
		}
		return v, nil
	}
	if n.percent && v < 0 {
		if v < n.min {
			return 0, fmt.Errorf("percentage argument must be less or equal to %d", -n.min)
		}
		return v, nil
	}
	if v > n.max || v < n.min {
		return 0, fmt.Errorf("argument must be between %d and %d inclusive", n.min, n.max)
	}
	return v, nil
}

// numOpt is a numeric option; r nil stores it in tuning as decimal text.
func numOpt(name, alias string, flags optFlags, spec num, def int64, r *numRef) *option {
	// Tuning options keep the value in decimal, whatever CONFIG GET shows.
	o := &option{name: name, alias: alias, flags: flags, def: strconv.FormatInt(def, 10), tuning: r == nil}
	if r == nil {
		r = &numRef{
			load: func(c *Config) int64 {
				v, _ := strconv.ParseInt(c.tuning[name], 10, 64)
				return v
			},
			store: func(c *Config, v int64) { c.tuning[name] = strconv.FormatInt(v, 10) },
		}
	}
	o.get = func(c *Config) string { return spec.format(r.load(c)) }
	o.set = func(c *Config, a []string) error {
		v, err := spec.parse(a[0])
		if err != nil {
			return err
		}
		r.store(c, v)
		return nil
	}
	o.rewrite = func(c *Config, st *rewriteState) {
		v := r.load(c)
		var text string
		switch {
		case spec.percent && v < 0:
			text = strconv.FormatInt(-v, 10) + "%"
		case spec.memory:
			text = formatMemory(v)
		default:
			text = spec.format(v)
		}
		st.rewriteLine(name, name+" "+text, v != def)
	}
	return o
}

// hzOption is hz: out-of-range values are accepted and capped to 1..500, as
// updateHZ does.
func hzOption() *option {
	o := numOpt("hz", "", 0, num{min: 0, max: intMax}, 10, intRef(func(c *Config) *int { return &c.Hz }))
	set := o.set
	o.set = func(c *Config, a []string) error {
		if err := set(c, a); err != nil {
			return err
		}
		c.Hz = min(max(c.Hz, 1), 500)
		return nil
	}
	return o
}

// enumOpt is an option with a fixed set of values (createEnumConfig). A
// value "a=b" is accepted as a and reads back as b, like oom-score-adj's
// "relative", which is "yes". p nil stores it in tuning.
func enumOpt(name, alias string, flags optFlags, values []string, def string, p func(*Config) *string) *option {
	o := &option{name: name, alias: alias, flags: flags, def: def, tuning: p == nil}
	names := make([]string, len(values))
	for i, v := range values {
		names[i], _, _ = strings.Cut(v, "=")
	}
	o.get = func(c *Config) string {
		if p == nil {
			return c.tuning[name]
		}
		return *p(c)
	}
	o.set = func(c *Config, a []string) error {
		in := strings.ToLower(a[0])
		for _, v := range values {
			accepted, canonical, synonym := strings.Cut(v, "=")
			if in != accepted {
				continue
			}
			if !synonym {
				canonical = accepted
			}
			if p == nil {
				c.tuning[name] = canonical
			} else {
				*p(c) = canonical
			}
			return nil
		}
		return fmt.Errorf("argument(s) must be one of the following: %s", strings.Join(names, ", "))
	}
	o.rewrite = lineRewrite(o)
	return o
}

// strOpt is a string option (createStringConfig / createSDSConfig); valid,
// when set, checks a new value. p nil stores it in tuning.
func strOpt(name, alias string, flags optFlags, def string, p func(*Config) *string, valid func(string) error) *option {
	o := &option{name: name, alias: alias, flags: flags, def: def, tuning: p == nil}
	o.get = func(c *Config) string {
		if p == nil {
			return c.tuning[name]
		}
		return *p(c)
	}
	o.set = func(c *Config, a []string) error {
		if valid != nil {
			if err := valid(a[0]); err != nil {
				return err
			}
		}
		if p == nil {
			c.tuning[name] = a[0]
		} else {
			*p(c) = a[0]
		}
		return nil
	}
	o.rewrite = func(c *Config, st *rewriteState) {
		v := o.get(c)
		if flags&optNullIfEmpty != 0 {
			// Unset: the option must not be in the file at all
			// (rewriteConfigStringOption with a NULL value).
			if v == "" {
				st.markProcessed(name)
				return
			}
			st.rewriteLine(name, name+" "+repr(v), true)
			return
		}
		st.rewriteLine(name, name+" "+repr(v), v != def)
	}
	return o
}

// repr quotes s for a config line, as sdscatrepr does.
func repr(s string) string { return string(appendRepr(nil, []byte(s))) }

// baseName is isValidDBfilename / isValidAOFfilename / isValidAOFdirname.
func baseName(option, what string, nonEmpty bool) func(string) error {
	return func(v string) error {
		if nonEmpty && v == "" {
			return fmt.Errorf("%s can't be empty", option)
		}
		if strings.ContainsAny(v, "/\\") {
			return fmt.Errorf("%s can't be a path, just a %s", option, what)
		}
		return nil
	}
}

// validHostname is isValidAnnouncedHostname.
// validIPv4 accepts an empty value or an IPv4 address literal.
func validIPv4(v string) error {
	if ip := net.ParseIP(v); v != "" && (ip == nil || ip.To4() == nil) {
		return errors.New("Invalid IPv4 address")
	}
	return nil
}

func validHostname(v string) error {
	if len(v) >= 256 {
		return errors.New("Hostnames must be less than 256 characters")
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return errors.New("Hostnames may only contain alphanumeric characters, hyphens or dots")
		}
	}
	return nil
}

// validProcTitleTemplate is validateProcTitleTemplate: the template expands
// with sdstemplate's rules, knows only Redis's variables, and is not blank.
func validProcTitleTemplate(v string) error {
	bad := errors.New("template format is invalid or contains unknown variables")
	var out strings.Builder
	for p := v; p != ""; {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			out.WriteString(p)
			break
		}
		out.WriteString(p[:i])
		p = p[i+1:]
		if p == "" {
			return bad
		}
		if p[0] == '{' {
			out.WriteByte('{')
			p = p[1:]
			continue
		}
		j := strings.IndexByte(p, '}')
		if j < 0 {
			return bad
		}
		switch p[:j] {
		case "title", "server-mode", "unixsocket", "config-file":
		case "listen-addr", "port", "tls-port":
			out.WriteString("0")
		default:
			return bad
		}
		p = p[j+1:]
	}
	if strings.Trim(out.String(), " ") == "" {
		return bad
	}
	return nil
}

// dirOption is dir: CONFIG GET reports the working directory; CONFIG SET
// changes it (setConfigDirOption), which cmd_config applies after the set.
func dirOption() *option {
	o := &option{name: "dir", flags: optProtected}
	o.get = func(c *Config) string {
		if wd, err := os.Getwd(); err == nil {
			return wd
		}
		return c.Dir
	}
	o.set = func(c *Config, a []string) error { c.Dir = a[0]; return nil }
	o.rewrite = func(c *Config, st *rewriteState) {
		wd, err := os.Getwd()
		if err != nil {
			st.markProcessed("dir")
			return
		}
		st.rewriteLine("dir", "dir "+repr(wd), true)
	}
	return o
}

// bindOption is bind (setConfigBindOption); immutable in slotd.
func bindOption() *option {
	def := defaultBind()
	o := &option{name: "bind", flags: optImmutable | optMultiArg, def: strings.Join(def, " ")}
	o.get = func(c *Config) string { return strings.Join(c.Bind, " ") }
	o.set = func(c *Config, a []string) error {
		if len(a) > 16 {
			return errors.New("Too many bind addresses specified.")
		}
		if len(a) == 1 && a[0] == "" {
			a = nil
		}
		c.Bind = append([]string(nil), a...)
		return nil
	}
	o.rewrite = func(c *Config, st *rewriteState) {
		if o.get(c) == o.def {
			st.markProcessed("bind")
			return
		}
		addrs := strings.Join(c.Bind, " ")
		if len(c.Bind) == 0 {
			addrs = `""`
		}
		st.rewriteLine("bind", "bind "+addrs, true)
	}
	return o
}

// defaultBind is bind's default: every IPv4 interface, and IPv6 when
// available.
func defaultBind() []string { return []string{"*", "-::*"} }

// saveOption is save (setConfigSaveOption). In a config file several save
// lines add up; the loader handles that.
func saveOption() *option {
	o := &option{name: "save", flags: optMultiArg, def: "3600 1 300 100 60 10000"}
	o.get = func(c *Config) string {
		parts := make([]string, len(c.Save))
		for i, p := range c.Save {
			parts[i] = fmt.Sprintf("%d %d", p.Seconds, p.Changes)
		}
		return strings.Join(parts, " ")
	}
	o.set = func(c *Config, a []string) error {
		if len(a) == 1 && a[0] == "" {
			a = nil
		}
		if len(a)%2 != 0 {
			return errors.New("Invalid save parameters")
		}
		params := make([]SaveParam, 0, len(a)/2)
		for j := 0; j < len(a); j += 2 {
			secs, rest1 := strtoll(a[j])
			changes, rest2 := strtoll(a[j+1])
			if rest1 != "" || rest2 != "" || secs < 1 || changes < 0 {
				return errors.New("Invalid save parameters")
			}
			params = append(params, SaveParam{Seconds: secs, Changes: changes})
		}
		c.Save = params
		return nil
	}
	o.rewrite = func(c *Config, st *rewriteState) {
		if len(c.Save) == 0 {
			st.rewriteLine("save", `save ""`, true)
		}
		for _, p := range c.Save {
			st.rewriteLine("save", fmt.Sprintf("save %d %d", p.Seconds, p.Changes), true)
		}
		st.markProcessed("save")
	}
	return o
}

// clientOutputBufferLimitOption is client-output-buffer-limit
// (updateClientOutputBufferLimit): every class is checked before any is set.
func clientOutputBufferLimitOption() *option {
	o := &option{name: "client-output-buffer-limit", flags: optMultiArg}
	o.get = func(c *Config) string {
		parts := make([]string, len(c.ClientOutputBufferLimit))
		for i, l := range c.ClientOutputBufferLimit {
			parts[i] = fmt.Sprintf("%s %d %d %d", classNames[i], l.Hard, l.Soft, l.SoftSeconds)
		}
		return strings.Join(parts, " ")
	}
	o.def = o.get(&Config{ClientOutputBufferLimit: defaultOutputLimits()})
	o.set = func(c *Config, a []string) error {
		if len(a)%4 != 0 {
			return errors.New("Wrong number of arguments in buffer limit configuration.")
		}
		limits := c.ClientOutputBufferLimit
		for i := 0; i < len(a); i += 4 {
			class := -1
			switch strings.ToLower(a[i]) {
			case "normal":
				class = classNormal
			case "replica", "slave":
				class = classReplica
			case "pubsub":
				class = classPubSub
			}
			if class < 0 {
				return errors.New("Invalid client class specified in buffer limit configuration.")
			}
			hard, ok1 := parseMemory(a[i+1])
			soft, ok2 := parseMemory(a[i+2])
			secs, rest := strtoll(a[i+3])
			// soft_seconds is a C int: it is truncated before the check.
			secs = int64(int32(secs))
			if !ok1 || !ok2 || secs < 0 || rest != "" {
				return errors.New("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
			}
			limits[class] = OutputBufferLimit{Hard: hard, Soft: soft, SoftSeconds: secs}
		}
		c.ClientOutputBufferLimit = limits
		return nil
	}
	o.rewrite = func(c *Config, st *rewriteState) {
		defs := defaultOutputLimits()
		for i, l := range c.ClientOutputBufferLimit {
			class := classNames[i]
			if class == "slave" {
				class = "replica"
			}
			line := fmt.Sprintf("client-output-buffer-limit %s %s %s %d", class, formatMemory(l.Hard), formatMemory(l.Soft), l.SoftSeconds)
			st.rewriteLine(o.name, line, l != defs[i])
		}
	}
	return o
}

// defaultOutputLimits are client-output-buffer-limit's defaults
// (clientBufferLimitsDefaults).
func defaultOutputLimits() [3]OutputBufferLimit {
	return [3]OutputBufferLimit{
		{},
		{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60},
		{Hard: 32 << 20, Soft: 8 << 20, SoftSeconds: 60},
	}
}

// oomScoreAdjValuesOption is oom-score-adj-values, kept in tuning.
func oomScoreAdjValuesOption() *option {
	o := &option{name: "oom-score-adj-values", flags: optMultiArg, def: "0 200 800", tuning: true}
	o.get = func(c *Config) string { return c.tuning[o.name] }
	o.set = func(c *Config, a []string) error {
		if len(a) != 3 {
			return errors.New("wrong number of arguments")
		}
		vals := make([]string, 3)
		for i, s := range a {
			v, rest := strtoll(s)
			if rest != "" || v < -2000 || v > 2000 {
				return errors.New("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
			}
			vals[i] = strconv.FormatInt(v, 10)
		}
		c.tuning[o.name] = strings.Join(vals, " ")
		return nil
	}
	o.rewrite = lineRewrite(o)
	return o
}

// percentilesOption is latency-tracking-info-percentiles, kept in tuning.
func percentilesOption() *option {
	o := &option{name: "latency-tracking-info-percentiles", flags: optMultiArg, def: "50 99 99.9", tuning: true}
	o.get = func(c *Config) string { return c.tuning[o.name] }
	o.set = func(c *Config, a []string) error {
		if len(a) == 1 && a[0] == "" {
			a = nil
		}
		vals := make([]string, len(a))
		for i, s := range a {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || s != strings.TrimSpace(s) || math.IsNaN(f) {
				return errors.New("Invalid latency-tracking-info-percentiles parameters")
			}
			if f > 100 || f < 0 {
				return errors.New("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
			}
			vals[i] = trimZeros(strconv.FormatFloat(f, 'f', 6, 64))
		}
		c.tuning[o.name] = strings.Join(vals, " ")
		return nil
	}
	o.rewrite = func(c *Config, st *rewriteState) {
		v := o.get(c)
		if v == "" {
			v = `""`
		}
		st.rewriteLine(o.name, o.name+" "+v, true)
	}
	return o
}

// shutdownOnSignalOption is shutdown-on-sigint / shutdown-on-sigterm: a set
// of flags, "default" when none, kept in tuning.
func shutdownOnSignalOption(name string) *option {
	flags := []string{"save", "nosave", "now", "force"}
	o := &option{name: name, flags: optMultiArg, def: "default", tuning: true}
	o.get = func(c *Config) string { return c.tuning[name] }
	o.set = func(c *Config, a []string) error {
		set := make(map[string]bool)
		for _, s := range a {
			s = strings.ToLower(s)
			if s != "default" && !containsString(flags, s) {
				return errors.New("argument(s) must be one of the following: default, save, nosave, now, force")
			}
			set[s] = true
		}
		if set["save"] && set["nosave"] {
			return errors.New("shutdown options SAVE and NOSAVE can't be used simultaneously")
		}
		var out []string
		for _, f := range flags {
			if set[f] {
				out = append(out, f)
			}
		}
		if len(out) == 0 {
			out = []string{"default"}
		}
		c.tuning[name] = strings.Join(out, " ")
		return nil
	}
	o.rewrite = lineRewrite(o)
	return o
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// notifyKeyspaceEventsOption is notify-keyspace-events
// (keyspaceEventsStringToFlags / keyspaceEventsFlagsToString in notify.c).
func notifyKeyspaceEventsOption() *option {
	o := &option{name: "notify-keyspace-events"}
	o.get = func(c *Config) string { return keyspaceEventsString(c.NotifyKeyspaceEvents) }
	o.set = func(c *Config, a []string) error {
		flags, ok := parseKeyspaceEvents(a[0])
		if !ok {
			return errors.New("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
		}
		c.NotifyKeyspaceEvents = flags
		return nil
	}
	o.rewrite = func(c *Config, st *rewriteState) {
		st.rewriteLine(o.name, o.name+" "+repr(o.get(c)), c.NotifyKeyspaceEvents != 0)
	}
	return o
}

var keyspaceEventClasses = []struct {
	c    byte
	flag int
}{
	{'g', notifyGeneric}, {'$', notifyString}, {'l', notifyList}, {'s', notifySet},
	{'h', notifyHash}, {'z', notifyZset}, {'x', notifyExpired}, {'e', notifyEvicted},
	{'t', notifyStream}, {'d', notifyModule}, {'n', notifyNew},
	{'K', notifyKeyspace}, {'E', notifyKeyevent}, {'m', notifyKeyMiss},
}

func parseKeyspaceEvents(s string) (int, bool) {
	flags := 0
next:
	for i := 0; i < len(s); i++ {
		if s[i] == 'A' {
			flags |= notifyAll
			continue
		}
		for _, k := range keyspaceEventClasses {
			if k.c == s[i] {
				flags |= k.flag
				continue next
			}
		}
		return 0, false
	}
	return flags, true
}

func keyspaceEventsString(flags int) string {
	var b strings.Builder
	all := flags&notifyAll == notifyAll
	if all {
		b.WriteByte('A')
	}
	for _, k := range keyspaceEventClasses {
		typed := k.flag != notifyKeyspace && k.flag != notifyKeyevent && k.flag != notifyKeyMiss
		if flags&k.flag != 0 && !(all && typed) {
			b.WriteByte(k.c)
		}
	}
	return b.String()
}

// replicaofOption is replicaof (setConfigReplicaOfOption), immutable.
func replicaofOption() *option {
	o := &option{name: "replicaof", alias: "slaveof", flags: optImmutable | optMultiArg}
	o.get = func(c *Config) string {
		if c.MasterHost == "" {
			return ""
		}
		return fmt.Sprintf("%s %d", c.MasterHost, c.MasterPort)
	}
	o.set = func(c *Config, a []string) error {
		if len(a) != 2 {
			return errors.New("wrong number of arguments")
		}
		c.MasterHost, c.MasterPort = "", 0
		if strings.EqualFold(a[0], "no") && strings.EqualFold(a[1], "one") {
			return nil
		}
		port, rest := strtoll(a[1])
		if port < 0 || port > 65535 || rest != "" {
			return errors.New("Invalid master port")
		}
		c.MasterHost, c.MasterPort = a[0], int(port)
		return nil
	}
	o.rewrite = func(c *Config, st *rewriteState) {
		if c.ClusterEnabled || c.MasterHost == "" {
			st.markProcessed(o.name)
			return
		}
		st.rewriteLine(o.name, o.name+" "+o.get(c), true)
	}
	return o
}

// parseMemory parses a memory value as memtoull in util.c does: digits and
// an optional unit b, k (1000), kb (1024), m, mb, g, gb.
func parseMemory(s string) (int64, bool) {
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1 << 20
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1 << 30
	default:
		return 0, false
	}
	var val uint64
	if i > 0 {
		v, err := strconv.ParseUint(s[:i], 10, 64)
		if err != nil {
			// strtoull saturates on overflow and memtoull does not check.
			v = math.MaxUint64
		}
		val = v
	}
	if val > math.MaxUint64/mul {
		return 0, false
	}
	return int64(val * mul), true
}

// formatMemory writes bytes with the largest exact unit, as
// rewriteConfigFormatMemory does.
func formatMemory(b int64) string {
	switch {
	case b != 0 && b%(1<<30) == 0:
		return strconv.FormatInt(b/(1<<30), 10) + "gb"
	case b != 0 && b%(1<<20) == 0:
		return strconv.FormatInt(b/(1<<20), 10) + "mb"
	case b != 0 && b%(1<<10) == 0:
		return strconv.FormatInt(b/(1<<10), 10) + "kb"
	}
	return strconv.FormatInt(b, 10)
}

// strtoll mirrors C's strtoll(s, &end, 10): it skips leading spaces, takes
// a sign and digits, saturates on overflow, and returns what is left.
func strtoll(s string) (int64, string) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v uint64
	overflow := false
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		d := uint64(s[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			overflow = true
		} else {
			v = v*10 + d
		}
		i++
	}
	if i == start {
		return 0, s
	}
	switch {
	case neg && (overflow || v > 1<<63):
		return math.MinInt64, s[i:]
	case neg:
		return -int64(v), s[i:]
	case overflow || v > math.MaxInt64:
		return math.MaxInt64, s[i:]
	}
	return int64(v), s[i:]
}

// configError is a fatal configuration line, reported as Redis's
// "Reading the configuration file, at line N" in one line.
type configError struct {
	source string
	line   int
	text   string
	reason string
}

func (e *configError) Error() string {
	return fmt.Sprintf("%v: %s, line %d: '%s': %s", ErrConfig, e.source, e.line, e.text, e.reason)
}

func (e *configError) Unwrap() error { return ErrConfig }

// configLoader applies redis.conf text (loadServerConfigFromString).
type configLoader struct {
	c *Config
	// saveSeen is set once a save line was read: later ones add to it
	// rather than replace it (setConfigSaveOption's reading_config_file).
	saveSeen bool
	depth    int
}

// deprecatedOptions are accepted and ignored, with one argument.
var deprecatedOptions = []string{"list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"}

func (l *configLoader) load(text, source string) error {
	for n, raw := range strings.Split(text, "\n") {
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		argv, ok := splitArgs([]byte(line), nil)
		if !ok {
			return &configError{source, n + 1, line, "Unbalanced quotes in configuration line"}
		}
		if len(argv) == 0 {
			continue
		}
		args := make([]string, len(argv))
		for i, a := range argv {
			args[i] = string(a)
		}
		if err := l.directive(strings.ToLower(args[0]), args[1:]); err != nil {
			var ce *configError
			if errors.As(err, &ce) {
				return err
			}
			return &configError{source, n + 1, line, err.Error()}
		}
	}
	return nil
}

func (l *configLoader) directive(name string, args []string) error {
	if e, ok := lookupOption(name); ok {
		o := e.o
		if o.flags&optMultiArg == 0 && len(args) != 1 {
			return errors.New("wrong number of arguments")
		}
		if o.name != "save" {
			return o.set(l.c, args)
		}
		prev := l.c.Save
		if err := o.set(l.c, args); err != nil {
			return err
		}
		reset := len(args) == 1 && args[0] == ""
		if l.saveSeen && !reset {
			l.c.Save = append(prev[:len(prev):len(prev)], l.c.Save...)
		}
		l.saveSeen = true
		return nil
	}
	switch {
	case containsString(deprecatedOptions, name) && len(args) == 1:
		return nil
	case name == "include" && len(args) == 1:
		return l.include(args[0])
	case name == "rename-command" && len(args) == 2, name == "user" && len(args) >= 1,
		name == "loadmodule" && len(args) >= 1:
		return errors.New(name + " is" + notSlotd)
	case strings.Contains(name, "."):
		if len(args) != 1 {
			return errors.New("Module config specified without value")
		}
		return errors.New("module configs are" + notSlotd)
	case name == "sentinel":
		if len(args) != 0 {
			return errors.New("sentinel directive while not in sentinel mode")
		}
		return errors.New("sentinel mode is" + notSlotd)
	}
	return errors.New("Bad directive or wrong number of arguments")
}

// include loads another file at this point; a pattern loads every match in
// order, and none is no error (loadServerConfig).
func (l *configLoader) include(path string) error {
	if l.depth >= 16 {
		return errors.New("include nesting is too deep")
	}
	files := []string{path}
	if strings.ContainsAny(path, "*?[") {
		matches, err := filepath.Glob(path)
		if err != nil {
			return err
		}
		files = matches
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("can't open config file '%s': %v", f, errorText(err))
		}
		l.depth++
		err = l.load(string(data), f)
		l.depth--
		if err != nil {
			return err
		}
	}
	return nil
}

// Apply sets option name from args, as a config file line does. Errors name
// the option.
func (c *Config) Apply(name string, args []string) error {
	l := &configLoader{c: c}
	if err := l.directive(strings.ToLower(name), args); err != nil {
		var ce *configError
		if errors.As(err, &ce) {
			return err
		}
		return &configError{"arguments", 1, strings.Join(append([]string{name}, args...), " "), err.Error()}
	}
	return nil
}

// LoadText applies redis.conf syntax: one directive per line, arguments
// split like an inline request, '#' comments, include.
func (c *Config) LoadText(text string) error {
	return (&configLoader{c: c}).load(text, "config text")
}

// ParseArgs builds a Config the way redis-server reads its arguments: an
// optional config file first, then "--option value ..." overrides, which
// are turned into config lines appended to the file.
func ParseArgs(args []string) (*Config, error) {
	c := DefaultConfig()
	l := &configLoader{c: c}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		data, err := os.ReadFile(args[0])
		if err != nil {
			return nil, fmt.Errorf("%w: can't open config file '%s': %v", ErrConfig, args[0], errorText(err))
		}
		if err := l.load(string(data), args[0]); err != nil {
			return nil, err
		}
		args = args[1:]
	}
	if opts := commandLineOptions(args); opts != "" {
		if err := l.load(opts, "command line"); err != nil {
			return nil, err
		}
	}
	return c, c.Validate()
}

// commandLineOptions turns "--port 6380 --save" into config lines, as
// redis-server's main does: an option's arguments run to the next "--"
// word once it has one, and a bare --save means save "".
func commandLineOptions(args []string) string {
	var b strings.Builder
	handledLast := true
	for j, a := range args {
		if handledLast && strings.HasPrefix(a, "--") {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(a[2:])
			b.WriteByte(' ')
			words, ok := splitArgs([]byte(a), nil)
			handledLast = !ok || len(words) != 1
			last := j == len(args)-1
			if !handledLast && strings.EqualFold(a, "--save") && (last || strings.HasPrefix(args[j+1], "--")) {
				b.WriteString(`""`)
				handledLast = true
			}
			continue
		}
		b.WriteString(repr(a))
		b.WriteByte(' ')
		handledLast = true
	}
	return b.String()
}

// errorText is strerror's text for err when it is an errno, like Redis's
// messages ("No such file or directory").
func errorText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	s := err.Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// rewriteSignature starts the lines CONFIG REWRITE appends.
const rewriteSignature = "# Generated by CONFIG REWRITE"

// rewriteState is the old file being rewritten (rewriteConfigState).
type rewriteState struct {
	lines []string
	// optLines maps an option to the lines that still hold it, in order.
	optLines       map[string][]int
	processed      map[string]bool
	needsSignature bool
}

// newRewriteState reads the old content (rewriteConfigReadOldFile):
// comments and unknown lines stay; lines of options are indexed by the
// option's canonical name.
func newRewriteState(old string) *rewriteState {
	st := &rewriteState{optLines: make(map[string][]int), processed: make(map[string]bool), needsSignature: true}
	if old == "" {
		return st
	}
	for _, raw := range strings.Split(old, "\n") {
		line := strings.Trim(raw, "\r\n\t ")
		if line == "" || line[0] == '#' {
			if st.needsSignature && line == rewriteSignature {
				st.needsSignature = false
			}
			st.lines = append(st.lines, line)
			continue
		}
		argv, ok := splitArgs([]byte(line), nil)
		name := ""
		if ok && len(argv) > 0 {
			name = strings.ToLower(string(argv[0]))
		}
		known := true
		if e, found := lookupOption(name); found {
			name = e.o.name
		} else {
			switch name {
			case "include", "rename-command", "user", "loadmodule", "sentinel":
			default:
				known = false
			}
		}
		if !ok || len(argv) == 0 || !known {
			// Unparsable or unknown: kept as a comment.
			st.lines = append(st.lines, "# ??? "+line)
			continue
		}
		st.optLines[name] = append(st.optLines[name], len(st.lines))
		st.lines = append(st.lines, line)
	}
	return st
}

func (st *rewriteState) markProcessed(option string) { st.processed[option] = true }

// rewriteLine puts line in the place of the option's next old line, or
// appends it when force is set (rewriteConfigRewriteLine).
func (st *rewriteState) rewriteLine(option, line string, force bool) {
	st.markProcessed(option)
	idx := st.optLines[option]
	if len(idx) == 0 && !force {
		return
	}
	if len(idx) > 0 {
		st.lines[idx[0]] = line
		st.optLines[option] = idx[1:]
		return
	}
	if st.needsSignature {
		st.lines = append(st.lines, rewriteSignature)
		st.needsSignature = false
	}
	st.lines = append(st.lines, line)
}

// content blanks the old lines of rewritten options that were not reused
// and joins the lines, folding runs of blank lines into one
// (rewriteConfigRemoveOrphaned, rewriteConfigGetContentFromState).
func (st *rewriteState) content() string {
	for option, idx := range st.optLines {
		if st.processed[option] {
			for _, i := range idx {
				st.lines[i] = ""
			}
		}
	}
	var b strings.Builder
	wasEmpty := false
	for _, l := range st.lines {
		if l == "" {
			if wasEmpty {
				continue
			}
			wasEmpty = true
		} else {
			wasEmpty = false
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// rewriteConfigText returns the config file old rewritten for c
// (rewriteConfig in config.c).
func rewriteConfigText(old string, c *Config) string {
	st := newRewriteState(old)
	for _, o := range optionTable.list {
		o.rewrite(c, st)
	}
	// slotd has no ACL users or modules: their lines go (rewriteConfigUserOption,
	// rewriteConfigLoadmoduleOption).
	st.markProcessed("user")
	st.markProcessed("loadmodule")
	return st.content()
}

// rewriteConfigFile rewrites the config file at path for c, atomically:
// a temporary file in the same directory is written, synced and renamed
// over it, and the directory is synced (rewriteConfigOverwriteFile).
func rewriteConfigFile(path string, c *Config) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.WriteString(rewriteConfigText(string(old), c))
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

package node

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/slotd/slotd/replication"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Config is the node's configuration. Field names follow the redis.conf
// options they come from; DefaultConfig documents each default.
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

	Save           string
	Appendonly     bool
	Appendfsync    string
	Dbfilename     string
	Appendfilename string

	Maxmemory       int64
	MaxmemoryPolicy string

	ClusterEnabled     bool
	ClusterConfigFile  string
	ClusterNodeTimeout int64
	ClusterPort        int

	// Logger receives the node's logs; nil means no logging.
	Logger *zap.Logger
	// Propagator receives the record of every write; nil discards them.
	Propagator replication.Propagator
	// Clock returns the current Unix time in milliseconds; nil uses the
	// system clock. Tests inject one to drive expiry.
	Clock func() int64

	// tuning holds accepted directives that change nothing in slotd (see
	// noopOptions), so that CONFIG GET still answers them.
	tuning map[string]string
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

var classNames = [3]string{"normal", "replica", "pubsub"}

// DefaultConfig returns redis-server 7's defaults.
func DefaultConfig() *Config {
	c := &Config{
		Port:                   6379,                  // port
		Bind:                   []string{"*", "-::*"}, // listen on every interface
		Dir:                    ".",                   // working directory for data files
		Loglevel:               "notice",              // debug, verbose, notice, warning
		LogFormat:              "console",             // console or json
		Maxclients:             10000,                 // connected clients at most
		TCPKeepalive:           300,                   // seconds between keepalive probes
		TCPBacklog:             511,                   // listen backlog
		Databases:              16,                    // logical databases (fixed)
		ProtoMaxBulkLen:        512 << 20,             // largest bulk argument
		ClientQueryBufferLimit: 1 << 30,               // largest pending input per client
		Hz:                     10,                    // background task frequency
		SlowlogLogSlowerThan:   10000,                 // microseconds; -1 disables
		SlowlogMaxLen:          128,                   // slow log entries kept
		EnableDebugCommand:     "no",                  // DEBUG is refused by default
		Save:                   "3600 1 300 100 60 10000",
		Appendfsync:            "everysec",
		Dbfilename:             "dump.rdb",
		Appendfilename:         "appendonly.aof",
		MaxmemoryPolicy:        "noeviction",
		ClusterConfigFile:      "nodes.conf",
		ClusterNodeTimeout:     15000,
		ClientOutputBufferLimit: [3]OutputBufferLimit{
			{},
			{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60},
			{Hard: 32 << 20, Soft: 8 << 20, SoftSeconds: 60},
		},
		tuning: make(map[string]string),
	}
	for name, def := range noopOptions {
		c.tuning[name] = def
	}
	return c
}

// clone returns a deep copy, for CONFIG SET to change and validate.
func (c *Config) clone() *Config {
	n := *c
	n.Bind = append([]string(nil), c.Bind...)
	n.tuning = make(map[string]string, len(c.tuning))
	for k, v := range c.tuning {
		n.tuning[k] = v
	}
	return &n
}

// Validate checks values that are valid alone but not together.
func (c *Config) Validate() error {
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("%w: port %d out of range", ErrConfig, c.Port)
	}
	if c.Databases != 16 {
		return fmt.Errorf("%w: databases must be 16 in slotd", ErrConfig)
	}
	return nil
}

// option is one configuration directive.
type option struct {
	name    string
	alias   string
	mutable bool
	get     func(*Config) string
	// set parses args (one for most options) into the config; the error
	// text is Redis's reason, without prefix.
	set func(c *Config, args []string) error
}

func boolOpt(name string, mutable bool, p func(*Config) *bool) option {
	return option{name: name, mutable: mutable,
		get: func(c *Config) string { return yesNo(*p(c)) },
		set: func(c *Config, a []string) error {
			switch strings.ToLower(a[0]) {
			case "yes":
				*p(c) = true
			case "no":
				*p(c) = false
			default:
				return fmt.Errorf("argument must be 'yes' or 'no'")
			}
			return nil
		}}
}

func intOpt(name string, mutable bool, min, max int64, p func(*Config) *int) option {
	return option{name: name, mutable: mutable,
		get: func(c *Config) string { return strconv.Itoa(*p(c)) },
		set: func(c *Config, a []string) error {
			n, err := parseBounded(a[0], min, max, false)
			*p(c) = int(n)
			return err
		}}
}

func int64Opt(name string, mutable, memory bool, min, max int64, p func(*Config) *int64) option {
	return option{name: name, mutable: mutable,
		get: func(c *Config) string { return strconv.FormatInt(*p(c), 10) },
		set: func(c *Config, a []string) error {
			n, err := parseBounded(a[0], min, max, memory)
			*p(c) = n
			return err
		}}
}

func stringOpt(name string, mutable bool, p func(*Config) *string) option {
	return option{name: name, mutable: mutable,
		get: func(c *Config) string { return *p(c) },
		set: func(c *Config, a []string) error { *p(c) = a[0]; return nil }}
}

func enumOpt(name string, mutable bool, values []string, p func(*Config) *string) option {
	return option{name: name, mutable: mutable,
		get: func(c *Config) string { return *p(c) },
		set: func(c *Config, a []string) error {
			v := strings.ToLower(a[0])
			for _, ok := range values {
				if v == ok {
					*p(c) = v
					return nil
				}
			}
			return fmt.Errorf("argument(s) must be one of the following: %s", strings.Join(values, ", "))
		}}
}

func parseBounded(s string, min, max int64, memory bool) (int64, error) {
	var n int64
	var err error
	if memory {
		n, err = parseMemory(s)
	} else {
		n, err = strconv.ParseInt(s, 10, 64)
		if err != nil {
			err = fmt.Errorf("argument couldn't be parsed into an integer")
		}
	}
	if err != nil {
		return 0, err
	}
	if n < min || n > max {
		return 0, fmt.Errorf("argument must be between %d and %d inclusive", min, max)
	}
	return n, nil
}

// parseMemory parses Redis memory units: 1k=1000, 1kb=1024, likewise m, g.
func parseMemory(s string) (int64, error) {
	l := strings.ToLower(s)
	mul := int64(1)
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}, {"b", 1}} {
		if strings.HasSuffix(l, u.suffix) {
			l, mul = strings.TrimSuffix(l, u.suffix), u.mul
			break
		}
	}
	n, err := strconv.ParseInt(l, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("argument must be a memory value")
	}
	return n * mul, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// noopOptions are tuning directives of redis.conf that have no effect on
// slotd's engine. They are accepted, kept and reported by CONFIG GET with
// Redis's defaults, so stock configs and tools keep working.
var noopOptions = map[string]string{
	"activerehashing": "yes", "rdbcompression": "yes", "rdbchecksum": "yes",
	"hash-max-listpack-entries": "128", "hash-max-listpack-value": "64",
	"hash-max-ziplist-entries": "128", "hash-max-ziplist-value": "64",
	"list-max-listpack-size": "-2", "list-max-ziplist-size": "-2", "list-compress-depth": "0",
	"set-max-intset-entries": "512", "zset-max-listpack-entries": "128",
	"zset-max-listpack-value": "64", "zset-max-ziplist-entries": "128", "zset-max-ziplist-value": "64",
	"hll-sparse-max-bytes": "3000", "stream-node-max-bytes": "4096", "stream-node-max-entries": "100",
	"lazyfree-lazy-eviction": "no", "lazyfree-lazy-expire": "no", "lazyfree-lazy-server-del": "no",
	"lazyfree-lazy-user-del": "no", "lazyfree-lazy-user-flush": "no", "replica-lazy-flush": "no",
	"dynamic-hz": "yes", "aof-rewrite-incremental-fsync": "yes", "rdb-save-incremental-fsync": "yes",
	"jemalloc-bg-thread": "yes", "activedefrag": "no", "lfu-log-factor": "10", "lfu-decay-time": "1",
	"maxmemory-samples": "5", "maxmemory-eviction-tenacity": "10", "always-show-logo": "no",
	"set-proc-title": "yes", "proc-title-template": "{title} {listen-addr} {server-mode}",
	"stop-writes-on-bgsave-error": "yes", "rdb-del-sync-files": "no", "no-appendfsync-on-rewrite": "no",
	"auto-aof-rewrite-percentage": "100", "auto-aof-rewrite-min-size": "67108864",
	"aof-load-truncated": "yes", "aof-use-rdb-preamble": "yes", "aof-timestamp-enabled": "no",
	"lua-time-limit": "5000", "busy-reply-threshold": "5000", "oom-score-adj": "no",
	"oom-score-adj-values": "0 200 800", "disable-thp": "yes", "crash-log-enabled": "yes",
	"crash-memcheck-enabled": "yes", "supervised": "no", "syslog-enabled": "no",
	"syslog-ident": "redis", "syslog-facility": "local0", "io-threads": "1",
	"io-threads-do-reads": "no",
	"protected-mode":      "yes", "notify-keyspace-events": "", "tracking-table-max-keys": "1000000",
	"active-expire-effort": "1", "latency-tracking": "yes",
	"latency-tracking-info-percentiles": "50 99 99.9", "replica-serve-stale-data": "yes",
	"replica-read-only": "yes", "repl-diskless-sync": "yes", "repl-diskless-sync-delay": "5",
	"repl-diskless-load": "disabled", "repl-disable-tcp-nodelay": "no", "replica-priority": "100",
	"acllog-max-len": "128", "lua-replicate-commands": "yes",
}

var options = buildOptions()

func buildOptions() map[string]*option {
	list := []option{
		intOpt("port", true, 0, 65535, func(c *Config) *int { return &c.Port }),
		{name: "bind", mutable: true,
			get: func(c *Config) string { return strings.Join(c.Bind, " ") },
			set: func(c *Config, a []string) error { c.Bind = append([]string(nil), a...); return nil }},
		{name: "dir", mutable: true,
			get: func(c *Config) string {
				if wd, err := os.Getwd(); err == nil {
					return wd
				}
				return c.Dir
			},
			set: func(c *Config, a []string) error { c.Dir = a[0]; return nil }},
		stringOpt("pidfile", false, func(c *Config) *string { return &c.Pidfile }),
		stringOpt("logfile", false, func(c *Config) *string { return &c.Logfile }),
		enumOpt("loglevel", true, []string{"debug", "verbose", "notice", "warning"}, func(c *Config) *string { return &c.Loglevel }),
		enumOpt("log-format", false, []string{"console", "json"}, func(c *Config) *string { return &c.LogFormat }),
		boolOpt("daemonize", false, func(c *Config) *bool { return &c.Daemonize }),
		stringOpt("requirepass", true, func(c *Config) *string { return &c.Requirepass }),
		intOpt("maxclients", true, 1, 1<<31-1, func(c *Config) *int { return &c.Maxclients }),
		intOpt("timeout", true, 0, 1<<31-1, func(c *Config) *int { return &c.Timeout }),
		intOpt("tcp-keepalive", true, 0, 1<<31-1, func(c *Config) *int { return &c.TCPKeepalive }),
		intOpt("tcp-backlog", false, 0, 1<<31-1, func(c *Config) *int { return &c.TCPBacklog }),
		intOpt("databases", false, 1, 1<<31-1, func(c *Config) *int { return &c.Databases }),
		int64Opt("proto-max-bulk-len", true, true, 1024*1024, 1<<62, func(c *Config) *int64 { return &c.ProtoMaxBulkLen }),
		int64Opt("client-query-buffer-limit", true, true, 1024*1024, 1<<62, func(c *Config) *int64 { return &c.ClientQueryBufferLimit }),
		{name: "client-output-buffer-limit", mutable: true, get: getOutputLimits, set: setOutputLimits},
		intOpt("hz", true, 0, 1<<31-1, func(c *Config) *int { return &c.Hz }),
		int64Opt("slowlog-log-slower-than", true, false, -1, 1<<62, func(c *Config) *int64 { return &c.SlowlogLogSlowerThan }),
		intOpt("slowlog-max-len", true, 0, 1<<31-1, func(c *Config) *int { return &c.SlowlogMaxLen }),
		int64Opt("latency-monitor-threshold", true, false, 0, 1<<62, func(c *Config) *int64 { return &c.LatencyMonitorThreshold }),
		enumOpt("enable-debug-command", false, []string{"no", "yes", "local"}, func(c *Config) *string { return &c.EnableDebugCommand }),
		{name: "save", mutable: true,
			get: func(c *Config) string { return c.Save },
			set: func(c *Config, a []string) error { c.Save = strings.Join(a, " "); return nil }},
		boolOpt("appendonly", true, func(c *Config) *bool { return &c.Appendonly }),
		enumOpt("appendfsync", true, []string{"always", "everysec", "no"}, func(c *Config) *string { return &c.Appendfsync }),
		stringOpt("dbfilename", true, func(c *Config) *string { return &c.Dbfilename }),
		stringOpt("appendfilename", false, func(c *Config) *string { return &c.Appendfilename }),
		int64Opt("maxmemory", true, true, 0, 1<<62, func(c *Config) *int64 { return &c.Maxmemory }),
		enumOpt("maxmemory-policy", true, []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}, func(c *Config) *string { return &c.MaxmemoryPolicy }),
		boolOpt("cluster-enabled", false, func(c *Config) *bool { return &c.ClusterEnabled }),
		stringOpt("cluster-config-file", false, func(c *Config) *string { return &c.ClusterConfigFile }),
		int64Opt("cluster-node-timeout", true, false, 0, 1<<62, func(c *Config) *int64 { return &c.ClusterNodeTimeout }),
		intOpt("cluster-port", false, 0, 65535, func(c *Config) *int { return &c.ClusterPort }),
	}
	m := make(map[string]*option, len(list)+len(noopOptions))
	for i := range list {
		m[list[i].name] = &list[i]
	}
	for name := range noopOptions {
		name := name
		m[name] = &option{name: name, mutable: true,
			get: func(c *Config) string { return c.tuning[name] },
			set: func(c *Config, a []string) error { c.tuning[name] = strings.Join(a, " "); return nil }}
	}
	return m
}

func getOutputLimits(c *Config) string {
	var parts []string
	for i, l := range c.ClientOutputBufferLimit {
		parts = append(parts, fmt.Sprintf("%s %d %d %d", classNames[i], l.Hard, l.Soft, l.SoftSeconds))
	}
	return strings.Join(parts, " ")
}

func setOutputLimits(c *Config, a []string) error {
	if len(a)%4 != 0 {
		return fmt.Errorf("Wrong number of arguments in buffer limit configuration.")
	}
	for i := 0; i < len(a); i += 4 {
		class := -1
		switch strings.ToLower(a[i]) {
		case "normal":
			class = classNormal
		case "replica", "slave":
			class = classReplica
		case "pubsub":
			class = classPubSub
		default:
			return fmt.Errorf("Invalid client class specified in buffer limit configuration.")
		}
		hard, err1 := parseMemory(a[i+1])
		soft, err2 := parseMemory(a[i+2])
		secs, err3 := strconv.ParseInt(a[i+3], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || hard < 0 || soft < 0 || secs < 0 {
			return fmt.Errorf("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
		}
		c.ClientOutputBufferLimit[class] = OutputBufferLimit{Hard: hard, Soft: soft, SoftSeconds: secs}
	}
	return nil
}

// optionNames returns every option name, sorted, for CONFIG GET globbing.
func optionNames() []string {
	names := make([]string, 0, len(options))
	for n := range options {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Apply sets option name from args, as a config file line or a command line
// pair does. Errors name the option.
func (c *Config) Apply(name string, args []string) error {
	o := options[strings.ToLower(name)]
	if o == nil || len(args) == 0 {
		return fmt.Errorf("%w: '%s': Bad directive or wrong number of arguments", ErrConfig, strings.Join(append([]string{name}, args...), " "))
	}
	if err := o.set(c, args); err != nil {
		return fmt.Errorf("%w: '%s': %v", ErrConfig, strings.Join(append([]string{name}, args...), " "), err)
	}
	return nil
}

// ParseArgs builds a Config the way redis-server reads its arguments: an
// optional config file first, then "--option value ..." overrides.
func ParseArgs(args []string) (*Config, error) {
	c := DefaultConfig()
	if len(args) > 0 && !strings.HasPrefix(args[0], "--") {
		data, err := os.ReadFile(args[0])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrConfig, err)
		}
		if err := c.LoadText(string(data)); err != nil {
			return nil, err
		}
		args = args[1:]
	}
	for i := 0; i < len(args); {
		if !strings.HasPrefix(args[i], "--") || len(args[i]) == 2 {
			return nil, fmt.Errorf("%w: unexpected argument '%s'", ErrConfig, args[i])
		}
		name := args[i][2:]
		j := i + 1
		for j < len(args) && !strings.HasPrefix(args[j], "--") {
			j++
		}
		vals := args[i+1 : j]
		if len(vals) == 0 {
			// "--appendonly" alone means yes, as in redis-server.
			vals = []string{"yes"}
		}
		if err := c.Apply(name, vals); err != nil {
			return nil, err
		}
		i = j
	}
	return c, c.Validate()
}

// LoadText applies redis.conf syntax: one directive per line, arguments
// split like an inline request, '#' comments.
func (c *Config) LoadText(text string) error {
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		argv, ok := splitArgs([]byte(line), nil)
		if !ok {
			return fmt.Errorf("%w: line %d: '%s': Unbalanced quotes in configuration line", ErrConfig, n+1, line)
		}
		args := make([]string, len(argv))
		for i, a := range argv {
			args[i] = string(a)
		}
		if strings.EqualFold(args[0], "include") {
			if len(args) != 2 {
				return fmt.Errorf("%w: line %d: include needs one file", ErrConfig, n+1)
			}
			data, err := os.ReadFile(args[1])
			if err != nil {
				return fmt.Errorf("%w: line %d: %v", ErrConfig, n+1, err)
			}
			if err := c.LoadText(string(data)); err != nil {
				return err
			}
			continue
		}
		if err := c.Apply(args[0], args[1:]); err != nil {
			return fmt.Errorf("line %d: %w", n+1, err)
		}
	}
	return nil
}

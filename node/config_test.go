package node

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadTextReadsRedisConfSyntax(t *testing.T) {
	c := DefaultConfig()
	err := c.LoadText(`# a comment
   port 7001
bind 127.0.0.1 ::1
requirepass "pa ss\"word\x41"
masterauth 'it\'s'
maxmemory 1gb
proto-max-bulk-len 100mb
client-query-buffer-limit 2MB
appendonly YES
MAXCLIENTS 42
slave-read-only no
hash-max-ziplist-entries 100
client-output-buffer-limit normal 1mb 512kb 10 replica 1 2 3
save ""
lua-replicate-commands yes
notify-keyspace-events KEA
`)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"port", c.Port, 7001},
		{"bind", c.Bind, []string{"127.0.0.1", "::1"}},
		{"requirepass", c.Requirepass, `pa ss"wordA`},
		{"masterauth", c.Masterauth, "it's"},
		{"maxmemory", c.Maxmemory, int64(1 << 30)},
		{"proto-max-bulk-len", c.ProtoMaxBulkLen, int64(100 << 20)},
		{"client-query-buffer-limit", c.ClientQueryBufferLimit, int64(2 << 20)},
		{"appendonly", c.Appendonly, true},
		{"maxclients", c.Maxclients, 42},
		{"replica-read-only", c.ReplicaReadOnly, false},
		{"hash-max-listpack-entries", c.HashMaxListpackEntries, int64(100)},
		{"client-output-buffer-limit", c.ClientOutputBufferLimit, [3]OutputBufferLimit{
			{Hard: 1 << 20, Soft: 512 << 10, SoftSeconds: 10}, {Hard: 1, Soft: 2, SoftSeconds: 3}, {Hard: 32 << 20, Soft: 8 << 20, SoftSeconds: 60}}},
		{"save", len(c.Save), 0},
		{"notify-keyspace-events", keyspaceEventsString(c.NotifyKeyspaceEvents), "AKE"},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s: got %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestParseMemoryFollowsMemtoull(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"100", 100, true}, {"5b", 5, true}, {"1k", 1000, true}, {"1kb", 1024, true},
		{"2KB", 2048, true}, {"1m", 1000000, true}, {"100mb", 100 << 20, true},
		{"1g", 1000000000, true}, {"1gb", 1 << 30, true}, {"", 0, true},
		{"-1", 0, false}, {"1x", 0, false}, {"1.5gb", 0, false}, {"gb1", 0, false},
		{"18446744073709551615gb", 0, false},
	} {
		got, ok := parseMemory(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseMemory(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestConfigErrorsNameTheLineAndOption(t *testing.T) {
	for _, tc := range []struct {
		text, want string
	}{
		{"port 1\nfoo bar\n", "config: config text, line 2: 'foo bar': Bad directive or wrong number of arguments"},
		{"port abc", "config: config text, line 1: 'port abc': argument couldn't be parsed into an integer"},
		{"port 70000", "config: config text, line 1: 'port 70000': argument must be between 0 and 65535 inclusive"},
		{"port 1 2", "config: config text, line 1: 'port 1 2': wrong number of arguments"},
		{"appendonly", "config: config text, line 1: 'appendonly': wrong number of arguments"},
		{"appendonly maybe", "config: config text, line 1: 'appendonly maybe': argument must be 'yes' or 'no'"},
		{`requirepass "abc`, `config: config text, line 1: 'requirepass "abc': Unbalanced quotes in configuration line`},
		{"maxmemory 1x", "config: config text, line 1: 'maxmemory 1x': argument must be a memory value"},
		{"save 60", "config: config text, line 1: 'save 60': Invalid save parameters"},
		{"loglevel loud", "config: config text, line 1: 'loglevel loud': argument(s) must be one of the following: debug, verbose, notice, warning"},
		{"include /nonexistent/slotd.conf", "config: config text, line 1: 'include /nonexistent/slotd.conf': can't open config file '/nonexistent/slotd.conf': No such file or directory"},
		{"rename-command get x", "config: config text, line 1: 'rename-command get x': rename-command is not supported by slotd"},
	} {
		err := DefaultConfig().LoadText(tc.text)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: got %v, want %s", tc.text, err, tc.want)
			continue
		}
		if !errors.Is(err, ErrConfig) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v is not a one-line ErrConfig", tc.text, err)
		}
	}
}

func TestSaveLinesAddUpAndSaveEmptyResets(t *testing.T) {
	for _, tc := range []struct {
		text, want string
	}{
		{"save 60 1\nsave 120 5", "60 1 120 5"},
		{"save 60 1\nsave \"\"\nsave 120 5", "120 5"},
		{"save 60 1 120 5", "60 1 120 5"},
		{"port 1", "3600 1 300 100 60 10000"},
	} {
		c := DefaultConfig()
		if err := c.LoadText(tc.text); err != nil {
			t.Fatal(err)
		}
		if got := optionTable.byName["save"].o.get(c); got != tc.want {
			t.Errorf("%q: save is %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestParseArgsAppliesOptionsAfterTheFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "slotd.conf")
	inc := filepath.Join(dir, "inc.conf")
	writeFile(t, inc, "hz 20\n")
	writeFile(t, file, "port 7000\nsave 60 1\ninclude "+inc+"\nmaxclients 10\n")
	c, err := ParseArgs([]string{file, "--maxclients", "20", "--save", "120", "5", "--bind", "127.0.0.1", "::1", "--appendonly", "yes"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 7000 || c.Hz != 20 || c.Maxclients != 20 || !c.Appendonly ||
		!reflect.DeepEqual(c.Bind, []string{"127.0.0.1", "::1"}) ||
		!reflect.DeepEqual(c.Save, []SaveParam{{60, 1}, {120, 5}}) {
		t.Fatalf("got port %d hz %d maxclients %d appendonly %v bind %v save %v", c.Port, c.Hz, c.Maxclients, c.Appendonly, c.Bind, c.Save)
	}

	// A bare --save, last or before another option, means save "".
	for _, args := range [][]string{{"--save"}, {"--save", "--port", "1"}} {
		c, err := ParseArgs(args)
		if err != nil || len(c.Save) != 0 {
			t.Errorf("%v: save %v, err %v", args, c.Save, err)
		}
	}
	for args, want := range map[string]string{
		"--appendonly":              "config: command line, line 1: 'appendonly': wrong number of arguments",
		"--port abc":                `config: command line, line 1: 'port "abc"': argument couldn't be parsed into an integer`,
		"--port 1 --foo x":          `config: command line, line 2: 'foo "x"': Bad directive or wrong number of arguments`,
		"--tls-port 6380":           `config: 'tls-port 6380': TLS is not supported by slotd`,
		"--databases 8":             `config: 'databases 8': slotd has exactly 16 databases`,
		"--unixsocket /tmp/s":       `config: 'unixsocket /tmp/s': unix sockets are not supported by slotd`,
		"--replicaof h 6379":        `config: 'replicaof h 6379': replication is not supported by slotd yet`,
		"--min-replicas-to-write 1": `config: 'min-replicas-to-write 1': replication is not supported by slotd yet`,
		"--syslog-enabled yes":      `config: 'syslog-enabled yes': syslog is not supported by slotd`,
		"--supervised systemd":      `config: 'supervised systemd': supervision is not supported by slotd`,
		"--maxmemory-clients 10%":   `config: 'maxmemory-clients 10%': client eviction is not supported by slotd`,
		"--aclfile /x":              `config: 'aclfile /x': ACL files are not supported by slotd`,
		"--loadmodule /x.so":        `config: command line, line 1: 'loadmodule "/x.so"': loadmodule is not supported by slotd`,
	} {
		_, err := ParseArgs(strings.Fields(args))
		if err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %s", args, err, want)
		}
	}
}

func TestEveryOptionReadsBackItsDefault(t *testing.T) {
	c := DefaultConfig()
	for _, o := range optionTable.list {
		if o.name == "dir" || o.name == "save" {
			continue
		}
		args := []string{o.get(c)}
		switch {
		case o.name == "replicaof":
			args = []string{"no", "one"}
		case o.flags&optMultiArg != 0:
			args = strings.Fields(o.get(c))
			if len(args) == 0 {
				args = []string{""}
			}
		}
		n := c.clone()
		if err := o.set(n, args); err != nil {
			t.Errorf("%s: setting its own value %q: %v", o.name, o.get(c), err)
			continue
		}
		if o.get(n) != o.get(c) {
			t.Errorf("%s: %q read back as %q", o.name, o.get(c), o.get(n))
		}
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

func TestConfigRewriteKeepsTheFileAndRoundTrips(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "slotd.conf")
	inc := filepath.Join(dir, "inc.conf")
	writeFile(t, inc, "hz 20\n")
	writeFile(t, file, `# top comment
port 7000
save 60 1
save 120 5


# blank above
slave-read-only no
hash-max-ziplist-entries 100
maxmemory 100mb
include `+inc+`
timeout 10
timeout 20
lua-replicate-commands yes
logfile ""
`)
	c, err := ParseArgs([]string{file, "--maxclients", "500"})
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range map[string][]string{
		"appendfsync":                {"always"},
		"client-output-buffer-limit": {"pubsub", "1mb", "1kb", "30"},
		"requirepass":                {"a b"},
		"notify-keyspace-events":     {"Kx"},
	} {
		if err := optionTable.byName[name].o.set(c, value); err != nil {
			t.Fatal(err)
		}
	}
	if err := rewriteConfigFile(file, c); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	// What redis-server 7.0.15 writes for the same file and changes, but for
	// its ACL "user" line and the order of the appended lines.
	want := `# top comment
port 7000
save 60 1
save 120 5

# blank above
replica-read-only no
hash-max-listpack-entries 100
maxmemory 100mb
include ` + inc + `
timeout 20

# ??? lua-replicate-commands yes
logfile ""

# Generated by CONFIG REWRITE
maxclients 500
dir ` + repr(wd) + `
requirepass "a b"
client-output-buffer-limit pubsub 1mb 1kb 30
hz 20
latency-tracking-info-percentiles 50 99 99.9
notify-keyspace-events "xK"
appendfsync always
`
	if got := readFile(t, file); got != want {
		t.Fatalf("rewritten file:\n%s\nwant:\n%s", got, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("rewrite left files behind: %v", entries)
	}

	// The rewritten file gives back the same configuration, and rewriting
	// it again changes nothing but the folding of the last blank line.
	back, err := ParseArgs([]string{file})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range optionTable.list {
		if o.get(back) != o.get(c) {
			t.Errorf("%s: %q after the round trip, want %q", o.name, o.get(back), o.get(c))
		}
	}
	// A second rewrite keeps it too, though, like Redis, it puts the normal
	// class of client-output-buffer-limit on the pubsub line and appends
	// pubsub's anew.
	if err := rewriteConfigFile(file, back); err != nil {
		t.Fatal(err)
	}
	again, err := ParseArgs([]string{file})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range optionTable.list {
		if o.get(again) != o.get(c) {
			t.Errorf("%s: %q after the second rewrite, want %q", o.name, o.get(again), o.get(c))
		}
	}
}

func TestConfigSetIsAtomicAndRewriteNeedsAFile(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect("-ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer",
		"CONFIG", "SET", "maxclients", "500", "hz", "abc")
	c.expect(`*["maxclients" "10000"]`, "CONFIG", "GET", "maxclients")
	c.expect("+OK", "CONFIG", "SET", "maxclients", "500", "maxmemory", "1mb")
	c.expect(`*["maxclients" "500" "maxmemory" "1048576"]`, "CONFIG", "GET", "maxclients", "maxmemory")
	c.expect("-ERR CONFIG SET failed (possibly related to argument 'tls-port') - TLS is not supported by slotd",
		"CONFIG", "SET", "tls-port", "6380")
	c.expect("-ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config",
		"CONFIG", "SET", "port", "1")
	c.expect("-ERR The server is running without a config file", "CONFIG", "REWRITE")

	file := filepath.Join(t.TempDir(), "slotd.conf")
	writeFile(t, file, "# mine\nmaxclients 10\n")
	s.SetConfigFile(file)
	c.expect("+OK", "CONFIG", "REWRITE")
	if got := readFile(t, file); !strings.HasPrefix(got, "# mine\nmaxclients 500\n") || !strings.Contains(got, "\nmaxmemory 1mb\n") {
		t.Fatalf("rewritten file:\n%s", got)
	}
}

func TestConfigResetstatZeroesCounters(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect("+OK", "SET", "k", "v")
	c.expect(`"v"`, "GET", "k")
	c.expect("(nil)", "GET", "missing")
	c.expect("+OK", "CONFIG", "RESETSTAT")
	info := c.do("INFO", "stats", "commandstats")
	for _, want := range []string{"total_commands_processed:1\\r\\n", "keyspace_hits:0\\r\\n", "keyspace_misses:0\\r\\n",
		"cmdstat_config|resetstat:calls=1,"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO after RESETSTAT lacks %s:\n%s", want, info)
		}
	}
	if strings.Contains(info, "cmdstat_get") {
		t.Errorf("cmdstat_get survived RESETSTAT:\n%s", info)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

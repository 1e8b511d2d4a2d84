package node

import (
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clientField extracts one field of a CLIENT INFO line.
func clientField(t *testing.T, info, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?:^|[ "])` + regexp.QuoteMeta(name) + `=(\S*)`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("no %s= in %s", name, info)
	}
	return m[1]
}

// expectClosed fails unless the server has closed the connection.
func (tc *testConn) expectClosed() {
	tc.t.Helper()
	_ = tc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	v, err := tc.rd.Read()
	if err == nil {
		tc.t.Fatalf("connection still open, got %s", v.String())
	}
	if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "reset") {
		tc.t.Fatalf("want the connection closed, got %v", err)
	}
}

func TestClientKillByIDAndAddressClosesTheOtherConnection(t *testing.T) {
	s, _ := startServer(t, nil)
	killer, byID, byAddr := dial(t, s), dial(t, s), dial(t, s)

	id := byID.do("CLIENT", "ID")
	killer.expect(":1", "CLIENT", "KILL", "ID", strings.TrimPrefix(id, ":"))
	byID.expectClosed()

	addr := clientField(t, byAddr.do("CLIENT", "INFO"), "addr")
	killer.expect("+OK", "CLIENT", "KILL", addr)
	byAddr.expectClosed()
	killer.expect("-ERR No such client", "CLIENT", "KILL", addr)
	killer.expect(":0", "CLIENT", "KILL", "ADDR", addr)
	killer.expect("+PONG", "PING")
}

func TestClientKillSkipsTheCallerUnlessSkipmeNo(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	id := strings.TrimPrefix(c.do("CLIENT", "ID"), ":")
	c.expect(":0", "CLIENT", "KILL", "ID", id)
	// Killing itself, the caller still gets its reply, then is closed.
	c.expect(":1", "CLIENT", "KILL", "ID", id, "SKIPME", "no")
	c.expectClosed()
}

func TestClientKillByTypeKillsOnlySubscribers(t *testing.T) {
	s, _ := startServer(t, nil)
	c, sub, other := dial(t, s), dial(t, s), dial(t, s)
	sub.expect(`*["subscribe" "ch" :1]`, "SUBSCRIBE", "ch")
	c.expect(":1", "CLIENT", "KILL", "TYPE", "pubsub")
	sub.expectClosed()
	other.expect("+PONG", "PING")
	c.expect("-ERR Unknown client type 'foo'", "CLIENT", "KILL", "TYPE", "foo")
	c.expect("-ERR No such user 'bob'", "CLIENT", "KILL", "USER", "bob")
	c.expect("-ERR client-id should be greater than 0", "CLIENT", "KILL", "ID", "0")
}

func TestClientPauseWriteHoldsWritesButNotReadsUntilUnpause(t *testing.T) {
	s, _ := startServer(t, nil)
	admin, writer, reader := dial(t, s), dial(t, s), dial(t, s)
	admin.expect("+OK", "CLIENT", "PAUSE", "100000", "WRITE")
	writer.send("SET", "k", "v")
	waitFor(t, 5*time.Second, "the SET to be held by the pause", func() bool { return s.pause.blocked() == 1 })
	// Reads go on while the write waits.
	reader.expect("(nil)", "GET", "k")
	admin.expect("+OK", "CLIENT", "UNPAUSE")
	if got := writer.read().String(); got != "+OK" {
		t.Fatalf("SET after UNPAUSE replied %s, want +OK", got)
	}
	reader.expect(`"v"`, "GET", "k")
}

func TestClientPauseAllHoldsReadsAndEndsAtItsDeadline(t *testing.T) {
	s, _ := startServer(t, nil)
	admin, reader := dial(t, s), dial(t, s)
	start := time.Now()
	admin.expect("+OK", "CLIENT", "PAUSE", "50", "ALL")
	reader.expect("(nil)", "GET", "k")
	// The deadline has millisecond resolution, as Redis's mstime.
	if time.Since(start) < 49*time.Millisecond {
		t.Fatalf("GET ran %v after PAUSE 50 ALL, before the pause ended", time.Since(start))
	}
	if s.pause.blocked() != 0 {
		t.Fatalf("%d clients still held after the pause ended", s.pause.blocked())
	}
}

func TestExecWithWritesIsHeldByPauseWrite(t *testing.T) {
	s, _ := startServer(t, nil)
	admin, tx := dial(t, s), dial(t, s)
	tx.expect("+OK", "MULTI")
	tx.expect("+QUEUED", "SET", "k", "v")
	admin.expect("+OK", "CLIENT", "PAUSE", "100000", "WRITE")
	tx.send("EXEC")
	waitFor(t, 5*time.Second, "EXEC to be held by the pause", func() bool { return s.pause.blocked() == 1 })
	admin.expect("+OK", "CLIENT", "UNPAUSE")
	if got := tx.read().String(); got != "*[+OK]" {
		t.Fatalf("EXEC replied %s", got)
	}
}

func TestClientReplyOffAndSkipDropReplies(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.send("CLIENT", "REPLY", "OFF")
	c.send("SET", "a", "1")
	c.send("GET", "nokey-error-too", "extra")
	c.expect("+OK", "CLIENT", "REPLY", "ON")
	c.expect(`"1"`, "GET", "a")

	// SKIP drops the reply of the next command only.
	c.send("CLIENT", "REPLY", "SKIP")
	c.send("INCR", "a")
	c.expect(`"2"`, "GET", "a")
	c.expect("-ERR syntax error", "CLIENT", "REPLY", "maybe")
}

func TestClientSetnameShowsInListAndInfo(t *testing.T) {
	s, _ := startServer(t, nil)
	c, other := dial(t, s), dial(t, s)
	c.expect("(nil)", "CLIENT", "GETNAME")
	c.expect("-ERR Client names cannot contain spaces, newlines or special characters.", "CLIENT", "SETNAME", "a b")
	c.expect("+OK", "CLIENT", "SETNAME", "worker-1")
	c.expect(`"worker-1"`, "CLIENT", "GETNAME")
	if got := clientField(t, c.do("CLIENT", "INFO"), "name"); got != "worker-1" {
		t.Fatalf("CLIENT INFO name=%s", got)
	}
	list := other.do("CLIENT", "LIST")
	if !strings.Contains(list, " name=worker-1 ") || strings.Count(list, `\n`) != 2 {
		t.Fatalf("CLIENT LIST = %s, want two lines, one named worker-1", list)
	}
	c.expect("+OK", "CLIENT", "SETNAME", "")
	c.expect("(nil)", "CLIENT", "GETNAME")
}

func TestClientInfoFieldsAndFlags(t *testing.T) {
	s, _ := startServer(t, nil)
	c, sub, mon := dial(t, s), dial(t, s), dial(t, s)
	info := c.do("CLIENT", "INFO")
	want := []string{"id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub",
		"multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem",
		"events", "cmd", "user", "redir", "resp"}
	line := strings.TrimSuffix(strings.Trim(info, `"`), `\n`)
	fields := strings.Split(line, " ")
	if len(fields) != len(want) {
		t.Fatalf("CLIENT INFO has %d fields, want %d: %s", len(fields), len(want), line)
	}
	for i, f := range fields {
		if name, _, _ := strings.Cut(f, "="); name != want[i] {
			t.Fatalf("field %d is %s, want %s", i, name, want[i])
		}
	}
	if clientField(t, info, "cmd") != "client|info" || clientField(t, info, "flags") != "N" {
		t.Fatalf("CLIENT INFO = %s", info)
	}

	c.expect("+OK", "MULTI")
	c.expect("+QUEUED", "SET", "a", "1")
	if got := c.do("CLIENT", "INFO"); got != "+QUEUED" {
		t.Fatalf("CLIENT INFO in MULTI replied %s", got)
	}
	if exec := c.do("EXEC"); !strings.Contains(exec, " cmd=exec ") {
		t.Fatalf("CLIENT INFO inside EXEC = %s, want cmd=exec", exec)
	}

	sub.expect(`*["psubscribe" "p*" :1]`, "PSUBSCRIBE", "p*")
	mon.expect("+OK", "MONITOR")
	list := c.do("CLIENT", "LIST", "TYPE", "pubsub")
	if !strings.Contains(list, " flags=P ") || !strings.Contains(list, " psub=1 ") || strings.Count(list, `\n`) != 1 {
		t.Fatalf("CLIENT LIST TYPE pubsub = %s", list)
	}
	monID := dialID(t, s, mon)
	if got := c.do("CLIENT", "LIST", "ID", monID); !strings.Contains(got, " flags=O ") {
		t.Fatalf("CLIENT LIST ID %s = %s, want flags=O", monID, got)
	}
	c.expect(`""`, "CLIENT", "LIST", "ID", "99999")
	c.expect("-ERR Invalid client ID", "CLIENT", "LIST", "ID", "x")
}

// dialID returns a connection's client id from the server side, since a
// monitor cannot be asked.
func dialID(t *testing.T, s *Server, tc *testConn) string {
	t.Helper()
	local := tc.c.LocalAddr().String()
	for _, c := range s.liveClients() {
		if c.addr == local {
			return strconv.FormatInt(c.id, 10)
		}
	}
	t.Fatalf("no client at %s", local)
	return ""
}

func TestClientSetinfoKeepsLibraryInfo(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect("+OK", "CLIENT", "SETINFO", "LIB-NAME", "go-redis(,go1.22)")
	c.expect("+OK", "CLIENT", "SETINFO", "lib-ver", "9.5.1")
	c.expect("-ERR Unrecognized option 'foo'", "CLIENT", "SETINFO", "foo", "x")
	c.expect("-ERR lib-name cannot contain spaces, newlines or special characters.", "CLIENT", "SETINFO", "lib-name", "a b")
	c.expect("-ERR wrong number of arguments for 'client|setinfo' command", "CLIENT", "SETINFO", "lib-name", "a", "b")
	var name, ver string
	for _, cl := range s.liveClients() {
		name, ver = loadString(&cl.libName), loadString(&cl.libVer)
	}
	if name != "go-redis(,go1.22)" || ver != "9.5.1" {
		t.Fatalf("lib-name=%q lib-ver=%q", name, ver)
	}
}

func TestMonitorReceivesOtherClientsCommands(t *testing.T) {
	s, _ := startServer(t, nil)
	mon, c := dial(t, s), dial(t, s)
	mon.expect("+OK", "MONITOR")
	c.expect("+OK", "SET", "k", "v\n1")
	c.expect("+OK", "SELECT", "2")
	c.do("AUTH", "secret")
	c.do("CLIENT", "LIST") // admin commands are not shown
	c.expect("+PONG", "PING")
	addr := c.c.LocalAddr().String()
	for _, want := range []string{
		`[0 ` + addr + `] "SET" "k" "v\n1"`,
		`[2 ` + addr + `] "SELECT" "2"`,
		`[2 ` + addr + `] "AUTH" "(redacted)"`,
		`[2 ` + addr + `] "PING"`,
	} {
		got := mon.read().String()
		if !regexp.MustCompile(`^\+\d+\.\d{6} `).MatchString(got) || !strings.HasSuffix(got, want) {
			t.Fatalf("monitor line %q, want +<time> %s", got, want)
		}
	}
	// A second MONITOR is ignored without a reply.
	mon.send("MONITOR")
	mon.send("PING")
	if got := mon.read().String(); got != "+PONG" {
		t.Fatalf("after a second MONITOR got %s, want +PONG", got)
	}
	// The monitor's own command is shown after its reply.
	if got := mon.read().String(); !strings.HasSuffix(got, `"PING"`) {
		t.Fatalf("monitor line of its own PING: %s", got)
	}
}

func TestClientHelpAndUnknownSubcommand(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	if got := c.do("CLIENT", "HELP"); !strings.HasPrefix(got, "*[+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are: +CACHING (YES|NO)") {
		t.Fatalf("CLIENT HELP = %s", got)
	}
	c.expect("-ERR unknown subcommand 'FOO'. Try CLIENT HELP.", "CLIENT", "FOO")
	c.expect("-ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP.", "CLIENT", "pause", "1", "WRITE", "x")
	c.expect("-ERR CLIENT PAUSE mode must be WRITE or ALL", "CLIENT", "PAUSE", "x", "foo")
	c.expect("-ERR timeout is negative", "CLIENT", "PAUSE", "-1")
	c.expect(":0", "CLIENT", "UNBLOCK", "5")
	c.expect(":-1", "CLIENT", "GETREDIR")
}

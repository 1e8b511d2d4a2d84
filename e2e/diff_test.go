package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slotd/slotd/internal/resp"
)

// stepKind is what one script line does.
type stepKind uint8

const (
	stepCommand stepKind = iota
	stepSleep
	stepConn
	stepRead
	stepNoReply
)

// compareMode is how two replies are compared.
type compareMode byte

const (
	compareExact     compareMode = 0
	compareUnordered compareMode = '~'
	compareShape     compareMode = '?'
)

// step is one parsed script line.
type step struct {
	line int
	text string // the line as written, for failure messages
	kind stepKind
	mode compareMode
	args [][]byte
	n    int // milliseconds for !sleep, connection number for !conn
}

// parseScript reads a differential script (format in doc.go).
func parseScript(path string) ([]step, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var steps []step
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	name := filepath.Base(path)
	for ln := 1; sc.Scan(); ln++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		st := step{line: ln, text: text}
		body := text
		if body[0] == '~' || body[0] == '?' {
			st.mode = compareMode(body[0])
			body = strings.TrimSpace(body[1:])
		}
		args, err := splitLine(body)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, ln, err)
		}
		if len(args) == 0 {
			return nil, fmt.Errorf("%s:%d: no command", name, ln)
		}
		if body[0] != '!' {
			st.kind, st.args = stepCommand, args
			steps = append(steps, st)
			continue
		}
		intArg := func() (int, error) {
			if len(args) != 2 {
				return 0, fmt.Errorf("%s:%d: %s takes one number", name, ln, args[0])
			}
			return strconv.Atoi(string(args[1]))
		}
		switch string(args[0]) {
		case "!sleep":
			st.kind = stepSleep
			st.n, err = intArg()
		case "!conn":
			st.kind = stepConn
			st.n, err = intArg()
		case "!read":
			st.kind = stepRead
			if len(args) != 1 {
				err = fmt.Errorf("%s:%d: !read takes no argument", name, ln)
			}
		case "!noreply":
			st.kind, st.args = stepNoReply, args[1:]
			if len(st.args) == 0 {
				err = fmt.Errorf("%s:%d: !noreply needs a command", name, ln)
			}
		default:
			err = fmt.Errorf("%s:%d: unknown directive %s", name, ln, args[0])
		}
		if err != nil {
			return nil, err
		}
		steps = append(steps, st)
	}
	return steps, sc.Err()
}

// TestDiff runs every script of testdata/diff against redis-server and
// slotd, in RESP2 and then RESP3, and requires byte-identical replies.
func TestDiff(t *testing.T) {
	requireRedis(t)
	files, err := filepath.Glob("testdata/diff/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in testdata/diff (%v)", err)
	}
	sort.Strings(files)
	total := 0
	for _, path := range files {
		file := filepath.Base(path)
		steps, perr := parseScript(path)
		t.Run(strings.TrimSuffix(file, ".txt"), func(t *testing.T) {
			if perr != nil {
				t.Fatal(perr)
			}
			for _, proto := range []int{2, 3} {
				t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
					n := runScript(t, file, steps, proto)
					total += n
					t.Logf("%s in RESP%d: %d replies compared", file, proto, n)
				})
			}
		})
	}
	t.Logf("differential tests: %d replies compared over %d scripts", total, len(files))
}

// scriptServerArgs returns the extra server options of a script: a script
// named cluster*.txt runs against lone cluster-enabled nodes, each with its
// own free bus port (port+10000 may not be free, or even exist).
func scriptServerArgs(t *testing.T, file string) []string {
	if !strings.HasPrefix(file, "cluster") {
		return nil
	}
	bus, err := freePort()
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	return []string{"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(bus)}
}

// session runs one script against a fresh pair of servers.
type session struct {
	t        *testing.T
	file     string
	proto    int
	sides    [2]*side // redis, slotd
	cur      int
	compared int
}

// side is one server and the script's connections to it.
type side struct {
	srv   *server
	conns map[int]*rawConn
}

// outcome is a reply, or what happened to the connection instead.
type outcome struct {
	v    resp.Value
	fail string // "" when v holds a reply
}

func (o outcome) String() string {
	if o.fail != "" {
		return o.fail
	}
	raw := string(o.v.Raw)
	if len(raw) > 512 {
		raw = raw[:512] + fmt.Sprintf("...(%d bytes)", len(o.v.Raw))
	}
	return o.v.String() + "  " + strconv.Quote(raw)
}

func runScript(t *testing.T, file string, steps []step, proto int) int {
	// Fresh servers for every run: CONFIG SET, DEBUG or client state left by
	// one script cannot leak into another, and both servers hand out the
	// same client ids.
	s := &session{t: t, file: file, proto: proto}
	extra := scriptServerArgs(t, file)
	s.sides[0] = &side{srv: startRedis(t, extra...), conns: map[int]*rawConn{}}
	s.sides[1] = &side{srv: startSlotd(t, scriptServerArgs(t, file)...), conns: map[int]*rawConn{}}
	for _, sd := range s.sides {
		if v, err := sd.srv.ctl.do("FLUSHALL"); err != nil || string(v.Raw) != "+OK\r\n" {
			t.Errorf("FLUSHALL on %s: %q %v", sd.srv.name, v.Raw, err)
		}
	}
	t.Cleanup(func() {
		for _, sd := range s.sides {
			for _, c := range sd.conns {
				c.close()
			}
		}
	})
	for _, st := range steps {
		switch st.kind {
		case stepSleep:
			time.Sleep(time.Duration(st.n) * time.Millisecond)
		case stepConn:
			s.cur = st.n
		case stepCommand:
			s.ensureConns(st)
			var got [2]outcome
			for i, sd := range s.sides {
				got[i].fail = sd.send(s.cur, st.args)
			}
			for i, sd := range s.sides {
				if got[i].fail == "" {
					got[i] = sd.read(s.cur)
				}
				if strings.EqualFold(string(st.args[0]), "quit") {
					// The server closes the connection after QUIT's reply.
					sd.drop(s.cur, io.EOF)
				}
			}
			s.check(st, st.mode, got)
		case stepNoReply:
			s.ensureConns(st)
			for _, sd := range s.sides {
				if sd.send(s.cur, st.args) == "" && strings.EqualFold(string(st.args[0]), "quit") {
					sd.drop(s.cur, io.EOF)
				}
			}
		case stepRead:
			var got [2]outcome
			for i, sd := range s.sides {
				got[i] = sd.read(s.cur)
			}
			s.check(st, st.mode, got)
		}
	}
	return s.compared
}

// ensureConns opens the current connection of each server where it is not
// open, switching it to RESP3 for a RESP3 run. HELLO's replies differ in the
// client id, so they are compared by shape.
func (s *session) ensureConns(st step) {
	var hello [2]outcome
	opened := 0
	for i, sd := range s.sides {
		if sd.conns[s.cur] != nil {
			continue
		}
		c, err := dialRaw(sd.srv.addr)
		if err != nil {
			s.t.Fatalf("%s:%d: connect to %s: %v", s.file, st.line, sd.srv.name, err)
		}
		sd.conns[s.cur] = c
		opened++
		if s.proto == 3 {
			if hello[i].fail = sd.send(s.cur, [][]byte{[]byte("HELLO"), []byte("3")}); hello[i].fail == "" {
				hello[i] = sd.read(s.cur)
			}
		}
	}
	if s.proto == 3 && opened == 2 {
		s.check(step{line: st.line, text: fmt.Sprintf("HELLO 3 (opening connection %d)", s.cur)}, compareShape, hello)
	}
}

func (sd *side) send(n int, args [][]byte) string {
	c := sd.conns[n]
	if c == nil {
		return "<connection closed>"
	}
	if err := c.send(args); err != nil {
		return sd.drop(n, err)
	}
	return ""
}

func (sd *side) read(n int) outcome {
	c := sd.conns[n]
	if c == nil {
		return outcome{fail: "<connection closed>"}
	}
	v, err := c.read()
	if err != nil {
		return outcome{fail: sd.drop(n, err)}
	}
	return outcome{v: v}
}

// drop closes a connection after an I/O error, so that the next command
// reopens it, and describes the error the same way for both servers.
func (sd *side) drop(n int, err error) string {
	sd.conns[n].close()
	delete(sd.conns, n)
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "<connection closed>"
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("<no reply within %v>", replyTimeout)
	}
	return "<" + err.Error() + ">"
}

// check compares the replies of one step and reports a mismatch.
func (s *session) check(st step, mode compareMode, got [2]outcome) {
	s.compared++
	if sameOutcome(mode, got[0], got[1]) {
		return
	}
	msg := fmt.Sprintf("%s:%d: %s\n  redis: %s\n  slotd: %s", s.file, st.line, st.text, got[0], got[1])
	// A server that sent more replies than the other would shift every
	// later comparison; take the surplus now and show it instead.
	for _, sd := range s.sides {
		for _, extra := range sd.drain(s.cur) {
			msg += fmt.Sprintf("\n  %s then sent: %s", sd.srv.name, extra)
		}
	}
	s.t.Error(msg)
}

// drainWait is how long a mismatch waits for surplus replies.
const drainWait = 20 * time.Millisecond

// drain reads the replies already pending on connection n.
func (sd *side) drain(n int) []outcome {
	c := sd.conns[n]
	if c == nil {
		return nil
	}
	var out []outcome
	for {
		_ = c.c.SetReadDeadline(time.Now().Add(drainWait))
		v, err := c.rd.Read()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return out
		}
		if err != nil {
			return append(out, outcome{fail: sd.drop(n, err)})
		}
		out = append(out, outcome{v: v})
	}
}

func sameOutcome(mode compareMode, a, b outcome) bool {
	if a.fail != "" || b.fail != "" {
		return a.fail == b.fail
	}
	switch mode {
	case compareUnordered:
		return sameUnordered(a.v, b.v)
	case compareShape:
		return sameShape(a.v, b.v)
	}
	return bytes.Equal(a.v.Raw, b.v.Raw)
}

func isAggregate(t byte) bool {
	switch t {
	case '*', '%', '~', '>', '|':
		return true
	}
	return false
}

// sameUnordered compares aggregates as multisets of their top-level
// elements; a map's entries are compared as key-value pairs.
func sameUnordered(a, b resp.Value) bool {
	if !isAggregate(a.Type) || a.Null || b.Null {
		return bytes.Equal(a.Raw, b.Raw)
	}
	if a.Type != b.Type || len(a.Elems) != len(b.Elems) {
		return false
	}
	width := 1
	if a.Type == '%' {
		width = 2
	}
	ea, eb := entries(a, width), entries(b, width)
	for i := range ea {
		if ea[i] != eb[i] {
			return false
		}
	}
	return true
}

func entries(v resp.Value, width int) []string {
	var out []string
	for i := 0; i+width <= len(v.Elems); i += width {
		var sb strings.Builder
		for _, e := range v.Elems[i : i+width] {
			sb.Write(e.Raw)
		}
		out = append(out, sb.String())
	}
	sort.Strings(out)
	return out
}

// sameShape compares RESP types and nesting only: scalar contents and
// aggregate lengths may differ; elements are compared pairwise as far as
// both aggregates go.
func sameShape(a, b resp.Value) bool {
	if a.Type != b.Type || a.Null != b.Null {
		return false
	}
	for i := 0; i < len(a.Elems) && i < len(b.Elems); i++ {
		if !sameShape(a.Elems[i], b.Elems[i]) {
			return false
		}
	}
	return true
}

package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slotd/slotd/internal/resp"
)

// slotdBin is the slotd binary TestMain builds for the whole package.
var slotdBin string

// startTimeout bounds how long a server may take to answer its first PING.
const startTimeout = 20 * time.Second

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "slotd-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: temp dir: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	slotdBin = filepath.Join(dir, "slotd")
	args := []string{"build", "-o", slotdBin}
	if raceEnabled && os.Getenv("SLOTD_E2E_RACE") != "0" {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/slotd")
	gobin, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: the go tool is needed to build slotd: %v\n", err)
		return 1
	}
	build := exec.Command(gobin, args...)
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go %s: %v\n%s", strings.Join(args, " "), err, out)
		return 1
	}
	return m.Run()
}

// requireRedis skips t when no redis-server is installed: Redis is the
// oracle of the differential tests.
func requireRedis(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed (apt-get install redis-server); it is the oracle of this test")
	}
	return p
}

// server is one server process under test.
type server struct {
	name   string // "slotd" or "redis"
	addr   string
	cmd    *exec.Cmd
	log    string        // file holding the process's stdout and stderr
	exited chan struct{} // closed when the process has exited
	// ctl is the connection that found the server ready. It is kept open
	// so that both servers see the same sequence of connections (and hand
	// out the same client ids) whatever the readiness polling did.
	ctl *rawConn
}

// startSlotd starts the slotd binary on a free loopback port with DEBUG
// enabled, plus extra "--option value" arguments.
func startSlotd(t *testing.T, extra ...string) *server {
	t.Helper()
	return startServer(t, "slotd", slotdBin, func(port int) []string {
		args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--enable-debug-command", "yes"}
		return append(args, extra...)
	})
}

// startRedis starts redis-server like startSlotd, without persistence.
func startRedis(t *testing.T, extra ...string) *server {
	t.Helper()
	bin := requireRedis(t)
	return startServer(t, "redis", bin, func(port int) []string {
		args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--enable-debug-command", "yes"}
		return append(args, extra...)
	})
}

func startServer(t *testing.T, name, bin string, argsFor func(port int) []string) *server {
	t.Helper()
	var lastErr error
	// A port found free can be taken before the server binds it; then the
	// process exits at once and another port is tried.
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		s, err := launch(t, name, bin, port, argsFor(port))
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("%s did not start: %v", name, lastErr)
	return nil
}

func launch(t *testing.T, name, bin string, port int, args []string) (*server, error) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s := &server{name: name, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	if err := s.waitReady(); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w\n%s", err, s.logTail(20))
	}
	t.Cleanup(func() { s.finish(t) })
	return s, nil
}

// waitReady polls until the server answers PING (any reply: with
// requirepass it is NOAUTH) on a fresh connection.
func (s *server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited during start-up", s.name)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer PING within %v", s.name, startTimeout)
		}
		c, err := dialRaw(s.addr)
		if err != nil {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if _, err := c.do("PING"); err != nil {
			c.close()
			return fmt.Errorf("%s accepted a connection but did not answer PING: %w", s.name, err)
		}
		s.ctl = c
		return nil
	}
}

// stop ends the process: SIGTERM, then SIGKILL if it lingers.
func (s *server) stop() {
	if s.ctl != nil {
		s.ctl.close()
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// finish stops the server and reports what its log says went wrong: a data
// race detected by a -race build, or, when the test failed, its last lines.
func (s *server) finish(t *testing.T) {
	s.stop()
	data, _ := os.ReadFile(s.log)
	if i := bytes.Index(data, []byte("WARNING: DATA RACE")); i >= 0 {
		report := data[i:]
		if len(report) > 6000 {
			report = append(report[:6000:6000], "\n..."...)
		}
		t.Errorf("%s reported a data race:\n%s", s.name, report)
		return
	}
	if t.Failed() && s.name == "slotd" {
		t.Logf("last lines of the slotd log:\n%s", s.logTail(30))
	}
}

func (s *server) logTail(n int) string {
	data, _ := os.ReadFile(s.log)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// alive reports whether the process is still running.
func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// rssKB reads VmRSS of the server process from /proc.
func (s *server) rssKB() (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// rawConn is a client connection that keeps the raw bytes of each reply.
type rawConn struct {
	c  net.Conn
	w  *bufio.Writer
	rd *resp.Reader
}

func dialRaw(addr string) (*rawConn, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	return &rawConn{c: c, w: bufio.NewWriter(c), rd: resp.NewReader(c)}, nil
}

func (c *rawConn) close() { _ = c.c.Close() }

// send writes one request as a RESP multibulk.
func (c *rawConn) send(args [][]byte) error {
	_ = c.c.SetWriteDeadline(time.Now().Add(replyTimeout))
	if _, err := c.w.Write(resp.AppendCommand(nil, args...)); err != nil {
		return err
	}
	return c.w.Flush()
}

// read returns the next reply, waiting at most replyTimeout.
func (c *rawConn) read() (resp.Value, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(replyTimeout))
	return c.rd.Read()
}

// do sends a command given as strings and reads its reply.
func (c *rawConn) do(args ...string) (resp.Value, error) {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	if err := c.send(b); err != nil {
		return resp.Value{}, err
	}
	return c.read()
}

// replyTimeout bounds the wait for one reply.
const replyTimeout = 5 * time.Second

// splitLine splits a script line into arguments the way redis-cli does
// (sdssplitargs). An unquoted word that starts with '#' ends the line.
func splitLine(line string) ([][]byte, error) {
	var args [][]byte
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) || line[i] == '#' {
			return args, nil
		}
		cur := []byte{}
		for i < len(line) && !isSpace(line[i]) {
			switch line[i] {
			case '"':
				j, err := unquoteDouble(line, i+1, &cur)
				if err != nil {
					return nil, err
				}
				i = j
			case '\'':
				j, err := unquoteSingle(line, i+1, &cur)
				if err != nil {
					return nil, err
				}
				i = j
			default:
				cur = append(cur, line[i])
				i++
			}
		}
		args = append(args, cur)
	}
}

// unquoteDouble reads a double-quoted word from i, just after the quote, and
// returns the index after the closing quote.
func unquoteDouble(line string, i int, cur *[]byte) (int, error) {
	for i < len(line) {
		c := line[i]
		switch {
		case c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
			v, _ := strconv.ParseUint(line[i+2:i+4], 16, 8)
			*cur = append(*cur, byte(v))
			i += 4
		case c == '\\' && i+1 < len(line):
			e := line[i+1]
			switch e {
			case 'n':
				e = '\n'
			case 'r':
				e = '\r'
			case 't':
				e = '\t'
			case 'b':
				e = '\b'
			case 'a':
				e = '\a'
			}
			*cur = append(*cur, e)
			i += 2
		case c == '"':
			if i+1 < len(line) && !isSpace(line[i+1]) {
				return 0, errors.New("closing quote must be followed by a space")
			}
			return i + 1, nil
		default:
			*cur = append(*cur, c)
			i++
		}
	}
	return 0, errors.New("unbalanced quotes")
}

// unquoteSingle reads a single-quoted word, where only \' is an escape.
func unquoteSingle(line string, i int, cur *[]byte) (int, error) {
	for i < len(line) {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
			*cur = append(*cur, '\'')
			i += 2
		case c == '\'':
			if i+1 < len(line) && !isSpace(line[i+1]) {
				return 0, errors.New("closing quote must be followed by a space")
			}
			return i + 1, nil
		default:
			*cur = append(*cur, c)
			i++
		}
	}
	return 0, errors.New("unbalanced quotes")
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

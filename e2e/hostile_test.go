package e2e

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hostileSeed fixes the random part of the hostile inputs.
const hostileSeed = 0x5107d

// hostileCount is how many malformed inputs each server receives.
const hostileCount = 1000

// hostileInput is one malformed request stream, sent on its own connection
// and followed by a half-close.
type hostileInput struct {
	what string
	data []byte
	// want, when set, is the exact reply expected from both servers.
	want string
}

// TestHostileInputMatchesRedis floods slotd and redis-server with malformed
// requests (truncated commands, absurd declared lengths, non-digits, long
// lines, random bytes), before and after authentication is required. Every
// input must get Redis's exact reply bytes, the node must keep answering PING
// and its RSS must stay near where it started.
func TestHostileInputMatchesRedis(t *testing.T) {
	requireRedis(t)
	t.Logf("hostile input seed %#x", hostileSeed)
	for _, mode := range []struct{ name, pass string }{
		{"no-password", ""},
		{"requirepass", "hostile-secret"},
	} {
		t.Run(mode.name, func(t *testing.T) {
			var extra []string
			if mode.pass != "" {
				extra = []string{"--requirepass", mode.pass}
			}
			sd := startSlotd(t, extra...)
			rd := startRedis(t, extra...)
			inputs := hostileInputs(hostileSeed, mode.pass != "")
			if len(inputs) != hostileCount {
				t.Fatalf("generated %d inputs, want %d", len(inputs), hostileCount)
			}
			mustPing(t, sd, mode.pass, "before the flood")
			base, err := sd.rssKB()
			if err != nil {
				t.Fatalf("read slotd RSS: %v", err)
			}
			const maxReported = 25
			mismatches := 0
			for i, in := range inputs {
				want, rerr := exchange(rd.addr, in.data)
				got, serr := exchange(sd.addr, in.data)
				switch {
				case rerr != nil:
					t.Errorf("input %d (%s): redis-server: %v", i, in.what, rerr)
				case in.want != "" && string(want) != in.want:
					t.Errorf("input %d (%s): redis-server replied %q, the test expects %q", i, in.what, want, in.want)
				}
				if serr != nil || !bytes.Equal(got, want) {
					mismatches++
					if mismatches <= maxReported {
						t.Errorf("input %d (%s) %s\n  redis: %q\n  slotd: %q %v", i, in.what, abbrev(in.data), want, got, errText(serr))
					}
				}
				if !sd.alive() {
					t.Fatalf("slotd exited after input %d (%s)\n%s", i, in.what, sd.logTail(30))
				}
				mustPing(t, sd, mode.pass, fmt.Sprintf("after input %d (%s)", i, in.what))
			}
			if mismatches > maxReported {
				t.Errorf("%d mismatches in all, %d not shown", mismatches, mismatches-maxReported)
			}
			after, err := sd.rssKB()
			if err != nil {
				t.Fatalf("read slotd RSS: %v", err)
			}
			t.Logf("slotd RSS %d kB before the flood, %d kB after", base, after)
			if after > base+64*1024 {
				t.Errorf("slotd RSS grew from %d kB to %d kB, more than 64 MB", base, after)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return "(" + err.Error() + ")"
}

// abbrev quotes an input for a failure message, cutting long ones.
func abbrev(b []byte) string {
	if len(b) > 120 {
		return strconv.Quote(string(b[:120])) + fmt.Sprintf("...(%d bytes)", len(b))
	}
	return strconv.Quote(string(b))
}

// exchange sends data on a new connection, half-closes it and returns every
// byte the server sent until it closed the connection. Reading starts before
// writing, so a reply sent while the server refuses the rest of a long input
// is not lost.
func exchange(addr string, data []byte) ([]byte, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(c)
		if err != nil && isReset(err) {
			// The server closed with our input still unread: a reset.
			err = nil
		}
		done <- result{b, err}
	}()
	// Write errors are expected when the server closes mid-input.
	_, _ = c.Write(data)
	_ = c.(*net.TCPConn).CloseWrite()
	r := <-done
	if r.err != nil {
		return r.b, fmt.Errorf("connection not closed by the server after the input: %w", r.err)
	}
	return r.b, nil
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset by peer")
}

// mustPing checks on a new connection that the server still serves.
func mustPing(t *testing.T, s *server, pass, when string) {
	t.Helper()
	c, err := dialRaw(s.addr)
	if err != nil {
		t.Fatalf("%s does not accept connections %s: %v", s.name, when, err)
	}
	defer c.close()
	if pass != "" {
		if v, err := c.do("AUTH", pass); err != nil || string(v.Raw) != "+OK\r\n" {
			t.Fatalf("%s: AUTH %s: %q %v", s.name, when, v.Raw, err)
		}
	}
	if v, err := c.do("PING"); err != nil || string(v.Raw) != "+PONG\r\n" {
		t.Fatalf("%s does not answer PING %s: %q %v", s.name, when, v.Raw, err)
	}
}

// hostileInputs returns exactly hostileCount inputs, the same for a given
// seed. auth says whether the servers require a password, which decides the
// replies the fixed cases expect.
func hostileInputs(seed uint64, auth bool) []hostileInput {
	var in []hostileInput
	add := func(what, data, want string) {
		in = append(in, hostileInput{what: what, data: []byte(data), want: want})
	}

	// Every proper prefix of valid requests, the last one a pipeline whose
	// prefixes hold complete commands followed by a partial one.
	for _, valid := range []string{
		"*1\r\n$4\r\nPING\r\n",
		"*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
		"PING\r\n",
		"ECHO \"a b\" 'c d'\r\n",
		"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING\r\n",
	} {
		for cut := 1; cut < len(valid); cut++ {
			add(fmt.Sprintf("truncated at %d", cut), valid[:cut], "")
		}
	}

	invalidBulk := "-ERR Protocol error: invalid bulk length\r\n"
	unauthMulti, unauthBulk := "", ""
	if auth {
		unauthMulti = "-ERR Protocol error: unauthenticated multibulk length\r\n"
		unauthBulk = "-ERR Protocol error: unauthenticated bulk length\r\n"
	}
	for _, c := range []struct{ what, data, want string }{
		{"multibulk 2^31", "*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"multibulk 2^63", "*9223372036854775808\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"multibulk 2^63-1", "*9223372036854775807\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"multibulk -5", "*-5\r\n", ""},
		{"multibulk -5 then PING", "*-5\r\n*1\r\n$4\r\nPING\r\n", ""},
		{"multibulk non-digits", "*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"multibulk empty", "*\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"multibulk leading zero", "*01\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"multibulk plus sign", "*+1\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"multibulk minus zero", "*-0\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"multibulk 10 before AUTH", "*10\r\n", ""},
		{"multibulk 11 before AUTH", "*11\r\n", unauthMulti},
		{"bulk header at top level", "$x\r\n", ""},
		{"bulk 2^31", "*1\r\n$2147483648\r\n", invalidBulk},
		{"bulk 2^63", "*1\r\n$9223372036854775808\r\n", invalidBulk},
		{"bulk -5", "*1\r\n$-5\r\n", invalidBulk},
		{"bulk -1", "*1\r\n$-1\r\n", invalidBulk},
		{"bulk non-digits", "*1\r\n$x\r\n", invalidBulk},
		{"bulk empty length", "*1\r\n$\r\n", invalidBulk},
		{"bulk 16385 before AUTH", "*1\r\n$16385\r\n", unauthBulk},
		{"bulk 16384 before AUTH", "*1\r\n$16384\r\n", ""},
		{"bulk over proto-max-bulk-len", "*1\r\n$536870913\r\n", invalidBulk},
		{"missing $", "*1\r\nx\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n"},
		{"CR where $ belongs", "*1\r\n\r\n", ""},
		{"bulk not followed by CRLF", "*1\r\n$4\r\nPINGxx", ""},
		{"bulk shorter than declared", "*2\r\n$4\r\nECHO\r\n$3\r\na\r\nb\r\n", ""},
		{"SET missing its value, then close", "*3\r\n$3\r\nSET\r\n$1\r\na\r\n", ""},
		{"blank lines and empty multibulks", "\r\n\n*0\r\n*-1\r\nPING\r\n", ""},
		{"unbalanced double quote", "ECHO \"abc\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
		{"unbalanced single quote", "ECHO 'abc\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
		{"text after closing quote", "ECHO \"a\"b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
		{"inline NUL", "ECHO a\x00b\r\n", ""},
		{"multibulk count with NUL", "*1\x00\r\n", ""},
		{"inline CR only", "PING\rPING\r", ""},
	} {
		add(c.what, c.data, c.want)
	}

	// 70 KB without a line end: past PROTO_INLINE_MAX_SIZE in each form.
	long := strings.Repeat("1", 70*1024)
	add("70 KB inline word", long, "-ERR Protocol error: too big inline request\r\n")
	add("70 KB inline ECHO", "ECHO "+long, "-ERR Protocol error: too big inline request\r\n")
	add("70 KB inline quoted", "ECHO \""+long, "-ERR Protocol error: too big inline request\r\n")
	add("70 KB multibulk count", "*"+long, "-ERR Protocol error: too big mbulk count string\r\n")
	add("70 KB bulk count", "*1\r\n$"+long, "-ERR Protocol error: too big bulk count string\r\n")

	// Honest but unfinished big bulks: memory must follow what arrived.
	for _, n := range []int{1 << 20, 2 << 20} {
		req := "*2\r\n$4\r\nECHO\r\n$" + strconv.Itoa(n) + "\r\n" + strings.Repeat("x", n-1)
		want := ""
		if auth {
			want = unauthBulk
		}
		add(fmt.Sprintf("unfinished %d-byte bulk", n), req, want)
	}

	// Random bytes for the rest. The alphabet leaves out most letters so
	// that no real command name appears by chance.
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const alphabet = "xyzq0123456789 \t\r\n\"'\\*$:+-_.{}"
	for len(in) < hostileCount {
		n := 1 + rng.IntN(300)
		b := make([]byte, n)
		for i := range b {
			switch r := rng.IntN(10); {
			case r < 7:
				b[i] = alphabet[rng.IntN(len(alphabet))]
			default:
				b[i] = byte(rng.IntN(256))
			}
		}
		if rng.IntN(4) == 0 {
			b[0] = '*'
		}
		in = append(in, hostileInput{what: "random bytes", data: b})
	}
	return in
}

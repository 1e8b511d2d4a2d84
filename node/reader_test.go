package node

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
)

// byteReader returns its data one byte per Read, the slowest client there is.
type byteReader struct{ data []byte }

func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.data[0]
	r.data = r.data[1:]
	return 1, nil
}

// testReader returns a reader over rd with Redis's default limits, as an
// authenticated client.
func testReader(rd io.Reader) *reader {
	r := newReader(rd)
	r.maxBulk = 512 << 20
	r.maxQueryBuf = 1 << 30
	r.authenticated = true
	return r
}

// readAll parses requests until an error and returns them as strings (the
// arguments joined by '|') with the error that ended the stream.
func readAll(r *reader) ([]string, error) {
	var out []string
	for {
		args, err := r.next(true)
		if err != nil {
			return out, err
		}
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = string(a)
		}
		out = append(out, strings.Join(parts, "|"))
	}
}

// readerCases are request streams with the requests Redis parses from them
// and the protocol error, if any, that ends the stream.
var readerCases = []struct {
	name string
	in   string
	want []string
	err  string // text of the protocol error after the requests, "" for EOF
}{
	{"inline", "PING\r\n", []string{"PING"}, ""},
	{"inline LF only", "SET a b\n", []string{"SET|a|b"}, ""},
	{"inline extra spaces", "  SET   a\tb  \r\n", []string{"SET|a|b"}, ""},
	{"inline blank lines skipped", "\r\n\n   \r\nPING\r\n", []string{"PING"}, ""},
	{"inline double quotes", "SET \"a b\" \"\\x41\\n\"\r\n", []string{"SET|a b|A\n"}, ""},
	{"inline single quotes", "SET 'a \"b' 'it\\'s'\r\n", []string{"SET|a \"b|it's"}, ""},
	{"inline empty quoted arg", "ECHO \"\"\r\n", []string{"ECHO|"}, ""},
	{"inline unbalanced", "ECHO \"abc\r\n", nil, "unbalanced quotes in request"},
	{"inline text after quote", "ECHO \"a\"b\r\n", nil, "unbalanced quotes in request"},
	{"inline without newline waits", "PING", nil, ""},
	{"inline then multibulk", "PING\r\n*1\r\n$4\r\nPING\r\n", []string{"PING", "PING"}, ""},
	{"multibulk", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", []string{"GET|k"}, ""},
	{"multibulk binary", "*2\r\n$4\r\nECHO\r\n$4\r\n\x00\r\n\xff\r\n", []string{"ECHO|\x00\r\n\xff"}, ""},
	{"multibulk empty bulk", "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", []string{"ECHO|"}, ""},
	{"pipeline", "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n", []string{"PING", "ECHO|hi"}, ""},
	{"*0 ignored", "*0\r\n*1\r\n$4\r\nPING\r\n", []string{"PING"}, ""},
	{"*-1 ignored", "*-1\r\n*1\r\n$4\r\nPING\r\n", []string{"PING"}, ""},
	{"*-5 ignored", "*-5\r\nPING\r\n", []string{"PING"}, ""},
	// Redis skips the two bytes after a bulk without looking at them.
	{"bulk end not checked", "*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", []string{"PING", "PING"}, ""},
	{"truncated multibulk", "*3\r\n$3\r\nSET\r\n$1\r\na\r\n", nil, ""},
	{"multibulk non-digits", "*abc\r\n", nil, "invalid multibulk length"},
	{"multibulk empty count", "*\r\n", nil, "invalid multibulk length"},
	{"multibulk leading zero", "*01\r\n", nil, "invalid multibulk length"},
	{"multibulk plus", "*+1\r\n", nil, "invalid multibulk length"},
	{"multibulk 2^31", "*2147483648\r\n", nil, "invalid multibulk length"},
	{"multibulk 2^31-1 waits", "*2147483647\r\n", nil, ""},
	{"multibulk 2^63", "*9223372036854775808\r\n", nil, "invalid multibulk length"},
	{"bulk missing $", "*1\r\nx\r\n", nil, "expected '$', got 'x'"},
	{"bulk negative", "*1\r\n$-1\r\n", nil, "invalid bulk length"},
	{"bulk non-digits", "*1\r\n$x\r\n", nil, "invalid bulk length"},
	{"bulk 2^31", "*1\r\n$2147483648\r\n", nil, "invalid bulk length"},
	{"bulk over proto-max-bulk-len", "*1\r\n$536870913\r\n", nil, "invalid bulk length"},
	{"bulk at proto-max-bulk-len waits", "*1\r\n$536870912\r\n", nil, ""},
	{"too big inline", strings.Repeat("a", 64*1024+1), nil, "too big inline request"},
	{"inline at the limit waits", strings.Repeat("a", 64*1024), nil, ""},
	{"too big mbulk count", "*" + strings.Repeat("1", 64*1024), nil, "too big mbulk count string"},
	{"too big bulk count", "*1\r\n$" + strings.Repeat("1", 64*1024), nil, "too big bulk count string"},
	// processInlineBuffer finds the line end with strchr, which stops at a
	// NUL: the request never completes.
	{"inline NUL before newline waits", "ECHO a\x00b\r\nPING\r\n", nil, ""},
	// processMultibulkBuffer finds the CR with strchr too.
	{"multibulk count NUL waits", "*1\x00\r\n", nil, ""},
}

func checkReaderCase(t *testing.T, name string, r *reader, want []string, wantErr string) {
	t.Helper()
	got, err := readAll(r)
	if strings.Join(got, " ; ") != strings.Join(want, " ; ") {
		t.Errorf("%s: requests %q, want %q", name, got, want)
	}
	var pe protocolError
	switch {
	case wantErr == "" && err != io.EOF:
		t.Errorf("%s: ended with %v, want EOF", name, err)
	case wantErr != "" && !errors.As(err, &pe):
		t.Errorf("%s: ended with %v, want protocol error %q", name, err, wantErr)
	case wantErr != "" && string(pe) != wantErr:
		t.Errorf("%s: protocol error %q, want %q", name, string(pe), wantErr)
	}
}

func TestReaderParsesLikeRedis(t *testing.T) {
	for _, tc := range readerCases {
		checkReaderCase(t, tc.name, testReader(strings.NewReader(tc.in)), tc.want, tc.err)
	}
}

// TestReaderOneByteAtATime feeds every case one byte per read, so that a
// request is split at every byte boundary.
func TestReaderOneByteAtATime(t *testing.T) {
	for _, tc := range readerCases {
		if len(tc.in) > 4096 {
			continue // the limits cases would take 64K reads each
		}
		checkReaderCase(t, tc.name, testReader(&byteReader{data: []byte(tc.in)}), tc.want, tc.err)
	}
}

// TestReaderSplitAtEveryOffset splits a pipeline into two reads at every
// offset.
func TestReaderSplitAtEveryOffset(t *testing.T) {
	in := "*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$12\r\nhello\r\nworld\r\nPING\r\n*1\r\n$4\r\nPING\r\n"
	want := []string{"SET|key:1|hello\r\nworld", "PING", "PING"}
	for cut := 0; cut <= len(in); cut++ {
		r := testReader(io.MultiReader(strings.NewReader(in[:cut]), strings.NewReader(in[cut:])))
		checkReaderCase(t, "split at "+strconv.Itoa(cut), r, want, "")
	}
}

// TestReaderUnauthenticatedLimits checks the limits Redis applies before
// AUTH: at most 10 arguments and 16384-byte bulks.
func TestReaderUnauthenticatedLimits(t *testing.T) {
	for _, tc := range []struct {
		in, err string
	}{
		{"*10\r\n", ""},
		{"*11\r\n", "unauthenticated multibulk length"},
		{"*1\r\n$16384\r\n", ""},
		{"*1\r\n$16385\r\n", "unauthenticated bulk length"},
		{"*1\r\n$2147483648\r\n", "invalid bulk length"},
	} {
		r := testReader(strings.NewReader(tc.in))
		r.authenticated = false
		checkReaderCase(t, "unauthenticated "+tc.in, r, nil, tc.err)
	}
}

// TestReaderBigBulkGrowsOnlyWithData declares a 1 GB bulk and sends 10
// bytes: the buffer must not be sized by the declaration.
func TestReaderBigBulkGrowsOnlyWithData(t *testing.T) {
	r := testReader(strings.NewReader("*2\r\n$4\r\nECHO\r\n$1073741824\r\n0123456789"))
	r.maxBulk = 2 << 30
	if _, err := readAll(r); err != io.EOF {
		t.Fatalf("got %v, want EOF while the bulk is incomplete", err)
	}
	if len(r.buf) > protoIOBufLen {
		t.Fatalf("buffer is %d bytes after 10 bytes of a 1 GB bulk, want at most %d", len(r.buf), protoIOBufLen)
	}
}

// TestReaderBigBulkIntact reads a bulk larger than the buffer in small reads.
func TestReaderBigBulkIntact(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 40000) // 640 KB
	in := append([]byte("*2\r\n$4\r\nECHO\r\n$640000\r\n"), payload...)
	in = append(in, "\r\n*1\r\n$4\r\nPING\r\n"...)
	r := testReader(io.MultiReader(bytes.NewReader(in[:1000]), bytes.NewReader(in[1000:])))
	args, err := r.next(true)
	if err != nil || len(args) != 2 || !bytes.Equal(args[1], payload) {
		t.Fatalf("big bulk: %d args, err %v", len(args), err)
	}
	if args, err := r.next(true); err != nil || string(args[0]) != "PING" {
		t.Fatalf("request after a big bulk: %q %v", args, err)
	}
	// Once the big request is consumed the buffer returns to its normal size.
	if _, err := r.next(true); err != io.EOF {
		t.Fatalf("got %v, want EOF", err)
	}
	if len(r.buf) > 4*protoIOBufLen {
		t.Fatalf("buffer stays at %d bytes after the big request", len(r.buf))
	}
}

// TestReaderQueryBufferLimit closes a client whose pending input passes
// client-query-buffer-limit, without a reply.
func TestReaderQueryBufferLimit(t *testing.T) {
	in := append([]byte("*2\r\n$4\r\nECHO\r\n$3000000\r\n"), bytes.Repeat([]byte("x"), 3000000)...)
	r := testReader(bytes.NewReader(in))
	r.maxQueryBuf = 1 << 20
	if _, err := readAll(r); !errors.Is(err, errQueryBufferLimit) {
		t.Fatalf("got %v, want errQueryBufferLimit", err)
	}
	if len(r.buf) > 4<<20 {
		t.Fatalf("buffer grew to %d bytes with a 1 MB limit", len(r.buf))
	}
}

// TestReaderNonBlocking returns nil without reading when no complete
// request is buffered.
func TestReaderNonBlocking(t *testing.T) {
	r := testReader(strings.NewReader("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI"))
	if args, err := r.next(false); args != nil || err != nil {
		t.Fatalf("next(false) on an empty buffer: %q %v", args, err)
	}
	if args, err := r.next(true); err != nil || string(args[0]) != "PING" {
		t.Fatalf("first request: %q %v", args, err)
	}
	if !r.buffered() {
		t.Fatal("the partial second request should be buffered")
	}
	if args, err := r.next(false); args != nil || err != nil {
		t.Fatalf("next(false) with a partial request: %q %v", args, err)
	}
}

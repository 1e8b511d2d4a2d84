package node

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the request reader with tight limits.
// It must never panic, its buffer must stay within twice the input plus
// 64 KB, the requests must not depend on how the input is split into reads
// (prefix consistency), and each request must survive re-encoding as a
// multibulk.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"PING\r\n",
		"SET a \"b c\" 'd'\r\n",
		"*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n",
		"*1\r\n$4\r\nPINGxx*0\r\n*-1\r\n",
		"*11\r\n",
		"*1\r\n$16385\r\n",
		"*1\r\n$2147483648\r\n",
		"*abc\r\n",
		"$x\r\n",
		"ECHO \"\\x41\\n\" 'it\\'s'\n",
		"*3\r\n$3\r\nSET\r\n$1\r\na\r\n",
		"\x00\r\n*1\x00\r\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, auth bool) {
		whole, wholeErr := fuzzParse(t, bytes.NewReader(in), in, auth)
		split, splitErr := fuzzParse(t, &byteReader{data: append([]byte(nil), in...)}, in, auth)
		if len(whole) != len(split) {
			t.Fatalf("%d requests in one read, %d one byte at a time", len(whole), len(split))
		}
		for i := range whole {
			if !sameArgs(whole[i], split[i]) {
				t.Fatalf("request %d: %q in one read, %q one byte at a time", i, whole[i], split[i])
			}
		}
		// Past the line limits the error depends on where reads end, as in
		// Redis; below them it must not.
		if len(in) < protoInlineMaxSize && fuzzErrText(wholeErr) != fuzzErrText(splitErr) {
			t.Fatalf("ended with %v in one read, %v one byte at a time", wholeErr, splitErr)
		}
		for _, args := range whole {
			enc := encodeMultibulk(args)
			again, err := fuzzParse(t, bytes.NewReader(enc), enc, true)
			if !errors.Is(err, io.EOF) || len(again) != 1 || !sameArgs(again[0], args) {
				t.Fatalf("request %q re-encoded as %q parses as %q (%v)", args, enc, again, err)
			}
		}
	})
}

// fuzzParse reads every request from rd, copying the arguments, and checks
// the buffer bound after each one.
func fuzzParse(t *testing.T, rd io.Reader, in []byte, auth bool) ([][][]byte, error) {
	r := newReader(rd)
	r.maxBulk = 1 << 20
	r.maxQueryBuf = 1 << 20
	r.authenticated = auth
	var out [][][]byte
	for {
		args, err := r.next(true)
		if bound := 2*len(in) + 64*1024; len(r.buf) > bound {
			t.Fatalf("buffer of %d bytes for %d bytes of input", len(r.buf), len(in))
		}
		if err != nil {
			var pe protocolError
			if !errors.As(err, &pe) && !errors.Is(err, io.EOF) && !errors.Is(err, errQueryBufferLimit) {
				t.Fatalf("unexpected error %v", err)
			}
			return out, err
		}
		if len(args) == 0 {
			t.Fatal("next returned an empty request")
		}
		cp := make([][]byte, len(args))
		for i, a := range args {
			cp[i] = append([]byte{}, a...)
		}
		out = append(out, cp)
	}
}

func sameArgs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func encodeMultibulk(args [][]byte) []byte {
	var b bytes.Buffer
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n")
		b.Write(a)
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

func fuzzErrText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

package node

import (
	"errors"
	"io"
)

// Limits applied to request parsing, with Redis's names and defaults.
const (
	// protoInlineMaxSize is PROTO_INLINE_MAX_SIZE: the longest inline request
	// and the longest multibulk or bulk header line.
	protoInlineMaxSize = 64 * 1024
	// protoIOBufLen is PROTO_IOBUF_LEN, the size of one socket read.
	protoIOBufLen = 16 * 1024
	// unauthMaxArgs and unauthMaxBulk bound requests before AUTH.
	unauthMaxArgs = 10
	unauthMaxBulk = 16384
)

// protocolError is a malformed request. Its text follows "ERR Protocol error: ".
type protocolError string

func (e protocolError) Error() string { return "Protocol error: " + string(e) }

// errQueryBufferLimit ends a client whose pending input passed
// client-query-buffer-limit. Redis closes such a client without a reply.
var errQueryBufferLimit = errors.New("query buffer limit reached")

// reader parses requests from one connection exactly as processInputBuffer
// does in Redis: inline and multibulk forms, the same limits and the same
// error texts. It never allocates a declared length before the bytes arrive.
// The argument slices it returns point into its buffer and stay valid only
// until the next call to next.
type reader struct {
	rd  io.Reader
	buf []byte
	pos int // start of unparsed input
	end int // end of buffered input

	// State of a partly received multibulk request, so that a slow client
	// is not re-parsed from the start on each read.
	argc    int      // arguments of the request, 0 when between requests
	reqOff  int      // bytes of the request parsed so far, from pos
	bulkLen int      // length of the bulk being read, -1 before its header
	argOffs [][2]int // offsets of the arguments received so far, from pos
	args    [][]byte

	// Limits, refreshed by the caller from configuration and AUTH state.
	maxBulk       int64
	maxQueryBuf   int64
	authenticated bool
}

func newReader(rd io.Reader) *reader {
	return &reader{rd: rd, buf: make([]byte, protoIOBufLen), bulkLen: -1}
}

// buffered reports whether a complete or partial request is already buffered.
func (r *reader) buffered() bool { return r.end > r.pos }

// next returns the next request's arguments. An empty request (blank inline
// line, *0 or *-1) is skipped. When no complete request is buffered and block
// is false it returns nil, nil; otherwise it reads from the connection.
func (r *reader) next(block bool) ([][]byte, error) {
	for {
		args, err := r.parse()
		if err != nil || args != nil {
			return args, err
		}
		if !block {
			return nil, nil
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}

// fill reads more bytes, compacting or doubling the buffer as needed. The
// buffer grows only with bytes received, never to a declared length.
func (r *reader) fill() error {
	if r.pos > 0 && (r.pos == r.end || r.end == len(r.buf)) {
		// Offsets of a partial request are relative to pos, so moving the
		// unparsed tail to the front keeps them valid.
		n := copy(r.buf, r.buf[r.pos:r.end])
		r.pos, r.end = 0, n
	}
	if r.end == len(r.buf) {
		nb := make([]byte, 2*len(r.buf))
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	n, err := r.rd.Read(r.buf[r.end:])
	r.end += n
	if n > 0 {
		if r.maxQueryBuf > 0 && int64(r.end-r.pos) > r.maxQueryBuf {
			return errQueryBufferLimit
		}
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// shrink returns an oversized buffer to its normal size between requests.
func (r *reader) shrink() {
	if r.pos == r.end && len(r.buf) > 4*protoIOBufLen {
		r.buf = make([]byte, protoIOBufLen)
		r.pos, r.end = 0, 0
	}
}

func (r *reader) parse() ([][]byte, error) {
	if r.argc == 0 {
		if r.pos == r.end {
			r.shrink()
			return nil, nil
		}
		if r.buf[r.pos] != '*' {
			return r.parseInline()
		}
		return r.parseMultibulkHeader()
	}
	return r.parseBulks()
}

func (r *reader) parseInline() ([][]byte, error) {
	data := r.buf[r.pos:r.end]
	nl := cIndexByte(data, '\n')
	if nl < 0 {
		if len(data) > protoInlineMaxSize {
			return nil, protocolError("too big inline request")
		}
		return nil, nil
	}
	if nl > protoInlineMaxSize {
		return nil, protocolError("too big inline request")
	}
	line := data[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	args, ok := splitArgs(line, r.args[:0])
	if !ok {
		return nil, protocolError("unbalanced quotes in request")
	}
	r.pos += nl + 1
	if len(args) == 0 {
		return r.parse()
	}
	r.args = args
	return args, nil
}

func (r *reader) parseMultibulkHeader() ([][]byte, error) {
	data := r.buf[r.pos:r.end]
	nl := cIndexByte(data, '\r')
	if nl < 0 || nl+1 >= len(data) {
		if len(data) > protoInlineMaxSize {
			return nil, protocolError("too big mbulk count string")
		}
		return nil, nil
	}
	n, ok := parseLL(data[1:nl])
	if !ok || n > 1<<31-1 {
		return nil, protocolError("invalid multibulk length")
	}
	if n > unauthMaxArgs && !r.authenticated {
		return nil, protocolError("unauthenticated multibulk length")
	}
	if n <= 0 {
		r.pos += nl + 2
		return r.parse()
	}
	r.reqOff = nl + 2
	r.argc = int(n)
	r.bulkLen = -1
	r.argOffs = r.argOffs[:0]
	return r.parseBulks()
}

// parseBulks continues a multibulk request. Offsets are relative to r.pos,
// which stays at the start of the request until it is complete.
func (r *reader) parseBulks() ([][]byte, error) {
	for len(r.argOffs) < r.argc {
		data := r.buf[r.pos+r.reqOff : r.end]
		if r.bulkLen < 0 {
			nl := cIndexByte(data, '\r')
			if nl < 0 || nl+1 >= len(data) {
				if len(data) > protoInlineMaxSize {
					return nil, protocolError("too big bulk count string")
				}
				return nil, nil
			}
			if data[0] != '$' {
				return nil, protocolError("expected '$', got '" + string(data[0]) + "'")
			}
			n, ok := parseLL(data[1:nl])
			if !ok || n < 0 || n > r.maxBulk {
				return nil, protocolError("invalid bulk length")
			}
			if n > unauthMaxBulk && !r.authenticated {
				return nil, protocolError("unauthenticated bulk length")
			}
			r.bulkLen = int(n)
			r.reqOff += nl + 2
			data = data[nl+2:]
		}
		// Redis skips the two bytes after a bulk without checking them.
		if len(data) < r.bulkLen+2 {
			return nil, nil
		}
		r.argOffs = append(r.argOffs, [2]int{r.reqOff, r.reqOff + r.bulkLen})
		r.reqOff += r.bulkLen + 2
		r.bulkLen = -1
	}
	args := r.args[:0]
	for _, o := range r.argOffs {
		args = append(args, r.buf[r.pos+o[0]:r.pos+o[1]])
	}
	r.pos += r.reqOff
	r.reqOff = 0
	r.argc = 0
	r.args = args
	return args, nil
}

// cIndexByte finds c the way strchr does in Redis's query buffer: a NUL byte
// ends the search, so a line with a NUL before its terminator is incomplete.
func cIndexByte(b []byte, c byte) int {
	for i, x := range b {
		switch x {
		case c:
			return i
		case 0:
			return -1
		}
	}
	return -1
}

// parseLL parses a length the way string2ll does.
func parseLL(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	neg := b[0] == '-'
	i := 0
	if neg {
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v int64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' || v > (1<<63-1-int64(c-'0'))/10 {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

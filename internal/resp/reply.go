package resp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Value is one reply. Type is the RESP type byte: '+', '-', ':', '$', '*',
// '%' (map), '~' (set), '>' (push), '|' (attribute), '_' (null), ',' (double),
// '#' (boolean), '(' (big number) or '=' (verbatim string).
type Value struct {
	Type  byte
	Str   []byte // simple, error, bulk, double, big number, verbatim, boolean text
	Int   int64
	Null  bool    // RESP2 null bulk or null array
	Elems []Value // aggregates; a map holds key, value, key, value...
	Raw   []byte  // the exact bytes of this reply on the wire
}

// ErrMalformed is returned for a reply that breaks RESP framing.
var ErrMalformed = errors.New("resp: malformed reply")

// Reader reads replies and keeps their raw bytes.
type Reader struct {
	br  *bufio.Reader
	raw []byte
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader { return &Reader{br: bufio.NewReaderSize(r, 64*1024)} }

// Read returns the next complete reply.
func (r *Reader) Read() (Value, error) {
	r.raw = r.raw[:0]
	v, err := r.read()
	if err != nil {
		return Value{}, err
	}
	v.Raw = append([]byte(nil), r.raw...)
	return v, nil
}

func (r *Reader) line() ([]byte, error) {
	l, err := r.br.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	r.raw = append(r.raw, l...)
	if len(l) < 2 || l[len(l)-2] != '\r' {
		return nil, ErrMalformed
	}
	return l[:len(l)-2], nil
}

func (r *Reader) read() (Value, error) {
	l, err := r.line()
	if err != nil {
		return Value{}, err
	}
	if len(l) == 0 {
		return Value{}, ErrMalformed
	}
	v := Value{Type: l[0]}
	body := l[1:]
	switch v.Type {
	case '+', '-', ',', '(', '#':
		v.Str = append([]byte(nil), body...)
	case ':':
		v.Int, err = strconv.ParseInt(string(body), 10, 64)
	case '_':
		v.Null = true
	case '$', '=', '!':
		n, perr := strconv.Atoi(string(body))
		if perr != nil {
			return v, fmt.Errorf("%w: bulk length %q", ErrMalformed, body)
		}
		if n < 0 {
			v.Null = true
			return v, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r.br, buf); err != nil {
			return v, err
		}
		r.raw = append(r.raw, buf...)
		v.Str = buf[:n]
	case '*', '%', '~', '>', '|':
		n, perr := strconv.Atoi(string(body))
		if perr != nil {
			return v, fmt.Errorf("%w: aggregate length %q", ErrMalformed, body)
		}
		if n < 0 {
			v.Null = true
			return v, nil
		}
		if v.Type == '%' || v.Type == '|' {
			n *= 2
		}
		v.Elems = make([]Value, 0, n)
		for i := 0; i < n; i++ {
			e, err := r.read()
			if err != nil {
				return v, err
			}
			v.Elems = append(v.Elems, e)
		}
		if v.Type == '|' {
			// An attribute precedes the reply it describes; clients skip it.
			return r.read()
		}
	default:
		return v, fmt.Errorf("%w: type byte %q", ErrMalformed, v.Type)
	}
	return v, err
}

// String renders v compactly for test failure messages.
func (v Value) String() string {
	switch v.Type {
	case '+', '-', ',', '(', '#':
		return string(v.Type) + string(v.Str)
	case ':':
		return ":" + strconv.FormatInt(v.Int, 10)
	case '$', '=':
		if v.Null {
			return "(nil)"
		}
		return strconv.Quote(string(v.Str))
	case '_':
		return "(null)"
	}
	if v.Null {
		return "(nil array)"
	}
	s := string(v.Type) + "["
	for i, e := range v.Elems {
		if i > 0 {
			s += " "
		}
		s += e.String()
	}
	return s + "]"
}

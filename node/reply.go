package node

import (
	"math"
	"strconv"

	"github.com/tidwall/redcon"
)

// reply builds the RESP bytes of a client's replies. RESP2 and RESP3 differ
// only in the aggregate and scalar forms chosen here; handlers describe their
// reply once. The RESP2 base forms come from redcon's appenders.
type reply struct {
	b     []byte
	resp3 bool
}

func (w *reply) ok()                 { w.b = append(w.b, "+OK\r\n"...) }
func (w *reply) simple(s string)     { w.b = redcon.AppendString(w.b, s) }
func (w *reply) int(n int64)         { w.b = redcon.AppendInt(w.b, n) }
func (w *reply) bulk(b []byte)       { w.b = redcon.AppendBulk(w.b, b) }
func (w *reply) bulkString(s string) { w.b = redcon.AppendBulkString(w.b, s) }
func (w *reply) array(n int)         { w.b = redcon.AppendArray(w.b, n) }

// err writes an error reply; msg starts with its code ("ERR ..."). CR and LF
// become spaces, as addReplyErrorFormat does, so an echoed argument can never
// break the framing.
func (w *reply) err(msg string) {
	w.b = append(w.b, '-')
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		w.b = append(w.b, c)
	}
	w.b = append(w.b, '\r', '\n')
}

func (w *reply) bulkInt(n int64) {
	var tmp [20]byte
	w.bulk(strconv.AppendInt(tmp[:0], n, 10))
}

// null is a missing value: $-1 in RESP2, _ in RESP3.
func (w *reply) null() {
	if w.resp3 {
		w.b = append(w.b, "_\r\n"...)
	} else {
		w.b = append(w.b, "$-1\r\n"...)
	}
}

// nullArray is a missing aggregate: *-1 in RESP2, _ in RESP3.
func (w *reply) nullArray() {
	if w.resp3 {
		w.b = append(w.b, "_\r\n"...)
	} else {
		w.b = append(w.b, "*-1\r\n"...)
	}
}

func (w *reply) aggregate(t byte, n int) {
	w.b = append(w.b, t)
	w.b = strconv.AppendInt(w.b, int64(n), 10)
	w.b = append(w.b, '\r', '\n')
}

// mapHeader starts a map of n pairs: a flat array of 2n in RESP2.
func (w *reply) mapHeader(n int) {
	if w.resp3 {
		w.aggregate('%', n)
	} else {
		w.array(2 * n)
	}
}

// set starts a set of n members: an array in RESP2.
func (w *reply) set(n int) {
	if w.resp3 {
		w.aggregate('~', n)
	} else {
		w.array(n)
	}
}

// push starts an out-of-band push of n elements: an array in RESP2.
func (w *reply) push(n int) {
	if w.resp3 {
		w.aggregate('>', n)
	} else {
		w.array(n)
	}
}

// double writes a floating point reply: ',' in RESP3, a bulk string in RESP2,
// formatted as Redis's addReplyDouble does.
func (w *reply) double(f float64) {
	if w.resp3 {
		w.b = append(w.b, ',')
		w.b = appendDouble(w.b, f)
		w.b = append(w.b, '\r', '\n')
		return
	}
	var tmp [32]byte
	w.bulk(appendDouble(tmp[:0], f))
}

// boolean writes #t/#f in RESP3 and :1/:0 in RESP2.
func (w *reply) boolean(v bool) {
	switch {
	case w.resp3 && v:
		w.b = append(w.b, "#t\r\n"...)
	case w.resp3:
		w.b = append(w.b, "#f\r\n"...)
	case v:
		w.int(1)
	default:
		w.int(0)
	}
}

// verbatim writes a verbatim string of format "txt": '=' in RESP3, bulk in RESP2.
func (w *reply) verbatim(s string) {
	if !w.resp3 {
		w.bulkString(s)
		return
	}
	w.b = append(w.b, '=')
	w.b = strconv.AppendInt(w.b, int64(len(s)+4), 10)
	w.b = append(w.b, "\r\ntxt:"...)
	w.b = append(w.b, s...)
	w.b = append(w.b, '\r', '\n')
}

// bulkStrings writes an array of bulk strings.
func (w *reply) bulkStrings(ss []string) {
	w.array(len(ss))
	for _, s := range ss {
		w.bulkString(s)
	}
}

// appendDouble formats f as Redis's "%.17g" with inf/-inf, which is how
// doubles travel as bulk strings.
func appendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return appendG17(dst, f)
}

// appendG17 renders f like C's printf("%.17g").
func appendG17(dst []byte, f float64) []byte {
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	exp := int(math.Floor(math.Log10(math.Abs(f))))
	s := strconv.FormatFloat(f, 'e', 16, 64)
	// The exponent from 'e' formatting is authoritative after rounding.
	if i := lastIndexByte(s, 'e'); i >= 0 {
		exp, _ = strconv.Atoi(s[i+1:])
	}
	if exp < -4 || exp >= 17 {
		mant, e := s[:lastIndexByte(s, 'e')], s[lastIndexByte(s, 'e')+1:]
		mant = trimZeros(mant)
		sign := e[0]
		digits := e[1:]
		if len(digits) < 2 {
			digits = "0" + digits
		}
		dst = append(dst, mant...)
		dst = append(dst, 'e', sign)
		return append(dst, digits...)
	}
	return append(dst, trimZeros(strconv.FormatFloat(f, 'f', 16-exp, 64))...)
}

func lastIndexByte(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func trimZeros(s string) string {
	if lastIndexByte(s, '.') < 0 {
		return s
	}
	for len(s) > 0 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Length and string encodings of rdb.h: the two top bits of the first byte
// select a 6-bit, 14-bit, 32-bit or 64-bit length, or (11) a special
// encoding of a string.
const (
	len6      = 0
	len14     = 1
	len32     = 0x80
	len64     = 0x81
	encVal    = 3
	encInt8   = 0
	encInt16  = 1
	encInt32  = 2
	encLZF    = 3
	lenMax32  = math.MaxUint32
	maxStrLen = 512 << 20 // proto-max-bulk-len: no value string is longer
)

// appendLen is rdbSaveLen.
func appendLen(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, byte(n>>8)|len14<<6, byte(n))
	case n <= lenMax32:
		return binary.BigEndian.AppendUint32(append(dst, len32), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, len64), n)
}

// appendIntEncoded is rdbEncodeInteger: the 1, 2 or 4 byte forms of an
// integer-encoded string; ok is false when v needs more than 32 bits.
func appendIntEncoded(dst []byte, v int64) (out []byte, ok bool) {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		return append(dst, encVal<<6|encInt8, byte(v)), true
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return binary.LittleEndian.AppendUint16(append(dst, encVal<<6|encInt16), uint16(v)), true
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return binary.LittleEndian.AppendUint32(append(dst, encVal<<6|encInt32), uint32(v)), true
	}
	return dst, false
}

// appendString is rdbSaveRawString: strings of up to 11 bytes that are
// canonical integers in 32 bits are integer-encoded, strings over 20 bytes
// are LZF-compressed when compress is set and that saves at least four
// bytes, and the rest are stored verbatim after their length.
func appendString(dst, s []byte, compress bool) []byte {
	if len(s) <= 11 {
		if v, ok := parseInt(s); ok {
			if out, ok := appendIntEncoded(dst, v); ok {
				return out
			}
		}
	}
	if compress && len(s) > 20 {
		if c := lzfCompress(s, len(s)-4); c != nil {
			dst = append(dst, encVal<<6|encLZF)
			dst = appendLen(dst, uint64(len(c)))
			dst = appendLen(dst, uint64(len(s)))
			return append(dst, c...)
		}
	}
	dst = appendLen(dst, uint64(len(s)))
	return append(dst, s...)
}

// parseInt is string2ll from util.c: an optional '-', no leading zeros, no
// '+' or spaces, and the value must fit an int64.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	i := 0
	if neg {
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' || v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// reader walks a payload; every read checks the bytes left.
type reader struct {
	b   []byte
	off int
}

func (r *reader) left() int { return len(r.b) - r.off }

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, fmt.Errorf("%w: unexpected end", ErrBadFormat)
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

// take returns the next n bytes, shared with the payload.
func (r *reader) take(n uint64) ([]byte, error) {
	if n > uint64(r.left()) {
		return nil, fmt.Errorf("%w: length %d exceeds the %d bytes left", ErrBadFormat, n, r.left())
	}
	p := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return p, nil
}

// lenOrEnc is rdbLoadLenByRef: a length, or with isEnc set the special
// string encoding held in the low six bits.
func (r *reader) lenOrEnc() (n uint64, isEnc bool, err error) {
	c, err := r.byte()
	if err != nil {
		return 0, false, err
	}
	switch c >> 6 {
	case len6:
		return uint64(c & 0x3f), false, nil
	case len14:
		d, err := r.byte()
		if err != nil {
			return 0, false, err
		}
		return uint64(c&0x3f)<<8 | uint64(d), false, nil
	case encVal:
		return uint64(c & 0x3f), true, nil
	}
	switch c {
	case len32:
		p, err := r.take(4)
		if err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(p)), false, nil
	case len64:
		p, err := r.take(8)
		if err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(p), false, nil
	}
	return 0, false, fmt.Errorf("%w: unknown length encoding 0x%02x", ErrBadFormat, c)
}

// length reads a plain length (rdbLoadLen).
func (r *reader) length() (uint64, error) {
	n, isEnc, err := r.lenOrEnc()
	if err == nil && isEnc {
		err = fmt.Errorf("%w: string encoding where a length belongs", ErrBadFormat)
	}
	return n, err
}

// count reads a collection length and checks that the bytes left can hold
// that many items of at least minItem bytes each, so a hostile count never
// sizes an allocation.
func (r *reader) count(minItem int) (int, error) {
	n, err := r.length()
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, fmt.Errorf("%w: empty collection", ErrBadFormat)
	}
	if n > uint64(r.left()/minItem) {
		return 0, fmt.Errorf("%w: %d items cannot fit in %d bytes", ErrBadFormat, n, r.left())
	}
	return int(n), nil
}

// str is rdbGenericLoadStringObject: a verbatim, integer-encoded or LZF
// string. The result is a fresh slice that does not alias the payload.
func (r *reader) str() ([]byte, error) {
	n, isEnc, err := r.lenOrEnc()
	if err != nil {
		return nil, err
	}
	if !isEnc {
		p, err := r.take(n)
		if err != nil {
			return nil, err
		}
		return append([]byte(nil), p...), nil
	}
	var v int64
	switch n {
	case encInt8:
		p, err := r.take(1)
		if err != nil {
			return nil, err
		}
		v = int64(int8(p[0]))
	case encInt16:
		p, err := r.take(2)
		if err != nil {
			return nil, err
		}
		v = int64(int16(binary.LittleEndian.Uint16(p)))
	case encInt32:
		p, err := r.take(4)
		if err != nil {
			return nil, err
		}
		v = int64(int32(binary.LittleEndian.Uint32(p)))
	case encLZF:
		return r.lzfStr()
	default:
		return nil, fmt.Errorf("%w: unknown string encoding %d", ErrBadFormat, n)
	}
	return strconv.AppendInt(nil, v, 10), nil
}

// lzfStr is rdbLoadLzfStringObject.
func (r *reader) lzfStr() ([]byte, error) {
	clen, err := r.length()
	if err != nil {
		return nil, err
	}
	ulen, err := r.length()
	if err != nil {
		return nil, err
	}
	c, err := r.take(clen)
	if err != nil {
		return nil, err
	}
	if ulen == 0 || ulen > maxStrLen || ulen > clen*lzfMaxRatio {
		return nil, fmt.Errorf("%w: LZF length %d from %d bytes", ErrBadFormat, ulen, clen)
	}
	out, ok := lzfDecompress(c, int(ulen))
	if !ok {
		return nil, fmt.Errorf("%w: invalid LZF data", ErrBadFormat)
	}
	return out, nil
}

// binaryDouble is rdbLoadBinaryDoubleValue: 8 bytes, little endian.
func (r *reader) binaryDouble() (float64, error) {
	p, err := r.take(8)
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(p)), nil
}

// textDouble is rdbLoadDoubleValue of the old ZSET type: a length byte
// (253 nan, 254 +inf, 255 -inf) followed by the number as text.
func (r *reader) textDouble() (float64, error) {
	n, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	p, err := r.take(uint64(n))
	if err != nil {
		return 0, err
	}
	return parseScore(p)
}

// parseScore reads a score stored as text as strtod does for the forms
// Redis writes: decimal, exponent and "inf" forms; NaN is rejected, as
// rdbLoadObject rejects NaN scores.
func parseScore(p []byte) (float64, error) {
	f, err := strconv.ParseFloat(string(p), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsNaN(f) {
		return 0, fmt.Errorf("%w: invalid score %q", ErrBadFormat, p)
	}
	return f, nil
}

// appendScore is d2string from util.c: how a listpack stores a score.
func appendScore(dst []byte, s float64) []byte {
	switch {
	case math.IsInf(s, 1):
		return append(dst, "inf"...)
	case math.IsInf(s, -1):
		return append(dst, "-inf"...)
	case s == 0:
		if math.Signbit(s) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	case s > -4503599627370495 && s < 4503599627370496 && s == math.Trunc(s):
		return strconv.AppendInt(dst, int64(s), 10)
	}
	return appendG17(dst, s)
}

// appendG17 formats s as C's "%.17g".
func appendG17(dst []byte, s float64) []byte {
	exp := 0
	if s != 0 {
		e := strconv.AppendFloat(nil, s, 'e', 16, 64)
		i := len(e) - 1
		for e[i] != 'e' {
			i--
		}
		exp, _ = strconv.Atoi(string(e[i+1:]))
	}
	if exp < -4 || exp >= 17 {
		e := strconv.AppendFloat(nil, s, 'e', 16, 64)
		i := 0
		for e[i] != 'e' {
			i++
		}
		mant := trimFraction(e[:i])
		dst = append(dst, mant...)
		return append(dst, e[i:]...)
	}
	return append(dst, trimFraction(strconv.AppendFloat(nil, s, 'f', 16-exp, 64))...)
}

// trimFraction drops trailing zeros of a fraction, and the point itself
// when nothing is left after it, as %g does.
func trimFraction(b []byte) []byte {
	dot := -1
	for i, c := range b {
		if c == '.' {
			dot = i
		}
	}
	if dot < 0 {
		return b
	}
	for len(b) > dot+1 && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if len(b) == dot+1 {
		b = b[:dot]
	}
	return b
}

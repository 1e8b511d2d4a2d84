package rdb

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

// Listpack layout (listpack.c): a 4-byte total size and a 2-byte element
// count (lpNumElementsUnknown when it does not fit), the entries, and an
// end byte. Each entry is an encoding byte with its data, followed by its
// back length: the size of encoding plus data in 1 to 5 bytes.
const (
	lpHeaderSize          = 6
	lpEOF                 = 0xff
	lpNumElementsUnknown  = 0xffff
	lpEncoding7BitUint    = 0x00
	lpEncoding6BitStr     = 0x80
	lpEncoding13BitInt    = 0xc0
	lpEncoding12BitStr    = 0xe0
	lpEncoding32BitStr    = 0xf0
	lpEncoding16BitInt    = 0xf1
	lpEncoding24BitInt    = 0xf2
	lpEncoding32BitInt    = 0xf3
	lpEncoding64BitInt    = 0xf4
	lpEncoding6BitStrMask = 0xc0
	lpEncoding13BitMask   = 0xe0
	lpEncoding12BitMask   = 0xf0
)

// listpackBuilder appends entries to a listpack being built.
type listpackBuilder struct {
	buf []byte
	n   int
}

func newListpack() *listpackBuilder {
	return &listpackBuilder{buf: make([]byte, lpHeaderSize, 64)}
}

// size is the listpack's byte count once finished.
func (lp *listpackBuilder) size() int { return len(lp.buf) + 1 }

// entrySize is the bytes lpAppend adds for s.
func entrySize(s []byte) int {
	var enc int
	if v, ok := parseInt(s); ok {
		enc = intEntrySize(v)
	} else {
		switch l := len(s); {
		case l < 64:
			enc = 1 + l
		case l < 4096:
			enc = 2 + l
		default:
			enc = 5 + l
		}
	}
	return enc + backlenSize(enc)
}

func intEntrySize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 1
	case v >= -4096 && v <= 4095:
		return 2
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 3
	case v >= -8388608 && v <= 8388607:
		return 4
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 5
	}
	return 9
}

func backlenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// append is lpAppend: s is stored as an integer when string2ll accepts it
// (lpEncodeGetType), else as a string.
func (lp *listpackBuilder) append(s []byte) {
	start := len(lp.buf)
	if v, ok := parseInt(s); ok {
		lp.appendInt(v)
	} else {
		switch l := len(s); {
		case l < 64:
			lp.buf = append(lp.buf, lpEncoding6BitStr|byte(l))
		case l < 4096:
			lp.buf = append(lp.buf, lpEncoding12BitStr|byte(l>>8), byte(l))
		default:
			lp.buf = binary.LittleEndian.AppendUint32(append(lp.buf, lpEncoding32BitStr), uint32(l))
		}
		lp.buf = append(lp.buf, s...)
	}
	lp.buf = appendBacklen(lp.buf, len(lp.buf)-start)
	lp.n++
}

func (lp *listpackBuilder) appendInt(v int64) {
	u := uint64(v)
	switch intEntrySize(v) {
	case 1:
		lp.buf = append(lp.buf, byte(v))
	case 2:
		u &= 1<<13 - 1
		lp.buf = append(lp.buf, lpEncoding13BitInt|byte(u>>8), byte(u))
	case 3:
		lp.buf = binary.LittleEndian.AppendUint16(append(lp.buf, lpEncoding16BitInt), uint16(u))
	case 4:
		lp.buf = append(lp.buf, lpEncoding24BitInt, byte(u), byte(u>>8), byte(u>>16))
	case 5:
		lp.buf = binary.LittleEndian.AppendUint32(append(lp.buf, lpEncoding32BitInt), uint32(u))
	default:
		lp.buf = binary.LittleEndian.AppendUint64(append(lp.buf, lpEncoding64BitInt), u)
	}
}

// appendBacklen is lpEncodeBacklen.
func appendBacklen(dst []byte, l int) []byte {
	switch backlenSize(l) {
	case 1:
		return append(dst, byte(l))
	case 2:
		return append(dst, byte(l>>7), byte(l&127)|128)
	case 3:
		return append(dst, byte(l>>14), byte(l>>7&127)|128, byte(l&127)|128)
	case 4:
		return append(dst, byte(l>>21), byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
	}
	return append(dst, byte(l>>28), byte(l>>21&127)|128, byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
}

// finish writes the header and end byte and returns the listpack.
func (lp *listpackBuilder) finish() []byte {
	lp.buf = append(lp.buf, lpEOF)
	binary.LittleEndian.PutUint32(lp.buf, uint32(len(lp.buf)))
	n := lp.n
	if n >= lpNumElementsUnknown {
		n = lpNumElementsUnknown
	}
	binary.LittleEndian.PutUint16(lp.buf[4:], uint16(n))
	return lp.buf
}

// decodeListpack validates lp as lpValidateIntegrity does with deep
// checking (sizes, every entry's encoding and back length, the count and
// the end byte) and returns its entries, integers in decimal form. The
// entries are fresh slices.
func decodeListpack(lp []byte) ([][]byte, error) {
	if len(lp) < lpHeaderSize+1 {
		return nil, fmt.Errorf("%w: listpack of %d bytes", ErrBadFormat, len(lp))
	}
	if total := binary.LittleEndian.Uint32(lp); uint64(total) != uint64(len(lp)) {
		return nil, fmt.Errorf("%w: listpack header says %d bytes, has %d", ErrBadFormat, total, len(lp))
	}
	if lp[len(lp)-1] != lpEOF {
		return nil, fmt.Errorf("%w: listpack without end byte", ErrBadFormat)
	}
	count := int(binary.LittleEndian.Uint16(lp[4:]))
	body := lp[lpHeaderSize : len(lp)-1]
	// Every entry takes at least two bytes; a known count also sizes it.
	capHint := len(body) / 2
	if count != lpNumElementsUnknown {
		capHint = min(capHint, count)
	}
	out := make([][]byte, 0, capHint)
	for p := 0; p < len(body); {
		e, n, err := lpEntry(body[p:])
		if err != nil {
			return nil, err
		}
		bl, ok := readBacklen(body[p+n:], n)
		if !ok {
			return nil, fmt.Errorf("%w: listpack entry with a bad back length", ErrBadFormat)
		}
		out = append(out, e)
		p += n + bl
	}
	if count != lpNumElementsUnknown && count != len(out) {
		return nil, fmt.Errorf("%w: listpack header says %d entries, has %d", ErrBadFormat, count, len(out))
	}
	return out, nil
}

// lpEntry decodes the entry at the start of p and returns its value and
// the size of its encoding and data, without the back length.
func lpEntry(p []byte) (val []byte, n int, err error) {
	short := fmt.Errorf("%w: truncated listpack entry", ErrBadFormat)
	c := p[0]
	var v int64
	switch {
	case c&0x80 == lpEncoding7BitUint:
		return strconv.AppendInt(nil, int64(c), 10), 1, nil
	case c&lpEncoding6BitStrMask == lpEncoding6BitStr:
		l := int(c & 0x3f)
		if len(p) < 1+l {
			return nil, 0, short
		}
		return append([]byte(nil), p[1:1+l]...), 1 + l, nil
	case c&lpEncoding13BitMask == lpEncoding13BitInt:
		if len(p) < 2 {
			return nil, 0, short
		}
		u := uint64(c&0x1f)<<8 | uint64(p[1])
		v = int64(u<<51) >> 51
		n = 2
	case c&lpEncoding12BitMask == lpEncoding12BitStr:
		if len(p) < 2 {
			return nil, 0, short
		}
		l := int(c&0x0f)<<8 | int(p[1])
		if len(p) < 2+l {
			return nil, 0, short
		}
		return append([]byte(nil), p[2:2+l]...), 2 + l, nil
	case c == lpEncoding32BitStr:
		if len(p) < 5 {
			return nil, 0, short
		}
		l := uint64(binary.LittleEndian.Uint32(p[1:]))
		if uint64(len(p)) < 5+l {
			return nil, 0, short
		}
		return append([]byte(nil), p[5:5+l]...), 5 + int(l), nil
	case c == lpEncoding16BitInt:
		if len(p) < 3 {
			return nil, 0, short
		}
		v, n = int64(int16(binary.LittleEndian.Uint16(p[1:]))), 3
	case c == lpEncoding24BitInt:
		if len(p) < 4 {
			return nil, 0, short
		}
		u := uint32(p[1]) | uint32(p[2])<<8 | uint32(p[3])<<16
		v, n = int64(int32(u<<8)>>8), 4
	case c == lpEncoding32BitInt:
		if len(p) < 5 {
			return nil, 0, short
		}
		v, n = int64(int32(binary.LittleEndian.Uint32(p[1:]))), 5
	case c == lpEncoding64BitInt:
		if len(p) < 9 {
			return nil, 0, short
		}
		v, n = int64(binary.LittleEndian.Uint64(p[1:])), 9
	default:
		return nil, 0, fmt.Errorf("%w: listpack entry encoding 0x%02x", ErrBadFormat, c)
	}
	return strconv.AppendInt(nil, v, 10), n, nil
}

// readBacklen checks that p starts with the back length of an entry of l
// bytes and returns its size.
func readBacklen(p []byte, l int) (int, bool) {
	want := appendBacklen(nil, l)
	if len(p) < len(want) {
		return 0, false
	}
	for i := range want {
		if p[i] != want[i] {
			return 0, false
		}
	}
	return len(want), true
}

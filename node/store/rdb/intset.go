package rdb

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Intset layout (intset.c): a 4-byte element width (2, 4 or 8), a 4-byte
// count, and the members in ascending order, all little endian.
const intsetHeaderSize = 8

// intsetWidth is _intsetValueEncoding: the smallest width that holds v.
func intsetWidth(v int64) int {
	switch {
	case v < math.MinInt32 || v > math.MaxInt32:
		return 8
	case v < math.MinInt16 || v > math.MaxInt16:
		return 4
	}
	return 2
}

// encodeIntset builds an intset of width bytes per member from ascending
// members; width must hold every member.
func encodeIntset(ints []int64, width int) []byte {
	b := make([]byte, intsetHeaderSize, intsetHeaderSize+width*len(ints))
	binary.LittleEndian.PutUint32(b, uint32(width))
	binary.LittleEndian.PutUint32(b[4:], uint32(len(ints)))
	for _, v := range ints {
		switch width {
		case 2:
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		case 4:
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		default:
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	}
	return b
}

// decodeIntset validates an intset as intsetValidateIntegrity does with
// deep checking (width, size, strictly ascending members) and returns its
// members and width.
func decodeIntset(b []byte) (ints []int64, width int, err error) {
	if len(b) < intsetHeaderSize {
		return nil, 0, fmt.Errorf("%w: intset of %d bytes", ErrBadFormat, len(b))
	}
	width = int(binary.LittleEndian.Uint32(b))
	if width != 2 && width != 4 && width != 8 {
		return nil, 0, fmt.Errorf("%w: intset width %d", ErrBadFormat, width)
	}
	n := uint64(binary.LittleEndian.Uint32(b[4:]))
	if n == 0 {
		return nil, 0, fmt.Errorf("%w: empty intset", ErrBadFormat)
	}
	if uint64(len(b)-intsetHeaderSize) != n*uint64(width) {
		return nil, 0, fmt.Errorf("%w: intset of %d members in %d bytes", ErrBadFormat, n, len(b))
	}
	ints = make([]int64, n)
	p := b[intsetHeaderSize:]
	for i := range ints {
		switch width {
		case 2:
			ints[i] = int64(int16(binary.LittleEndian.Uint16(p[2*i:])))
		case 4:
			ints[i] = int64(int32(binary.LittleEndian.Uint32(p[4*i:])))
		default:
			ints[i] = int64(binary.LittleEndian.Uint64(p[8*i:]))
		}
		if i > 0 && ints[i] <= ints[i-1] {
			return nil, 0, fmt.Errorf("%w: intset members out of order", ErrBadFormat)
		}
	}
	return ints, width, nil
}

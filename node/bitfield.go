package node

import "math"

// Overflow behaviours of BITFIELD INCRBY and SET (BFOVERFLOW_* in bitops.c).
const (
	bfWrap = iota
	bfSat
	bfFail
)

// getUnsignedBitfield reads bits bits at bit offset off of p, the first bit
// being the most significant (getUnsignedBitfield in bitops.c). p must hold
// every bit read.
func getUnsignedBitfield(p []byte, off uint64, bits int) uint64 {
	var v uint64
	for j := 0; j < bits; j++ {
		bit := (p[off>>3] >> (7 - off&7)) & 1
		v = v<<1 | uint64(bit)
		off++
	}
	return v
}

// getSignedBitfield reads a two's complement integer of bits bits.
func getSignedBitfield(p []byte, off uint64, bits int) int64 {
	v := int64(getUnsignedBitfield(p, off, bits))
	if bits < 64 && v&(1<<(bits-1)) != 0 {
		v |= -1 << bits
	}
	return v
}

// setUnsignedBitfield writes the low bits bits of v at bit offset off.
func setUnsignedBitfield(p []byte, off uint64, bits int, v uint64) {
	for j := 0; j < bits; j++ {
		bit := byte(v>>(bits-1-j)) & 1
		shift := 7 - off&7
		p[off>>3] = p[off>>3]&^(1<<shift) | bit<<shift
		off++
	}
}

// checkUnsignedBitfieldOverflow reports whether value+incr leaves the range
// of a bits-bit unsigned integer: 1 above, -1 below, 0 inside. On overflow
// limit is what WRAP or SAT stores (checkUnsignedBitfieldOverflow in
// bitops.c, including its arithmetic on the C integer types).
func checkUnsignedBitfieldOverflow(value uint64, incr int64, bits int, owtype int) (int, uint64) {
	max := uint64(math.MaxUint64)
	if bits != 64 {
		max = 1<<bits - 1
	}
	maxIncr := int64(max - value)
	minIncr := -int64(value)
	wrap := func() uint64 { return (value + uint64(incr)) &^ (math.MaxUint64 << bits) }
	switch {
	case value > max || (incr > 0 && incr > maxIncr):
		switch owtype {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return 1, max
		}
		return 1, 0
	case incr < 0 && incr < minIncr:
		switch owtype {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return -1, 0
		}
		return -1, 0
	}
	return 0, 0
}

// checkSignedBitfieldOverflow is checkUnsignedBitfieldOverflow for a
// bits-bit two's complement integer (checkSignedBitfieldOverflow in
// bitops.c).
func checkSignedBitfieldOverflow(value, incr int64, bits int, owtype int) (int, int64) {
	max := int64(math.MaxInt64)
	if bits != 64 {
		max = 1<<(bits-1) - 1
	}
	min := -max - 1
	maxIncr := int64(uint64(max) - uint64(value))
	minIncr := min - value
	wrap := func() int64 {
		c := uint64(value) + uint64(incr)
		if bits < 64 {
			mask := uint64(math.MaxUint64) << bits
			if c&(1<<(bits-1)) != 0 {
				c |= mask
			} else {
				c &^= mask
			}
		}
		return int64(c)
	}
	switch {
	case value > max || (bits != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr):
		switch owtype {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return 1, max
		}
		return 1, 0
	case value < min || (bits != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr):
		switch owtype {
		case bfWrap:
			return 1, wrap()
		case bfSat:
			return -1, min
		}
		return -1, 0
	}
	return 0, 0
}

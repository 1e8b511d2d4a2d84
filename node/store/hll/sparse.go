package hll

import (
	"strconv"
	"strings"
)

func isZero(op byte) bool  { return op&0xc0 == 0 }
func isXZero(op byte) bool { return op&0xc0 == xzeroBit }
func isVal(op byte) bool   { return op&valBit != 0 }
func zeroLen(op byte) int  { return int(op&0x3f) + 1 }
func valLen(op byte) int   { return int(op&0x3) + 1 }

func valValue(op byte) uint8 { return (op>>2)&0x1f + 1 }

// xzeroLen reads the XZERO opcode at b[p]. A truncated opcode at the end
// reads the sds terminator, a zero, as its second byte, as Redis does.
func xzeroLen(b []byte, p int) int {
	var lo int
	if p+1 < len(b) {
		lo = int(b[p+1])
	}
	return (int(b[p]&0x3f)<<8 | lo) + 1
}

func setVal(b []byte, val uint8, n int) { b[0] = (val-1)<<2 | byte(n-1) | valBit }
func setZero(b []byte, n int)           { b[0] = byte(n - 1) }

func setXZero(b []byte, n int) {
	l := n - 1
	b[0] = byte(l>>8) | xzeroBit
	b[1] = byte(l)
}

// opLen returns the register span of the opcode at b[p] and its length in
// bytes.
func opLen(b []byte, p int) (span, oplen int) {
	switch op := b[p]; {
	case isZero(op):
		return zeroLen(op), 1
	case isVal(op):
		return valLen(op), 1
	default:
		return xzeroLen(b, p), 2
	}
}

// sparseSet is hllSparseSet: raise register index of the sparse HLL b to
// count, splitting the opcode that covers it and merging equal adjacent
// VAL opcodes, or promote b to dense when count exceeds the VAL range or the
// result would be longer than sparseMax.
func sparseSet(b []byte, index int, count uint8, sparseMax int64) ([]byte, bool, error) {
	if count > valMaxValue {
		return promote(b, index, count)
	}
	// Room for the worst split (XZERO into XZERO-VAL-XZERO, 3 more bytes)
	// and the terminator byte that Redis's memmoves may touch.
	if cap(b)-len(b) < 4 {
		nb := make([]byte, len(b), len(b)+len(b)/4+8)
		copy(nb, b)
		b = nb
	}
	end := len(b)
	w := b[:end+4]

	// Step 1: find the opcode covering index.
	p, first, span := HeaderSize, 0, 0
	prev := -1
	for p < end {
		var oplen int
		span, oplen = opLen(w[:end], p)
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return b, false, ErrInvalid
	}
	op := w[p]
	next := p + 1
	if isXZero(op) {
		next = p + 2
	}
	hasNext := next < end
	zero, xzero := isZero(op), isXZero(op)
	var runlen int
	switch {
	case zero:
		runlen = zeroLen(op)
	case xzero:
		runlen = xzeroLen(w[:end], p)
	default:
		runlen = valLen(op)
	}

	// Step 2: the trivial cases update the opcode in place.
	switch {
	case !zero && !xzero && valValue(op) >= count:
		return b, false, nil
	case !zero && !xzero && runlen == 1, zero && runlen == 1:
		setVal(w[p:], count, 1)
	default:
		// The general case splits the opcode into up to three.
		var seq [5]byte
		n := 0
		last := first + span - 1
		if zero || xzero {
			if index != first {
				n += putZeros(seq[n:], index-first)
			}
			setVal(seq[n:], count, 1)
			n++
			if index != last {
				n += putZeros(seq[n:], last-index)
			}
		} else {
			curval := valValue(op)
			if index != first {
				setVal(seq[n:], curval, index-first)
				n++
			}
			setVal(seq[n:], count, 1)
			n++
			if index != last {
				setVal(seq[n:], curval, last-index)
				n++
			}
		}
		// Step 3: put the new sequence in place of the old opcode.
		oldlen := 1
		if xzero {
			oldlen = 2
		}
		delta := n - oldlen
		if delta > 0 && int64(end+delta) > sparseMax {
			return promote(b, index, count)
		}
		if delta != 0 && hasNext {
			copy(w[next+delta:], w[next:end])
		}
		end += delta
		copy(w[p:], seq[:n])
	}

	// Step 4: merge adjacent VAL opcodes of the same value, scanning up to
	// five opcodes from the one before the change.
	p = HeaderSize
	if prev >= 0 {
		p = prev
	}
	for scan := 5; p < end && scan > 0; {
		scan--
		switch op := w[p]; {
		case isXZero(op):
			p += 2
			continue
		case isZero(op):
			p++
			continue
		}
		if p+1 < end && isVal(w[p+1]) {
			v1, v2 := valValue(w[p]), valValue(w[p+1])
			if l := valLen(w[p]) + valLen(w[p+1]); v1 == v2 && l <= valMaxLen {
				setVal(w[p+1:], v1, l)
				copy(w[p:end-1], w[p+1:end])
				end--
				continue
			}
		}
		p++
	}
	b = w[:end]
	InvalidateCache(b)
	return b, true, nil
}

// putZeros writes a ZERO or XZERO opcode for n registers and returns its
// length.
func putZeros(b []byte, n int) int {
	if n > zeroMaxLen {
		setXZero(b, n)
		return 2
	}
	setZero(b, n)
	return 1
}

// promote converts b to dense and sets the register there (the promote
// label of hllSparseSet).
func promote(b []byte, index int, count uint8) ([]byte, bool, error) {
	d, err := ToDense(b)
	if err != nil {
		return b, false, err
	}
	denseSet(d[HeaderSize:], index, count)
	return d, true, nil
}

// Decode renders the opcodes of a valid sparse HLL as PFDEBUG DECODE does:
// "Z:n" for XZERO, "z:n" for ZERO and "v:value,n" for VAL, space separated.
func Decode(b []byte) string {
	var sb strings.Builder
	for p := HeaderSize; p < len(b); {
		op := b[p]
		switch {
		case isZero(op):
			sb.WriteString("z:")
			sb.WriteString(strconv.Itoa(zeroLen(op)))
			p++
		case isXZero(op):
			sb.WriteString("Z:")
			sb.WriteString(strconv.Itoa(xzeroLen(b, p)))
			p += 2
		default:
			sb.WriteString("v:")
			sb.WriteString(strconv.Itoa(int(valValue(op))))
			sb.WriteByte(',')
			sb.WriteString(strconv.Itoa(valLen(op)))
			p++
		}
		sb.WriteByte(' ')
	}
	return strings.Trim(sb.String(), " ")
}

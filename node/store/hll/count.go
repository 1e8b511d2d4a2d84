package hll

import "math"

// alphaInf is HLL_ALPHA_INF, 0.5/ln(2).
const alphaInf = 0.721347520444481703680

// histogram counts the registers of each value (reghisto). Sized 64 like
// Redis's, so any 6-bit register value of a corrupted dense HLL fits.
type histogram [64]int

// Count computes the cardinality of the valid HLL b from its registers
// (hllCount), ignoring the cache. A sparse HLL whose opcodes do not cover
// exactly Registers registers is ErrInvalid.
func Count(b []byte) (uint64, error) {
	var h histogram
	if b[4] == Dense {
		regs := b[HeaderSize:]
		for i := 0; i < Registers; i++ {
			h[denseGet(regs, i)]++
		}
		return h.estimate(), nil
	}
	idx := 0
	for p := HeaderSize; p < len(b); {
		switch op := b[p]; {
		case isZero(op):
			n := zeroLen(op)
			idx += n
			h[0] += n
			p++
		case isXZero(op):
			n := xzeroLen(b, p)
			idx += n
			h[0] += n
			p += 2
		default:
			n := valLen(op)
			idx += n
			h[valValue(op)] += n
			p++
		}
	}
	if idx != Registers {
		return 0, ErrInvalid
	}
	return h.estimate(), nil
}

// CountRegisters is hllCount of the internal raw encoding, one byte per
// register, as PFCOUNT computes the union of several keys. Values above 63
// are taken modulo 64.
func CountRegisters(regs *[Registers]uint8) uint64 {
	var h histogram
	for _, v := range regs {
		h[v&registerMax]++
	}
	return h.estimate()
}

// estimate is the estimator of hllCount (Ertl, arXiv:1702.01284). Products
// are rounded before they are added, as C computes them, so that no fused
// multiply-add changes the last bit.
func (h *histogram) estimate() uint64 {
	const m = float64(Registers)
	z := m * tau((m-float64(h[Q+1]))/m)
	for j := Q; j >= 1; j-- {
		z += float64(h[j])
		z *= 0.5
	}
	z += float64(m * sigma(float64(h[0])/m))
	return uint64(math.Round(float64(alphaInf*m*m) / z))
}

// sigma is hllSigma.
func sigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y := 1.0
	z := x
	for {
		x *= x
		zPrime := z
		z += float64(x * y)
		y += y
		if zPrime == z {
			return z
		}
	}
}

// tau is hllTau.
func tau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y := 1.0
	z := 1 - x
	for {
		x = math.Sqrt(x)
		zPrime := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if zPrime == z {
			return z / 3
		}
	}
}

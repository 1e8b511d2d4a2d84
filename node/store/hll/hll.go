package hll

import (
	"encoding/binary"
	"math/bits"
)

// The geometry of Redis's HyperLogLog (HLL_P, HLL_REGISTERS... in
// hyperloglog.c).
const (
	// P is the number of hash bits that index a register.
	P = 14
	// Q is the number of hash bits left to count the run of zeroes in.
	Q = 64 - P
	// Registers is the number of registers, 16384.
	Registers = 1 << P
	// HeaderSize is the size of the "HYLL" header: magic, encoding, three
	// unused bytes and the cached cardinality.
	HeaderSize = 16
	// DenseSize is the exact length of a dense HLL: the header and 16384
	// registers of 6 bits.
	DenseSize = HeaderSize + (Registers*registerBits+7)/8

	registerBits = 6
	registerMax  = 1<<registerBits - 1
	pMask        = Registers - 1

	// hashSeed is the MurmurHash64A seed hllPatLen uses.
	hashSeed = 0xadc83b19
)

// Encodings, the byte after the magic.
const (
	// Dense is HLL_DENSE: 16384 packed 6-bit registers.
	Dense = 0
	// Sparse is HLL_SPARSE: run-length opcodes.
	Sparse = 1
	// maxEncoding is HLL_MAX_ENCODING.
	maxEncoding = 1
)

// Sparse opcodes (HLL_SPARSE_* in hyperloglog.c): ZERO is 00xxxxxx, a run
// of 1 to 64 zero registers; XZERO is 01xxxxxx yyyyyyyy, a run of 1 to 16384
// zero registers; VAL is 1vvvvvxx, a run of 1 to 4 registers of value 1 to
// 32.
const (
	xzeroBit     = 0x40
	valBit       = 0x80
	valMaxValue  = 32
	valMaxLen    = 4
	zeroMaxLen   = 64
	xzeroMaxLen  = 16384
	cacheInvalid = 0x80 // in card[7], the last header byte
)

// New returns an empty HLL as createHLLObject makes it: sparse, one XZERO
// opcode covering every register, cached cardinality 0.
func New() []byte {
	b := make([]byte, HeaderSize+2)
	copy(b, "HYLL")
	b[4] = Sparse
	setXZero(b[HeaderSize:], Registers)
	return b
}

// Valid reports whether b is an HLL Redis accepts (isHLLObjectOrReply): at
// least a header, the magic "HYLL", a known encoding, and for the dense
// encoding the exact length. The sparse opcodes are checked only when used.
func Valid(b []byte) bool {
	if len(b) < HeaderSize || string(b[:4]) != "HYLL" || b[4] > maxEncoding {
		return false
	}
	return b[4] != Dense || len(b) == DenseSize
}

// Encoding returns the encoding byte of a valid HLL: Dense or Sparse.
func Encoding(b []byte) byte { return b[4] }

// Cached returns the cached cardinality of a valid HLL and whether it is
// valid (HLL_VALID_CACHE).
func Cached(b []byte) (uint64, bool) {
	return binary.LittleEndian.Uint64(b[8:HeaderSize]), b[HeaderSize-1]&cacheInvalid == 0
}

// SetCached stores card as the cached cardinality, which makes the cache
// valid.
func SetCached(b []byte, card uint64) { binary.LittleEndian.PutUint64(b[8:HeaderSize], card) }

// InvalidateCache marks the cached cardinality stale (HLL_INVALIDATE_CACHE).
func InvalidateCache(b []byte) { b[HeaderSize-1] |= cacheInvalid }

// MurmurHash64A is Redis's endian-neutral 64-bit MurmurHash2.
func MurmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ (uint64(len(key)) * m)
	n := len(key) &^ 7
	for i := 0; i < n; i += 8 {
		k := binary.LittleEndian.Uint64(key[i:])
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	tail := key[n:]
	switch len(tail) {
	case 7:
		h ^= uint64(tail[6]) << 48
		fallthrough
	case 6:
		h ^= uint64(tail[5]) << 40
		fallthrough
	case 5:
		h ^= uint64(tail[4]) << 32
		fallthrough
	case 4:
		h ^= uint64(tail[3]) << 24
		fallthrough
	case 3:
		h ^= uint64(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint64(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint64(tail[0])
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// patLen is hllPatLen: the register ele hashes to, and the length of the
// 000..1 pattern in the remaining hash bits, at most Q+1.
func patLen(ele []byte) (index int, count uint8) {
	hash := MurmurHash64A(ele, hashSeed)
	index = int(hash & pMask)
	hash >>= P
	hash |= 1 << Q
	return index, uint8(bits.TrailingZeros64(hash) + 1)
}

// Add adds ele to the valid HLL b (hllAdd), converting a sparse HLL to
// dense when a register outgrows the sparse encoding or the sparse bytes
// would exceed sparseMax (hll-sparse-max-bytes). It reports whether a
// register changed. On ErrInvalid the returned bytes hold whatever Redis
// leaves in the value after the failed update.
func Add(b, ele []byte, sparseMax int64) ([]byte, bool, error) {
	index, count := patLen(ele)
	return Set(b, index, count, sparseMax)
}

// Set raises register index of the valid HLL b to count if it is lower
// (hllDenseSet or hllSparseSet), and reports whether it changed. It does
// not touch the cached cardinality.
func Set(b []byte, index int, count uint8, sparseMax int64) ([]byte, bool, error) {
	if b[4] == Dense {
		return b, denseSet(b[HeaderSize:], index, count), nil
	}
	return sparseSet(b, index, count, sparseMax)
}

// denseGet is HLL_DENSE_GET_REGISTER. The byte after the last register is
// the sds terminator in Redis, a zero.
func denseGet(regs []byte, i int) uint8 {
	byt := i * registerBits / 8
	fb := uint(i * registerBits & 7)
	b0 := uint(regs[byt])
	var b1 uint
	if byt+1 < len(regs) {
		b1 = uint(regs[byt+1])
	}
	return uint8((b0>>fb | b1<<(8-fb)) & registerMax)
}

// denseSetRegister is HLL_DENSE_SET_REGISTER.
func denseSetRegister(regs []byte, i int, val uint8) {
	byt := i * registerBits / 8
	fb := uint(i * registerBits & 7)
	fb8 := 8 - fb
	v := uint(val)
	regs[byt] &^= byte(registerMax << fb)
	regs[byt] |= byte(v << fb)
	if byt+1 < len(regs) {
		regs[byt+1] &^= byte(registerMax >> fb8)
		regs[byt+1] |= byte(v >> fb8)
	}
}

// denseSet is hllDenseSet.
func denseSet(regs []byte, i int, count uint8) bool {
	if count > denseGet(regs, i) {
		denseSetRegister(regs, i, count)
		return true
	}
	return false
}

// Register returns register i of a valid dense HLL.
func Register(b []byte, i int) uint8 { return denseGet(b[HeaderSize:], i) }

// ToDense converts a valid sparse HLL to the dense encoding
// (hllSparseToDense), keeping the header and its cached cardinality; a
// dense HLL comes back as it is. A VAL run past the last register is
// ErrInvalid even when the runs before it cover every register: the
// redis-server 7.0.15 of the reference carries the CVE-2025-32023 fix.
func ToDense(b []byte) ([]byte, error) {
	if b[4] == Dense {
		return b, nil
	}
	dense := make([]byte, DenseSize)
	copy(dense, b[:HeaderSize])
	dense[4] = Dense
	regs := dense[HeaderSize:]
	idx := 0
	for p := HeaderSize; p < len(b); {
		switch op := b[p]; {
		case isZero(op):
			idx += zeroLen(op)
			p++
		case isXZero(op):
			idx += xzeroLen(b, p)
			p += 2
		default:
			runlen, regval := valLen(op), valValue(op)
			if runlen+idx > Registers {
				return nil, ErrInvalid
			}
			for ; runlen > 0; runlen-- {
				denseSetRegister(regs, idx, regval)
				idx++
			}
			p++
		}
	}
	if idx != Registers {
		return nil, ErrInvalid
	}
	return dense, nil
}

// Merge raises max[i] to register i of the valid HLL b, for every i
// (hllMerge). Like ToDense it rejects a VAL run past the last register.
// On ErrInvalid max holds the registers merged before the fault.
func Merge(max *[Registers]uint8, b []byte) error {
	if b[4] == Dense {
		regs := b[HeaderSize:]
		for i := range max {
			if v := denseGet(regs, i); v > max[i] {
				max[i] = v
			}
		}
		return nil
	}
	i := 0
	for p := HeaderSize; p < len(b); {
		switch op := b[p]; {
		case isZero(op):
			i += zeroLen(op)
			p++
		case isXZero(op):
			i += xzeroLen(b, p)
			p += 2
		default:
			runlen, regval := valLen(op), valValue(op)
			if runlen+i > Registers {
				return ErrInvalid
			}
			for ; runlen > 0; runlen-- {
				if regval > max[i] {
					max[i] = regval
				}
				i++
			}
			p++
		}
	}
	if i != Registers {
		return ErrInvalid
	}
	return nil
}

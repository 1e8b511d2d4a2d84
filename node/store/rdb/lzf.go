package rdb

// Parameters of the LZF compressor Redis builds (lzfP.h): a 2^16-slot hash
// table in VERY_FAST mode.
const (
	lzfHLog   = 16
	lzfHSize  = 1 << lzfHLog
	lzfMaxLit = 1 << 5
	lzfMaxOff = 1 << 13
	lzfMaxRef = 1<<8 + 1<<3
	// lzfMaxRatio bounds the expansion of LZF: a back reference of 3 bytes
	// yields at most lzfMaxRef+2 bytes, so no valid stream expands more.
	lzfMaxRatio = (lzfMaxRef + 2 + 2) / 3
)

// lzfIndex is IDX(h) of lzf_c.c in VERY_FAST mode.
func lzfIndex(h uint32) uint32 { return ((h >> (3*8 - lzfHLog)) - h*5) & (lzfHSize - 1) }

// lzfCompress is lzf_compress from Redis's lzf_c.c: it compresses in into at
// most outLen bytes and returns nil when the result would not fit. The hash
// table starts zeroed, which makes the output a function of the input
// (Redis leaves it uninitialised, so on rare inputs its output can differ
// while still decoding to the same bytes).
func lzfCompress(in []byte, outLen int) []byte {
	inLen := len(in)
	if inLen == 0 || outLen == 0 {
		return nil
	}
	htab := make([]uint32, lzfHSize)
	out := make([]byte, outLen)
	ip, op := 0, 0
	lit := 0
	op++ // start run
	hval := uint32(in[0])<<8 | uint32(in[1%inLen])
	for ip < inLen-2 {
		hval = hval<<8 | uint32(in[ip+2])
		slot := lzfIndex(hval)
		ref := int(htab[slot])
		htab[slot] = uint32(ip)
		off := ip - ref - 1
		if ref > 0 && off >= 0 && off < lzfMaxOff &&
			in[ref+2] == in[ip+2] && in[ref] == in[ip] && in[ref+1] == in[ip+1] {
			length := 2
			maxLen := min(inLen-ip-length, lzfMaxRef)
			if op+3+1 >= outLen {
				l := 0
				if lit == 0 {
					l = 1
				}
				if op-l+3+1 >= outLen {
					return nil
				}
			}
			out[op-lit-1] = byte(lit - 1) // stop run
			if lit == 0 {
				op-- // undo run if length is zero
			}
			length = lzfMatchLen(in, ref, ip, maxLen)
			length -= 2
			ip++
			if length < 7 {
				out[op] = byte(off>>8 + length<<5)
				op++
			} else {
				out[op] = byte(off>>8 + 7<<5)
				out[op+1] = byte(length - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			lit = 0
			op++ // start run
			ip += length + 1
			if ip >= inLen-2 {
				break
			}
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = hval<<8 | uint32(in[ip+2])
			htab[lzfIndex(hval)] = uint32(ip)
			ip++
			hval = hval<<8 | uint32(in[ip+2])
			htab[lzfIndex(hval)] = uint32(ip)
			ip++
			continue
		}
		// One more literal byte to copy.
		if op >= outLen {
			return nil
		}
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if op+3 > outLen {
		return nil
	}
	for ip < inLen {
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1)
	if lit == 0 {
		op--
	}
	return out[:op]
}

// lzfMatchLen extends a 3-byte match at ref and ip the way lzf_compress
// does, including its unrolled first 16 steps, and returns the length
// reached.
func lzfMatchLen(in []byte, ref, ip, maxLen int) int {
	length := 2
	if maxLen > 16 {
		for range 16 {
			length++
			if in[ref+length] != in[ip+length] {
				return length
			}
		}
	}
	for {
		length++
		if length >= maxLen || in[ref+length] != in[ip+length] {
			return length
		}
	}
}

// lzfDecompress is lzf_decompress from lzf_d.c, decoding in into exactly
// outLen bytes; ok is false for a malformed stream or a length mismatch.
func lzfDecompress(in []byte, outLen int) (out []byte, ok bool) {
	out = make([]byte, outLen)
	ip, op := 0, 0
	for ip < len(in) {
		ctrl := int(in[ip])
		ip++
		if ctrl < 1<<5 { // literal run
			ctrl++
			if op+ctrl > outLen || ip+ctrl > len(in) {
				return nil, false
			}
			copy(out[op:], in[ip:ip+ctrl])
			op += ctrl
			ip += ctrl
			continue
		}
		length := ctrl >> 5
		ref := op - (ctrl&0x1f)<<8 - 1
		if length == 7 {
			if ip >= len(in) {
				return nil, false
			}
			length += int(in[ip])
			ip++
		}
		if ip >= len(in) {
			return nil, false
		}
		ref -= int(in[ip])
		ip++
		length += 2
		if op+length > outLen || ref < 0 {
			return nil, false
		}
		// Byte by byte: the reference may overlap the output being written.
		for i := range length {
			out[op+i] = out[ref+i]
		}
		op += length
	}
	if op != outLen {
		return nil, false
	}
	return out, true
}

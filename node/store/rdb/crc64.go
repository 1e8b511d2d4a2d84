package rdb

// crc64Poly is the Jones polynomial of Redis's crc64.c, bit-reflected (the
// normal form is 0xad93d23594c935a9).
const crc64Poly = 0x95ac9329ac4bc9b5

// crc64Table is the byte-at-a-time table of the reflected polynomial.
var crc64Table = func() (t [256]uint64) {
	for i := range t {
		c := uint64(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ crc64Poly
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

// CRC64 continues the CRC64 crc over p, as crc64(crc, p, len) in Redis's
// crc64.c: reflected input and output, no final inversion. Start with 0.
func CRC64(crc uint64, p []byte) uint64 {
	for _, b := range p {
		crc = crc64Table[byte(crc)^b] ^ crc>>8
	}
	return crc
}

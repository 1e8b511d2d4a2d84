package store

import "math/bits"

// DictEntrySize is the size of a dictEntry in Redis's dict.c, for MEMORY
// USAGE estimates.
const DictEntrySize = 24

// JemallocSize rounds an allocation of n bytes up to jemalloc's size class
// (8, then steps of 16 up to 128, then four classes per doubling), so MEMORY
// USAGE reports what Redis's zmalloc_size would.
func JemallocSize(n int64) int64 {
	switch {
	case n <= 8:
		return 8
	case n <= 128:
		return (n + 15) &^ 15
	}
	k := 64 - bits.LeadingZeros64(uint64(n-1)) // 2^(k-1) < n <= 2^k
	step := int64(1) << (k - 3)
	return (n + step - 1) &^ (step - 1)
}

// SdsAllocSize is sdsZmallocSize of a fresh sds of n bytes: the smallest
// header type that fits n (sdsReqType), the bytes and the terminator.
func SdsAllocSize(n int) int64 {
	hdr := 17
	switch {
	case n < 1<<5:
		hdr = 1
	case n < 1<<8:
		hdr = 3
	case n < 1<<16:
		hdr = 5
	case n < 1<<32:
		hdr = 9
	}
	return JemallocSize(int64(hdr + n + 1))
}

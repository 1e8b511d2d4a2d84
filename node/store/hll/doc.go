// Package hll is Redis's HyperLogLog (src/hyperloglog.c of Redis 7.0) over
// the string bytes that hold it: the 16-byte "HYLL" header with its cached
// cardinality, the sparse run-length encoding and the dense 6-bit register
// array, MurmurHash64A with seed 0xadc83b19, and the estimator of Otmar
// Ertl ("New cardinality estimation algorithms for HyperLogLog sketches").
// Every function produces the same bytes and counts as redis-server, so a
// value written here can be read by GET, DUMP or a real Redis and the other
// way round. The reference is the redis-server 7.0.15 the differential tests
// run, which carries the CVE-2025-32023 fix: a sparse VAL run reaching past
// the last register makes the value corrupted for PFMERGE, multi-key PFCOUNT
// and the sparse-to-dense conversion, where 7.0.0 ignored it.
//
// The package is pure: no I/O, no clock, no goroutines, no shared state.
// Functions that modify an HLL take its bytes and return the new bytes (the
// slice may be the same array, changed in place, or a new one), like the
// sds string that hyperloglog.c reallocates. Corrupted input never panics:
// it yields ErrInvalid where Redis replies INVALIDOBJ, and otherwise
// whatever Redis computes from the same bytes.
package hll

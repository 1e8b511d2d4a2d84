// Package rdb encodes and decodes single values in Redis's RDB format, as
// DUMP and RESTORE (and later MIGRATE) exchange them with Redis 7: the RDB
// length and string encodings (integer-encoded and LZF-compressed strings),
// listpacks, intsets, and the value layouts of rdbSaveObject and
// rdbLoadObject in rdb.c, framed as a DUMP payload: the type byte, the value,
// the RDB version (2 bytes, little endian) and a CRC64 of everything before
// it (8 bytes, little endian).
//
// The package is pure: it works on byte slices only, starts no goroutines
// and keeps no state, so every function is safe for concurrent use.
// Decoding validates every length against the bytes left, the integrity of
// every listpack and intset, duplicates, the version and the checksum, and
// never panics or allocates more than a bounded multiple of its input,
// whatever the input.
package rdb

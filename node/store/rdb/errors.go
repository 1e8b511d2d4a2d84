package rdb

import "errors"

// ErrVersionOrChecksum is returned for a payload whose footer is missing,
// whose RDB version is newer than Version, or whose CRC64 does not match
// (verifyDumpPayload in cluster.c). RESTORE replies "ERR DUMP payload
// version or checksum are wrong".
var ErrVersionOrChecksum = errors.New("rdb: payload version or checksum are wrong")

// ErrBadFormat is returned, wrapped with the reason, for a payload whose
// footer checks out but whose value cannot be decoded (rdbLoadObject
// failing). RESTORE replies "ERR Bad data format".
var ErrBadFormat = errors.New("rdb: bad data format")

package node

import "errors"

// Error replies, with their codes, exactly as Redis 7 writes them. Handlers
// reply with these (or build one with the helpers below); nothing else in
// the package spells an error text.
const (
	errSyntax          = "ERR syntax error"
	errClusterDisabled = "ERR This instance has cluster support disabled"
	errNotInteger      = "ERR value is not an integer or out of range"
	errNotFloat        = "ERR value is not a valid float"
	errWrongType       = "WRONGTYPE Operation against a key holding the wrong kind of value"
	errNoAuth          = "NOAUTH Authentication required."
	errNoSuchKey       = "ERR no such key"
	errOverflow        = "ERR increment or decrement would overflow"
	errInvalidExpire   = "ERR invalid expire time in '%s' command"
	errDBIndex         = "ERR DB index is out of range"
	errNestedMulti     = "ERR MULTI calls can not be nested"
	errExecNoMulti     = "ERR EXEC without MULTI"
	errDiscardNoMult   = "ERR DISCARD without MULTI"
	errWatchInMulti    = "ERR WATCH inside MULTI is not allowed"
	errExecAbort       = "EXECABORT Transaction discarded because of previous errors."
	errWrongPass       = "WRONGPASS invalid username-password pair or user is disabled."
	errNoPassword      = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	errNoProto         = "NOPROTO unsupported protocol version"
	errBitOffset       = "ERR bit offset is not an integer or out of range"
	errBitValue        = "ERR bit is not an integer or out of range"
	errStringTooBig    = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	errOutOfRange      = "ERR value is out of range, must be positive"
	errTimeout         = "ERR timeout is not a float or out of range"
	errDebugDisabled   = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
)

// Used by cmd_string.go.
const (
	errOffsetRange   = "ERR offset is out of range"
	errDecrOverflow  = "ERR decrement would overflow"
	errIncrFloatNaN  = "ERR increment would produce NaN or Infinity"
	errLCSKeyType    = "ERR The specified keys must contain string values"
	errLCSLenAndIdx  = "ERR If you want both the length and indexes, please just use IDX."
	errLCSTooLong    = "ERR String too long for LCS"
	errLCSMemory     = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
	errWrongArityFmt = "ERR wrong number of arguments for '%s' command"
)

// Used by cmd_bitmap.go.
const (
	errBitArg       = "ERR The bit argument must be 1 or 0."
	errBitopNot     = "ERR BITOP NOT must be called with a single source key."
	errBitfieldType = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	errBitfieldOver = "ERR Invalid OVERFLOW type specified"
	errBitfieldRO   = "ERR BITFIELD_RO only supports the GET subcommand"
)

// Used by cmd_key.go.
const (
	errSameObject     = "ERR source and destination objects are the same"
	errInvalidCursor  = "ERR invalid cursor"
	errExpireNXMix    = "ERR NX and XX, GT or LT options at the same time are not compatible"
	errExpireGTLT     = "ERR GT and LT options at the same time are not compatible"
	errExpireOption   = "ERR Unsupported option %s"
	errMoveCluster    = "ERR MOVE is not allowed in cluster mode"
	errCopyCluster    = "ERR Copying to another database is not allowed in cluster mode"
	errUnknownObjType = "ERR unknown type object"
	errIntRange       = "ERR value is out of range, value must between -2147483648 and 2147483647"
)

// Used by cmd_client.go.
const (
	errNoSuchClient      = "ERR No such client"
	errClientIDPositive  = "ERR client-id should be greater than 0"
	errUnknownClientType = "ERR Unknown client type '%s'"
	errNoSuchUser        = "ERR No such user '%s'"
	errInvalidClientID   = "ERR Invalid client ID"
	errPauseMode         = "ERR CLIENT PAUSE mode must be WRITE or ALL"
	errPauseTimeout      = "ERR timeout is not an integer or out of range"
	errTimeoutNegative   = "ERR timeout is negative"
	errUnblockReason     = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
	errSetinfoOption     = "ERR Unrecognized option '%s'"
	errSetinfoValue      = "ERR %s cannot contain spaces, newlines or special characters."
)

// Used by cmd_server.go.
const (
	errNoShutdown     = "ERR No shutdown in progress."
	errMonitorDeny    = "ERR MONITOR isn't allowed for DENY BLOCKING client"
	errSlowlogCount   = "ERR count should be greater than or equal to -1"
	errNoLatencyData  = "ERR No samples available for event '%s'"
	errFreqNotLFU     = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errIdletimeLFU    = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errSubcommandArgs = "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP."
	errProtocolType   = "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"
	errRESP2Push      = "ERR RESP2 is not supported by this command"
)

// Sentinel errors of the node package.
var (
	// ErrConfig wraps every configuration error, from the file, the command
	// line or CONFIG SET.
	ErrConfig = errors.New("config")
	// ErrServerClosed is returned by Serve after Close.
	ErrServerClosed = errors.New("node: server closed")
)

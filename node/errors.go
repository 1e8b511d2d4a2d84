package node

import "errors"

// Error replies, with their codes, exactly as Redis 7 writes them. Handlers
// reply with these (or build one with the helpers below); nothing else in
// the package spells an error text.
const (
	errSyntax        = "ERR syntax error"
	errNotInteger    = "ERR value is not an integer or out of range"
	errNotFloat      = "ERR value is not a valid float"
	errWrongType     = "WRONGTYPE Operation against a key holding the wrong kind of value"
	errNoAuth        = "NOAUTH Authentication required."
	errNoSuchKey     = "ERR no such key"
	errOverflow      = "ERR increment or decrement would overflow"
	errInvalidExpire = "ERR invalid expire time in '%s' command"
	errDBIndex       = "ERR DB index is out of range"
	errNestedMulti   = "ERR MULTI calls can not be nested"
	errExecNoMulti   = "ERR EXEC without MULTI"
	errDiscardNoMult = "ERR DISCARD without MULTI"
	errWatchInMulti  = "ERR WATCH inside MULTI is not allowed"
	errExecAbort     = "EXECABORT Transaction discarded because of previous errors."
	errWrongPass     = "WRONGPASS invalid username-password pair or user is disabled."
	errNoPassword    = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	errNoProto       = "NOPROTO unsupported protocol version"
	errBitOffset     = "ERR bit offset is not an integer or out of range"
	errBitValue      = "ERR bit is not an integer or out of range"
	errStringTooBig  = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	errOutOfRange    = "ERR value is out of range, must be positive"
	errTimeout       = "ERR timeout is not a float or out of range"
	errDebugDisabled = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
)

// Sentinel errors of the node package.
var (
	// ErrConfig wraps every configuration error, from the file, the command
	// line or CONFIG SET.
	ErrConfig = errors.New("config")
	// ErrServerClosed is returned by Serve after Close.
	ErrServerClosed = errors.New("node: server closed")
)

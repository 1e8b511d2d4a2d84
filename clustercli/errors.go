package clustercli

import "errors"

// ErrUsage is returned for command-line arguments the tool cannot accept.
var ErrUsage = errors.New("clustercli: invalid arguments")

// ErrTooFewMasters is returned by Allocate when the nodes and the replicas
// per master leave fewer than three masters, which Redis Cluster requires.
var ErrTooFewMasters = errors.New("clustercli: fewer than 3 masters")

// ErrMalformedNodes is returned for CLUSTER NODES text that cannot be parsed.
var ErrMalformedNodes = errors.New("clustercli: malformed CLUSTER NODES line")

// ErrUnexpectedReply is returned when a node answers with a reply of the
// wrong RESP type.
var ErrUnexpectedReply = errors.New("clustercli: unexpected reply type")

// ReplyError is an error reply (-ERR ...) sent by a node. Its text is the
// reply without the leading '-'.
type ReplyError string

// Error returns the node's error text.
func (e ReplyError) Error() string { return string(e) }

// ErrKeysDiffer is returned when a slot move meets keys that exist on both
// nodes with different values and --cluster-replace was not given.
var ErrKeysDiffer = errors.New("clustercli: keys exist on both nodes with different values")

// ErrAborted is returned when an operation stops on a condition redis-cli
// reports with its own message (already printed).
var ErrAborted = errors.New("clustercli: operation aborted")

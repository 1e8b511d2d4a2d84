// Package resp reads RESP2 and RESP3 replies the way a client does.
//
// slotd's server side never uses it: the node parses requests with its own
// limit-enforcing reader. This package serves the tools and tests that play the
// client: the command metadata generator and the differential test harness.
package resp

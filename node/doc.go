// Package node is one slotd process: it accepts RESP clients, parses their
// requests, routes each through the command table, runs it against the
// keyspace in node/store, and hands every write's deterministic record to a
// replication.Propagator.
//
// # Request path
//
// Each connection has one reader goroutine (serveClient). It parses requests
// with reader, which enforces Redis's input limits and error texts, and runs
// them one by one through Server.call: lookup, arity, authentication, pub/sub
// context and MULTI queueing, in the order of processCommand in Redis. The
// dispatcher then locks the hash slots of the command's keys, found from
// Redis's own key specs (commandmeta.json), in ascending order; there is no
// global lock, so commands on different slots run in parallel on every core.
// Whole-keyspace commands either walk the partitions one lock at a time or
// take every lock (see lockMode). Replies of a pipeline are written with one
// write once no complete request is left in the input buffer.
//
// # Output and pushes
//
// A command builds its reply in the client's private buffer and commits it to
// the shared output buffer under outMu; publishers and MONITOR feeds append
// to the same buffer, so a subscription's confirmation always precedes its
// first message. Clients that receive pushes get a second goroutine that
// writes them as they arrive. client-output-buffer-limit applies to the
// shared buffer.
//
// # Threading model
//
// Server state that changes at run time is either atomic (config pointer,
// statistics), or guarded by a named mutex whose fields are grouped under it.
// Every goroutine the server starts is tracked and Close waits for them all.
package node

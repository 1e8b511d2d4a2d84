// Package replication carries a master's writes to its replicas.
//
// This first part defines the propagation record: the deterministic form of a
// write that replicas (and later the AOF) apply. The node produces one record
// per write, under the slot lock of the keys it wrote, so the stream order
// agrees with the apply order for every key. The PSYNC master and replica
// sides, the backlog ring and the resync decision build on it.
package replication

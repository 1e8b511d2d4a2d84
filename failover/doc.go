// Package failover will hold the pure election logic of Redis Cluster: the
// replica Elector (rank delay, vote requests, manual failover) and the master
// Voter, as state machines that take now and events and return actions.
//
// It is empty until the failover issue lands; the directory exists so the
// repository has the layout of ARCHITECTURE.md from its first commit.
package failover

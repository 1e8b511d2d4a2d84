// Package slots maps keys to Redis Cluster hash slots.
//
// It is pure: no I/O, no goroutines, no clock. KeySlot mirrors keyHashSlot in
// Redis's cluster.c: CRC16/XMODEM of the key (or of its first non-empty
// {hash tag}) modulo 16384. The cluster slot table and routing decisions will
// live here too, as the cluster issue lands.
package slots

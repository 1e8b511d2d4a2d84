// Package store is slotd's keyspace: NumDBs logical databases, each split into
// one partition per hash slot, holding typed objects with optional expiry.
//
// Threading model: every partition is guarded by its slot's mutex, shared by
// all databases (so MOVE and COPY between databases need one lock). Callers
// lock slots with Store.Lock/Unlock, in ascending order when they hold several,
// and every method on DB that takes a key requires its slot to be locked by the
// caller. There is no store-wide lock: whole-keyspace walks (FLUSHALL, KEYS,
// SCAN, active expiry) visit partitions one lock at a time unless the caller
// already holds them all.
//
// The store is clock-free: callers pass now (Unix milliseconds) to every
// method that may expire a key. Keys that are found logically expired are
// deleted and reported through Config.OnExpire while the lock is still held,
// so the caller can propagate a DEL in the same order as the deletion.
package store

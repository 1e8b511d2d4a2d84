// Package gossip carries the cluster bus on hashicorp/memberlist.
//
// Redis's bus semantics sit on top of memberlist's membership: every node
// authors a versioned NodeRecord (its flags, epochs, master and slot claims,
// the header of a Redis PING). Records travel three ways: piggybacked
// broadcasts when they change (Bus.Broadcast, invalidated per author so only
// the newest spreads), memberlist push/pull exchanges of everything a node
// knows (on join and periodically), and reliable point-to-point sends
// (UPDATE). PUBLISH travels as MsgPublish. The receiver keeps the highest
// version of each author's record, so relays and reordering are harmless.
//
// Threading: memberlist calls the delegates from its own goroutines. They
// decode and hand events to a bounded queue (Bus.Events) and never block; a
// full queue drops the event and counts it. The node's cluster loop is the
// only consumer. FaultNetwork is an in-memory network for tests that can
// partition and heal.
package gossip

// Package gossip will carry the cluster bus on hashicorp/memberlist: the
// versioned message codec, the memberlist delegates, the Bus, a
// fault-injecting transport for tests, and the pure PFAIL/FAIL detector.
//
// It is empty until the cluster-mode issue lands; the directory exists so the
// repository has the layout of ARCHITECTURE.md from its first commit.
package gossip

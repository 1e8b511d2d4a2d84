package node

import (
	"testing"
)

func BenchmarkNodesConfRender(b *testing.B) {
	st, err := parseNodesConf([]byte(sampleNodesConf))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		renderNodesConf(st, true)
	}
}

// startClusterNode runs a lone cluster-enabled node on loopback ports with
// its nodes.conf in a temporary directory.
func startClusterNode(t testing.TB) *Server {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Port = 0
	cfg.Bind = []string{"127.0.0.1"}
	cfg.ClusterEnabled = true
	cfg.Dir = t.TempDir()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.ListenAndServe(); err != nil {
		t.Fatalf("ListenAndServe: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// BenchmarkClusterSetSlot measures a CLUSTER SETSLOT round trip through the
// cluster loop, the step a reshard repeats several times per slot.
func BenchmarkClusterSetSlot(b *testing.B) {
	s := startClusterNode(b)
	c := dial(b, s)
	c.do("CLUSTER", "ADDSLOTS", "100")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.do("CLUSTER", "SETSLOT", "100", "STABLE")
	}
}

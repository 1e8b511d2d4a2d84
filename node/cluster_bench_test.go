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

package node

import (
	"net"
	"strconv"
	"testing"
)

// BenchmarkCall measures the request path without the network: lookup,
// checks, slot locking, the handler and statistics, for GET and SET.
func BenchmarkCall(b *testing.B) {
	for _, name := range []string{"SET", "GET"} {
		b.Run(name, func(b *testing.B) {
			s, _ := startServer(b, nil)
			c1, c2 := net.Pipe()
			defer c1.Close()
			defer c2.Close()
			c := &client{s: s, conn: c1, authenticated: true, wake: make(chan struct{}, 1), quit: make(chan struct{})}
			keys := make([][]byte, 1024)
			for i := range keys {
				keys[i] = []byte("key:" + strconv.Itoa(i))
			}
			val := make([]byte, 64)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				argv := [][]byte{[]byte(name), keys[i&1023], val}
				if name == "GET" {
					argv = argv[:2]
				}
				s.call(c, argv)
				c.w.b = c.w.b[:0]
			}
		})
	}
}

package node

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"testing"

	"github.com/slotd/slotd/internal/resp"
)

// scanFamily describes one of HSCAN, SSCAN and ZSCAN for the paging tests:
// how to add and delete members and how many reply elements one member
// takes.
type scanFamily struct {
	name     string
	scan     string
	add      func(key string, members []string) []string
	del      string
	perEntry int
	encoding string
}

var scanFamilies = []scanFamily{
	{
		name: "hash", scan: "HSCAN", del: "HDEL", perEntry: 2, encoding: `"hashtable"`,
		add: func(key string, members []string) []string {
			args := []string{"HSET", key}
			for _, m := range members {
				args = append(args, m, "v"+m)
			}
			return args
		},
	},
	{
		name: "set", scan: "SSCAN", del: "SREM", perEntry: 1, encoding: `"hashtable"`,
		add: func(key string, members []string) []string {
			return append([]string{"SADD", key}, members...)
		},
	},
	{
		name: "zset", scan: "ZSCAN", del: "ZREM", perEntry: 2, encoding: `"skiplist"`,
		add: func(key string, members []string) []string {
			args := []string{"ZADD", key}
			for i, m := range members {
				args = append(args, strconv.Itoa(i%7), m)
			}
			return args
		},
	},
}

// churn adds and deletes members named x<n> of key on its own connection
// until stop is closed, growing the collection's table past its next
// resize and back, and reports the first error on done.
func churn(addr string, f scanFamily, key string, stop <-chan struct{}, done chan<- error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		done <- err
		return
	}
	defer c.Close()
	w := bufio.NewWriter(c)
	rd := resp.NewReader(c)
	call := func(args []string) error {
		fmt.Fprintf(w, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(w, "$%d\r\n%s\r\n", len(a), a)
		}
		if err := w.Flush(); err != nil {
			return err
		}
		v, err := rd.Read()
		if err == nil && v.Type == '-' {
			err = fmt.Errorf("%v: %s", args[0], v.Str)
		}
		return err
	}
	const batch, rounds = 100, 80
	for {
		for r := 0; r < rounds; r++ {
			members := make([]string, batch)
			for i := range members {
				members[i] = "x" + strconv.Itoa(r*batch+i)
			}
			if err := call(f.add(key, members)); err != nil {
				done <- err
				return
			}
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
		}
		for r := 0; r < rounds; r++ {
			args := []string{f.del, key}
			for i := 0; i < batch; i++ {
				args = append(args, "x"+strconv.Itoa(r*batch+i))
			}
			if err := call(args); err != nil {
				done <- err
				return
			}
		}
	}
}

// The 100,000-member version of this test runs in node/store
// (TestDictScanReturnsStableMembersWhileAnotherGoroutineWrites); this one
// drives the commands over the network with a smaller collection.
func TestScanOfBigCollectionReturnsEveryStableMemberDespiteConcurrentWrites(t *testing.T) {
	const stable = 10000
	for _, f := range scanFamilies {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			s, _ := startServer(t, nil)
			c := dial(t, s)
			for i := 0; i < stable; i += 1000 {
				members := make([]string, 1000)
				for j := range members {
					members[j] = "s" + strconv.Itoa(i+j)
				}
				c.send(f.add("big", members)...)
				if v := c.read(); v.Type == '-' {
					t.Fatalf("filling: %s", v.Str)
				}
			}
			c.expect(f.encoding, "OBJECT", "ENCODING", "big")

			stop := make(chan struct{})
			done := make(chan error, 1)
			go churn(s.Addr().String(), f, "big", stop, done)

			seen := make(map[string]bool, stable)
			cursor := "0"
			calls, returned := 0, 0
			for {
				c.send(f.scan, "big", cursor, "COUNT", "10")
				v := c.read()
				if v.Type == '-' {
					t.Fatalf("%s big %s COUNT 10: %s", f.scan, cursor, v.Str)
				}
				calls++
				cursor = string(v.Elems[0].Str)
				items := v.Elems[1].Elems
				returned += len(items) / f.perEntry
				for i := 0; i < len(items); i += f.perEntry {
					seen[string(items[i].Str)] = true
				}
				if cursor == "0" {
					break
				}
			}
			close(stop)
			if err := <-done; err != nil {
				t.Fatalf("concurrent writer: %v", err)
			}
			for i := 0; i < stable; i++ {
				if !seen["s"+strconv.Itoa(i)] {
					t.Fatalf("%s never returned stable member s%d", f.scan, i)
				}
			}
			if avg := float64(returned) / float64(calls); avg > 30 || calls < stable/30 {
				t.Fatalf("%s COUNT 10: %d calls returned %d entries (%.1f per call), want about 10 per call", f.scan, calls, returned, avg)
			}
		})
	}
}

func TestScanOfSmallEncodingReturnsAllAtOnce(t *testing.T) {
	tests := []struct {
		name  string
		setup []string
		scan  []string
		want  string
	}{
		{"listpack hash", []string{"HSET", "h", "a", "1", "b", "2", "c", "3"},
			[]string{"HSCAN", "h", "0", "COUNT", "1"}, `*["0" *["a" "1" "b" "2" "c" "3"]]`},
		{"intset", []string{"SADD", "s", "3", "1", "2"},
			[]string{"SSCAN", "s", "0", "COUNT", "1"}, `*["0" *["1" "2" "3"]]`},
		{"listpack zset", []string{"ZADD", "z", "2", "b", "1", "a", "3", "c"},
			[]string{"ZSCAN", "z", "0", "COUNT", "1"}, `*["0" *["a" "1" "b" "2" "c" "3"]]`},
		{"listpack hash ignores cursor", []string{"HSET", "h2", "a", "1"},
			[]string{"HSCAN", "h2", "12345"}, `*["0" *["a" "1"]]`},
	}
	s, _ := startServer(t, nil)
	c := dial(t, s)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			c.do(tc.setup...)
			c.expect(tc.want, tc.scan...)
		})
	}
}

func TestScanRejectsInvalidCursorWithRedisError(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	for _, cmd := range []string{"HSCAN", "SSCAN", "ZSCAN"} {
		c.expect("-ERR invalid cursor", cmd, "k", "abc")
		c.expect("-ERR invalid cursor", cmd, "k", "1x")
	}
}

package node

import (
	"reflect"
	"testing"
)

func TestHashCommandsPropagateDeterministicRecords(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	steps := []struct {
		args []string
		want string
		recs []string
	}{
		{[]string{"HSET", "h", "a", "1", "b", "2"}, ":2", []string{"0 HSET h a 1 b 2"}},
		{[]string{"HMSET", "h", "a", "3"}, "+OK", []string{"0 HMSET h a 3"}},
		{[]string{"HSETNX", "h", "a", "9"}, ":0", nil},
		{[]string{"HSETNX", "h", "c", "9"}, ":1", []string{"0 HSETNX h c 9"}},
		{[]string{"HDEL", "h", "zz"}, ":0", nil},
		{[]string{"HDEL", "h", "c", "zz"}, ":1", []string{"0 HDEL h c zz"}},
		{[]string{"HINCRBY", "h", "a", "4"}, ":7", []string{"0 HINCRBY h a 4"}},
		{[]string{"HINCRBY", "h", "b", "x"}, "-ERR value is not an integer or out of range", nil},
		{[]string{"HINCRBYFLOAT", "h", "b", "0.5"}, `"2.5"`, []string{"0 HSET h b 2.5"}},
		{[]string{"HINCRBYFLOAT", "h", "b", "1e1"}, `"12.5"`, []string{"0 HSET h b 12.5"}},
		{[]string{"HGETALL", "h"}, `*["a" "7" "b" "12.5"]`, nil},
		{[]string{"HRANDFIELD", "h", "5"}, `*["a" "b"]`, nil},
		{[]string{"HDEL", "h", "a", "b"}, ":2", []string{"0 HDEL h a b"}},
		{[]string{"EXISTS", "h"}, ":0", nil},
	}
	for _, st := range steps {
		got := c.do(st.args...)
		if got != st.want {
			t.Fatalf("%v: got %s, want %s", st.args, got, st.want)
		}
		if recs := rec.take(); !reflect.DeepEqual(recs, st.recs) {
			t.Fatalf("%v propagated %q, want %q", st.args, recs, st.recs)
		}
	}
}

func TestHashEncodingFollowsConfig(t *testing.T) {
	s, _ := startServer(t, func(c *Config) {
		c.HashMaxListpackEntries = 2
		c.HashMaxListpackValue = 4
	})
	c := dial(t, s)
	c.expect(":2", "HSET", "h", "a", "1", "b", "2")
	c.expect(`"listpack"`, "OBJECT", "ENCODING", "h")
	c.expect(":1", "HSET", "h", "c", "3")
	c.expect(`"hashtable"`, "OBJECT", "ENCODING", "h")
	c.expect(":1", "HSET", "v", "f", "12345")
	c.expect(`"hashtable"`, "OBJECT", "ENCODING", "v")
	c.expect(":1", "HSET", "w", "f", "1")
	c.expect(":100001", "HINCRBY", "w", "f", "100000")
	c.expect(`"hashtable"`, "OBJECT", "ENCODING", "w")
	c.expect("-WRONGTYPE Operation against a key holding the wrong kind of value", "LPUSH", "h", "x")
}

package node

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func TestSetCommandsPropagateDeterministicRecords(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	steps := []struct {
		args []string
		want string
		recs []string
	}{
		{[]string{"SADD", "s", "a", "b"}, ":2", []string{"0 SADD s a b"}},
		{[]string{"SADD", "s", "a"}, ":0", nil},
		{[]string{"SREM", "s", "zz"}, ":0", nil},
		{[]string{"SREM", "s", "b", "zz"}, ":1", []string{"0 SREM s b zz"}},
		{[]string{"SPOP", "s"}, `"a"`, []string{"0 SREM s a"}},
		{[]string{"EXISTS", "s"}, ":0", nil},
		{[]string{"SADD", "t", "1", "2", "3"}, ":3", []string{"0 SADD t 1 2 3"}},
		{[]string{"SPOP", "t", "5"}, `*["1" "2" "3"]`, []string{"0 DEL t"}},
		{[]string{"SPOP", "t", "5"}, "*[]", nil},
		{[]string{"SADD", "u", "x"}, ":1", []string{"0 SADD u x"}},
		{[]string{"SMOVE", "u", "v", "nope"}, ":0", nil},
		{[]string{"SMOVE", "u", "u", "x"}, ":1", nil},
		{[]string{"SMOVE", "u", "v", "x"}, ":1", []string{"0 SMOVE u v x"}},
		{[]string{"SINTERSTORE", "d", "v", "missing"}, ":0", nil},
		{[]string{"SUNIONSTORE", "d", "v"}, ":1", []string{"0 SUNIONSTORE d v"}},
		{[]string{"SINTERSTORE", "d", "v", "missing"}, ":0", []string{"0 SINTERSTORE d v missing"}},
		{[]string{"SRANDMEMBER", "v", "-3"}, `*["x" "x" "x"]`, nil},
	}
	for _, st := range steps {
		c.expect(st.want, st.args...)
		if got := rec.take(); !reflect.DeepEqual(got, st.recs) {
			t.Fatalf("%v propagated %q, want %q", st.args, got, st.recs)
		}
	}
}

// TestSPopWithCountPropagatesPoppedMembersAsSRem checks both SPOP
// strategies: the popped members, and only they, are removed on a replica
// applying the SREM records.
func TestSPopWithCountPropagatesPoppedMembersAsSRem(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	for _, tc := range []struct {
		first string
		size  int
		count int
	}{{"m", 3000, 10}, {"m", 3000, 2900}, {"", 300, 100}, {"", 300, 290}} {
		args := []string{"SADD", "p"}
		for i := 0; i < tc.size; i++ {
			args = append(args, tc.first+strconv.Itoa(i))
		}
		c.do(args...)
		rec.take()
		c.send("SPOP", "p", strconv.Itoa(tc.count))
		reply := c.read()
		if len(reply.Elems) != tc.count {
			t.Fatalf("SPOP %d returned %d members", tc.count, len(reply.Elems))
		}
		popped := map[string]bool{}
		for _, e := range reply.Elems {
			popped[string(e.Str)] = true
		}
		removed := map[string]bool{}
		for _, r := range rec.take() {
			f := strings.Fields(r)
			if f[1] != "SREM" || f[2] != "p" || len(f)-3 > sremPropagateBatch {
				t.Fatalf("unexpected record %.60q", r)
			}
			for _, m := range f[3:] {
				removed[m] = true
			}
		}
		if !reflect.DeepEqual(popped, removed) || len(popped) != tc.count {
			t.Fatalf("popped %d members, propagated removal of %d", len(popped), len(removed))
		}
		c.expect(":"+strconv.Itoa(tc.size-tc.count), "SCARD", "p")
		for m := range popped {
			c.expect(":0", "SISMEMBER", "p", m)
		}
		c.do("DEL", "p")
	}
}

// TestSPopRebuildsIntsetFromIntegerSurvivors mirrors SPOP's third case:
// when most members go, the survivors form a new set, which is an intset if
// they are all integers.
func TestSPopRebuildsIntsetFromIntegerSurvivors(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect("+OK", "CONFIG", "SET", "set-max-intset-entries", "4")
	c.expect(":10", "SADD", "s", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10")
	c.expect(`"hashtable"`, "OBJECT", "ENCODING", "s")
	c.do("SPOP", "s", "9")
	c.expect(`"intset"`, "OBJECT", "ENCODING", "s")
}

func TestSScanLargeSetReturnsEveryMember(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	args := []string{"SADD", "big"}
	for i := 0; i < 2000; i++ {
		args = append(args, "e"+strconv.Itoa(i))
	}
	c.do(args...)
	seen := map[string]bool{}
	cursor := "0"
	for calls := 0; ; calls++ {
		c.send("SSCAN", "big", cursor, "COUNT", "50")
		v := c.read()
		cursor = string(v.Elems[0].Str)
		for _, e := range v.Elems[1].Elems {
			seen[string(e.Str)] = true
		}
		if cursor == "0" {
			if calls < 10 {
				t.Fatalf("SSCAN COUNT 50 over 2000 members took %d calls", calls+1)
			}
			break
		}
	}
	if len(seen) != 2000 {
		t.Fatalf("SSCAN returned %d distinct members, want 2000", len(seen))
	}
	c.send("SSCAN", "big", "0", "MATCH", "e19*", "COUNT", "100000")
	v := c.read()
	var got []string
	for _, e := range v.Elems[1].Elems {
		got = append(got, string(e.Str))
	}
	sort.Strings(got)
	if len(got) != 111 || got[0] != "e19" {
		t.Fatalf("MATCH e19* returned %d members starting %v", len(got), got[:1])
	}
}

func TestSetWriteInvalidatesWatch(t *testing.T) {
	s, _ := startServer(t, nil)
	a, b := dial(t, s), dial(t, s)
	a.do("SADD", "w", "1")
	a.expect("+OK", "WATCH", "w")
	b.expect("*[]", "SPOP", "w", "0")
	a.expect("+OK", "MULTI")
	a.expect("+QUEUED", "PING")
	a.expect("*[+PONG]", "EXEC")
	b.expect(`"1"`, "SPOP", "w")
	a.expect("+OK", "WATCH", "w")
	b.expect(":1", "SADD", "w", "2")
	a.expect("+OK", "MULTI")
	a.expect("+QUEUED", "PING")
	a.expect("(nil array)", "EXEC")
}

package node

import (
	"slices"
	"testing"
)

func expectRecords(t *testing.T, rec *recorder, want ...string) {
	t.Helper()
	if got := rec.take(); !slices.Equal(got, want) {
		t.Fatalf("records %q, want %q", got, want)
	}
}

func TestListWritesPropagateDeterministicRecords(t *testing.T) {
	s, rec := startServer(t, nil)
	c := dial(t, s)
	c.expect(":3", "RPUSH", "l", "a", "b", "c")
	c.expect(":0", "LPUSHX", "nokey", "a")
	expectRecords(t, rec, "0 RPUSH l a b c")

	c.expect(`*["l" *["a" "b"]]`, "LMPOP", "2", "nokey", "l", "LEFT", "COUNT", "2")
	expectRecords(t, rec, "0 LPOP l 2")

	c.expect(":3", "RPUSH", "l", "x", "y")
	c.expect(`*["l" "y"]`, "BRPOP", "l", "0")
	expectRecords(t, rec, "0 RPUSH l x y", "0 RPOP l")

	c.expect(`"c"`, "BLMOVE", "l", "d", "left", "Right", "0")
	expectRecords(t, rec, "0 LMOVE l d left Right")
	c.expect(`"x"`, "BRPOPLPUSH", "l", "d", "0")
	expectRecords(t, rec, "0 RPOPLPUSH l d")
	c.expect(`*["d" *["c"]]`, "BLMPOP", "0", "1", "d", "RIGHT", "COUNT", "1")
	expectRecords(t, rec, "0 RPOP d 1")

	// Writes that change nothing propagate nothing.
	c.expect(":3", "RPUSH", "t", "a", "b", "c")
	rec.take()
	c.expect("+OK", "LTRIM", "t", "0", "-1")
	c.expect(":0", "LREM", "t", "0", "zz")
	c.expect(":-1", "LINSERT", "t", "BEFORE", "zz", "v")
	c.expect("*[]", "LPOP", "t", "0")
	expectRecords(t, rec)
	c.expect("+OK", "LTRIM", "t", "1", "1")
	expectRecords(t, rec, "0 LTRIM t 1 1")
}

func TestListTrimWithoutRemovalStillInvalidatesWatch(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect(":2", "RPUSH", "l", "a", "b")
	c.expect("+OK", "WATCH", "l")
	c.expect("+OK", "LTRIM", "l", "0", "-1")
	c.expect("+OK", "MULTI")
	c.expect("+QUEUED", "LLEN", "l")
	c.expect("(nil array)", "EXEC")
}

func TestListEmptiedKeyIsDeleted(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect(":2", "RPUSH", "l", "a", "b")
	c.expect(`*["a" "b"]`, "LPOP", "l", "5")
	c.expect(":0", "EXISTS", "l")
	c.expect(":1", "RPUSH", "l", "a")
	c.expect(`"a"`, "LMOVE", "l", "l2", "LEFT", "LEFT")
	c.expect(":0", "EXISTS", "l")
	c.expect(`+list`, "TYPE", "l2")
}

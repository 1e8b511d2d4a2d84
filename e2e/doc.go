// Package e2e holds black-box tests of the slotd binary: real processes on
// loopback ports, driven over raw TCP and by real client libraries.
//
// TestMain builds cmd/slotd once (with -race when the tests run with -race,
// so a data race inside the server fails the test that provoked it). Each
// test starts its own slotd and, where Redis is the oracle, its own
// redis-server, and kills them in t.Cleanup.
//
// The differential test (diff_test.go) runs every script under
// testdata/diff/ against slotd and redis-server 7, in RESP2 and in RESP3, and
// compares the raw reply bytes. A script has one command per line, split like
// redis-cli does (double quotes with \n \r \t \b \a \" \\ \xHH escapes, single
// quotes literal); an unquoted word starting with '#' begins a comment, so a
// literal argument starting with '#' must be quoted. Line forms:
//
//	SET k v          the reply must be byte-identical
//	~SMEMBERS s      unordered: the top-level elements (map entries) are compared as a multiset
//	?INFO server     shape only: same RESP types and nesting, contents and lengths ignored
//	!sleep 20        wait 20 ms (TTL expiry only)
//	!conn 1          switch to connection 1 of each server, opened on first use
//	!read            read one more pending reply or push on the current connection
//	!noreply CMD ... send CMD without reading a reply
//
// A script whose name starts with "cluster" runs against lone nodes started
// with cluster-enabled yes. A '~' or '?' prefix also applies to !read. A connection that the server
// closes (QUIT, protocol error) is reopened on its next use.
//
// The package has no non-test code; this file only documents it.
package e2e

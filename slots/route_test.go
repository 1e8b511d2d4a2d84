package slots

import (
	"strconv"
	"testing"
)

// keyIn returns a key whose slot is s.
func keyIn(s Slot) []byte {
	for i := 0; ; i++ {
		k := []byte("k" + strconv.Itoa(i))
		if KeySlot(k) == s {
			return k
		}
	}
}

// TestRouteFollowsGetNodeByQuery covers the rows of getNodeByQuery in
// Redis's cluster.c. Node 0 is this node, node 1 another master, node 2 a
// replica of node 1.
func TestRouteFollowsGetNodeByQuery(t *testing.T) {
	const mine, theirs, unowned, migrating, importing Slot = 10, 20, 30, 40, 50
	tbl := NewTable()
	tbl.Owner[mine], tbl.Owner[theirs], tbl.Owner[migrating], tbl.Owner[importing] = 0, 1, 0, 1
	tbl.Migrating[migrating] = 1
	tbl.Importing[importing] = 1
	a, b := keyIn(mine), []byte("{"+string(keyIn(mine))+"}x")
	present := map[string]bool{}
	exists := func(k []byte) bool { return present[string(k)] }
	mk := keyIn(migrating)
	mk2 := []byte("{" + string(mk) + "}2")
	ik := keyIn(importing)
	ik2 := []byte("{" + string(ik) + "}2")
	ok := State{Self: 0, MasterOfSelf: NoNode, OK: true}
	down := State{Self: 0, MasterOfSelf: NoNode}
	replica := State{Self: 2, MasterOfSelf: 1, OK: true}
	for _, tc := range []struct {
		name    string
		st      State
		req     Request
		present []string
		want    Redirect
		node    int
	}{
		{"keyless runs here", ok, Request{}, nil, Serve, 0},
		{"own slot", ok, Request{Keys: [][]byte{a}}, nil, Serve, 0},
		{"same key twice", ok, Request{Keys: [][]byte{a, a}}, nil, Serve, 0},
		{"other slot is MOVED", ok, Request{Keys: [][]byte{keyIn(theirs)}}, nil, Moved, 1},
		{"unowned slot", ok, Request{Keys: [][]byte{keyIn(unowned)}}, nil, DownUnbound, NoNode},
		{"two slots", ok, Request{Keys: [][]byte{a, keyIn(theirs)}}, nil, CrossSlot, NoNode},
		{"unowned beats cross-slot order: first key decides", ok, Request{Keys: [][]byte{keyIn(unowned), a}}, nil, DownUnbound, NoNode},
		{"down", down, Request{Keys: [][]byte{a}}, nil, DownState, NoNode},
		{"down, reads allowed, read", State{Self: 0, MasterOfSelf: NoNode, AllowReadsWhenDown: true}, Request{Keys: [][]byte{a}}, nil, Serve, 0},
		{"down, reads allowed, write", State{Self: 0, MasterOfSelf: NoNode, AllowReadsWhenDown: true}, Request{Keys: [][]byte{a}, Write: true}, nil, DownReadOnlyState, NoNode},
		{"down, shard pubsub allowed", State{Self: 0, MasterOfSelf: NoNode, AllowPubSubShardWhenDown: true}, Request{Keys: [][]byte{a}, ShardPubSub: true}, nil, Serve, 0},
		{"down, shard pubsub refused", down, Request{Keys: [][]byte{a}, ShardPubSub: true}, nil, DownState, NoNode},
		{"migrating, key present", ok, Request{Keys: [][]byte{mk}}, []string{string(mk)}, Serve, 0},
		{"migrating, key missing is ASK", ok, Request{Keys: [][]byte{mk}}, nil, Ask, 1},
		{"migrating, some keys missing is TRYAGAIN", ok, Request{Keys: [][]byte{mk, mk2}}, []string{string(mk)}, TryAgain, NoNode},
		{"migrating, all keys missing is ASK", ok, Request{Keys: [][]byte{mk, mk2}}, nil, Ask, 1},
		{"migrating, MIGRATE runs here", ok, Request{Keys: [][]byte{mk}, Migrate: true}, nil, Serve, 0},
		{"importing without ASKING is MOVED", ok, Request{Keys: [][]byte{ik}}, nil, Moved, 1},
		{"importing with ASKING", ok, Request{Keys: [][]byte{ik}, Asking: true}, nil, Serve, 0},
		{"importing with ASKING, multi-key, one missing", ok, Request{Keys: [][]byte{ik, ik2}, Asking: true}, []string{string(ik)}, TryAgain, NoNode},
		{"importing with ASKING, multi-key, all present", ok, Request{Keys: [][]byte{ik, ik2}, Asking: true}, []string{string(ik), string(ik2)}, Serve, 0},
		{"replica without READONLY is MOVED", replica, Request{Keys: [][]byte{keyIn(theirs)}}, nil, Moved, 1},
		{"replica READONLY read", replica, Request{Keys: [][]byte{keyIn(theirs)}, ReadOnly: true}, nil, Serve, 2},
		{"replica READONLY write is MOVED", replica, Request{Keys: [][]byte{keyIn(theirs)}, ReadOnly: true, Write: true}, nil, Moved, 1},
		{"replica READONLY, other master's slot", replica, Request{Keys: [][]byte{a}, ReadOnly: true}, nil, Moved, 0},
		{"replica serves shard pubsub of its master", replica, Request{Keys: [][]byte{keyIn(theirs)}, ShardPubSub: true}, nil, Serve, 2},
		{"tagged keys share a slot", ok, Request{Keys: [][]byte{b, []byte("{" + string(a) + "}y")}}, nil, Serve, 0},
	} {
		present = map[string]bool{}
		for _, k := range tc.present {
			present[k] = true
		}
		tc.req.Exists = exists
		d := Route(tbl, tc.st, tc.req)
		if d.Redirect != tc.want || d.Node != tc.node {
			t.Errorf("%s: Route = %+v, want redirect %d to node %d", tc.name, d, tc.want, tc.node)
		}
	}
}

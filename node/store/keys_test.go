package store

import (
	"testing"

	"github.com/slotd/slotd/slots"
)

type dupList struct{ items []string }

func (l *dupList) Dup() any { return &dupList{items: append([]string(nil), l.items...)} }

func TestDupCopiesDeeplyAndKeepsMetadata(t *testing.T) {
	o := &Object{Type: TypeString, Raw: true, LRU: 7, Expire: 99, Str: []byte("abc")}
	d, ok := o.Dup()
	if !ok || string(d.Str) != "abc" || !d.Raw || d.LRU != 7 || d.Expire != 99 {
		t.Fatalf("Dup of a string = %+v, %v", d, ok)
	}
	d.Str[0] = 'x'
	if string(o.Str) != "abc" {
		t.Fatalf("Dup shares the string bytes: original became %q", o.Str)
	}

	l := &Object{Type: TypeList, Val: &dupList{items: []string{"a"}}}
	d, ok = l.Dup()
	if !ok {
		t.Fatal("Dup of a Duplicator value failed")
	}
	d.Val.(*dupList).items[0] = "z"
	if l.Val.(*dupList).items[0] != "a" {
		t.Fatal("Dup shares the list items")
	}

	if _, ok := (&Object{Type: TypeHash, Val: 42}).Dup(); ok {
		t.Fatal("Dup succeeded on a value that cannot be copied")
	}
}

func TestRandomKeySkipsAndDeletesExpiredKeys(t *testing.T) {
	s, log := newTestStore()
	db := s.DB(0)
	// Keys sharing a hash tag share a slot.
	slot := slots.KeySlotString("{t}")
	if _, ok := db.RandomKey(slot, 0, func(int) int { return 0 }); ok {
		t.Fatal("RandomKey found a key in an empty slot")
	}
	db.Set("{t}dead1", &Object{Type: TypeString, Expire: 10}, false, 0)
	db.Set("{t}dead2", &Object{Type: TypeString, Expire: 10}, false, 0)
	db.Set("{t}live", NewString([]byte("v")), false, 0)
	for i := 0; i < 3; i++ {
		k, ok := db.RandomKey(slot, 20, func(n int) int { return n - 1 - i%n })
		if !ok || k != "{t}live" {
			t.Fatalf("RandomKey = %q, %v; want the only live key", k, ok)
		}
	}
	// Map order decides which dead keys were drawn; each one drawn is gone.
	if db.Size()+int64(len(log.keys)) != 3 {
		t.Fatalf("after RandomKey: size %d, expired %v; drawn dead keys must be removed", db.Size(), log.keys)
	}
	db.Set("{t}live", &Object{Type: TypeString, Expire: 30}, false, 20)
	if k, ok := db.RandomKey(slot, 30, func(int) int { return 0 }); ok {
		t.Fatalf("RandomKey returned %q from a slot of expired keys", k)
	}
	if db.Size() != 0 || len(log.keys) != 3 {
		t.Fatalf("size %d, expired %v; want every key removed", db.Size(), log.keys)
	}
}

package store

import (
	"sync/atomic"
	"testing"

	"github.com/slotd/slotd/slots"
)

type expiredLog struct{ keys []string }

func newTestStore() (*Store, *expiredLog) {
	log := &expiredLog{}
	s := New(Config{OnExpire: func(db int, key string) { log.keys = append(log.keys, key) }})
	return s, log
}

func TestSetLookupDeleteKeepCounts(t *testing.T) {
	s, _ := newTestStore()
	db := s.DB(0)
	db.Set("a", NewString([]byte("1")), false, 0)
	db.Set("b", &Object{Type: TypeString, Str: []byte("2"), Expire: 100}, false, 0)
	if db.Size() != 2 || db.VolatileSize() != 1 {
		t.Fatalf("size=%d volatile=%d, want 2 and 1", db.Size(), db.VolatileSize())
	}
	if o := db.Lookup("a", 50); o == nil || string(o.Str) != "1" {
		t.Fatalf("Lookup(a) = %v, want 1", o)
	}
	// Overwriting a volatile key without KEEPTTL drops its TTL.
	db.Set("b", NewString([]byte("3")), false, 50)
	if db.VolatileSize() != 0 || db.Lookup("b", 200) == nil {
		t.Fatalf("overwrite kept the TTL: volatile=%d", db.VolatileSize())
	}
	if !db.Delete("a", 0) || db.Delete("a", 0) {
		t.Fatal("Delete(a) should succeed once")
	}
	if db.Size() != 1 {
		t.Fatalf("size=%d after delete, want 1", db.Size())
	}
}

func TestKeepTTLCarriesExpiryOfLiveKey(t *testing.T) {
	s, _ := newTestStore()
	db := s.DB(0)
	db.Set("k", &Object{Type: TypeString, Str: []byte("v"), Expire: 1000}, false, 0)
	db.Set("k", NewString([]byte("w")), true, 10)
	if o := db.Peek("k", 10); o == nil || o.Expire != 1000 {
		t.Fatalf("KEEPTTL lost the expiry: %+v", o)
	}
	if db.VolatileSize() != 1 {
		t.Fatalf("volatile=%d, want 1", db.VolatileSize())
	}
}

func TestSetOverExpiredKeyIsANewKey(t *testing.T) {
	s, log := newTestStore()
	db := s.DB(0)
	db.Set("k", &Object{Type: TypeString, Str: []byte("v"), Expire: 10}, false, 0)
	db.Set("k", NewString([]byte("w")), true, 20)
	o := db.Peek("k", 20)
	if o == nil || o.Expire != 0 {
		t.Fatalf("KEEPTTL revived an expired TTL: %+v", o)
	}
	if len(log.keys) != 1 || s.ExpiredKeys() != 1 {
		t.Fatalf("expired log %v count %d, want one expiry", log.keys, s.ExpiredKeys())
	}
}

func TestLazyExpiryReportsDeletion(t *testing.T) {
	s, log := newTestStore()
	db := s.DB(3)
	db.Set("k", &Object{Type: TypeString, Str: []byte("v"), Expire: 100}, false, 0)
	if db.Lookup("k", 99) == nil {
		t.Fatal("key expired early")
	}
	if db.Lookup("k", 100) != nil {
		t.Fatal("key still visible at its expiry time")
	}
	if db.Size() != 0 || db.VolatileSize() != 0 || len(log.keys) != 1 {
		t.Fatalf("size=%d volatile=%d log=%v", db.Size(), db.VolatileSize(), log.keys)
	}
}

func TestActiveExpireRemovesExpiredKeysAcrossSlots(t *testing.T) {
	s, _ := newTestStore()
	db := s.DB(0)
	for i := 0; i < 1000; i++ {
		k := string(rune('a'+i%26)) + string(rune(i))
		exp := int64(10)
		if i%2 == 0 {
			exp = 1 << 40
		}
		db.Set(k, &Object{Type: TypeString, Str: []byte("v"), Expire: exp}, false, 0)
	}
	var c ExpireCursor
	removed := 0
	for i := 0; i < 100 && db.VolatileSize() > 500; i++ {
		removed += s.ActiveExpire(20, &c, func() bool { return true })
	}
	if removed != 500 || db.Size() != 500 {
		t.Fatalf("removed=%d size=%d, want 500 and 500", removed, db.Size())
	}
}

func TestActiveExpireStopsWhenBudgetEnds(t *testing.T) {
	s, _ := newTestStore()
	db := s.DB(0)
	for i := 0; i < 100; i++ {
		db.Set(string(rune(i+1)), &Object{Type: TypeString, Str: []byte("v"), Expire: 1}, false, 0)
	}
	var c ExpireCursor
	calls := 0
	s.ActiveExpire(5, &c, func() bool { calls++; return calls < 3 })
	if db.Size() == 0 {
		t.Fatal("the cycle ignored its budget and removed everything")
	}
}

func TestWatchDirtiedByWriteNotByOtherKey(t *testing.T) {
	s, _ := newTestStore()
	db := s.DB(0)
	var dirty atomic.Bool
	w := &Watch{DB: 0, Key: "a", Dirty: &dirty}
	db.AddWatch(w, 0)
	db.Set("b", NewString([]byte("x")), false, 0)
	if dirty.Load() {
		t.Fatal("a write to b dirtied a watch on a")
	}
	db.Set("a", NewString([]byte("x")), false, 0)
	if !dirty.Load() {
		t.Fatal("a write to a did not dirty its watch")
	}
	db.RemoveWatch(w)
}

func TestWatchOnExpiredKeyIgnoresItsDeletion(t *testing.T) {
	s, _ := newTestStore()
	db := s.DB(0)
	db.Set("a", &Object{Type: TypeString, Str: []byte("v"), Expire: 10}, false, 0)
	var dirty atomic.Bool
	w := &Watch{DB: 0, Key: "a", Dirty: &dirty}
	db.AddWatch(w, 20) // already expired at WATCH time
	if db.Lookup("a", 30) != nil {
		t.Fatal("expired key visible")
	}
	if dirty.Load() || db.WatchExpired(w, 30) {
		t.Fatal("deleting an already expired watched key counted as a change")
	}
}

func TestWatchExpiredAfterWatch(t *testing.T) {
	s, _ := newTestStore()
	db := s.DB(0)
	db.Set("a", &Object{Type: TypeString, Str: []byte("v"), Expire: 100}, false, 0)
	var dirty atomic.Bool
	w := &Watch{DB: 0, Key: "a", Dirty: &dirty}
	db.AddWatch(w, 50)
	if !db.WatchExpired(w, 150) {
		t.Fatal("a watched key that expired after WATCH was not reported")
	}
}

func TestFlushSlotTouchesWatchedKeys(t *testing.T) {
	s, _ := newTestStore()
	db := s.DB(0)
	db.Set("a", NewString([]byte("v")), false, 0)
	var dirty atomic.Bool
	db.AddWatch(&Watch{DB: 0, Key: "a", Dirty: &dirty}, 0)
	slot := slots.KeySlotString("a")
	if n := db.FlushSlot(slot); n != 1 {
		t.Fatalf("FlushSlot removed %d, want 1", n)
	}
	if !dirty.Load() || db.Size() != 0 {
		t.Fatalf("dirty=%v size=%d after flush", dirty.Load(), db.Size())
	}
}

func TestParseIntMatchesString2ll(t *testing.T) {
	good := map[string]int64{"0": 0, "-1": -1, "9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63, "12": 12}
	for s, want := range good {
		if got, ok := ParseInt([]byte(s)); !ok || got != want {
			t.Errorf("ParseInt(%q) = %d,%v want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "-", "01", "+1", " 1", "1 ", "-0", "9223372036854775808", "-9223372036854775809", "1e3", "99999999999999999999"} {
		if _, ok := ParseInt([]byte(s)); ok {
			t.Errorf("ParseInt(%q) accepted", s)
		}
	}
}

func TestStringEncodingNames(t *testing.T) {
	cases := []struct {
		val  string
		raw  bool
		want string
	}{
		{"123", false, "int"}, {"abc", false, "embstr"}, {"-5", false, "int"},
		{"01", false, "embstr"}, {string(make([]byte, 44)), false, "embstr"},
		{string(make([]byte, 45)), false, "raw"}, {"abc", true, "raw"},
	}
	for _, c := range cases {
		o := &Object{Type: TypeString, Str: []byte(c.val), Raw: c.raw}
		if got := o.Encoding(); got != c.want {
			t.Errorf("Encoding(%q raw=%v) = %s, want %s", c.val, c.raw, got, c.want)
		}
	}
}

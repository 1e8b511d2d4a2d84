package store

import (
	"sync"
	"sync/atomic"

	"github.com/slotd/slotd/slots"
)

// NumDBs is the number of logical databases, Redis's default "databases 16".
const NumDBs = 16

// Config wires the store to its owner.
type Config struct {
	// OnExpire is called, with the key's slot locked, for every key the store
	// deletes because it expired (lazily or in the active cycle). The node
	// propagates a DEL from it. It must not block or re-enter the store.
	OnExpire func(db int, key string)
}

// Store is the whole keyspace.
type Store struct {
	cfg   Config
	locks [slots.NumSlots]paddedMutex
	dbs   [NumDBs]DB
	// expired counts keys removed by expiry, for INFO's expired_keys.
	expired atomic.Int64
}

// paddedMutex keeps neighbouring slot locks on separate cache lines, so two
// cores working on adjacent slots do not contend.
type paddedMutex struct {
	sync.Mutex
	_ [56]byte
}

// New returns an empty store.
func New(cfg Config) *Store {
	s := &Store{cfg: cfg}
	for i := range s.dbs {
		s.dbs[i].store = s
		s.dbs[i].id = i
	}
	return s
}

// Lock locks one slot.
func (s *Store) Lock(slot slots.Slot) { s.locks[slot].Lock() }

// Unlock unlocks one slot.
func (s *Store) Unlock(slot slots.Slot) { s.locks[slot].Unlock() }

// LockAll locks every slot in ascending order, for atomic whole-keyspace
// operations such as FLUSHALL or a transaction that contains one.
func (s *Store) LockAll() {
	for i := range s.locks {
		s.locks[i].Lock()
	}
}

// UnlockAll releases the locks LockAll took.
func (s *Store) UnlockAll() {
	for i := range s.locks {
		s.locks[i].Unlock()
	}
}

// DB returns database i, 0 <= i < NumDBs.
func (s *Store) DB(i int) *DB { return &s.dbs[i] }

// ExpiredKeys returns how many keys expiry has removed since start.
func (s *Store) ExpiredKeys() int64 { return s.expired.Load() }

// ResetStats zeroes the expiry counter (CONFIG RESETSTAT).
func (s *Store) ResetStats() { s.expired.Store(0) }

// DB is one logical database.
type DB struct {
	store *Store
	id    int
	parts [slots.NumSlots]*partition
	// keys and volatile count all keys and keys with a TTL, for DBSIZE and
	// INFO keyspace without walking partitions.
	keys     atomic.Int64
	volatile atomic.Int64
}

// partition holds the keys of one slot in one database.
type partition struct {
	dict map[string]*Object
	// expires indexes the keys with a TTL, for the active expiry cycle.
	expires map[string]struct{}
	// watchers maps watched keys to the transactions that watch them.
	watchers map[string][]*Watch
}

// ID returns the database number.
func (db *DB) ID() int { return db.id }

// Size returns the number of keys, including expired keys not yet removed,
// as DBSIZE does in Redis.
func (db *DB) Size() int64 { return db.keys.Load() }

// VolatileSize returns the number of keys with a TTL.
func (db *DB) VolatileSize() int64 { return db.volatile.Load() }

func (db *DB) part(key string) *partition {
	return db.parts[slots.KeySlotString(key)]
}

func (db *DB) partForWrite(key string) *partition {
	slot := slots.KeySlotString(key)
	p := db.parts[slot]
	if p == nil {
		p = &partition{dict: make(map[string]*Object)}
		db.parts[slot] = p
	}
	return p
}

// Lookup returns the live object at key, or nil. An expired key is deleted.
// It updates the access time, as lookupKey does in Redis.
func (db *DB) Lookup(key string, now int64) *Object {
	o := db.Peek(key, now)
	if o != nil {
		o.LRU = LRUClock(now)
	}
	return o
}

// Peek is Lookup without touching the access time (OBJECT, TTL-free scans).
func (db *DB) Peek(key string, now int64) *Object {
	p := db.part(key)
	if p == nil {
		return nil
	}
	o := p.dict[key]
	if o == nil {
		return nil
	}
	if o.Expire != 0 && o.Expire <= now {
		db.expire(p, key)
		return nil
	}
	return o
}

// Exists reports whether key holds a live object, without touching it.
func (db *DB) Exists(key string, now int64) bool { return db.Peek(key, now) != nil }

// Set stores o at key, replacing any value. With keepTTL a live old value's
// expiry carries over to o; otherwise o's own Expire stands.
func (db *DB) Set(key string, o *Object, keepTTL bool, now int64) {
	p := db.partForWrite(key)
	old := p.dict[key]
	if old != nil && old.Expire != 0 && old.Expire <= now {
		db.expire(p, key)
		old = nil
	}
	wasVolatile := old != nil && old.Expire != 0
	if old == nil {
		db.keys.Add(1)
	} else if keepTTL {
		o.Expire = old.Expire
	}
	p.dict[key] = o
	switch isVolatile := o.Expire != 0; {
	case wasVolatile && !isVolatile:
		db.removeVolatile(p, key)
	case !wasVolatile && isVolatile:
		db.addVolatile(p, key)
	}
	p.touch(key)
}

// Delete removes key and reports whether it held a live object.
func (db *DB) Delete(key string, now int64) bool {
	if db.Peek(key, now) == nil {
		return false
	}
	db.remove(db.part(key), key)
	return true
}

// SetExpire sets the absolute expiry of an existing key (0 removes it).
func (db *DB) SetExpire(key string, at int64) {
	p := db.part(key)
	o := p.dict[key]
	switch {
	case at == 0 && o.Expire != 0:
		db.removeVolatile(p, key)
	case at != 0 && o.Expire == 0:
		db.addVolatile(p, key)
	}
	o.Expire = at
	p.touch(key)
}

// Touched records an in-place modification of key (signalModifiedKey).
func (db *DB) Touched(key string) {
	if p := db.part(key); p != nil {
		p.touch(key)
	}
}

func (db *DB) remove(p *partition, key string) {
	if p.dict[key].Expire != 0 {
		db.removeVolatile(p, key)
	}
	delete(p.dict, key)
	db.keys.Add(-1)
	p.touch(key)
}

func (db *DB) expire(p *partition, key string) {
	db.remove(p, key)
	db.store.expired.Add(1)
	if db.store.cfg.OnExpire != nil {
		db.store.cfg.OnExpire(db.id, key)
	}
}

func (db *DB) addVolatile(p *partition, key string) {
	if p.expires == nil {
		p.expires = make(map[string]struct{})
	}
	p.expires[key] = struct{}{}
	db.volatile.Add(1)
}

func (db *DB) removeVolatile(p *partition, key string) {
	delete(p.expires, key)
	db.volatile.Add(-1)
}

// SlotKeys calls fn for each key of slot, live or not yet expired, until fn
// returns false. The slot must be locked.
func (db *DB) SlotKeys(slot slots.Slot, fn func(key string, o *Object) bool) {
	p := db.parts[slot]
	if p == nil {
		return
	}
	for k, o := range p.dict {
		if !fn(k, o) {
			return
		}
	}
}

// SlotSize returns the number of keys stored in slot. The slot must be locked.
func (db *DB) SlotSize(slot slots.Slot) int {
	if p := db.parts[slot]; p != nil {
		return len(p.dict)
	}
	return 0
}

// FlushSlot removes every key of slot, touching the watched ones. The slot
// must be locked. It returns the number of keys removed.
func (db *DB) FlushSlot(slot slots.Slot) int {
	p := db.parts[slot]
	if p == nil {
		return 0
	}
	n := len(p.dict)
	for k := range p.watchers {
		if _, ok := p.dict[k]; ok {
			p.touch(k)
		}
	}
	db.keys.Add(-int64(n))
	db.volatile.Add(-int64(len(p.expires)))
	if len(p.watchers) == 0 {
		db.parts[slot] = nil
	} else {
		p.dict = make(map[string]*Object)
		p.expires = nil
	}
	return n
}

// LRUClock converts Unix milliseconds to the seconds clock kept in Object.LRU.
func LRUClock(now int64) uint32 { return uint32(now / 1000) }

package store

import "github.com/slotd/slotd/slots"

// ExpireCursor remembers where the active expiry cycle stopped, so that each
// cycle resumes the walk instead of restarting it (expires_cursor in Redis).
type ExpireCursor struct {
	db   int
	slot int
}

// activeExpireSample mirrors ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP.
const activeExpireSample = 20

// ActiveExpire runs one bounded step of the active expiry cycle
// (activeExpireCycle in expire.c). It visits partitions holding keys with a
// TTL, one slot lock at a time, samples up to 20 of their volatile keys and
// deletes the expired ones, resampling while more than a quarter of a sample
// was expired. It stops when more() returns false, which the caller uses to
// bound the CPU spent; more is checked between partitions and samples, so no
// pause grows with the keyspace. It returns the number of keys removed.
func (s *Store) ActiveExpire(now int64, c *ExpireCursor, more func() bool) int {
	removed := 0
	total := NumDBs * slots.NumSlots
	for visited := 0; visited < total && more(); visited++ {
		db := &s.dbs[c.db]
		slot := slots.Slot(c.slot)
		if db.volatile.Load() == 0 {
			c.db = (c.db + 1) % NumDBs
			c.slot = 0
			visited += slots.NumSlots - 1
			continue
		}
		// parts is written under the slot lock, so even the emptiness check
		// must hold it.
		s.Lock(slot)
		removed += db.expireSamples(slot, now, more)
		s.Unlock(slot)
		c.slot++
		if c.slot == slots.NumSlots {
			c.slot = 0
			c.db = (c.db + 1) % NumDBs
		}
	}
	return removed
}

func (db *DB) expireSamples(slot slots.Slot, now int64, more func() bool) int {
	removed := 0
	for {
		p := db.parts[slot]
		if p == nil || len(p.expires) == 0 {
			return removed
		}
		sampled, expired := 0, 0
		for k := range p.expires {
			if sampled == activeExpireSample {
				break
			}
			sampled++
			if o := p.dict[k]; o.Expire <= now {
				db.expire(p, k)
				expired++
			}
		}
		removed += expired
		if expired*4 <= sampled || !more() {
			return removed
		}
	}
}

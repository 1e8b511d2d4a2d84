package store

import "sync/atomic"

// Watch is one WATCHed key of one client's transaction. Dirty is shared by all
// the client's watches and is set when any of them is modified.
type Watch struct {
	DB    int
	Key   string
	Dirty *atomic.Bool
	// expiredAtWatch records that the key was logically expired when WATCH
	// ran; deleting it then is not a change (touchWatchedKey in multi.c).
	expiredAtWatch bool
}

// AddWatch registers w on its key. The key's slot must be locked.
func (db *DB) AddWatch(w *Watch, now int64) {
	p := db.partForWrite(w.Key)
	if o := p.dict[w.Key]; o != nil && o.Expire != 0 && o.Expire <= now {
		w.expiredAtWatch = true
	}
	if p.watchers == nil {
		p.watchers = make(map[string][]*Watch)
	}
	p.watchers[w.Key] = append(p.watchers[w.Key], w)
}

// RemoveWatch unregisters w. The key's slot must be locked.
func (db *DB) RemoveWatch(w *Watch) {
	p := db.part(w.Key)
	if p == nil {
		return
	}
	ws := p.watchers[w.Key]
	for i, x := range ws {
		if x == w {
			ws[i] = ws[len(ws)-1]
			ws = ws[:len(ws)-1]
			break
		}
	}
	if len(ws) == 0 {
		delete(p.watchers, w.Key)
	} else {
		p.watchers[w.Key] = ws
	}
}

// WatchExpired reports whether the watched key was live at WATCH time and has
// logically expired since (isWatchedKeyExpired in multi.c). The key's slot
// must be locked.
func (db *DB) WatchExpired(w *Watch, now int64) bool {
	if w.expiredAtWatch {
		return false
	}
	p := db.part(w.Key)
	if p == nil {
		return false
	}
	o := p.dict[w.Key]
	return o != nil && o.Expire != 0 && o.Expire <= now
}

func (p *partition) touch(key string) {
	if len(p.watchers) == 0 {
		return
	}
	for _, w := range p.watchers[key] {
		if w.expiredAtWatch {
			if _, ok := p.dict[key]; !ok {
				w.expiredAtWatch = false
				continue
			}
		}
		w.Dirty.Store(true)
	}
}

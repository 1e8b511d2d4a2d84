package node

import (
	"math/big"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slotd/slotd/slots"
)

// Error replies of the blocking machinery.
const (
	errUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
)

// blockingRegistry holds the clients blocked on keys (BLPOP, BLMOVE,
// BLMPOP, BZPOPMIN...), as db->blocking_keys does in Redis, and serves them
// in the order they blocked when a key becomes ready.
//
// Serving follows handleClientsBlockedOnKeys in blocked.c: the command that
// makes a key ready serves the blocked clients itself, while it still holds
// the key's slot lock, before its own command returns; so a woken client
// gets the element before any later command (another pop, a new BLPOP)
// runs. When the writer cannot serve a client (it runs inside EXEC, which
// Redis serves only after the transaction; or the client needs a slot lock
// the writer does not hold, BLMOVE's destination) it hands the key over:
// the client wakes, takes its own locks and serves itself and the clients
// queued behind it. Clients are registered under the slot locks of their
// keys, and writers signal under the same locks, so no wake-up is lost.
//
// Lock order: slot locks before mu; mu is never held while taking a slot
// lock.
type blockingRegistry struct {
	mu      sync.Mutex             // guards the maps and every waiter's state
	keys    map[blockKey][]*waiter // FIFO of the clients blocked on each key
	clients map[int64]*waiter      // by client id, for CLIENT UNBLOCK
	blocked atomic.Int64           // len(clients), read without mu
	_       [0]func()              // not comparable
}

// blockKey names a key in a database.
type blockKey struct {
	db  int
	key string
}

// waitState is where a blocked client stands; guarded by blockingRegistry.mu.
type waitState uint8

const (
	// waitBlocked: queued, waiting for a key.
	waitBlocked waitState = iota
	// waitServing: a writer is serving it now.
	waitServing
	// waitHandoff: a key it waits on became ready and the client must take
	// its own locks and serve itself.
	waitHandoff
	// waitDone: out of every queue; result says why.
	waitDone
)

// waitResult is how a blocked command ended.
type waitResult uint8

const (
	resultServed waitResult = iota
	resultTimeout
	resultUnblockError
	resultGone
	// resultRedirect: the key's slot moved or the cluster went down; the
	// reply is the waiter's redirect error.
	resultRedirect
)

// waiter is one blocked client (the bpop state of a Redis client).
type waiter struct {
	c    *client
	db   int
	keys []string // distinct, in the order the command named them
	// target is the key serve pushes to (BLMOVE's destination), when
	// hasTarget; serving needs its slot locked too, and it may become ready.
	target    string
	hasTarget bool
	// serve pops for the client from key, which must be locked with target,
	// and writes the reply to x.w and the record to x.propagate. It returns
	// false, with no effect, when key holds nothing it can serve; an error
	// reply (WRONGTYPE destination) counts as served.
	serve func(x *ctx, key string) bool

	wake chan struct{} // buffered; a stale signal is harmless
	rep  reply         // the reply, written by whoever serves
	// failed records that the served reply was an error.
	failed bool

	state    waitState // guarded by blockingRegistry.mu
	readyKey string    // the key of a handoff
	result   waitResult
	redirect string // the error of resultRedirect
}

func (w *waiter) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// count returns the number of clients blocked on keys, for INFO's
// blocked_clients.
func (r *blockingRegistry) count() int { return int(r.blocked.Load()) }

// isBlocked reports whether client id is blocked on keys (CLIENT LIST flag b).
func (r *blockingRegistry) isBlocked(id int64) bool {
	if r.blocked.Load() == 0 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.clients[id]
	return ok
}

// unblock is CLIENT UNBLOCK: it ends the wait of client id as a timeout, or
// with the UNBLOCKED error, and reports whether the client was blocked
// (unblockClientByID... in blocked.c). A client already being served is
// left to get its element.
func (r *blockingRegistry) unblock(id int64, withError bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.clients[id]
	if w == nil || w.state != waitBlocked {
		return false
	}
	r.removeLocked(w)
	w.state = waitDone
	w.result = resultTimeout
	if withError {
		w.result = resultUnblockError
	}
	w.signal()
	return true
}

// redirectIfNeeded ends, with the error redirectFor returns, the wait of
// every blocked client whose keys this node no longer serves
// (clusterRedirectBlockedClientIfNeeded). redirectFor gets the client's
// first key; all of a blocked command's keys share one slot.
func (r *blockingRegistry) redirectIfNeeded(redirectFor func(w *waiter, key string) string) {
	if r.blocked.Load() == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.clients {
		if w.state != waitBlocked || len(w.keys) == 0 {
			continue
		}
		msg := redirectFor(w, w.keys[0])
		if msg == "" {
			continue
		}
		r.removeLocked(w)
		w.state, w.result, w.redirect = waitDone, resultRedirect, msg
		w.signal()
	}
}

func (r *blockingRegistry) addLocked(w *waiter) {
	if r.keys == nil {
		r.keys = make(map[blockKey][]*waiter)
		r.clients = make(map[int64]*waiter)
	}
	for _, k := range w.keys {
		bk := blockKey{w.db, k}
		r.keys[bk] = append(r.keys[bk], w)
	}
	r.clients[w.c.id] = w
	r.blocked.Add(1)
}

func (r *blockingRegistry) removeLocked(w *waiter) {
	for _, k := range w.keys {
		bk := blockKey{w.db, k}
		q := r.keys[bk]
		for i, o := range q {
			if o == w {
				copy(q[i:], q[i+1:])
				q[len(q)-1] = nil
				q = q[:len(q)-1]
				break
			}
		}
		if len(q) == 0 {
			delete(r.keys, bk)
		} else {
			r.keys[bk] = q
		}
	}
	delete(r.clients, w.c.id)
	r.blocked.Add(-1)
}

// signalKeyReady serves the clients blocked on key after a write made it
// ready (signalKeyAsReady plus handleClientsBlockedOnKeys). The caller holds
// the key's slot lock, as every handler writing a key does, and must have
// propagated its own write first, so the served pops follow it in the
// stream. Inside EXEC the clients are handed the key and serve themselves
// once the transaction releases its locks.
func (x *ctx) signalKeyReady(key string) {
	if x.s.blocking.blocked.Load() == 0 {
		return
	}
	x.s.blocking.serveReady(x.s, x.db.ID(), key, x.now, x.holdsSlot)
}

// holdsSlot reports whether the running command holds the lock of slot and
// may serve blocked clients with it: never inside EXEC, whose ready keys
// Redis serves after the transaction.
func (x *ctx) holdsSlot(slot slots.Slot) bool {
	switch {
	case x.exec != nil:
		return false
	case x.allLocked:
		return true
	case x.cmd.lock != lockKeys:
		return false
	}
	for _, i := range x.cmd.keyIndexes(x.argv, nil) {
		if slots.KeySlot(x.argv[i]) == slot {
			return true
		}
	}
	return false
}

// serveReady serves, in FIFO order, the clients blocked on key while it can
// serve them with the slots held; the first one it cannot serve is handed
// the key. A client that finds nothing for it (a list client on a key that
// holds a sorted set, or one behind a client that took the last element)
// is passed over, as handleClientsBlockedOnKeys serves each key's clients by
// type. Keys that serving pushed to (BLMOVE) are served next, as Redis
// appends them to ready_keys.
func (r *blockingRegistry) serveReady(s *Server, db int, key string, now int64, held func(slots.Slot) bool) {
	bk := blockKey{db, key}
	var targets []string
	var passed []*waiter
	for {
		r.mu.Lock()
		var w *waiter
	scan:
		for _, o := range r.keys[bk] {
			switch {
			case o.state == waitBlocked && !slices.Contains(passed, o):
				w = o
				break scan
			case o.state == waitHandoff && o.readyKey == key:
				// That client will serve this key and those behind it.
				break scan
			}
		}
		if w == nil {
			r.mu.Unlock()
			break
		}
		if !held(slots.KeySlotString(key)) || (w.hasTarget && !held(slots.KeySlotString(w.target))) {
			w.state = waitHandoff
			w.readyKey = key
			r.mu.Unlock()
			w.signal()
			break
		}
		w.state = waitServing
		r.mu.Unlock()

		x := ctx{s: s, c: w.c, db: s.store.DB(db), w: &w.rep, now: now}
		served := w.serve(&x, key)

		r.mu.Lock()
		if served {
			r.removeLocked(w)
			w.state = waitDone
			w.result = resultServed
			w.failed = x.failed
		} else {
			w.state = waitBlocked
			passed = append(passed, w)
		}
		r.mu.Unlock()
		w.signal()
		if served && w.hasTarget && !x.failed {
			targets = append(targets, w.target)
		}
	}
	for _, t := range targets {
		r.serveReady(s, db, t, now, held)
	}
}

// lockSlotsOf locks, ascending and once each, the slots of keys, unless the
// command already holds every slot (EXEC of a keyspace-wide transaction),
// and returns them. Blocking commands use lockWalk and lock for themselves,
// since they must release the locks while they wait.
func (x *ctx) lockSlotsOf(keys []string) []slots.Slot {
	if x.allLocked {
		return nil
	}
	sl := make([]slots.Slot, 0, len(keys))
	for _, k := range keys {
		sl = append(sl, slots.KeySlotString(k))
	}
	sort.Slice(sl, func(i, j int) bool { return sl[i] < sl[j] })
	n := 0
	for i, v := range sl {
		if i == 0 || v != sl[n-1] {
			sl[n] = v
			n++
		}
	}
	sl = sl[:n]
	for _, v := range sl {
		x.s.store.Lock(v)
	}
	return sl
}

func (x *ctx) unlockSlots(sl []slots.Slot) {
	for i := len(sl) - 1; i >= 0; i-- {
		x.s.store.Unlock(sl[i])
	}
}

// blockTimeout parses the timeout argument i of a blocking command, in
// seconds, as getTimeoutFromObjectOrReply in Redis 7.0 does: a long double
// times 1000, rounded up to a millisecond; a value whose conversion to long
// long overflows becomes negative there, as on x86. It returns 0 for "wait
// forever", and also for a timeout too far away to ever expire.
func (x *ctx) blockTimeout(i int) (time.Duration, bool) {
	v, ok := parseLongDouble(x.argv[i])
	if !ok {
		x.err(errTimeout)
		return 0, false
	}
	if v.inf != 0 {
		x.err(errTimeoutNegative)
		return 0, false
	}
	ms := newLDFloat().Mul(v.f, big.NewFloat(1000))
	n, acc := ms.Int(nil)
	if acc == big.Below {
		n.Add(n, big.NewInt(1))
	}
	if !n.IsInt64() || n.Sign() < 0 {
		x.err(errTimeoutNegative)
		return 0, false
	}
	const never = int64(1) << 40 // milliseconds: about 35 years
	if ms := n.Int64(); ms < never {
		return time.Duration(ms) * time.Millisecond, true
	}
	return 0, true
}

// newWaiter prepares the blocking state of the running command.
// target is the key serve pushes to, if any.
func (x *ctx) newWaiter(keys []string, target *string, serve func(x *ctx, key string) bool) *waiter {
	w := &waiter{
		c: x.c, db: x.db.ID(), keys: keys, serve: serve,
		wake: make(chan struct{}, 1),
		rep:  reply{resp3: x.w.resp3},
	}
	if target != nil {
		w.target, w.hasTarget = *target, true
	}
	return w
}

// block parks the client until w is served, times out (timeout 0 waits
// forever), is unblocked, or the client goes away; then it writes the
// outcome to x.w. The caller holds the slots held (from lockSlotsOf) and
// has found nothing to serve; block releases them while it waits. The
// reply of a timeout is a null array, as replyToBlockedClientTimedOut
// writes for lists and sorted sets.
func (x *ctx) block(w *waiter, held []slots.Slot, timeout time.Duration) {
	r := &x.s.blocking
	r.mu.Lock()
	r.addLocked(w)
	r.mu.Unlock()
	x.unlockSlots(held)

	watch := x.s.watchConn(x.c)
	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	gone := watch.gone
	timedOut, dead := false, false
	for {
		r.mu.Lock()
		switch {
		case w.state == waitDone:
			r.mu.Unlock()
			watch.stop()
			x.finishBlock(w)
			return
		case w.state == waitHandoff && dead:
			key := w.readyKey
			r.removeLocked(w)
			w.state, w.result = waitDone, resultGone
			r.mu.Unlock()
			// Pass the ready key on to the clients queued behind.
			slot := slots.KeySlotString(key)
			x.s.store.Lock(slot)
			r.serveReady(x.s, w.db, key, x.s.now(), func(v slots.Slot) bool { return v == slot })
			x.s.store.Unlock(slot)
			continue
		case w.state == waitHandoff:
			w.state = waitBlocked
			r.mu.Unlock()
			for _, v := range held {
				x.s.store.Lock(v)
			}
			all := func(slot slots.Slot) bool {
				for _, v := range held {
					if v == slot {
						return true
					}
				}
				return false
			}
			now := x.s.now()
			for _, k := range w.keys {
				r.serveReady(x.s, w.db, k, now, all)
			}
			x.unlockSlots(held)
			continue
		case w.state == waitBlocked && (timedOut || dead):
			r.removeLocked(w)
			w.state, w.result = waitDone, resultTimeout
			if dead {
				w.result = resultGone
			}
			r.mu.Unlock()
			continue
		}
		r.mu.Unlock()
		select {
		case <-w.wake:
		case <-timer:
			timedOut, timer = true, nil
		case <-gone:
			dead, gone = true, nil
		case <-x.s.done:
			dead = true
		}
	}
}

// finishBlock writes the outcome of a finished wait.
func (x *ctx) finishBlock(w *waiter) {
	switch w.result {
	case resultServed:
		x.w.b = append(x.w.b, w.rep.b...)
		x.failed = x.failed || w.failed
	case resultTimeout:
		x.w.nullArray()
	case resultUnblockError:
		x.err(errUnblocked)
	case resultRedirect:
		x.err(w.redirect)
	}
}

// connWatch keeps reading a blocked client's connection, as Redis keeps
// the socket of a blocked client in its event loop, so that a client that
// disconnects or is killed while blocked is noticed and removed. What it
// reads is handed back to the client's reader when the wait ends.
type connWatch struct {
	c        *client
	buf      []byte
	gone     chan struct{} // closed when the connection failed
	exit     chan struct{} // closed when the reading goroutine returns
	stopping atomic.Bool
}

func (s *Server) watchConn(c *client) *connWatch {
	cw := &connWatch{c: c, gone: make(chan struct{}), exit: make(chan struct{})}
	// A blocked client is exempt from the idle timeout.
	_ = c.conn.SetReadDeadline(time.Time{})
	s.goTracked(func() {
		defer close(cw.exit)
		var tmp [512]byte
		for {
			n, err := c.rd.rd.Read(tmp[:])
			cw.buf = append(cw.buf, tmp[:n]...)
			if err != nil {
				if !cw.stopping.Load() {
					close(cw.gone)
				}
				return
			}
		}
	})
	return cw
}

// stop ends the watch and gives what it read to the client's reader.
func (cw *connWatch) stop() {
	cw.stopping.Store(true)
	_ = cw.c.conn.SetReadDeadline(time.Unix(1, 0))
	<-cw.exit
	_ = cw.c.conn.SetReadDeadline(time.Time{})
	cw.c.rd.appendInput(cw.buf)
}

// appendInput adds bytes read on the reader's behalf after its buffered
// input. It never moves buffered bytes, so the arguments of the running
// command stay valid.
func (r *reader) appendInput(b []byte) {
	if len(b) == 0 {
		return
	}
	if r.end+len(b) > len(r.buf) {
		nb := make([]byte, max(2*len(r.buf), r.end+len(b)))
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	r.end += copy(r.buf[r.end:], b)
}

package node

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/slots"
)

// client is one connection. Its reader goroutine owns every field not under
// a mutex; other goroutines (publishers, MONITOR feeds, CLIENT KILL) touch only
// the output buffer under outMu, and the atomics.
type client struct {
	// asking is the one-shot ASKING flag; readonly is READONLY. Only the
	// client's own goroutine touches them.
	asking, readonly bool
	// routeKeys is routeReject's key buffer; routeExists its key lookup,
	// which locks the key's slot unless routeLocked says it is held.
	routeKeys   [][]byte
	routeExists func([]byte) bool
	routeLocked bool
	s           *Server
	id          int64
	conn        net.Conn
	rd          *reader
	// w collects the replies of the running command; commit moves them to
	// out, where pushes from other goroutines also land, in order.
	w reply

	outMu sync.Mutex // guards the fields below
	out   []byte
	spare []byte
	// softLimitSince is when out first passed the soft output limit.
	softLimitSince time.Time

	writeMu sync.Mutex // serialises writes to conn
	// wake signals the push writer goroutine, when the client has one; quit
	// stops it. wake is never closed, so pushers can always signal.
	wake       chan struct{}
	quit       chan struct{}
	pushWriter atomic.Bool
	closed     atomic.Bool

	addr, laddr string
	created     time.Time
	lastActive  atomic.Int64 // Unix ms of the last command
	lastCmd     atomic.Pointer[command]
	name        atomic.Pointer[string]
	libName     atomic.Pointer[string]
	libVer      atomic.Pointer[string]
	dbID        atomic.Int32
	resp3       atomic.Bool

	authenticated bool
	replyMode     replyMode
	noEvict       bool
	closeAfter    bool
	scratch       []byte
	x             ctx // the running command's context, reused
	keyIdx        []int
	held          []slots.Slot // slots locked by lockKeys, reused

	multi      *multiState
	watches    []*store.Watch
	watchDirty atomic.Bool

	subs subscriptions

	monitor bool
}

// replyMode is CLIENT REPLY ON|OFF|SKIP.
type replyMode uint8

const (
	replyOn replyMode = iota
	replyOff
	replySkipNext
	replySkip
)

func (c *client) db() *store.DB { return c.s.store.DB(int(c.dbID.Load())) }

// commit moves the command's replies to the shared output buffer, where they
// keep their order relative to pushes, and returns the bytes now waiting. It
// enforces the output buffer limits.
func (c *client) commit() int {
	if len(c.w.b) == 0 {
		return 0
	}
	c.outMu.Lock()
	if len(c.out) == 0 {
		c.out, c.w.b = c.w.b, c.out[:0]
	} else {
		c.out = append(c.out, c.w.b...)
		c.w.b = c.w.b[:0]
	}
	over := c.overLimitLocked()
	n := len(c.out)
	c.outMu.Unlock()
	if over {
		c.s.killClient(c, "output buffer limit")
	}
	return n
}

// pushLocked appends an out-of-band message (publish, monitor line) while
// the caller holds outMu, and reports whether the client passed its limit.
func (c *client) pushLocked(b []byte) bool {
	c.out = append(c.out, b...)
	return c.overLimitLocked()
}

// overLimitLocked applies client-output-buffer-limit for the client's class.
func (c *client) overLimitLocked() bool {
	class := classNormal
	if c.subs.count.Load() > 0 {
		class = classPubSub
	}
	l := c.s.config().ClientOutputBufferLimit[class]
	n := int64(len(c.out))
	if l.Hard > 0 && n > l.Hard {
		return true
	}
	if l.Soft > 0 && n > l.Soft {
		if c.softLimitSince.IsZero() {
			c.softLimitSince = time.Now()
			return false
		}
		return time.Since(c.softLimitSince) > time.Duration(l.SoftSeconds)*time.Second
	}
	c.softLimitSince = time.Time{}
	return false
}

// signal wakes the push writer after a push.
func (c *client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// startPushWriter gives the client a goroutine that writes pushes as they
// arrive, once it subscribes or monitors: its reader may be blocked in Read.
func (c *client) startPushWriter() {
	if c.pushWriter.Swap(true) {
		return
	}
	c.s.goTracked(func() {
		for {
			select {
			case <-c.quit:
				return
			case <-c.wake:
			}
			if c.flush() != nil {
				c.s.killClient(c, "write error")
				return
			}
		}
	})
}

// flush writes everything committed so far.
func (c *client) flush() error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.outMu.Lock()
	buf := c.out
	c.out = c.spare[:0]
	c.spare = nil
	c.outMu.Unlock()
	if len(buf) == 0 {
		c.outMu.Lock()
		c.spare = buf
		c.outMu.Unlock()
		return nil
	}
	_, err := c.conn.Write(buf)
	c.outMu.Lock()
	if cap(buf) <= 64*1024 {
		c.spare = buf[:0]
	}
	c.outMu.Unlock()
	return err
}

// outputLen returns the bytes waiting to be written, for CLIENT LIST.
func (c *client) outputLen() int {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	return len(c.out)
}

func loadString(p *atomic.Pointer[string]) string {
	if s := p.Load(); s != nil {
		return *s
	}
	return ""
}

// errClientName is Redis's complaint about a name with spaces or symbols.
const errClientName = "ERR Client names cannot contain spaces, newlines or special characters."

// validClientName allows printable ASCII without spaces, as Redis does.
func validClientName(name []byte) bool {
	for _, c := range name {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}

func (c *client) setName(name string) {
	if name == "" {
		c.name.Store(nil)
		return
	}
	c.name.Store(&name)
}

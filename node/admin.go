package node

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// monitorSet holds the MONITOR clients.
type monitorSet struct {
	mu      sync.Mutex // guards clients
	clients map[*client]struct{}
	n       atomic.Int32
}

func (m *monitorSet) active() bool { return m.n.Load() > 0 }

func (m *monitorSet) add(c *client) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.clients == nil {
		m.clients = make(map[*client]struct{})
	}
	if _, ok := m.clients[c]; !ok {
		m.clients[c] = struct{}{}
		m.n.Add(1)
	}
}

func (m *monitorSet) remove(c *client) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.clients[c]; ok {
		delete(m.clients, c)
		m.n.Add(-1)
	}
}

// feed sends one command to every monitor, formatted as
// replicationFeedMonitors does: +<time> [<db> <addr>] "arg" "arg"...
func (m *monitorSet) feed(c *client, argv [][]byte) {
	now := time.Now()
	line := []byte{'+'}
	line = strconv.AppendInt(line, now.Unix(), 10)
	line = append(line, '.')
	us := strconv.AppendInt(nil, int64(now.Nanosecond()/1000), 10)
	for i := len(us); i < 6; i++ {
		line = append(line, '0')
	}
	line = append(line, us...)
	line = append(line, " ["...)
	line = strconv.AppendInt(line, int64(c.dbID.Load()), 10)
	line = append(line, ' ')
	line = append(line, c.addr...)
	line = append(line, ']')
	for _, a := range argv {
		line = append(line, ' ')
		line = appendRepr(line, a)
	}
	line = append(line, '\r', '\n')
	m.mu.Lock()
	var over []*client
	for mc := range m.clients {
		mc.outMu.Lock()
		if mc.pushLocked(line) {
			over = append(over, mc)
		}
		mc.outMu.Unlock()
		mc.signal()
	}
	m.mu.Unlock()
	for _, mc := range over {
		c.s.killClient(mc, "monitor output buffer limit")
	}
}

// appendRepr quotes b as sdscatrepr does.
func appendRepr(dst, b []byte) []byte {
	dst = append(dst, '"')
	for _, c := range b {
		switch c {
		case '\\', '"':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\a':
			dst = append(dst, '\\', 'a')
		case '\b':
			dst = append(dst, '\\', 'b')
		default:
			if c >= 32 && c < 127 {
				dst = append(dst, c)
			} else {
				const hex = "0123456789abcdef"
				dst = append(dst, '\\', 'x', hex[c>>4], hex[c&15])
			}
		}
	}
	return append(dst, '"')
}

// slowlogEntry is one SLOWLOG GET entry.
type slowlogEntry struct {
	id       int64
	time     int64
	duration int64
	argv     [][]byte
	addr     string
	name     string
}

// slowlog keeps the slowest commands (slowlog.c).
type slowlog struct {
	mu      sync.Mutex     // guards the fields below
	entries []slowlogEntry // newest first
	nextID  int64
}

func (l *slowlog) init() {}

// Redis keeps at most 32 arguments and 128 bytes per argument.
const (
	slowlogMaxArgc = 32
	slowlogMaxArg  = 128
)

func (l *slowlog) maybeAdd(cfg *Config, c *client, argv [][]byte, us int64) {
	if cfg.SlowlogLogSlowerThan < 0 || us < cfg.SlowlogLogSlowerThan {
		return
	}
	n := len(argv)
	if n > slowlogMaxArgc {
		n = slowlogMaxArgc
	}
	args := make([][]byte, n)
	for i := 0; i < n; i++ {
		a := argv[i]
		if i == slowlogMaxArgc-1 && len(argv) > slowlogMaxArgc {
			a = []byte("... (" + strconv.Itoa(len(argv)-slowlogMaxArgc+1) + " more arguments)")
		} else if len(a) > slowlogMaxArg {
			a = append(append([]byte(nil), a[:slowlogMaxArg]...), []byte("... ("+strconv.Itoa(len(a)-slowlogMaxArg)+" more bytes)")...)
		} else {
			a = append([]byte(nil), a...)
		}
		args[i] = a
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e := slowlogEntry{id: l.nextID, time: time.Now().Unix(), duration: us, argv: args, addr: c.addr, name: loadString(&c.name)}
	l.nextID++
	l.entries = append([]slowlogEntry{e}, l.entries...)
	if len(l.entries) > cfg.SlowlogMaxLen {
		l.entries = l.entries[:cfg.SlowlogMaxLen]
	}
}

// latencyMonitor keeps LATENCY samples per event (latency.c).
type latencyMonitor struct {
	mu     sync.Mutex // guards events
	events map[string]*latencyEvent
}

type latencySample struct{ time, ms int64 }

type latencyEvent struct {
	samples []latencySample // at most 160, oldest first
	max     int64
}

func (m *latencyMonitor) init() { m.events = make(map[string]*latencyEvent) }

const latencyHistory = 160

func (m *latencyMonitor) maybeAdd(cfg *Config, event string, d time.Duration) {
	ms := d.Milliseconds()
	if cfg.LatencyMonitorThreshold == 0 || ms < cfg.LatencyMonitorThreshold {
		return
	}
	now := time.Now().Unix()
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.events[event]
	if e == nil {
		e = &latencyEvent{}
		m.events[event] = e
	}
	if ms > e.max {
		e.max = ms
	}
	if n := len(e.samples); n > 0 && e.samples[n-1].time == now {
		if ms > e.samples[n-1].ms {
			e.samples[n-1].ms = ms
		}
		return
	}
	e.samples = append(e.samples, latencySample{now, ms})
	if len(e.samples) > latencyHistory {
		e.samples = e.samples[1:]
	}
}

// pauseState is CLIENT PAUSE.
type pauseState struct {
	mu    sync.Mutex // guards the fields below
	until time.Time
	all   bool // ALL, else WRITE
	ch    chan struct{}
}

// pauseFor pauses clients until the deadline.
func (p *pauseState) pauseFor(d time.Duration, all bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	until := time.Now().Add(d)
	if p.ch == nil {
		p.ch = make(chan struct{})
	}
	if until.After(p.until) {
		p.until = until
	}
	// A later pause can only widen WRITE to ALL (pauseClients in networking.c).
	p.all = p.all || all
}

func (p *pauseState) unpauseAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ch != nil {
		close(p.ch)
		p.ch = nil
	}
	p.until = time.Time{}
	p.all = false
}

// wait blocks a command that the current pause holds back.
func (p *pauseState) wait(c *client, cmd *command) {
	for {
		p.mu.Lock()
		ch, until, all := p.ch, p.until, p.all
		p.mu.Unlock()
		if ch == nil {
			return
		}
		if !all && !cmd.pausedByWrite() {
			return
		}
		d := time.Until(until)
		if d <= 0 {
			p.unpauseAll()
			return
		}
		t := time.NewTimer(d)
		select {
		case <-ch:
		case <-t.C:
		}
		t.Stop()
	}
}

// pausedByWrite reports whether CLIENT PAUSE WRITE holds the command back.
func (cmd *command) pausedByWrite() bool {
	return cmd.flags&flagWrite != 0 || cmd.name == "publish" || cmd.name == "spublish" || cmd.name == "pfcount"
}

// help replies like addReplyHelp: a header, the lines, and HELP's own entry.
func (x *ctx) help(name string, lines []string) {
	x.w.array(len(lines) + 3)
	x.w.simple(name + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		x.w.simple(l)
	}
	x.w.simple("HELP")
	x.w.simple("    Prints this help.")
}

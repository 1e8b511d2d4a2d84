package node

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
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

// has reports whether c is a monitor, for CLIENT LIST's O flag.
func (m *monitorSet) has(c *client) bool {
	if !m.active() {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.clients[c]
	return ok
}

// feed sends one command to every monitor, formatted as
// replicationFeedMonitors does: +<time> [<db> <addr>] "arg" "arg"...
func (m *monitorSet) feed(c *client, argv [][]byte) {
	argv = redactArgv(argv)
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
		if mc == c {
			// A monitor's own command: its line follows the command's
			// reply, still being built on this goroutine, as Redis adds
			// both to the same output buffer.
			c.w.b = append(c.w.b, line...)
			continue
		}
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

// redactedArg replaces secrets in what MONITOR and the slow log show
// (shared.redacted).
const redactedArg = "(redacted)"

// redactArgv hides the arguments Redis 7 hides with
// redactClientCommandArgument: AUTH's credentials, HELLO's AUTH pair and
// the values of sensitive options in CONFIG SET. It returns argv itself
// when nothing is secret.
func redactArgv(argv [][]byte) [][]byte {
	var hide []int
	switch {
	case bytes.EqualFold(argv[0], []byte("auth")) && len(argv) <= 3:
		// authCommand redacts only the forms it accepts.
		for i := 1; i < len(argv); i++ {
			hide = append(hide, i)
		}
	case bytes.EqualFold(argv[0], []byte("hello")):
		// The option walk of helloCommand, which redacts as it parses.
		for i := 2; i < len(argv); i++ {
			more := len(argv) - 1 - i
			switch {
			case bytes.EqualFold(argv[i], []byte("auth")) && more >= 2:
				hide = append(hide, i+1, i+2)
				i += 2
			case bytes.EqualFold(argv[i], []byte("setname")) && more >= 1:
				i++
			default:
				i = len(argv)
			}
		}
	case bytes.EqualFold(argv[0], []byte("config")) && len(argv) > 3 && len(argv)%2 == 0 && bytes.EqualFold(argv[1], []byte("set")):
		for i := 2; i+1 < len(argv); i += 2 {
			switch strings.ToLower(string(argv[i])) {
			case "requirepass", "masterauth", "masteruser":
				hide = append(hide, i+1)
			}
		}
	}
	if hide == nil {
		return argv
	}
	out := append([][]byte(nil), argv...)
	for _, i := range hide {
		out[i] = []byte(redactedArg)
	}
	return out
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
	entries []slowlogEntry // oldest first
	nextID  int64
}

func (l *slowlog) init() {}

// Redis keeps at most 32 arguments and 128 bytes per argument.
const (
	slowlogMaxArgc = 32
	slowlogMaxArg  = 128
)

// maybeAdd is slowlogPushEntryIfNeeded: it logs a command that ran for at
// least slowlog-log-slower-than microseconds.
func (l *slowlog) maybeAdd(cfg *Config, c *client, argv [][]byte, us int64) {
	if cfg.SlowlogLogSlowerThan < 0 || cfg.SlowlogMaxLen == 0 || us < cfg.SlowlogLogSlowerThan {
		return
	}
	argv = redactArgv(argv)
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
	l.entries = append(l.entries, e)
	if over := len(l.entries) - cfg.SlowlogMaxLen; over > 0 {
		copy(l.entries, l.entries[over:])
		l.entries = l.entries[:cfg.SlowlogMaxLen]
	}
}

// newest returns up to n entries, newest first; n < 0 returns all.
func (l *slowlog) newest(n int64) []slowlogEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n < 0 || n > int64(len(l.entries)) {
		n = int64(len(l.entries))
	}
	out := make([]slowlogEntry, 0, n)
	for i := len(l.entries) - 1; i >= 0 && int64(len(out)) < n; i-- {
		out = append(out, l.entries[i])
	}
	return out
}

func (l *slowlog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// reset drops every entry; ids keep counting, as in slowlogReset.
func (l *slowlog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = nil
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

// latencyHistory is LATENCY_TS_LEN.
const latencyHistory = 160

// maybeAdd is latencyAddSampleIfNeeded: one sample per event and second,
// the worst of that second.
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
		copy(e.samples, e.samples[1:])
		e.samples = e.samples[:latencyHistory]
	}
}

// latencyLatest is one LATENCY LATEST row.
type latencyLatest struct {
	event    string
	time, ms int64
	max      int64
}

// latest returns the last sample of every event, sorted by event name.
func (m *latencyMonitor) latest() []latencyLatest {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]latencyLatest, 0, len(m.events))
	for name, e := range m.events {
		last := e.samples[len(e.samples)-1]
		out = append(out, latencyLatest{event: name, time: last.time, ms: last.ms, max: e.max})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].event < out[j].event })
	return out
}

// history returns a copy of the samples of event, oldest first.
func (m *latencyMonitor) history(event string) []latencySample {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.events[event]; e != nil {
		return append([]latencySample(nil), e.samples...)
	}
	return nil
}

// reset is latencyResetEvent: it drops the events named (case-insensitively),
// or all of them when names is empty, and returns how many it dropped.
func (m *latencyMonitor) reset(names []string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for name := range m.events {
		match := len(names) == 0
		for _, want := range names {
			if strings.EqualFold(name, want) {
				match = true
			}
		}
		if match {
			delete(m.events, name)
			n++
		}
	}
	return n
}

// doctor is createLatencyReport of latency.c, for the events slotd records
// (command and fast-command). Redis's transparent huge pages check is left
// out: the Go runtime manages its own heap pages.
func (m *latencyMonitor) doctor(cfg *Config) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.events) == 0 && cfg.LatencyMonitorThreshold == 0 {
		return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
	}
	names := make([]string, 0, len(m.events))
	for name := range m.events {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	advices := 0
	var slowlogEnable, slowlogTune, slowlogInspect, largeObjects, scheduler bool
	now := time.Now().Unix()
	for i, name := range names {
		e := m.events[name]
		if i == 0 {
			b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
		}
		st := analyzeLatency(e, now)
		fmt.Fprintf(&b, "%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %.2f sec). Worst all time event %dms.",
			i+1, name, st.samples, st.avg, st.mad, float64(st.period)/float64(st.samples), e.max)
		switch name {
		case "command":
			if cfg.SlowlogLogSlowerThan < 0 || cfg.SlowlogMaxLen == 0 {
				slowlogEnable = true
				advices++
			} else if cfg.SlowlogLogSlowerThan/1000 > cfg.LatencyMonitorThreshold {
				slowlogTune = true
				advices++
			}
			slowlogInspect, largeObjects = true, true
			advices += 2
		case "fast-command":
			scheduler = true
			advices++
		}
		b.WriteByte('\n')
	}
	switch {
	case len(names) == 0 && advices == 0:
		b.WriteString("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n")
	case advices == 0:
		b.WriteString("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your request.\n")
	default:
		b.WriteString("\nI have a few advices for you:\n\n")
		if slowlogEnable {
			fmt.Fprintf(&b, "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %d'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n", cfg.LatencyMonitorThreshold*1000)
		}
		if slowlogTune {
			fmt.Fprintf(&b, "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %d'.\n", cfg.LatencyMonitorThreshold*1000)
		}
		if slowlogInspect {
			b.WriteString("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n")
		}
		if scheduler {
			b.WriteString("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
				"  1) Lower the system load.\n" +
				"  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
				"  3) Check if you have a \"noisy neighbour\" problem.\n" +
				"  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
				"  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n")
		}
		if largeObjects {
			b.WriteString("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n")
		}
	}
	return b.String()
}

// latencyStats is what analyzeLatencyForEvent computes.
type latencyStats struct {
	samples      int64
	avg, mad     int64
	period       int64 // seconds since the oldest sample, at least 1
	minMs, maxMs int64
}

func analyzeLatency(e *latencyEvent, now int64) latencyStats {
	var st latencyStats
	var sum, oldest int64
	for i, s := range e.samples {
		st.samples++
		if i == 0 || s.ms < st.minMs {
			st.minMs = s.ms
		}
		if s.ms > st.maxMs {
			st.maxMs = s.ms
		}
		sum += s.ms
		if oldest == 0 || s.time < oldest {
			oldest = s.time
		}
	}
	if st.samples == 0 {
		return st
	}
	st.avg = sum / st.samples
	st.period = now - oldest
	if st.period == 0 {
		st.period = 1
	}
	var dev int64
	for _, s := range e.samples {
		d := st.avg - s.ms
		if d < 0 {
			d = -d
		}
		dev += d
	}
	st.mad = dev / st.samples
	return st
}

// latencyGraphCols is LATENCY_GRAPH_COLS.
const latencyGraphCols = 80

// graph is latencyCommandGenSparkeline: a title, a rule and a filled
// sparkline of four rows with "ago" labels. It reports false when the event
// has no samples.
func (m *latencyMonitor) graph(event string) (string, bool) {
	m.mu.Lock()
	e := m.events[event]
	var samples []latencySample
	var allTime int64
	if e != nil {
		samples = append(samples, e.samples...)
		allTime = e.max
	}
	m.mu.Unlock()
	if e == nil {
		return "", false
	}
	now := time.Now().Unix()
	seq := make([]sparkSample, 0, len(samples))
	var lo, hi int64
	for i, s := range samples {
		if i == 0 || s.ms < lo {
			lo = s.ms
		}
		if i == 0 || s.ms > hi {
			hi = s.ms
		}
		elapsed := now - s.time
		var label string
		switch {
		case elapsed < 60:
			label = fmt.Sprintf("%ds", elapsed)
		case elapsed < 3600:
			label = fmt.Sprintf("%dm", elapsed/60)
		case elapsed < 3600*24:
			label = fmt.Sprintf("%dh", elapsed/3600)
		default:
			label = fmt.Sprintf("%dd", elapsed/(3600*24))
		}
		seq = append(seq, sparkSample{value: float64(s.ms), label: label})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s - high %d ms, low %d ms (all time high %d ms)\n", event, hi, lo, allTime)
	b.WriteString(strings.Repeat("-", latencyGraphCols))
	b.WriteByte('\n')
	renderSparkline(&b, seq, latencyGraphCols, 4)
	return b.String(), true
}

// sparkSample is one column of a sparkline (sparkline.c).
type sparkSample struct {
	value float64
	label string
}

// renderSparkline is sparklineRender with SPARKLINE_FILL: rows of the
// filled charset "_o#" scaled between the sequence's minimum and maximum,
// a blank spacing row, then the labels written vertically.
func renderSparkline(b *strings.Builder, seq []sparkSample, columns, rows int) {
	if len(seq) == 0 {
		return
	}
	lo, hi := seq[0].value, seq[0].value
	labels := 0
	for i, s := range seq {
		if i > 0 && s.value < lo {
			lo = s.value
		} else if i > 0 && s.value > hi {
			hi = s.value
		}
		if s.label != "" {
			labels++
		}
	}
	for j := 0; j < len(seq); j += columns {
		n := len(seq) - j
		if n > columns {
			n = columns
		}
		if j != 0 {
			b.WriteByte('\n')
		}
		renderSparkRange(b, seq[j:j+n], lo, hi, labels > 0, rows)
	}
}

func renderSparkRange(b *strings.Builder, seq []sparkSample, lo, hi float64, labels bool, rows int) {
	const charset = "_o#"
	relmax := hi - lo
	if relmax == 0 {
		relmax = 1
	}
	steps := len(charset) * rows
	chars := make([]byte, len(seq))
	for row := 0; ; row++ {
		more := false
		for j := range chars {
			chars[j] = ' '
		}
		for j, s := range seq {
			step := int(float64(int((s.value-lo)*float64(steps))) / relmax)
			if step < 0 {
				step = 0
			}
			if step >= steps {
				step = steps - 1
			}
			if row < rows {
				idx := step - (rows-row-1)*len(charset)
				more = true
				if idx >= 0 && idx < len(charset) {
					chars[j] = charset[idx]
				} else if idx >= len(charset) {
					chars[j] = '|'
				}
				continue
			}
			if labels && row-rows < 1 {
				more = true
				break
			}
			if lc := row - rows - 1; len(s.label) > lc {
				more = true
				chars[j] = s.label[lc]
			}
		}
		if !more {
			return
		}
		b.Write(chars)
		b.WriteByte('\n')
	}
}

// pauseState is CLIENT PAUSE.
type pauseState struct {
	mu    sync.Mutex // guards the fields below
	until time.Time
	all   bool // ALL, else WRITE
	ch    chan struct{}

	// active mirrors ch != nil, so the request path checks for a pause
	// with one atomic load instead of taking mu.
	active atomic.Bool

	// waiting counts the clients held back now; Redis counts them in
	// blocked_clients (BLOCKED_POSTPONE).
	waiting atomic.Int32
}

// blocked returns how many clients the pause is holding back.
func (p *pauseState) blocked() int { return int(p.waiting.Load()) }

// pauseUntil pauses clients until the deadline; like pauseClients in
// networking.c a later pause can only extend the deadline and widen WRITE
// to ALL.
func (p *pauseState) pauseUntil(until time.Time, all bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ch == nil {
		p.ch = make(chan struct{})
		p.active.Store(true)
	}
	if until.After(p.until) {
		p.until = until
	}
	p.all = p.all || all
}

func (p *pauseState) unpauseAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ch != nil {
		close(p.ch)
		p.ch = nil
		p.active.Store(false)
	}
	p.until = time.Time{}
	p.all = false
}

// wait blocks a command that the current pause holds back.
func (p *pauseState) wait(c *client, cmd *command) {
	if !p.active.Load() {
		return
	}
	for {
		p.mu.Lock()
		ch, until, all := p.ch, p.until, p.all
		p.mu.Unlock()
		if ch == nil {
			return
		}
		if !all && !cmd.pausedByWrite() && !(cmd.name == "exec" && c.multi.writes()) {
			return
		}
		d := time.Until(until)
		if d <= 0 {
			p.unpauseAll()
			return
		}
		p.waiting.Add(1)
		t := time.NewTimer(d)
		select {
		case <-ch:
		case <-t.C:
		}
		t.Stop()
		p.waiting.Add(-1)
	}
}

// pausedByWrite reports whether CLIENT PAUSE WRITE holds the command back:
// writes and the commands Redis flags may-replicate.
func (cmd *command) pausedByWrite() bool {
	return cmd.flags&flagWrite != 0 || cmd.name == "publish" || cmd.name == "spublish" || cmd.name == "pfcount"
}

// writes reports whether a transaction queued a command that PAUSE WRITE
// holds back, which makes its EXEC one (processCommand's
// is_may_replicate_command).
func (m *multiState) writes() bool {
	if m == nil {
		return false
	}
	for _, q := range m.cmds {
		if q.cmd.pausedByWrite() {
			return true
		}
	}
	return false
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

// requestShutdown closes the channel that ShutdownRequested returns, once.
// The check and the close happen under lnMu, the lock of the server's
// lifecycle, so concurrent SHUTDOWNs close it only once.
func (s *Server) requestShutdown() {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	select {
	case <-s.shutdown:
	default:
		close(s.shutdown)
	}
}

// lfuPolicy reports whether maxmemory-policy is an LFU one
// (MAXMEMORY_FLAG_LFU).
func lfuPolicy(cfg *Config) bool { return strings.HasSuffix(cfg.MaxmemoryPolicy, "-lfu") }

// rawLookupTime is passed as now to store lookups that must see logically
// expired keys without deleting them, as Redis's dictFind in DEBUG OBJECT,
// DEBUG DIGEST-VALUE and MEMORY USAGE does.
const rawLookupTime = math.MinInt64

package node

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/slotd/slotd/node/store"
	"github.com/slotd/slotd/replication"
)

// Version is the Redis version slotd reports (redis_version), the one whose
// behaviour it implements.
const Version = "7.0.15"

// Server is one slotd node.
type Server struct {
	cfg      atomic.Pointer[Config]
	configMu sync.Mutex // serialises CONFIG SET and REWRITE
	cfgFile  string     // the config file the node started from, if any
	log      *zap.Logger
	store    *store.Store
	table    *commandTable
	prop     replication.Propagator
	clock    func() int64
	// clockInjected is set when Config.Clock replaces the system clock.
	clockInjected bool
	// started carries the monotonic reading that request timing counts
	// from; wallOffset turns it into Unix milliseconds, and the cron
	// refreshes it so wall-clock steps are followed within 100 ms. Reading
	// the monotonic clock alone is much cheaper than time.Now on VMs.
	wallOffset atomic.Int64
	runID      string
	started    time.Time

	lnMu      sync.Mutex
	listeners []net.Listener

	clientsMu sync.Mutex // guards clients
	clients   map[int64]*client
	nextID    atomic.Int64

	pubsub   *pubsubRegistry
	blocking blockingRegistry
	monitors monitorSet
	stats    serverStats
	errors   errorStats
	slowlog  slowlog
	latency  latencyMonitor
	pause    pauseState

	// cluster is cluster mode, nil when cluster-enabled is no.
	cluster *cluster
	// migrateConns caches MIGRATE's connections to its targets.
	migrateConns migrateCache

	// activeExpireOff is DEBUG SET-ACTIVE-EXPIRE 0.
	activeExpireOff atomic.Bool

	wg        sync.WaitGroup
	done      chan struct{}
	closeOnce sync.Once
	shutdown  chan struct{} // closed when a client asks for SHUTDOWN
}

// serverStats are INFO counters.
type serverStats struct {
	commands      atomic.Int64
	connections   atomic.Int64
	rejectedConns atomic.Int64
	hits          atomic.Int64
	misses        atomic.Int64
	netIn         atomic.Int64
	netOut        atomic.Int64
	errorReplies  atomic.Int64
	opsPerSec     atomic.Int64
	lastSave      atomic.Int64
	// samples of total commands for instantaneous_ops_per_sec.
	sampleMu  sync.Mutex
	samples   [16]int64
	sampleIdx int
	lastCount int64
	lastTime  time.Time
}

// New builds a node from cfg. It does not listen until Serve or
// ListenAndServe.
func New(cfg *Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	table, err := newCommandTable()
	if err != nil {
		return nil, err
	}
	s := &Server{
		log:      cfg.Logger,
		table:    table,
		prop:     cfg.Propagator,
		clock:    cfg.Clock,
		clients:  make(map[int64]*client),
		done:     make(chan struct{}),
		shutdown: make(chan struct{}),
		started:  time.Now(),
		pubsub:   newPubsubRegistry(),
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	s.clockInjected = s.clock != nil
	if s.clock == nil {
		s.clock = func() int64 { return time.Now().UnixMilli() }
	}
	var id [20]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("run id: %w", err)
	}
	s.runID = hex.EncodeToString(id[:])
	// redis-server hands its first client the id 3; clients see the same.
	s.nextID.Store(2)
	s.syncWallClock()
	s.cfg.Store(cfg)
	s.store = store.New(store.Config{OnExpire: s.onExpire})
	s.slowlog.init()
	s.latency.init()
	s.stats.lastSave.Store(time.Now().Unix())
	return s, nil
}

// SetConfigFile records the file the configuration came from, for CONFIG
// REWRITE and INFO's config_file.
func (s *Server) SetConfigFile(path string) { s.cfgFile = path }

func (s *Server) config() *Config { return s.cfg.Load() }

// Store returns the keyspace, for tests and the tools that load data.
func (s *Server) Store() *store.Store { return s.store }

// ShutdownRequested is closed when a client runs SHUTDOWN.
func (s *Server) ShutdownRequested() <-chan struct{} { return s.shutdown }

func (s *Server) now() int64 { return s.clock() }

// sinceStart reads the monotonic clock, as time since the server started.
func (s *Server) sinceStart() time.Duration { return time.Since(s.started) }

// wallMillis converts a sinceStart reading into Unix milliseconds, or
// returns the injected clock's time.
func (s *Server) wallMillis(d time.Duration) int64 {
	if s.clockInjected {
		return s.clock()
	}
	return d.Milliseconds() + s.wallOffset.Load()
}

func (s *Server) syncWallClock() {
	now := time.Now()
	s.wallOffset.Store(now.UnixMilli() - now.Sub(s.started).Milliseconds())
}

func (s *Server) propagate(r replication.Record) {
	if s.prop != nil {
		s.prop.Propagate(r)
	}
}

// onExpire propagates the deletion of an expired key, under its slot lock.
func (s *Server) onExpire(db int, key string) {
	s.propagate(replication.Record{DB: db, Argv: [][]byte{[]byte("DEL"), []byte(key)}})
}

// goTracked runs fn in a goroutine that Close waits for.
func (s *Server) goTracked(fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
}

// ListenAndServe listens on every bind address at the configured port,
// starts cluster mode when enabled, and serves until Close. It returns once
// the listeners are up.
func (s *Server) ListenAndServe() error {
	cfg := s.config()
	var lns []net.Listener
	closeAll := func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}
	port := cfg.Port
	for _, b := range cfg.Bind {
		optional := false
		if len(b) > 0 && b[0] == '-' {
			// "-addr" in bind: skip it when unavailable, as Redis does.
			optional, b = true, b[1:]
		}
		host := b
		switch b {
		case "*":
			host = "0.0.0.0"
		case "::*":
			host = "::"
		}
		network := "tcp4"
		if host == "::" || net.ParseIP(host) != nil && net.ParseIP(host).To4() == nil {
			network = "tcp6"
		}
		ln, err := net.Listen(network, net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			if optional {
				continue
			}
			closeAll()
			return fmt.Errorf("listen %s:%d: %w", host, port, err)
		}
		// Port 0 picks a free port for the first listener; the others
		// share it.
		port = ln.Addr().(*net.TCPAddr).Port
		lns = append(lns, ln)
	}
	if cfg.ClusterEnabled {
		if err := s.startCluster(port); err != nil {
			closeAll()
			return err
		}
	}
	for _, ln := range lns {
		s.Serve(ln)
	}
	return nil
}

// Serve accepts clients on ln until Close.
func (s *Server) Serve(ln net.Listener) {
	s.lnMu.Lock()
	s.listeners = append(s.listeners, ln)
	first := len(s.listeners) == 1
	s.lnMu.Unlock()
	if first {
		s.goTracked(s.cron)
	}
	s.goTracked(func() { s.acceptLoop(ln) })
}

// Addr returns the first listener's address.
func (s *Server) Addr() net.Addr {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if len(s.listeners) == 0 {
		return nil
	}
	return s.listeners[0].Addr()
}

func (s *Server) acceptLoop(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("accept failed", zap.Error(err))
			select {
			case <-s.done:
				return
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		s.accept(conn)
	}
}

func (s *Server) accept(conn net.Conn) {
	cfg := s.config()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
		if cfg.TCPKeepalive > 0 {
			_ = tc.SetKeepAlive(true)
			_ = tc.SetKeepAlivePeriod(time.Duration(cfg.TCPKeepalive) * time.Second)
		}
	}
	c := &client{
		s:             s,
		id:            s.nextID.Add(1),
		conn:          conn,
		addr:          conn.RemoteAddr().String(),
		laddr:         conn.LocalAddr().String(),
		created:       time.Now(),
		wake:          make(chan struct{}, 1),
		quit:          make(chan struct{}),
		authenticated: cfg.Requirepass == "",
	}
	c.rd = newReader(countingReader{conn: conn, n: &s.stats.netIn})
	c.lastActive.Store(s.now())
	s.stats.connections.Add(1)
	s.clientsMu.Lock()
	if len(s.clients) >= cfg.Maxclients {
		s.clientsMu.Unlock()
		s.stats.rejectedConns.Add(1)
		_, _ = conn.Write([]byte("-ERR max number of clients reached\r\n"))
		_ = conn.Close()
		return
	}
	s.clients[c.id] = c
	s.clientsMu.Unlock()
	s.goTracked(func() { s.serveClient(c) })
}

// countingReader counts bytes read for INFO's total_net_input_bytes.
type countingReader struct {
	conn net.Conn
	n    *atomic.Int64
}

func (r countingReader) Read(p []byte) (int, error) {
	n, err := r.conn.Read(p)
	r.n.Add(int64(n))
	return n, err
}

// serveClient is the client's reader goroutine: it parses requests, runs
// them, and writes replies once no complete request is left in the buffer,
// so pipelines are answered in one write.
func (s *Server) serveClient(c *client) {
	defer s.removeClient(c)
	c.refreshLimits()
	for {
		argv, err := c.rd.next(false)
		if err == nil && argv == nil {
			if c.flush() != nil {
				return
			}
			if t := s.config().Timeout; t > 0 && c.subs.count.Load() == 0 {
				_ = c.conn.SetReadDeadline(time.Now().Add(time.Duration(t) * time.Second))
			}
			// Limits follow CONFIG SET and AUTH between reads; a
			// pipeline already buffered was read under the old ones.
			c.refreshLimits()
			argv, err = c.rd.next(true)
		}
		if err != nil {
			var pe protocolError
			if errors.As(err, &pe) {
				s.errors.count("ERR")
				c.w.err("ERR " + pe.Error())
				c.commit()
				_ = c.flush()
				s.log.Debug("protocol error", zap.String("addr", c.addr), zap.Error(err))
			} else if errors.Is(err, errQueryBufferLimit) {
				s.log.Warn("closing client that reached max query buffer length", zap.String("addr", c.addr))
			}
			return
		}
		authenticated := c.authenticated
		s.call(c, argv)
		if c.commit() > 64*1024 {
			if c.flush() != nil {
				return
			}
		}
		if c.closeAfter {
			_ = c.flush()
			return
		}
		if c.authenticated != authenticated {
			c.refreshLimits()
		}
	}
}

func (c *client) refreshLimits() {
	cfg := c.s.config()
	c.rd.maxBulk = cfg.ProtoMaxBulkLen
	c.rd.maxQueryBuf = cfg.ClientQueryBufferLimit
	c.rd.authenticated = c.authenticated
}

// killClient closes a client from any goroutine.
func (s *Server) killClient(c *client, reason string) {
	if c.closed.Swap(true) {
		return
	}
	s.log.Debug("closing client", zap.String("addr", c.addr), zap.String("reason", reason))
	_ = c.conn.Close()
}

func (s *Server) removeClient(c *client) {
	s.killClient(c, "connection closed")
	s.unwatchAll(c)
	s.pubsub.removeClient(c)
	s.monitors.remove(c)
	s.clientsMu.Lock()
	delete(s.clients, c.id)
	s.clientsMu.Unlock()
	close(c.quit)
}

// Close stops accepting, disconnects every client and waits for every
// goroutine the server started.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		s.closeListeners()
		s.clientsMu.Lock()
		for _, c := range s.clients {
			s.killClient(c, "server closing")
		}
		s.clientsMu.Unlock()
		s.pause.unpauseAll()
	})
	s.wg.Wait()
	return nil
}

func (s *Server) closeListeners() {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	for _, ln := range s.listeners {
		_ = ln.Close()
	}
}

// cron is serverCron: active expiry and statistics, hz times per second.
func (s *Server) cron() {
	var cursor store.ExpireCursor
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			s.migrateConns.closeIdle(time.Now(), true)
			return
		case <-t.C:
		}
		s.sampleOps()
		s.migrateConns.closeIdle(time.Now(), false)
		s.syncWallClock()
		if s.activeExpireEnabled() {
			// Spend at most 25% of a 100 ms period, like
			// ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC.
			deadline := time.Now().Add(25 * time.Millisecond)
			s.store.ActiveExpire(s.now(), &cursor, func() bool { return time.Now().Before(deadline) })
		}
	}
}

func (s *Server) activeExpireEnabled() bool { return !s.activeExpireOff.Load() }

func (s *Server) sampleOps() {
	st := &s.stats
	st.sampleMu.Lock()
	defer st.sampleMu.Unlock()
	now := time.Now()
	total := st.commands.Load()
	if !st.lastTime.IsZero() {
		dt := now.Sub(st.lastTime).Seconds()
		if dt > 0 {
			st.samples[st.sampleIdx%len(st.samples)] = int64(float64(total-st.lastCount) / dt)
			st.sampleIdx++
			var sum int64
			n := st.sampleIdx
			if n > len(st.samples) {
				n = len(st.samples)
			}
			for i := 0; i < n; i++ {
				sum += st.samples[i]
			}
			st.opsPerSec.Store(sum / int64(n))
		}
	}
	st.lastCount, st.lastTime = total, now
}

// WritePidfile writes the pid file, as redis-server does at start.
func WritePidfile(path string) error {
	return os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}

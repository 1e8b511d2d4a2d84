package e2e

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The tests of this file use the ports 28000-28999, and 38000-38999 for
// cluster buses, so they can run next to other suites on one machine.
const (
	interopMigratePorts = 28000 // TestMigrateBetweenRedisAndSlotd: 28000-28099
	interopImportPorts  = 28100 // TestRedisCliClusterImport: 28100-28199
	interopClosedPort   = 28999 // nothing listens here
	interopBusOffset    = 10000
)

// startInRange starts bin ("slotd" is slotdBin) on the first port of
// [base, base+10) that it manages to bind, with the arguments startSlotd
// and startRedis give plus extra.
func startInRange(t *testing.T, name string, base int, extra ...string) *server {
	t.Helper()
	bin := slotdBin
	if name == "redis" {
		bin = requireRedis(t)
	}
	var lastErr error
	for port := base; port < base+10; port++ {
		args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--enable-debug-command", "yes", "--save", "", "--appendonly", "no"}
		s, err := launch(t, name, bin, port, append(args, extra...))
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("%s did not start on a port in %d-%d: %v", name, base, base+9, lastErr)
	return nil
}

// startClusterInRange is startClusterProcs on ports from base up, with
// bus ports interopBusOffset higher. A port that is taken (bus ports lie in
// the kernel's ephemeral range) is skipped, up to base+49.
func startClusterInRange(t *testing.T, base, n int) []*clusterProc {
	t.Helper()
	procs := make([]*clusterProc, 0, n)
	port := base
	for len(procs) < n {
		if port >= base+50 {
			t.Fatalf("no free ports for %d cluster nodes from %d", n, base)
		}
		p := &clusterProc{bin: slotdBin, port: port, bus: port + interopBusOffset, dir: t.TempDir()}
		port++
		s, err := launch(t, "slotd", slotdBin, p.port, p.args())
		if err != nil {
			t.Logf("cluster node on ports %d/%d: %v", p.port, p.bus, err)
			continue
		}
		p.server = s
		procs = append(procs, p)
	}
	return procs
}

// rawReply runs one command on a new connection to addr, authenticated
// with pass when it is not empty, and returns the reply's exact bytes.
func rawReply(t *testing.T, addr, pass string, args ...string) string {
	t.Helper()
	c, err := dialRaw(addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.close()
	if pass != "" {
		if v, err := c.do("AUTH", pass); err != nil || v.Type != '+' {
			t.Fatalf("AUTH on %s: %q %v", addr, v.Raw, err)
		}
	}
	v, err := c.do(args...)
	if err != nil {
		t.Fatalf("%s on %s: %v", strings.Join(args, " "), addr, err)
	}
	return string(v.Raw)
}

// migrateTarget is a server a MIGRATE sends to, and the password its
// admin connections need.
type migrateTarget struct {
	addr, pass string
}

func (m migrateTarget) hostPort() (string, string) {
	h, p, _ := net.SplitHostPort(m.addr)
	return h, p
}

// TestMigrateBetweenRedisAndSlotd moves a value of every encoding from
// redis-server into slotd with MIGRATE, and from slotd into another
// redis-server, in the single-key and KEYS forms, with COPY and REPLACE,
// and checks value, type, encoding and TTL at each step. Then it runs the
// same MIGRATEs, error paths included, from a redis-server source and from
// a slotd source, and requires the same reply bytes and the same effect.
func TestMigrateBetweenRedisAndSlotd(t *testing.T) {
	base := interopMigratePorts
	rs := startInRange(t, "redis", base)
	sd := startInRange(t, "slotd", base+10)
	back := startInRange(t, "redis", base+20)
	lockedR := startInRange(t, "redis", base+30, "--requirepass", "pw")
	lockedS := startInRange(t, "slotd", base+40, "--requirepass", "pw")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	client := func(s *server, pass string) *redis.Client {
		c := redis.NewClient(&redis.Options{Addr: s.addr, Password: pass, Protocol: 2})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	r, s, b, ls := client(rs, ""), client(sd, ""), client(back, ""), client(lockedS, "pw")
	sdHost, sdPort, _ := net.SplitHostPort(sd.addr)
	backHost, backPort, _ := net.SplitHostPort(back.addr)
	lsHost, lsPort, _ := net.SplitHostPort(lockedS.addr)

	migrate := func(t *testing.T, c *redis.Client, args ...any) {
		t.Helper()
		if got, err := c.Do(ctx, append([]any{"MIGRATE"}, args...)...).Result(); err != nil || got != "OK" {
			t.Fatalf("MIGRATE %v = %v, %v; want OK", args, got, err)
		}
	}
	build := func(t *testing.T, c *redis.Client, key string, tc dumpCase, ttl time.Duration) {
		t.Helper()
		for _, cmd := range tc.build {
			cmd = slices.Clone(cmd)
			cmd[1] = key
			if err := c.Do(ctx, cmd...).Err(); err != nil {
				t.Fatalf("%v: %v", cmd[:2], err)
			}
		}
		if ttl > 0 {
			c.PExpire(ctx, key, ttl)
		}
	}
	restoredEnc := func(tc dumpCase) string {
		if tc.restored != "" {
			return tc.restored
		}
		return tc.enc
	}
	gone := func(t *testing.T, who string, c *redis.Client, keys ...string) {
		t.Helper()
		if n := c.Exists(ctx, keys...).Val(); n != 0 {
			t.Fatalf("%s still holds %d of %v after MIGRATE without COPY", who, n, keys)
		}
	}

	t.Run("single key", func(t *testing.T) {
		for _, tc := range dumpCases() {
			for _, ttl := range []time.Duration{0, 100 * time.Second} {
				t.Run(fmt.Sprintf("%s/ttl=%v", tc.name, ttl), func(t *testing.T) {
					for _, c := range []*redis.Client{r, s, b} {
						c.FlushAll(ctx)
					}
					build(t, r, "k", tc, ttl)
					want, err := valueOf(ctx, r, "k")
					if err != nil {
						t.Fatalf("redis value: %v", err)
					}
					migrate(t, r, sdHost, sdPort, "k", 0, 5000)
					gone(t, "redis", r, "k")
					checkValue(ctx, t, "slotd", s, "k", want)
					checkEncoding(ctx, t, "slotd", s, "k", restoredEnc(tc))
					checkTTL(ctx, t, "slotd", s, "k", ttl)

					migrate(t, s, backHost, backPort, "k", 0, 5000)
					gone(t, "slotd", s, "k")
					checkValue(ctx, t, "redis", b, "k", want)
					checkEncoding(ctx, t, "redis", b, "k", restoredEnc(tc))
					checkTTL(ctx, t, "redis", b, "k", ttl)
				})
			}
		}
	})

	t.Run("same replies as redis", func(t *testing.T) {
		closed := migrateTarget{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(interopClosedPort))}
		if c, err := net.DialTimeout("tcp", closed.addr, time.Second); err == nil {
			c.Close()
			t.Fatalf("port %d should be closed for the IOERR case", interopClosedPort)
		}
		plain := migrateTarget{addr: back.addr}
		authR := migrateTarget{addr: lockedR.addr, pass: "pw"}
		authS := migrateTarget{addr: lockedS.addr, pass: "pw"}
		const (
			busy     = "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n"
			noauth   = "-ERR Target instance replied with error: NOAUTH Authentication required.\r\n"
			wrongpw  = "-ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled.\r\n"
			syntax   = "-ERR syntax error\r\n"
			notInt   = "-ERR value is not an integer or out of range\r\n"
			keysForm = "-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string\r\n"
		)
		// Cached connections carry AUTH and SELECT from one MIGRATE to the
		// next in both servers, so the order of the cases matters, and this
		// subtest runs before any source has authenticated to a target.
		cases := []struct {
			name   string
			target migrateTarget
			src    [][]string // run on both sources after FLUSHALL
			dst    [][]string // run on the target after FLUSHALL
			args   []string   // after MIGRATE host port
			want   string     // Redis's reply, checked when not empty
			sleep  bool       // the target sleeps past the timeout
		}{
			{name: "arity", target: plain, args: []string{"k", "0"}, want: "-ERR wrong number of arguments for 'migrate' command\r\n"},
			{name: "NOKEY", target: plain, args: []string{"k", "0", "1000"}, want: "+NOKEY\r\n"},
			{name: "BUSYKEY", target: plain, src: [][]string{{"SET", "k", "v"}}, dst: [][]string{{"SET", "k", "old"}}, args: []string{"k", "0", "1000"}, want: busy},
			{name: "REPLACE", target: plain, src: [][]string{{"SET", "k", "v"}}, dst: [][]string{{"SET", "k", "old"}}, args: []string{"k", "0", "1000", "REPLACE"}, want: "+OK\r\n"},
			{name: "COPY", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000", "COPY"}, want: "+OK\r\n"},
			{name: "KEYS with one busy key", target: plain, src: [][]string{{"MSET", "a", "1", "b", "2", "c", "3"}}, dst: [][]string{{"SET", "b", "old"}},
				args: []string{"", "0", "1000", "KEYS", "a", "b", "c"}, want: busy},
			{name: "KEYS with a missing key", target: plain, src: [][]string{{"SET", "a", "1"}}, args: []string{"", "0", "1000", "KEYS", "a", "missing"}, want: "+OK\r\n"},
			{name: "KEYS all missing", target: plain, args: []string{"", "0", "1000", "KEYS", "a", "b"}, want: "+NOKEY\r\n"},
			{name: "KEYS with a key argument", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000", "KEYS", "k"}, want: keysForm},
			{name: "KEYS then an option", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"", "0", "1000", "KEYS", "k", "COPY"}, want: "+OK\r\n"},
			{name: "unknown option", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000", "FOO"}, want: syntax},
			{name: "AUTH without password", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000", "AUTH"}, want: syntax},
			{name: "AUTH2 without password", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000", "AUTH2", "u"}, want: syntax},
			{name: "timeout not an integer", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "x"}, want: notInt},
			{name: "db not an integer", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "x", "1000"}, want: notInt},
			{name: "timeout 0", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "0"}, want: "+OK\r\n"},
			{name: "negative timeout", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "-5"}, want: "+OK\r\n"},
			{name: "db 1", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "1", "1000"}, want: "+OK\r\n"},
			{name: "db out of range", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "16", "1000"},
				want: "-ERR Target instance replied with error: ERR DB index is out of range\r\n"},
			{name: "db -1 after an error sends no SELECT", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "-1", "1000"}, want: "+OK\r\n"},
			{name: "back to db 0", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000"}, want: "+OK\r\n"},
			{name: "closed port", target: closed, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000"}, want: "-IOERR error or timeout writing to target instance\r\n"},
			{name: "read timeout", target: plain, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "100"}, sleep: true,
				want: "-IOERR error or timeout reading to target instance\r\n"},
			{name: "NOAUTH from redis", target: authR, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000"}, want: noauth},
			{name: "WRONGPASS from redis", target: authR, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000", "AUTH", "nope"}, want: wrongpw},
			{name: "AUTH to redis", target: authR, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000", "AUTH", "pw"}, want: "+OK\r\n"},
			{name: "AUTH2 to redis", target: authR, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000", "AUTH2", "default", "pw"}, want: "+OK\r\n"},
			{name: "AUTH then a failing SELECT", target: authR, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "16", "1000", "AUTH", "pw"},
				want: "-ERR Target instance replied with error: ERR DB index is out of range\r\n"},
			{name: "NOAUTH from slotd", target: authS, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000"}, want: noauth},
			{name: "WRONGPASS from slotd", target: authS, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000", "AUTH", "nope"}, want: wrongpw},
			{name: "AUTH to slotd", target: authS, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000", "AUTH", "pw"}, want: "+OK\r\n"},
			{name: "AUTH2 to slotd", target: authS, src: [][]string{{"SET", "k", "v"}}, args: []string{"k", "0", "1000", "AUTH2", "default", "pw"}, want: "+OK\r\n"},
			{name: "BUSYKEY from slotd", target: authS, src: [][]string{{"SET", "k", "v"}}, dst: [][]string{{"SET", "k", "old"}}, args: []string{"k", "0", "1000"}, want: busy},
			{name: "REPLACE into slotd", target: authS, src: [][]string{{"SET", "k", "v"}}, dst: [][]string{{"SET", "k", "old"}}, args: []string{"k", "0", "1000", "REPLACE"}, want: "+OK\r\n"},
		}
		type outcome struct{ reply, src, dst string }
		run := func(t *testing.T, source *server, tc int) outcome {
			t.Helper()
			c := cases[tc]
			rawReply(t, source.addr, "", "FLUSHALL")
			for _, cmd := range c.src {
				rawReply(t, source.addr, "", cmd...)
			}
			if c.target != closed {
				rawReply(t, c.target.addr, c.target.pass, "FLUSHALL")
				for _, cmd := range c.dst {
					rawReply(t, c.target.addr, c.target.pass, cmd...)
				}
			}
			var sleeper *rawConn
			if c.sleep {
				var err error
				if sleeper, err = dialRaw(c.target.addr); err != nil {
					t.Fatal(err)
				}
				defer sleeper.close()
				if err := sleeper.send([][]byte{[]byte("DEBUG"), []byte("SLEEP"), []byte("0.5")}); err != nil {
					t.Fatal(err)
				}
				// The sleep has begun once the target stops answering.
				waitForCond(t, 5*time.Second, "the target to sleep", func() bool {
					p, err := dialRaw(c.target.addr)
					if err != nil {
						return false
					}
					defer p.close()
					_ = p.c.SetDeadline(time.Now().Add(50 * time.Millisecond))
					_ = p.send([][]byte{[]byte("PING")})
					_, err = p.rd.Read()
					return err != nil
				})
			}
			host, port := c.target.hostPort()
			got := rawReply(t, source.addr, "", append([]string{"MIGRATE", host, port}, c.args...)...)
			if sleeper != nil {
				if _, err := sleeper.read(); err != nil {
					t.Fatalf("DEBUG SLEEP: %v", err)
				}
				// The target restores the key once it wakes up.
				waitForCond(t, 5*time.Second, "the late RESTORE", func() bool {
					return rawReply(t, c.target.addr, c.target.pass, "EXISTS", "k") == ":1\r\n"
				})
			}
			o := outcome{reply: got, src: rawReply(t, source.addr, "", "KEYS", "*")}
			if c.target != closed {
				o.dst = rawReply(t, c.target.addr, c.target.pass, "INFO", "keyspace")
			}
			return o
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				want := run(t, rs, i)
				got := run(t, sd, i)
				if c.want != "" && want.reply != c.want {
					t.Fatalf("redis-server replied %q, this test expects %q", want.reply, c.want)
				}
				if got.reply != want.reply {
					t.Fatalf("slotd replied %q, redis-server %q", got.reply, want.reply)
				}
				if got.src != want.src {
					t.Fatalf("keys left in the source: slotd %q, redis-server %q", got.src, want.src)
				}
				if got.dst != want.dst {
					t.Fatalf("target keyspace after slotd's MIGRATE:\n%s\nafter redis-server's:\n%s", got.dst, want.dst)
				}
			})
		}
	})
	t.Run("keys copy replace auth", func(t *testing.T) {
		for _, c := range []*redis.Client{r, s, b, ls} {
			c.FlushAll(ctx)
		}
		cases := dumpCases()
		keys := make([]any, len(cases))
		wants := make([]string, len(cases))
		ttlOf := func(i int) time.Duration { return time.Duration(i%2) * 100 * time.Second }
		for i, tc := range cases {
			k := "k" + strconv.Itoa(i)
			keys[i] = k
			build(t, r, k, tc, ttlOf(i))
			wants[i], _ = valueOf(ctx, r, k)
		}
		// check verifies every key but skip; built says c built the values
		// itself, so they keep their original encoding.
		check := func(t *testing.T, who string, c *redis.Client, skip string, built bool) {
			t.Helper()
			for i, tc := range cases {
				k := keys[i].(string)
				if k == skip {
					continue
				}
				checkValue(ctx, t, who, c, k, wants[i])
				enc := restoredEnc(tc)
				if built {
					enc = tc.enc
				}
				checkEncoding(ctx, t, who, c, k, enc)
				checkTTL(ctx, t, who, c, k, ttlOf(i))
			}
		}
		keysForm := func(opts ...any) []any { return append(append(opts, "KEYS"), keys...) }

		s.Set(ctx, "k0", "stale", 0)
		args := append([]any{"MIGRATE", sdHost, sdPort, "", 0, 5000}, keysForm("COPY")...)
		const busy = "ERR Target instance replied with error: BUSYKEY Target key name already exists."
		if err := r.Do(ctx, args...).Err(); err == nil || err.Error() != busy {
			t.Fatalf("MIGRATE KEYS COPY onto an existing key: %v, want %q", err, busy)
		}
		if got := s.Get(ctx, "k0").Val(); got != "stale" {
			t.Fatalf("slotd k0 = %q after BUSYKEY, want the old value", got)
		}
		check(t, "slotd", s, "k0", false)
		check(t, "redis after COPY", r, "", true)

		migrate(t, r, append([]any{sdHost, sdPort, "", 0, 5000}, keysForm("COPY", "REPLACE")...)...)
		check(t, "slotd", s, "", false)
		migrate(t, r, append([]any{sdHost, sdPort, "", 0, 5000}, keysForm("REPLACE")...)...)
		gone(t, "redis", r, keys[0].(string), keys[len(keys)-1].(string))
		check(t, "slotd", s, "", false)

		migrate(t, s, append([]any{backHost, backPort, "", 0, 5000}, keysForm("COPY")...)...)
		check(t, "redis", b, "", false)
		check(t, "slotd after COPY", s, "", false)
		migrate(t, s, append([]any{lsHost, lsPort, "", 0, 5000}, keysForm("AUTH", "pw")...)...)
		gone(t, "slotd", s, keys[0].(string), keys[len(keys)-1].(string))
		check(t, "slotd with requirepass", ls, "", false)

		migrate(t, ls, append([]any{backHost, backPort, "", 0, 5000}, keysForm("REPLACE")...)...)
		check(t, "redis", b, "", false)
		migrate(t, b, append([]any{lsHost, lsPort, "", 0, 5000}, keysForm("AUTH2", "default", "pw")...)...)
		check(t, "slotd with requirepass", ls, "", false)
	})
}

// TestRedisCliClusterImport loads a redis-server with keys of every type,
// a tenth of them with a TTL, and imports them into a six-node slotd
// cluster with redis-cli --cluster import: with --cluster-copy (the source
// keeps its keys), then without it and with --cluster-replace over keys
// the cluster changed meanwhile (the source is emptied).
func TestRedisCliClusterImport(t *testing.T) {
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli is not installed (apt-get install redis-tools)")
	}
	procs := startClusterInRange(t, interopImportPorts, 6)
	createCluster(t, procs)
	src := startInRange(t, "redis", interopImportPorts+50)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{procs[0].addr}, MaxRedirects: 16})
	rc := redis.NewClient(&redis.Options{Addr: src.addr, Protocol: 2})
	t.Cleanup(func() { _ = cc.Close(); _ = rc.Close() })

	ds := dataset{n: 5000}
	loadStandalone(ctx, t, rc, ds)
	clusterKeys := func() int64 {
		var n int64
		for _, p := range procs {
			if strings.Contains(rawCommand(t, p.addr, "INFO", "replication"), "role:master") {
				n += int64(mustInt(t, rawCommand(t, p.addr, "DBSIZE")))
			}
		}
		return n
	}

	redisCLI(t, 3*time.Minute, "--cluster", "import", procs[0].addr, "--cluster-from", src.addr, "--cluster-copy")
	if bad := ds.verify(ctx, t, cc); len(bad) > 0 {
		t.Fatalf("after import with --cluster-copy, %d keys are wrong, first: %v", len(bad), bad[:min(5, len(bad))])
	}
	if n, m := clusterKeys(), rc.DBSize(ctx).Val(); n != int64(ds.n) || m != int64(ds.n) {
		t.Fatalf("after import with --cluster-copy the cluster holds %d keys and the source %d, want %d and %d", n, m, ds.n, ds.n)
	}

	for i := range 50 {
		if err := cc.Set(ctx, ds.key(i*5), "changed", 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
	}
	redisCLI(t, 3*time.Minute, "--cluster", "import", procs[0].addr, "--cluster-from", src.addr, "--cluster-replace")
	if bad := ds.verify(ctx, t, cc); len(bad) > 0 {
		t.Fatalf("after import with --cluster-replace, %d keys are wrong, first: %v", len(bad), bad[:min(5, len(bad))])
	}
	if n, m := clusterKeys(), rc.DBSize(ctx).Val(); n != int64(ds.n) || m != 0 {
		t.Fatalf("after import without --cluster-copy the cluster holds %d keys and the source %d, want %d and 0", n, m, ds.n)
	}
	clusterCheck(t, procs[0].addr)
}

// loadStandalone writes ds into a standalone server, as dataset.load does
// into a cluster.
func loadStandalone(ctx context.Context, t *testing.T, c *redis.Client, ds dataset) {
	t.Helper()
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range ds.n {
			ds.queue(ctx, p, i)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("loading the source: %v", err)
	}
}

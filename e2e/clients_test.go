package e2e

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestGoRedisClient drives slotd with go-redis v9 and its default options:
// it opens each connection with HELLO 3 and CLIENT SETINFO.
func TestGoRedisClient(t *testing.T) {
	s := startSlotd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rdb := redis.NewClient(&redis.Options{Addr: s.addr})
	t.Cleanup(func() { _ = rdb.Close() })

	t.Run("Handshake", func(t *testing.T) {
		if err := rdb.Ping(ctx).Err(); err != nil {
			t.Fatalf("PING: %v", err)
		}
		info, err := rdb.ClientInfo(ctx).Result()
		if err != nil {
			t.Fatalf("CLIENT INFO: %v", err)
		}
		if info.Resp != 3 {
			t.Fatalf("CLIENT INFO after the handshake: resp=%d, want 3", info.Resp)
		}
		// go-redis ignores a refused CLIENT SETINFO; check it is accepted.
		for _, attr := range [][2]string{{"LIB-NAME", "go-redis"}, {"LIB-VER", redis.Version()}} {
			if err := rdb.Do(ctx, "CLIENT", "SETINFO", attr[0], attr[1]).Err(); err != nil {
				t.Fatalf("CLIENT SETINFO %s %s: %v", attr[0], attr[1], err)
			}
		}
	})

	t.Run("Strings", func(t *testing.T) {
		if err := rdb.Set(ctx, "gr:s", "v1", 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
		if v, err := rdb.Get(ctx, "gr:s").Result(); err != nil || v != "v1" {
			t.Fatalf("GET: %q %v, want v1", v, err)
		}
		if _, err := rdb.Get(ctx, "gr:missing").Result(); !errors.Is(err, redis.Nil) {
			t.Fatalf("GET of a missing key: %v, want redis.Nil", err)
		}
		if err := rdb.MSet(ctx, "gr:a", "1", "gr:b", "2").Err(); err != nil {
			t.Fatalf("MSET: %v", err)
		}
		vals, err := rdb.MGet(ctx, "gr:a", "gr:missing", "gr:b").Result()
		if err != nil || len(vals) != 3 || vals[0] != "1" || vals[1] != nil || vals[2] != "2" {
			t.Fatalf("MGET: %v %v, want [1 <nil> 2]", vals, err)
		}
		if n, err := rdb.Incr(ctx, "gr:a").Result(); err != nil || n != 2 {
			t.Fatalf("INCR: %d %v, want 2", n, err)
		}
		if err := rdb.Incr(ctx, "gr:s").Err(); err == nil || !strings.Contains(err.Error(), "not an integer") {
			t.Fatalf("INCR of a non-integer: %v, want the not-an-integer error", err)
		}
	})

	t.Run("ExpireTTL", func(t *testing.T) {
		if err := rdb.Set(ctx, "gr:ttl", "x", 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
		if d, err := rdb.TTL(ctx, "gr:ttl").Result(); err != nil || d != -1 {
			t.Fatalf("TTL without expiry: %v %v, want -1", d, err)
		}
		if ok, err := rdb.Expire(ctx, "gr:ttl", 100*time.Second).Result(); err != nil || !ok {
			t.Fatalf("EXPIRE: %v %v", ok, err)
		}
		if d, err := rdb.TTL(ctx, "gr:ttl").Result(); err != nil || d <= 90*time.Second || d > 100*time.Second {
			t.Fatalf("TTL: %v %v, want about 100s", d, err)
		}
		if d, err := rdb.TTL(ctx, "gr:missing").Result(); err != nil || d != -2 {
			t.Fatalf("TTL of a missing key: %v %v, want -2", d, err)
		}
		if ok, err := rdb.Expire(ctx, "gr:missing", time.Second).Result(); err != nil || ok {
			t.Fatalf("EXPIRE of a missing key: %v %v, want false", ok, err)
		}
	})

	t.Run("DelExists", func(t *testing.T) {
		if err := rdb.MSet(ctx, "gr:d1", "1", "gr:d2", "2").Err(); err != nil {
			t.Fatalf("MSET: %v", err)
		}
		if n, err := rdb.Exists(ctx, "gr:d1", "gr:d2", "gr:d1", "gr:none").Result(); err != nil || n != 3 {
			t.Fatalf("EXISTS: %d %v, want 3", n, err)
		}
		if n, err := rdb.Del(ctx, "gr:d1", "gr:d2", "gr:none").Result(); err != nil || n != 2 {
			t.Fatalf("DEL: %d %v, want 2", n, err)
		}
		if n, err := rdb.Exists(ctx, "gr:d1").Result(); err != nil || n != 0 {
			t.Fatalf("EXISTS after DEL: %d %v, want 0", n, err)
		}
	})

	t.Run("ScanIterator", func(t *testing.T) {
		const n = 500
		pairs := make([]any, 0, 2*n)
		want := make([]string, 0, n)
		for i := 0; i < n; i++ {
			k := fmt.Sprintf("scan:%03d", i)
			pairs = append(pairs, k, i)
			want = append(want, k)
		}
		if err := rdb.MSet(ctx, pairs...).Err(); err != nil {
			t.Fatalf("MSET: %v", err)
		}
		seen := map[string]bool{}
		iter := rdb.Scan(ctx, 0, "scan:*", 37).Iterator()
		for iter.Next(ctx) {
			seen[iter.Val()] = true
		}
		if err := iter.Err(); err != nil {
			t.Fatalf("SCAN: %v", err)
		}
		got := make([]string, 0, len(seen))
		for k := range seen {
			got = append(got, k)
		}
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("SCAN MATCH scan:* found %d keys, want the %d written", len(got), n)
		}
	})

	t.Run("Pipeline", func(t *testing.T) {
		cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "gr:p", "0", 0)
			for i := 0; i < 100; i++ {
				p.Incr(ctx, "gr:p")
			}
			p.Get(ctx, "gr:p")
			return nil
		})
		if err != nil || len(cmds) != 102 {
			t.Fatalf("pipeline: %d replies, %v", len(cmds), err)
		}
		if v := cmds[101].(*redis.StringCmd).Val(); v != "100" {
			t.Fatalf("GET at the end of the pipeline: %q, want 100", v)
		}
	})

	t.Run("TxPipeline", func(t *testing.T) {
		cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "gr:tx", "5", 0)
			p.IncrBy(ctx, "gr:tx", 10)
			p.Get(ctx, "gr:tx")
			return nil
		})
		if err != nil || len(cmds) != 3 {
			t.Fatalf("MULTI/EXEC: %d replies, %v", len(cmds), err)
		}
		if v := cmds[2].(*redis.StringCmd).Val(); v != "15" {
			t.Fatalf("GET inside MULTI/EXEC: %q, want 15", v)
		}
	})

	t.Run("WatchRetry", func(t *testing.T) {
		if err := rdb.Set(ctx, "gr:w", "0", 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
		// The first attempt is spoiled by a write from another connection
		// between WATCH and EXEC; the retry must succeed.
		attempts := 0
		incr := func(tx *redis.Tx) error {
			attempts++
			n, err := tx.Get(ctx, "gr:w").Int()
			if err != nil {
				return err
			}
			if attempts == 1 {
				if err := rdb.Set(ctx, "gr:w", "100", 0).Err(); err != nil {
					return err
				}
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "gr:w", n+1, 0)
				return nil
			})
			return err
		}
		err := rdb.Watch(ctx, incr, "gr:w")
		if !errors.Is(err, redis.TxFailedErr) {
			t.Fatalf("EXEC after a concurrent write: %v, want redis.TxFailedErr", err)
		}
		if err := rdb.Watch(ctx, incr, "gr:w"); err != nil {
			t.Fatalf("retry: %v", err)
		}
		if v, err := rdb.Get(ctx, "gr:w").Result(); err != nil || v != "101" {
			t.Fatalf("after the retry: %q %v, want 101", v, err)
		}

		// Concurrent optimistic increments: every one lands exactly once.
		if err := rdb.Set(ctx, "gr:counter", "0", 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
		const workers, each = 8, 50
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					for {
						err := rdb.Watch(ctx, func(tx *redis.Tx) error {
							n, err := tx.Get(ctx, "gr:counter").Int()
							if err != nil {
								return err
							}
							_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
								p.Set(ctx, "gr:counter", n+1, 0)
								return nil
							})
							return err
						}, "gr:counter")
						if errors.Is(err, redis.TxFailedErr) {
							continue
						}
						if err != nil {
							errs <- err
							return
						}
						break
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("optimistic increment: %v", err)
		}
		if v, err := rdb.Get(ctx, "gr:counter").Int(); err != nil || v != workers*each {
			t.Fatalf("counter after %d optimistic increments is %d (%v): WATCH let concurrent updates be lost", workers*each, v, err)
		}
	})

	t.Run("PubSub", func(t *testing.T) {
		ps := rdb.Subscribe(ctx, "gr:news")
		defer ps.Close()
		if _, err := ps.Receive(ctx); err != nil {
			t.Fatalf("SUBSCRIBE confirmation: %v", err)
		}
		if err := ps.PSubscribe(ctx, "gr:p.*"); err != nil {
			t.Fatalf("PSUBSCRIBE: %v", err)
		}
		if _, err := ps.Receive(ctx); err != nil {
			t.Fatalf("PSUBSCRIBE confirmation: %v", err)
		}
		if n, err := rdb.Publish(ctx, "gr:news", "hello").Result(); err != nil || n != 1 {
			t.Fatalf("PUBLISH: %d %v, want 1 receiver", n, err)
		}
		msg, err := ps.ReceiveMessage(ctx)
		if err != nil || msg.Channel != "gr:news" || msg.Payload != "hello" {
			t.Fatalf("message: %+v %v", msg, err)
		}
		if err := rdb.Publish(ctx, "gr:p.one", "via pattern").Err(); err != nil {
			t.Fatalf("PUBLISH: %v", err)
		}
		msg, err = ps.ReceiveMessage(ctx)
		if err != nil || msg.Pattern != "gr:p.*" || msg.Channel != "gr:p.one" || msg.Payload != "via pattern" {
			t.Fatalf("pattern message: %+v %v", msg, err)
		}
	})
}

// redisPyScript exercises slotd with redis-py. It prints OK when every check
// passed; a failed assert prints its traceback.
const redisPyScript = `
import sys, threading, redis

port = int(sys.argv[1])
r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True, socket_timeout=10)
assert r.ping() is True
assert r.set("py:s", "v1") is True
assert r.get("py:s") == "v1", r.get("py:s")
assert r.get("py:missing") is None
assert r.mset({"py:a": "1", "py:b": "2"}) is True
assert r.mget("py:a", "py:missing", "py:b") == ["1", None, "2"]
assert r.incr("py:a") == 2
assert r.incrby("py:a", 10) == 12
assert r.expire("py:s", 100) is True
assert 90 <= r.ttl("py:s") <= 100, r.ttl("py:s")
assert r.ttl("py:missing") == -2
assert r.exists("py:a", "py:b", "py:missing") == 2
assert r.delete("py:a", "py:b", "py:missing") == 2
for i in range(300):
    r.set("pyscan:%03d" % i, i)
assert sorted(r.scan_iter(match="pyscan:*", count=25)) == ["pyscan:%03d" % i for i in range(300)]

p = r.pipeline(transaction=False)
p.set("py:p", 0)
for _ in range(50):
    p.incr("py:p")
assert p.execute()[-1] == 50

p = r.pipeline(transaction=True)
p.set("py:t", 5).incrby("py:t", 10).get("py:t")
assert p.execute() == [True, 15, "15"]

other = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
r.set("py:w", 0)
attempts = 0
with r.pipeline() as pipe:
    while True:
        try:
            pipe.watch("py:w")
            n = int(pipe.get("py:w"))
            attempts += 1
            if attempts == 1:
                other.set("py:w", 100)
            pipe.multi()
            pipe.set("py:w", n + 1)
            pipe.execute()
            break
        except redis.WatchError:
            continue
assert attempts == 2, attempts
assert r.get("py:w") == "101"

ps = r.pubsub()
ps.subscribe("py:news")
msg = ps.get_message(timeout=5)
assert msg["type"] == "subscribe" and msg["channel"] == "py:news", msg
ps.psubscribe("py:p.*")
msg = ps.get_message(timeout=5)
assert msg["type"] == "psubscribe", msg
assert other.publish("py:news", "hello") == 1
msg = ps.get_message(timeout=5)
assert msg == {"type": "message", "pattern": None, "channel": "py:news", "data": "hello"}, msg
assert other.publish("py:p.x", "pat") == 1
msg = ps.get_message(timeout=5)
assert msg["type"] == "pmessage" and msg["pattern"] == "py:p.*" and msg["data"] == "pat", msg
ps.close()
print("OK")
`

// TestRedisPyClient runs redis-py (Debian's python3-redis) against slotd.
func TestRedisPyClient(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import redis").Run(); err != nil {
		t.Skip("/usr/bin/python3 cannot import redis (apt-get install python3-redis)")
	}
	s := startSlotd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	port := s.addr[strings.LastIndexByte(s.addr, ':')+1:]
	if _, err := strconv.Atoi(port); err != nil {
		t.Fatalf("port of %s: %v", s.addr, err)
	}
	out, err := exec.CommandContext(ctx, python, "-c", redisPyScript, port).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "OK" {
		t.Fatalf("redis-py script failed (%v):\n%s", err, out)
	}
}

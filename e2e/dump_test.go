package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// dumpCase builds one value in one encoding.
type dumpCase struct {
	name  string
	build [][]any // commands that create key "k"
	enc   string  // OBJECT ENCODING in both servers
	// restored is the encoding after RESTORE when it differs from enc: a
	// short string made raw by APPEND comes back embstr, as in Redis.
	restored string
	// tableOrder marks a hash table, whose payload lists members in dict
	// order: slotd's DUMP of a set it built itself, and of any hash table
	// hash, differs from Redis's in order (a restored set keeps the
	// payload's order).
	tableOrder tableOrder
}

// tableOrder says which of slotd's payloads follow Redis's dict order.
type tableOrder int

const (
	deterministic tableOrder = iota // every payload is Redis's, byte for byte
	setTable                        // a restored set keeps Redis's order
	hashTable                       // no hash table hash keeps it
)

// dumpCases covers every type and every encoding Redis 7.0 produces.
func dumpCases() []dumpCase {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		return string(b)
	}
	cmd := func(name, key string, args ...any) []any { return append([]any{name, key}, args...) }
	var list10k, bigList, strSet, intsBig, zsetBig, hashBig, fields []any
	for i := range 10000 {
		list10k = append(list10k, "element:"+strconv.Itoa(i))
	}
	for range 20 {
		bigList = append(bigList, word(rng.IntN(3000)+1), strconv.Itoa(rng.IntN(100000)-50000))
	}
	for i := range 1000 {
		strSet = append(strSet, "m"+strconv.Itoa(i))
		intsBig = append(intsBig, strconv.Itoa(i*7919-3000000))
		hashBig = append(hashBig, "f"+strconv.Itoa(i), word(rng.IntN(20)))
	}
	for i := range 300 {
		zsetBig = append(zsetBig, strconv.FormatFloat(float64(i)/7-20, 'g', -1, 64), "z"+strconv.Itoa(i))
	}
	zsetBig = append(zsetBig, "inf", "top", "-inf", "bottom")
	for i := range 10 {
		fields = append(fields, "field"+strconv.Itoa(i), strconv.Itoa(i*1000))
	}
	return []dumpCase{
		{name: "int string", build: [][]any{cmd("SET", "k", "-1234567890123")}, enc: "int"},
		{name: "embstr string", build: [][]any{cmd("SET", "k", "hello world")}, enc: "embstr"},
		{name: "raw compressible string", build: [][]any{cmd("SET", "k", strings.Repeat("abcdefgh", 100))}, enc: "raw"},
		{name: "raw random string", build: [][]any{cmd("SET", "k", word(5000))}, enc: "raw"},
		{name: "raw appended string", build: [][]any{cmd("SET", "k", "ab"), cmd("APPEND", "k", "cd")}, enc: "raw", restored: "embstr"},
		{name: "small list", build: [][]any{cmd("RPUSH", "k", "a", "1", "-70000", "5000000000", "hello")}, enc: "quicklist"},
		{name: "10000 element list", build: [][]any{cmd("RPUSH", "k", list10k...)}, enc: "quicklist"},
		{name: "list with large elements", build: [][]any{cmd("RPUSH", "k", bigList...), cmd("LPUSH", "k", word(20000))}, enc: "quicklist"},
		{name: "intset", build: [][]any{cmd("SADD", "k", "1", "-2", "300", "70000")}, enc: "intset"},
		{name: "intset 64-bit", build: [][]any{cmd("SADD", "k", "1", "-9223372036854775808", "9223372036854775807")}, enc: "intset"},
		{name: "hashtable set", build: [][]any{cmd("SADD", "k", strSet...)}, enc: "hashtable", tableOrder: setTable},
		{name: "hashtable set of integers", build: [][]any{cmd("SADD", "k", intsBig...)}, enc: "hashtable", tableOrder: setTable},
		{name: "listpack zset", build: [][]any{cmd("ZADD", "k", "1", "a", "-2.5", "b", "inf", "c", "-inf", "d", "0.1", "e", "1e30", "f")}, enc: "listpack"},
		{name: "skiplist zset", build: [][]any{cmd("ZADD", "k", zsetBig...)}, enc: "skiplist"},
		{name: "skiplist zset of a long member", build: [][]any{cmd("ZADD", "k", "1.5", word(100))}, enc: "skiplist"},
		{name: "listpack hash", build: [][]any{cmd("HSET", "k", fields...)}, enc: "listpack"},
		{name: "hashtable hash", build: [][]any{cmd("HSET", "k", hashBig...)}, enc: "hashtable", tableOrder: hashTable},
		{name: "hashtable hash of a long value", build: [][]any{cmd("HSET", "k", "f", word(65))}, enc: "hashtable"},
	}
}

// valueOf renders key's type and value in a canonical order.
func valueOf(ctx context.Context, c *redis.Client, key string) (string, error) {
	typ, err := c.Type(ctx, key).Result()
	if err != nil {
		return "", err
	}
	var items []string
	switch typ {
	case "string":
		s, err := c.Get(ctx, key).Result()
		return "string " + s, err
	case "list":
		items, err = c.LRange(ctx, key, 0, -1).Result()
	case "set":
		items, err = c.SMembers(ctx, key).Result()
		slices.Sort(items)
	case "zset":
		var zs []redis.Z
		zs, err = c.ZRangeWithScores(ctx, key, 0, -1).Result()
		for _, z := range zs {
			items = append(items, fmt.Sprintf("%v=%v", z.Member, z.Score))
		}
	case "hash":
		var m map[string]string
		m, err = c.HGetAll(ctx, key).Result()
		for f, v := range m {
			items = append(items, f+"="+v)
		}
		slices.Sort(items)
	default:
		return "", fmt.Errorf("unexpected type %q", typ)
	}
	return typ + " " + strings.Join(items, ","), err
}

// TestDumpRestoreInteropWithRedis moves a value of every encoding from
// redis-server to slotd and back through DUMP and RESTORE, with and without
// a TTL, and checks value, TTL and OBJECT ENCODING at each step, and that
// slotd's DUMP of the value is Redis's byte for byte wherever Redis's is
// deterministic.
func TestDumpRestoreInteropWithRedis(t *testing.T) {
	rs, sd := startRedis(t), startSlotd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	r := redis.NewClient(&redis.Options{Addr: rs.addr, Protocol: 2})
	s := redis.NewClient(&redis.Options{Addr: sd.addr, Protocol: 2})
	t.Cleanup(func() { _ = r.Close(); _ = s.Close() })
	for _, tc := range dumpCases() {
		for _, ttl := range []time.Duration{0, 100 * time.Second} {
			t.Run(fmt.Sprintf("%s/ttl=%v", tc.name, ttl), func(t *testing.T) {
				r.Del(ctx, "k", "back")
				s.Del(ctx, "k")
				for _, c := range tc.build {
					if err := r.Do(ctx, c...).Err(); err != nil {
						t.Fatalf("redis %v: %v", c[:2], err)
					}
				}
				if ttl > 0 {
					r.PExpire(ctx, "k", ttl)
				}
				want, err := valueOf(ctx, r, "k")
				if err != nil {
					t.Fatalf("redis value: %v", err)
				}
				checkEncoding(ctx, t, "redis", r, "k", tc.enc)
				restored := tc.enc
				if tc.restored != "" {
					restored = tc.restored
				}
				payload, err := r.Dump(ctx, "k").Result()
				if err != nil {
					t.Fatalf("redis DUMP: %v", err)
				}
				if err := s.Restore(ctx, "k", ttl, payload).Err(); err != nil {
					t.Fatalf("slotd RESTORE of the redis payload: %v", err)
				}
				checkValue(ctx, t, "slotd", s, "k", want)
				checkEncoding(ctx, t, "slotd", s, "k", restored)
				checkTTL(ctx, t, "slotd", s, "k", ttl)

				back, err := s.Dump(ctx, "k").Result()
				if err != nil {
					t.Fatalf("slotd DUMP: %v", err)
				}
				if tc.tableOrder != hashTable && back != payload {
					t.Fatalf("slotd DUMP of the restored value differs from redis's DUMP:\n%q\nwant\n%q", abbrevStr(back), abbrevStr(payload))
				}
				pttl := s.PTTL(ctx, "k").Val()
				if pttl < 0 {
					pttl = 0
				}
				if err := r.Restore(ctx, "back", pttl, back).Err(); err != nil {
					t.Fatalf("redis RESTORE of the slotd payload: %v", err)
				}
				checkValue(ctx, t, "redis", r, "back", want)
				checkEncoding(ctx, t, "redis", r, "back", restored)
				checkTTL(ctx, t, "redis", r, "back", ttl)

				// The same commands run in slotd build the same payload.
				s.Del(ctx, "k")
				for _, c := range tc.build {
					if err := s.Do(ctx, c...).Err(); err != nil {
						t.Fatalf("slotd %v: %v", c[:2], err)
					}
				}
				own, err := s.Dump(ctx, "k").Result()
				if err != nil {
					t.Fatalf("slotd DUMP of its own value: %v", err)
				}
				if tc.tableOrder == deterministic && own != payload {
					t.Fatalf("slotd DUMP of the value it built differs from redis's DUMP:\n%q\nwant\n%q", abbrevStr(own), abbrevStr(payload))
				}
			})
		}
	}
}

func checkValue(ctx context.Context, t *testing.T, who string, c *redis.Client, key, want string) {
	t.Helper()
	got, err := valueOf(ctx, c, key)
	if err != nil || got != want {
		t.Fatalf("%s value of %s (%v):\n%.300s\nwant\n%.300s", who, key, err, got, want)
	}
}

func checkEncoding(ctx context.Context, t *testing.T, who string, c *redis.Client, key, want string) {
	t.Helper()
	if got, err := c.ObjectEncoding(ctx, key).Result(); err != nil || got != want {
		t.Fatalf("%s OBJECT ENCODING %s = %q (%v), want %q", who, key, got, err, want)
	}
}

func checkTTL(ctx context.Context, t *testing.T, who string, c *redis.Client, key string, want time.Duration) {
	t.Helper()
	got, err := c.PTTL(ctx, key).Result()
	if err != nil {
		t.Fatalf("%s PTTL %s: %v", who, key, err)
	}
	if want == 0 {
		if got != -1 {
			t.Fatalf("%s PTTL %s = %v, want no TTL", who, key, got)
		}
		return
	}
	if got <= want-10*time.Second || got > want {
		t.Fatalf("%s PTTL %s = %v, want about %v", who, key, got, want)
	}
}

// abbrevStr shortens a payload for a failure message.
func abbrevStr(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

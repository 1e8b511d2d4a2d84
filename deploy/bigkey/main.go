// Command bigkey measures how a MIGRATE of one big key stalls the other
// slots of the two nodes involved.
//
//	bigkey -seed 127.0.0.1:28500 -fields 1000000 -runs 3 -label slotd
//
// It fills a hash of -fields fields in one slot, then, -runs times, moves
// that slot between two masters the way redis-cli --cluster does (SETSLOT
// IMPORTING and MIGRATING, MIGRATE ... KEYS, SETSLOT NODE), alternating the
// direction. Meanwhile -clients workers per node send GET and SET to keys of
// other slots of the source and of the target, each at a fixed rate of one
// request per -interval. A request's latency is measured from the moment the
// schedule meant to send it (so a stalled node is charged for the requests
// that queue behind it, not only for the one in flight). The requests that
// overlap the MIGRATE are summarized per node: count, p50, p99, p99.9 and max.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/slotd/slotd/slots"
)

// config is the command line.
type config struct {
	seed     string        // any node of the cluster
	label    string        // printed before each result line
	fields   int           // fields of the big hash
	runs     int           // MIGRATEs measured, alternating direction
	clients  int           // workers per node
	interval time.Duration // one request per worker per interval
	key      string        // the big key
}

func main() {
	var c config
	flag.StringVar(&c.seed, "seed", "127.0.0.1:28500", "address of a cluster node")
	flag.StringVar(&c.label, "label", "cluster", "label of the result lines")
	flag.IntVar(&c.fields, "fields", 1000000, "fields of the big hash")
	flag.IntVar(&c.runs, "runs", 3, "number of MIGRATEs measured")
	flag.IntVar(&c.clients, "clients", 2, "workers per node")
	flag.DurationVar(&c.interval, "interval", time.Millisecond, "time between two requests of a worker")
	flag.StringVar(&c.key, "key", "bigkey", "name of the big key")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "bigkey:", err)
		os.Exit(1)
	}
}

// master is one slot-owning node.
type master struct {
	id, addr string
	slots    [][2]int
	client   *redis.Client
}

func (m *master) owns(s slots.Slot) bool {
	for _, r := range m.slots {
		if int(s) >= r[0] && int(s) <= r[1] {
			return true
		}
	}
	return false
}

func run(c config) error {
	ctx := context.Background()
	masters, err := readMasters(ctx, c.seed)
	if err != nil {
		return err
	}
	defer func() {
		for _, m := range masters {
			_ = m.client.Close()
		}
	}()
	slot := slots.KeySlotString(c.key)
	var a, b *master
	for _, m := range masters {
		switch {
		case m.owns(slot):
			a = m
		case b == nil:
			b = m
		}
	}
	if a == nil || b == nil {
		return fmt.Errorf("need the owner of slot %d and another master, found %d masters", slot, len(masters))
	}
	if err := fill(ctx, a.client, c.key, c.fields); err != nil {
		return err
	}
	probes := map[*master][]string{a: probeKeys(a, slot, 64), b: probeKeys(b, slot, 64)}
	for m, keys := range probes {
		for _, k := range keys {
			if err := m.client.Set(ctx, k, "x", 0).Err(); err != nil {
				return fmt.Errorf("SET %s on %s: %w", k, m.addr, err)
			}
		}
	}
	src, dst := a, b
	for i := 1; i <= c.runs; i++ {
		res, err := measure(ctx, c, slot, src, dst, probes)
		if err != nil {
			return fmt.Errorf("run %d: %w", i, err)
		}
		fmt.Printf("%s run %d: MIGRATE of %d fields took %v\n", c.label, i, c.fields, res.took.Round(time.Millisecond))
		fmt.Printf("%s run %d:   other slots of the source  %s\n", c.label, i, res.src)
		fmt.Printf("%s run %d:   other slots of the target  %s\n", c.label, i, res.dst)
		fmt.Printf("%s run %d:   baseline (both, before)   %s\n", c.label, i, res.base)
		src, dst = dst, src
	}
	return nil
}

// readMasters parses CLUSTER NODES from seed.
func readMasters(ctx context.Context, seed string) ([]*master, error) {
	cl := redis.NewClient(&redis.Options{Addr: seed})
	defer cl.Close()
	text, err := cl.ClusterNodes(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("CLUSTER NODES on %s: %w", seed, err)
	}
	var out []*master
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || !strings.Contains(f[2], "master") {
			continue
		}
		addr, _, _ := strings.Cut(f[1], "@")
		m := &master{id: f[0], addr: addr}
		for _, tok := range f[8:] {
			if strings.HasPrefix(tok, "[") {
				continue
			}
			lo, hi, isRange := strings.Cut(tok, "-")
			if !isRange {
				hi = lo
			}
			x, err1 := strconv.Atoi(lo)
			y, err2 := strconv.Atoi(hi)
			if err := errors.Join(err1, err2); err != nil {
				return nil, fmt.Errorf("slot range %q: %w", tok, err)
			}
			m.slots = append(m.slots, [2]int{x, y})
		}
		// One connection per worker, and requests wait for a stalled node
		// instead of failing.
		m.client = redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: 2 * time.Minute, WriteTimeout: 2 * time.Minute, MaxRetries: -1, PoolSize: 64})
		out = append(out, m)
	}
	return out, nil
}

// fill builds the big hash with pipelined HSETs of 1000 fields.
func fill(ctx context.Context, c *redis.Client, key string, fields int) error {
	if err := c.Del(ctx, key).Err(); err != nil {
		return err
	}
	const per, depth = 1000, 20
	for start := 0; start < fields; start += per * depth {
		_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for s := start; s < start+per*depth && s < fields; s += per {
				args := make([]any, 0, 2*per)
				for f := s; f < s+per && f < fields; f++ {
					args = append(args, "field:"+strconv.Itoa(f), "value:"+strconv.Itoa(f))
				}
				p.HSet(ctx, key, args...)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("HSET %s: %w", key, err)
		}
	}
	if n, err := c.HLen(ctx, key).Result(); err != nil || n != int64(fields) {
		return fmt.Errorf("HLEN %s = %d (%v), want %d", key, n, err, fields)
	}
	return nil
}

// probeKeys returns n keys served by m, none in slot skip.
func probeKeys(m *master, skip slots.Slot, n int) []string {
	var keys []string
	for i := 0; len(keys) < n; i++ {
		k := "probe:" + strconv.Itoa(i)
		if s := slots.KeySlotString(k); s != skip && m.owns(s) {
			keys = append(keys, k)
		}
	}
	return keys
}

// sample is one request: when the schedule meant to send it and when its
// reply arrived.
type sample struct {
	due, done time.Time
	src       bool // sent to the source of the MIGRATE
}

// result is one measured MIGRATE.
type result struct {
	took           time.Duration
	src, dst, base summary
}

// measure moves the slot from src to dst under load and summarizes the
// latencies of the requests that overlapped the MIGRATE.
func measure(ctx context.Context, c config, slot slots.Slot, src, dst *master, probes map[*master][]string) (result, error) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var samples []sample
	var failures []error
	for w := 0; w < 2*c.clients; w++ {
		m, toSrc := src, w%2 == 0
		if !toSrc {
			m = dst
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(w)))
			keys := probes[m]
			var mine []sample
			due := time.Now()
			for {
				select {
				case <-stop:
					mu.Lock()
					samples = append(samples, mine...)
					mu.Unlock()
					return
				default:
				}
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				}
				k := keys[rng.Intn(len(keys))]
				var err error
				if rng.Intn(2) == 0 {
					err = m.client.Get(ctx, k).Err()
				} else {
					err = m.client.Set(ctx, k, "y", 0).Err()
				}
				if err != nil {
					mu.Lock()
					failures = append(failures, fmt.Errorf("%s on %s: %w", k, m.addr, err))
					mu.Unlock()
				}
				mine = append(mine, sample{due: due, done: time.Now(), src: toSrc})
				due = due.Add(c.interval)
			}
		}()
	}
	// A second of load before the move gives the baseline.
	time.Sleep(time.Second)
	host, port, _ := strings.Cut(dst.addr, ":")
	steps := []struct {
		m    *master
		args []any
	}{
		{dst, []any{"CLUSTER", "SETSLOT", int(slot), "IMPORTING", src.id}},
		{src, []any{"CLUSTER", "SETSLOT", int(slot), "MIGRATING", dst.id}},
	}
	for _, s := range steps {
		if err := s.m.client.Do(ctx, s.args...).Err(); err != nil {
			close(stop)
			wg.Wait()
			return result{}, fmt.Errorf("%v on %s: %w", s.args, s.m.addr, err)
		}
	}
	start := time.Now()
	merr := src.client.Do(ctx, "MIGRATE", host, port, "", 0, 120000, "KEYS", c.key).Err()
	end := time.Now()
	var serr error
	for _, m := range []*master{dst, src} {
		serr = errors.Join(serr, m.client.Do(ctx, "CLUSTER", "SETSLOT", int(slot), "NODE", dst.id).Err())
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	if err := errors.Join(merr, serr); err != nil {
		return result{}, err
	}
	if len(failures) > 0 {
		return result{}, fmt.Errorf("%d requests failed, first: %w", len(failures), failures[0])
	}
	if n, err := dst.client.HLen(ctx, c.key).Result(); err != nil || n != int64(c.fields) {
		return result{}, fmt.Errorf("HLEN on the target = %d (%v), want %d", n, err, c.fields)
	}
	var during [2][]time.Duration
	var base []time.Duration
	for _, s := range samples {
		lat := s.done.Sub(s.due)
		switch {
		case s.done.Before(start.Add(-200*time.Millisecond)) && s.due.After(start.Add(-900*time.Millisecond)):
			base = append(base, lat)
		case s.done.After(start) && s.due.Before(end):
			i := 1
			if s.src {
				i = 0
			}
			during[i] = append(during[i], lat)
		}
	}
	return result{took: end.Sub(start), src: summarize(during[0]), dst: summarize(during[1]), base: summarize(base)}, nil
}

// summary is a latency distribution.
type summary struct {
	n                       int
	p50, p99, p999, maximum time.Duration
}

func summarize(lat []time.Duration) summary {
	if len(lat) == 0 {
		return summary{}
	}
	slices.Sort(lat)
	at := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	return summary{n: len(lat), p50: at(0.50), p99: at(0.99), p999: at(0.999), maximum: lat[len(lat)-1]}
}

func (s summary) String() string {
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }
	return fmt.Sprintf("n=%-6d p50=%8sms p99=%8sms p99.9=%8sms max=%8sms", s.n, ms(s.p50), ms(s.p99), ms(s.p999), ms(s.maximum))
}

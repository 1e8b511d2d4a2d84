package node

import (
	"sort"
	"sync"
	"sync/atomic"
)

// pubsubRegistry maps channels and patterns to subscribers. Lock order: the
// registry lock, then a client's outMu. Subscription replies are committed
// under the registry lock, so no message can overtake its confirmation.
type pubsubRegistry struct {
	mu       sync.RWMutex // guards the maps
	channels map[string]map[*client]struct{}
	patterns map[string]map[*client]struct{}
	shard    map[string]map[*client]struct{}
}

// subscriptions are one client's; they are changed only by its reader
// goroutine (and removeClient), under the registry lock.
type subscriptions struct {
	channels map[string]struct{}
	patterns map[string]struct{}
	shard    map[string]struct{}
	// count is the total, read by other goroutines for limits and CLIENT LIST.
	count atomic.Int32
}

// kinds of subscription.
type subKind int

const (
	subChannel subKind = iota
	subPattern
	subShard
)

var subWords = [3][2]string{
	{"subscribe", "unsubscribe"},
	{"psubscribe", "punsubscribe"},
	{"ssubscribe", "sunsubscribe"},
}

func newPubsubRegistry() *pubsubRegistry {
	return &pubsubRegistry{
		channels: make(map[string]map[*client]struct{}),
		patterns: make(map[string]map[*client]struct{}),
		shard:    make(map[string]map[*client]struct{}),
	}
}

func (r *pubsubRegistry) table(k subKind) map[string]map[*client]struct{} {
	switch k {
	case subPattern:
		return r.patterns
	case subShard:
		return r.shard
	}
	return r.channels
}

func (s *subscriptions) set(k subKind) *map[string]struct{} {
	switch k {
	case subPattern:
		return &s.patterns
	case subShard:
		return &s.shard
	}
	return &s.channels
}

// replyCount is what (un)subscribe replies carry: shard subscriptions count
// apart from the others, as in Redis 7.
func (s *subscriptions) replyCount(k subKind) int64 {
	if k == subShard {
		return int64(len(s.shard))
	}
	return int64(len(s.channels) + len(s.patterns))
}

// subscribe adds the client to each name and commits one confirmation each.
func (x *ctx) subscribe(k subKind, names [][]byte) {
	c, r := x.c, x.s.pubsub
	c.startPushWriter()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range names {
		name := string(n)
		set := c.subs.set(k)
		if *set == nil {
			*set = make(map[string]struct{})
		}
		if _, ok := (*set)[name]; !ok {
			(*set)[name] = struct{}{}
			c.subs.count.Add(1)
			t := r.table(k)
			if t[name] == nil {
				t[name] = make(map[*client]struct{})
			}
			t[name][c] = struct{}{}
		}
		x.w.push(3)
		x.w.bulkString(subWords[k][0])
		x.w.bulkString(name)
		x.w.int(c.subs.replyCount(k))
		c.commit()
	}
}

// unsubscribe removes the client from names, or from all when names is
// empty, committing one confirmation each.
func (x *ctx) unsubscribe(k subKind, names [][]byte) {
	c, r := x.c, x.s.pubsub
	r.mu.Lock()
	defer r.mu.Unlock()
	set := c.subs.set(k)
	if len(names) == 0 {
		for name := range *set {
			names = append(names, []byte(name))
		}
		sort.Slice(names, func(i, j int) bool { return string(names[i]) < string(names[j]) })
		if len(names) == 0 {
			x.w.push(3)
			x.w.bulkString(subWords[k][1])
			x.w.null()
			x.w.int(c.subs.replyCount(k))
			c.commit()
			return
		}
	}
	for _, n := range names {
		name := string(n)
		r.removeLocked(c, k, name)
		x.w.push(3)
		x.w.bulkString(subWords[k][1])
		x.w.bulkString(name)
		x.w.int(c.subs.replyCount(k))
		c.commit()
	}
}

func (r *pubsubRegistry) removeLocked(c *client, k subKind, name string) {
	set := c.subs.set(k)
	if _, ok := (*set)[name]; !ok {
		return
	}
	delete(*set, name)
	c.subs.count.Add(-1)
	t := r.table(k)
	delete(t[name], c)
	if len(t[name]) == 0 {
		delete(t, name)
	}
}

// removeClient drops every subscription of a closing client.
func (r *pubsubRegistry) removeClient(c *client) {
	if c.subs.count.Load() == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := subChannel; k <= subShard; k++ {
		for name := range *c.subs.set(k) {
			r.removeLocked(c, k, name)
		}
	}
}

// publish delivers msg on channel (or shard channel) and returns the number
// of clients that received it.
func (s *Server) publish(channel, msg []byte, shard bool) int64 {
	r := s.pubsub
	var over []*client
	var n int64
	deliver := func(c *client, kind string, pattern []byte) {
		var w reply
		w.resp3 = c.resp3.Load()
		if pattern == nil {
			w.push(3)
		} else {
			w.push(4)
		}
		w.bulkString(kind)
		if pattern != nil {
			w.bulk(pattern)
		}
		w.bulk(channel)
		w.bulk(msg)
		c.outMu.Lock()
		if c.pushLocked(w.b) {
			over = append(over, c)
		}
		c.outMu.Unlock()
		c.signal()
		n++
	}
	r.mu.RLock()
	if shard {
		for c := range r.shard[string(channel)] {
			deliver(c, "smessage", nil)
		}
	} else {
		for c := range r.channels[string(channel)] {
			deliver(c, "message", nil)
		}
		for pat, subs := range r.patterns {
			if globMatch([]byte(pat), channel, false) {
				for c := range subs {
					deliver(c, "pmessage", []byte(pat))
				}
			}
		}
	}
	r.mu.RUnlock()
	for _, c := range over {
		s.killClient(c, "pubsub output buffer limit")
	}
	return n
}

// publishEverywhere delivers PUBLISH (or SPUBLISH) here and, in cluster
// mode, sends it over the bus. The reply counts local receivers only, as
// in Redis.
func (x *ctx) publishEverywhere(shard bool) {
	x.w.int(x.s.publish(x.argv[1], x.argv[2], shard))
	if cl := x.s.cluster; cl != nil {
		cl.publishRemote(x.argv[1], x.argv[2], shard)
	}
}

func pubsubCommands() []cmdDef {
	return []cmdDef{
		{name: "subscribe", handler: func(x *ctx) { x.subscribe(subChannel, x.argv[1:]) }},
		{name: "psubscribe", handler: func(x *ctx) { x.subscribe(subPattern, x.argv[1:]) }},
		{name: "ssubscribe", handler: func(x *ctx) { x.subscribe(subShard, x.argv[1:]) }},
		{name: "unsubscribe", handler: func(x *ctx) { x.unsubscribe(subChannel, x.argv[1:]) }},
		{name: "punsubscribe", handler: func(x *ctx) { x.unsubscribe(subPattern, x.argv[1:]) }},
		{name: "sunsubscribe", handler: func(x *ctx) { x.unsubscribe(subShard, x.argv[1:]) }},
		{name: "publish", handler: func(x *ctx) { x.publishEverywhere(false) }},
		{name: "spublish", handler: func(x *ctx) { x.publishEverywhere(true) }},
		{name: "pubsub", handler: nil},
		{name: "pubsub|channels", handler: func(x *ctx) { x.pubsubList(subChannel) }},
		{name: "pubsub|shardchannels", handler: func(x *ctx) { x.pubsubList(subShard) }},
		{name: "pubsub|numsub", handler: func(x *ctx) { x.pubsubNumsub(subChannel) }},
		{name: "pubsub|shardnumsub", handler: func(x *ctx) { x.pubsubNumsub(subShard) }},
		{name: "pubsub|numpat", handler: func(x *ctx) {
			x.s.pubsub.mu.RLock()
			n := len(x.s.pubsub.patterns)
			x.s.pubsub.mu.RUnlock()
			x.w.int(int64(n))
		}},
		{name: "pubsub|help", handler: cmdPubsubHelp},
	}
}

func (x *ctx) pubsubList(k subKind) {
	var pat []byte
	if len(x.argv) > 2 {
		pat = x.argv[2]
	}
	r := x.s.pubsub
	r.mu.RLock()
	var names []string
	for name := range r.table(k) {
		if pat == nil || globMatch(pat, []byte(name), false) {
			names = append(names, name)
		}
	}
	r.mu.RUnlock()
	x.w.bulkStrings(names)
}

func (x *ctx) pubsubNumsub(k subKind) {
	r := x.s.pubsub
	r.mu.RLock()
	defer r.mu.RUnlock()
	x.w.array(2 * (len(x.argv) - 2))
	for _, a := range x.argv[2:] {
		x.w.bulk(a)
		x.w.int(int64(len(r.table(k)[string(a)])))
	}
}

func cmdPubsubHelp(x *ctx) {
	x.help("PUBSUB", []string{
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
	})
}

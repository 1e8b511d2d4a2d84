package node

import (
	"testing"
)

func TestPublishReachesChannelAndPatternSubscribers(t *testing.T) {
	s, _ := startServer(t, nil)
	sub, pub := dial(t, s), dial(t, s)
	sub.expect(`*["subscribe" "news" :1]`, "SUBSCRIBE", "news")
	sub.expect(`*["psubscribe" "n*" :2]`, "PSUBSCRIBE", "n*")
	pub.expect(":2", "PUBLISH", "news", "hello")
	if got := sub.read().String(); got != `*["message" "news" "hello"]` {
		t.Fatalf("first push %s", got)
	}
	if got := sub.read().String(); got != `*["pmessage" "n*" "news" "hello"]` {
		t.Fatalf("second push %s", got)
	}
	pub.expect(":0", "PUBLISH", "other", "x")
}

func TestSubscribedRESP2ClientIsLimitedToPubSubCommands(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect(`*["subscribe" "a" :1]`, "SUBSCRIBE", "a")
	c.expect("-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", "GET", "x")
	c.expect(`*["pong" ""]`, "PING")
	c.expect(`*["unsubscribe" "a" :0]`, "UNSUBSCRIBE")
	c.expect("+PONG", "PING")
}

func TestRESP3SubscriberGetsPushesAndCanRunCommands(t *testing.T) {
	s, _ := startServer(t, nil)
	c, pub := dial(t, s), dial(t, s)
	c.do("HELLO", "3")
	c.expect(`>["subscribe" "a" :1]`, "SUBSCRIBE", "a")
	c.expect("(null)", "GET", "missing")
	pub.expect(":1", "PUBLISH", "a", "m")
	if got := c.read().String(); got != `>["message" "a" "m"]` {
		t.Fatalf("push %s", got)
	}
}

func TestShardChannels(t *testing.T) {
	s, _ := startServer(t, nil)
	c, pub := dial(t, s), dial(t, s)
	c.expect(`*["ssubscribe" "{x}a" :1]`, "SSUBSCRIBE", "{x}a")
	pub.expect(":1", "SPUBLISH", "{x}a", "m")
	if got := c.read().String(); got != `*["smessage" "{x}a" "m"]` {
		t.Fatalf("push %s", got)
	}
	pub.expect(`*["{x}a" :1]`, "PUBSUB", "SHARDNUMSUB", "{x}a")
	pub.expect(`*["{x}a"]`, "PUBSUB", "SHARDCHANNELS")
	pub.expect(`:0`, "PUBLISH", "{x}a", "m")
}

func TestUnsubscribeWithoutSubscriptions(t *testing.T) {
	s, _ := startServer(t, nil)
	c := dial(t, s)
	c.expect(`*["unsubscribe" (nil) :0]`, "UNSUBSCRIBE")
	c.expect(`*["punsubscribe" (nil) :0]`, "PUNSUBSCRIBE")
}

func TestSlowSubscriberIsDisconnectedAtOutputLimit(t *testing.T) {
	s, _ := startServer(t, func(c *Config) {
		c.ClientOutputBufferLimit[classPubSub] = OutputBufferLimit{Hard: 64 * 1024}
	})
	sub, pub := dial(t, s), dial(t, s)
	sub.expect(`*["subscribe" "flood" :1]`, "SUBSCRIBE", "flood")
	msg := string(make([]byte, 64*1024))
	// The subscriber never reads, so the socket buffers fill up and the
	// server-side output buffer must pass its hard limit.
	waitFor(t, 10e9, "the slow subscriber to be dropped", func() bool {
		pub.do("PUBLISH", "flood", msg)
		return pub.do("PUBSUB", "NUMSUB", "flood") == `*["flood" :0]`
	})
}

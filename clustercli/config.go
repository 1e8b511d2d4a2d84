package clustercli

import (
	"fmt"
	"time"
)

// Config is what one invocation of the tool needs.
type Config struct {
	// User is the ACL user for AUTH; empty means AUTH with the password only.
	User string
	// Password is sent with AUTH on every new connection when not empty.
	Password string
	// Replicas is --cluster-replicas: replicas per master for create.
	Replicas int
	// Yes is --cluster-yes: create does not ask for confirmation.
	Yes bool
	// NoAuthWarning is --no-auth-warning.
	NoAuthWarning bool
	// ConnectTimeout bounds one TCP connection attempt.
	ConnectTimeout time.Duration
	// ReplyTimeout bounds the wait for one reply.
	ReplyTimeout time.Duration
	// ReachTimeout is how long create keeps retrying a node on its command
	// line that refuses connections, so that it can be started together with
	// the nodes (a compose init service). check does not retry.
	ReachTimeout time.Duration
	// JoinTimeout bounds the wait for the nodes to agree after CLUSTER MEET.
	// redis-cli waits forever; a bounded wait lets an init job fail visibly.
	JoinTimeout time.Duration
	// PollInterval is the pause between two polls while waiting.
	PollInterval time.Duration
	// Seed seeds the anti-affinity optimizer's random swaps (redis-cli uses
	// srand(time(NULL))). Zero means a seed taken from the clock.
	Seed int64
}

// DefaultConfig returns the configuration used when no option says otherwise.
func DefaultConfig() *Config {
	return &Config{
		Replicas:       0,                      // redis-cli's default --cluster-replicas
		ConnectTimeout: 2 * time.Second,        // a loopback or LAN connect is fast; a dead host fails soon
		ReplyTimeout:   30 * time.Second,       // CLUSTER commands are quick; generous for a loaded node
		ReachTimeout:   30 * time.Second,       // long enough for six containers to start
		JoinTimeout:    120 * time.Second,      // gossip usually converges in a few seconds
		PollInterval:   250 * time.Millisecond, // join polls; redis-cli polls every second
	}
}

// Validate reports the first unusable value.
func (c *Config) Validate() error {
	switch {
	case c.Replicas < 0:
		return fmt.Errorf("%w: --cluster-replicas must not be negative", ErrUsage)
	case c.User != "" && c.Password == "":
		return fmt.Errorf("%w: --user needs a password (-a)", ErrUsage)
	case c.ConnectTimeout <= 0, c.ReplyTimeout <= 0, c.JoinTimeout <= 0, c.PollInterval <= 0:
		return fmt.Errorf("%w: timeouts must be positive", ErrUsage)
	case c.ReachTimeout < 0:
		return fmt.Errorf("%w: reach timeout must not be negative", ErrUsage)
	}
	return nil
}

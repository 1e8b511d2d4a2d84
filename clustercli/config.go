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

	// From is --cluster-from: source node IDs ("id,id" or "all") for
	// reshard, the source host:port for import.
	From string
	// To is --cluster-to: the node ID receiving the slots of reshard.
	To string
	// Slots is --cluster-slots: how many slots reshard moves.
	Slots int
	// Timeout is --cluster-timeout: the MIGRATE timeout in milliseconds.
	Timeout int
	// Pipeline is --cluster-pipeline: keys per GETKEYSINSLOT and MIGRATE.
	Pipeline int
	// Replace is --cluster-replace: MIGRATE overwrites keys that exist on
	// the target (reshard, rebalance) or on the cluster (import).
	Replace bool
	// Weights are the --cluster-weight id=weight arguments of rebalance.
	Weights []string
	// UseEmptyMasters is --cluster-use-empty-masters.
	UseEmptyMasters bool
	// Simulate is --cluster-simulate: rebalance prints its moves only.
	Simulate bool
	// Threshold is --cluster-threshold: the percentage of imbalance under
	// which rebalance does nothing.
	Threshold float64
	// Replica is --cluster-slave: add-node adds a replica.
	Replica bool
	// MasterID is --cluster-master-id: the master of the replica add-node
	// adds.
	MasterID string
	// SearchMultipleOwners is --cluster-search-multiple-owners for fix.
	SearchMultipleOwners bool
	// FixWithUnreachableMasters is --cluster-fix-with-unreachable-masters.
	FixWithUnreachableMasters bool
	// FromUser and FromPass authenticate import to its source node.
	FromUser, FromPass string
	// Copy is --cluster-copy: import leaves the keys on the source.
	Copy bool
	// Fix is set by the fix command: check repairs what it finds.
	Fix bool
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
		Timeout:        60000,                  // CLUSTER_MANAGER_MIGRATE_TIMEOUT
		Pipeline:       10,                     // CLUSTER_MANAGER_MIGRATE_PIPELINE
		Threshold:      2,                      // CLUSTER_MANAGER_REBALANCE_THRESHOLD
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
	case c.Timeout <= 0:
		return fmt.Errorf("%w: --cluster-timeout must be positive", ErrUsage)
	case c.Pipeline <= 0:
		return fmt.Errorf("%w: --cluster-pipeline must be positive", ErrUsage)
	case c.Slots < 0 || c.Slots > SlotCount:
		return fmt.Errorf("%w: --cluster-slots must be between 1 and %d", ErrUsage, SlotCount)
	case c.Threshold < 0:
		return fmt.Errorf("%w: --cluster-threshold must not be negative", ErrUsage)
	case c.FromUser != "" && c.FromPass == "":
		return fmt.Errorf("%w: --cluster-from-user needs --cluster-from-pass", ErrUsage)
	}
	return nil
}

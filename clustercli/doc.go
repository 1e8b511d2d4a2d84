// Package clustercli is slotd's cluster administration tool, run as
// `slotd cluster <command> ...`. It mirrors the cluster manager of redis-cli
// (`redis-cli --cluster`, clusterManager* in redis/redis src/redis-cli.c):
// the same steps, the same allocation of masters and replicas, and the same
// output lines, so that what works against a real Redis 7 cluster works
// against slotd and the other way round.
//
// Commands:
//
//	create host:port ... [--cluster-replicas N] [--cluster-yes]
//	check host:port [host:port ...]
//
// Both accept -a password, --pass password, --user name and
// --no-auth-warning, and read REDISCLI_AUTH like redis-cli.
//
// The pieces are layered so that reshard, rebalance, add-node, del-node and
// fix can be added next. Conn is one RESP connection with Do(args...).
// ParseNodes decodes CLUSTER NODES (addresses ip:port@cport[,hostname],
// flags, slots and the [slot->-id] / [slot-<-id] open-slot tokens).
// ConfigSignature and Allocate are pure functions of their inputs.
// ClusterManager loads a topology from CLUSTER NODES and checks it.
//
// Addresses: the addresses a node announces in CLUSTER NODES may be
// unreachable from where the tool runs (a node in a container announcing a
// host address, for example). So create talks only to the addresses on its
// command line, and check prefers a connection opened from the command line
// (matched by node ID through CLUSTER MYID) over dialling an announced
// address; it dials announced addresses only for the nodes it has no
// connection to, and reports the ones it cannot reach.
//
// Threading: the tool is sequential. A Conn and a ClusterManager are not safe
// for concurrent use.
package clustercli

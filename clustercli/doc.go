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
//	check host:port [host:port ...] [--cluster-search-multiple-owners]
//	fix host:port [--cluster-search-multiple-owners] [--cluster-fix-with-unreachable-masters] [--cluster-yes]
//	reshard host:port --cluster-from <id,...|all> --cluster-to id --cluster-slots N
//	        [--cluster-yes] [--cluster-timeout ms] [--cluster-pipeline N] [--cluster-replace]
//	rebalance host:port [--cluster-weight id=w ...] [--cluster-use-empty-masters]
//	        [--cluster-timeout ms] [--cluster-simulate] [--cluster-pipeline N] [--cluster-threshold pct] [--cluster-replace]
//	add-node new_host:new_port existing_host:existing_port [--cluster-slave [--cluster-master-id id]]
//	del-node host:port node_id
//	import host:port --cluster-from host:port [--cluster-from-user u] [--cluster-from-pass p] [--cluster-copy] [--cluster-replace]
//
// All accept -a password, --pass password, --user name and
// --no-auth-warning, and read REDISCLI_AUTH like redis-cli.
//
// Conn is one RESP connection with Do(args...).
// ParseNodes decodes CLUSTER NODES (addresses ip:port@cport[,hostname],
// flags, slots and the [slot->-id] / [slot-<-id] open-slot tokens).
// ConfigSignature and Allocate are pure functions of their inputs.
// ClusterManager loads a topology from CLUSTER NODES, checks it and changes
// it: one method per operation (Reshard, Rebalance, AddNode, DeleteNode,
// Import, and CheckCluster with Config.Fix for fix), all moving slots
// through MoveSlot (clusterManagerMoveSlot). ComputeReshardTable and
// PlanRebalance, which decide which slots move, are pure.
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

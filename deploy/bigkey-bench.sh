#!/usr/bin/env bash
# bigkey-bench.sh: how long MIGRATE of a 1,000,000-field hash stalls the
# other slots of the two nodes involved, in a six-node slotd cluster and in
# a six-node Redis 7 cluster (3 masters, 3 replicas each, built by
# redis-cli --cluster create) on loopback.
#
#   deploy/bigkey-bench.sh
#
# deploy/bigkey fills the hash, then moves its slot between two masters
# BIGKEY_RUNS times (SETSLOT IMPORTING/MIGRATING, MIGRATE ... KEYS,
# SETSLOT NODE), while workers send GET/SET at a fixed rate to keys of
# other slots of both nodes; it prints p50, p99, p99.9 and max of the
# latencies that overlapped each MIGRATE, per node, and a baseline. Redis
# runs MIGRATE and RESTORE on its only thread, so the whole source node
# and then the whole target node stall; slotd holds the lock of the
# migrating slot only. Every node is stopped on exit, whatever happens.
#
# Environment:
#   SLOTD_BIGKEY_PORT  first client port of the slotd nodes (default 28500)
#   REDIS_BIGKEY_PORT  first client port of the Redis nodes (default 28600)
#   BENCH_BUS_OFFSET   cluster bus port = client port + this (default 10000),
#                      passed explicitly with --cluster-port
#   BIGKEY_FIELDS      fields of the hash (default 1000000)
#   BIGKEY_RUNS        MIGRATEs per cluster, alternating direction (default 3)
set -euo pipefail

cd "$(dirname "$0")/.."
for tool in redis-server redis-cli go; do
	command -v "$tool" >/dev/null || { echo "bigkey-bench: $tool is required" >&2; exit 1; }
done

slotd_base=${SLOTD_BIGKEY_PORT:-28500}
redis_base=${REDIS_BIGKEY_PORT:-28600}
bus_offset=${BENCH_BUS_OFFSET:-10000}
fields=${BIGKEY_FIELDS:-1000000}
runs=${BIGKEY_RUNS:-3}

work=$(mktemp -d)
# stop_nodes NAME: stops the nodes of one cluster by their pidfiles.
stop_nodes() {
	local f pid n
	for f in "$work/nodes-$1"/*/node.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		kill -TERM "$pid" 2>/dev/null || continue
		for ((n = 0; n < 200; n++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
}
cleanup() {
	stop_nodes slotd
	stop_nodes redis
	rm -rf "$work"
}
trap cleanup EXIT

echo "building slotd and bigkey..."
go build -o "$work/slotd" ./cmd/slotd
go build -o "$work/bigkey" ./deploy/bigkey

# start_cluster NAME BIN BASE: starts six nodes from port BASE up (a port
# whose client or bus port is taken, for instance as an ephemeral port, is
# skipped, up to BASE+49), creates the cluster and prints the first port.
start_cluster() {
	local name=$1 bin=$2 base=$3 port=$3 bus dir n i ok
	local -a addrs=()
	for i in 0 1 2 3 4 5; do
		while :; do
			((port < base + 50)) || { echo "bigkey-bench: no free ports from $base" >&2; exit 1; }
			bus=$((port + bus_offset))
			dir="$work/nodes-$name/$port"
			mkdir -p "$dir"
			"$bin" --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
				--cluster-config-file nodes.conf --cluster-node-timeout 5000 \
				--cluster-port "$bus" --dir "$dir" --save '' --appendonly no \
				--loglevel warning --daemonize yes \
				--pidfile "$dir/node.pid" --logfile "$dir/node.log" >&2 || true
			ok=0
			for ((n = 0; n < 400; n++)); do
				if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; then ok=1; break; fi
				if [ -f "$dir/node.pid" ] && ! kill -0 "$(cat "$dir/node.pid")" 2>/dev/null; then break; fi
				if grep -qi 'address already in use' "$dir/node.log" 2>/dev/null; then break; fi
				sleep 0.05
			done
			if ((ok)); then break; fi
			echo "bigkey-bench: $name node on $port/$bus did not start; trying the next port:" >&2
			tail -2 "$dir/node.log" >&2 || true
			port=$((port + 1))
		done
		addrs+=("127.0.0.1:$port")
		port=$((port + 1))
	done
	redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$work/$name-create.log" 2>&1 ||
		{ cat "$work/$name-create.log" >&2; exit 1; }
	for a in "${addrs[@]}"; do
		for ((n = 0; ; n++)); do
			if redis-cli -p "${a#127.0.0.1:}" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; then break; fi
			((n < 400)) || { echo "bigkey-bench: $a never reports cluster_state:ok" >&2; exit 1; }
			sleep 0.05
		done
	done
	echo "${addrs[0]#127.0.0.1:}"
}

# One cluster at a time: the machine may have few cores.
for name in slotd redis; do
	bin="$work/slotd" base=$slotd_base
	if [ "$name" = redis ]; then bin=redis-server base=$redis_base; fi
	echo "starting the $name cluster..."
	port=$(start_cluster "$name" "$bin" "$base")
	"$work/bigkey" -seed "127.0.0.1:$port" -label "$name" -fields "$fields" -runs "$runs"
	stop_nodes "$name"
done

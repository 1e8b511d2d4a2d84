#!/usr/bin/env bash
# cluster-bench.sh: a six-node slotd cluster and a six-node Redis 7 cluster
# (3 masters, 3 replicas each, built by redis-cli --cluster create) on
# loopback, under the same redis-benchmark --cluster runs.
#
#   deploy/cluster-bench.sh
#
# Runs, alternating slotd and Redis:
#   redis-benchmark --cluster -c 50 -P 16 -t set,get -n 1000000
#   redis-benchmark --cluster -c 50 -P 1  -t set,get -n 200000
# and prints requests per second and p99 latency of each, with slotd's share
# of Redis's throughput. Every node is stopped on exit, whatever happens.
#
# Environment:
#   SLOTD_BENCH_PORT   first client port of the slotd nodes (default 23300)
#   REDIS_BENCH_PORT   first client port of the Redis nodes (default 23400)
#   BENCH_BUS_OFFSET   cluster bus port = client port + this (default 10000),
#                      passed explicitly with --cluster-port
#   BENCH_ROUNDS       how many times each pair of runs is repeated (default 1)
set -euo pipefail

cd "$(dirname "$0")/.."
for tool in redis-server redis-cli redis-benchmark go awk; do
	command -v "$tool" >/dev/null || { echo "cluster-bench: $tool is required" >&2; exit 1; }
done

slotd_base=${SLOTD_BENCH_PORT:-23300}
redis_base=${REDIS_BENCH_PORT:-23400}
bus_offset=${BENCH_BUS_OFFSET:-10000}
rounds=${BENCH_ROUNDS:-1}

work=$(mktemp -d)
# Nodes are started in command substitutions, so cleanup finds them by
# their pidfiles rather than through a variable.
cleanup() {
	local f pid n
	for f in "$work"/*/*/node.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		kill -TERM "$pid" 2>/dev/null || continue
		for ((n = 0; n < 100; n++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

echo "building slotd..."
go build -o "$work/bin/slotd" ./cmd/slotd

# start_cluster NAME BIN BASE: starts six nodes from port BASE up (a port
# that is taken is skipped), creates the cluster and prints the first port.
start_cluster() {
	local name=$1 bin=$2 port=$3 bus dir ok n i
	local -a addrs=()
	for i in 0 1 2 3 4 5; do
		while :; do
			bus=$((port + bus_offset))
			dir="$work/$name/$port"
			mkdir -p "$dir"
			"$bin" --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
				--cluster-config-file nodes.conf --cluster-node-timeout 5000 \
				--cluster-port "$bus" --dir "$dir" --save '' --appendonly no \
				--loglevel warning --daemonize yes \
				--pidfile "$dir/node.pid" --logfile "$dir/node.log" >&2
			ok=0
			for ((n = 0; n < 100; n++)); do
				if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; then ok=1; break; fi
				sleep 0.05
			done
			if ((ok)); then break; fi
			echo "cluster-bench: $name node on $port/$bus did not start; trying the next port" >&2
			port=$((port + 1))
			((port < $3 + 50)) || { echo "cluster-bench: no free ports from $3" >&2; exit 1; }
		done
		addrs+=("127.0.0.1:$port")
		port=$((port + 1))
	done
	redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$work/$name-create.log" 2>&1 ||
		{ cat "$work/$name-create.log" >&2; exit 1; }
	local first=${addrs[0]#127.0.0.1:}
	for a in "${addrs[@]}"; do
		for ((n = 0; ; n++)); do
			if redis-cli -p "${a#127.0.0.1:}" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; then break; fi
			((n < 400)) || { echo "cluster-bench: $a never reports cluster_state:ok" >&2; exit 1; }
			sleep 0.05
		done
	done
	echo "$first"
}

echo "starting the slotd cluster..."
slotd_port=$(start_cluster slotd "$work/bin/slotd" "$slotd_base")
echo "starting the Redis cluster..."
redis_port=$(start_cluster redis redis-server "$redis_base")
echo "slotd cluster at 127.0.0.1:$slotd_port, Redis cluster at 127.0.0.1:$redis_port"

# bench_csv PORT PIPELINE REQUESTS: redis-benchmark's CSV lines, no header.
bench_csv() {
	redis-benchmark --cluster -h 127.0.0.1 -p "$1" -c 50 -P "$2" -t set,get -n "$3" -q --csv | grep '^"[A-Z]'
}

results="$work/results"
: >"$results"
for ((round = 1; round <= rounds; round++)); do
	for run in "16 1000000" "1 200000"; do
		set -- $run
		for server in slotd redis; do
			port=$slotd_port
			[ "$server" = redis ] && port=$redis_port
			echo "round $round: redis-benchmark --cluster -P $1 -n $2 against $server..."
			bench_csv "$port" "$1" "$2" | tr -d '"' | awk -F, -v s="$server" -v p="$1" '{print s, p, $1, $2, $7}' >>"$results"
		done
	done
done

echo
printf '%-4s %-3s | %12s %9s | %12s %9s | %s\n' TEST P "slotd rps" "p99 ms" "redis rps" "p99 ms" "slotd/redis"
# Averages over the rounds, per test and pipeline depth.
awk '
{ key = $3 " " $2; rps[$1, key] += $4; p99[$1, key] += $5; n[$1, key]++; if (!(key in seen)) { seen[key] = 1; order[++k] = key } }
END {
	for (i = 1; i <= k; i++) {
		split(order[i], f, " ")
		s = rps["slotd", order[i]] / n["slotd", order[i]]; r = rps["redis", order[i]] / n["redis", order[i]]
		printf "%-4s %-3s | %12.0f %9.3f | %12.0f %9.3f | %.2f\n", f[1], f[2], s, p99["slotd", order[i]] / n["slotd", order[i]], r, p99["redis", order[i]] / n["redis", order[i]], s / r
	}
}' "$results"

#!/usr/bin/env bash
# cluster.sh: a six-node slotd cluster (3 masters, 3 replicas) on loopback,
# without Docker.
#
#   deploy/cluster.sh          build slotd, start the nodes, create the cluster
#   deploy/cluster.sh stop     stop the nodes (their data stays)
#
# Node N listens on 127.0.0.1:$((PORT + N)) (cluster bus at +10000) and keeps
# its nodes.conf, log and pidfile in ${SLOTD_CLUSTER_DIR:-./cluster-data}/<port>.
# The script is restart-safe: when every node already has a nodes.conf that
# lists other nodes, it only starts the nodes that are not running and skips
# `slotd cluster create`, because the nodes rejoin their cluster by themselves.
#
# Environment:
#   SLOTD_CLUSTER_DIR   data directory (default ./cluster-data)
#   SLOTD_CLUSTER_PORT  first client port (default 7000)
#   SLOTD_BIN           server binary started for each node (default: the
#                       slotd built here). redis-server takes the same flags,
#                       so SLOTD_BIN=redis-server runs a Redis cluster.
#   SLOTD_TOOL          slotd binary that runs `cluster create` (default: the
#                       slotd built here)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mkdir -p "${SLOTD_CLUSTER_DIR:-./cluster-data}" && cd "${SLOTD_CLUSTER_DIR:-./cluster-data}" && pwd)
base=${SLOTD_CLUSTER_PORT:-7000}
ports=()
for i in 0 1 2 3 4 5; do ports+=($((base + i))); done

# running PORT: whether the node's pidfile names a live process.
running() {
	local pidfile="$dir/$1/node.pid"
	[ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# ping_node PORT: one PING over bash's /dev/tcp, so redis-cli is not needed.
ping_node() {
	local reply=""
	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf 'PING\r\n' >&3
	IFS= read -r -t 2 reply <&3 || true
	exec 3<&- 3>&-
	[[ $reply == +PONG* || $reply == -NOAUTH* ]]
}

# stop_nodes sends SIGTERM to every running node, then waits for each to
# exit (SIGKILL after 10 s).
stop_nodes() {
	local i port pid n
	local -a stopping=() pids=()
	for port in "${ports[@]}"; do
		running "$port" || continue
		pid=$(cat "$dir/$port/node.pid")
		kill -TERM "$pid"
		stopping+=("$port")
		pids+=("$pid")
	done
	for i in "${!stopping[@]}"; do
		port=${stopping[$i]} pid=${pids[$i]}
		for ((n = 0; n < 200; n++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "cluster.sh: node $port (pid $pid) ignores SIGTERM; sending SIGKILL" >&2
			kill -KILL "$pid"
		fi
		rm -f "$dir/$port/node.pid"
		echo "stopped node $port"
	done
}

case "${1:-start}" in
stop)
	stop_nodes
	exit 0
	;;
start) ;;
*)
	echo "usage: $0 [start|stop]" >&2
	exit 2
	;;
esac

tool=${SLOTD_TOOL:-}
if [ -z "$tool" ] || [ -z "${SLOTD_BIN:-}" ]; then
	echo ">>> Building slotd"
	(cd "$root" && go build -o bin/slotd ./cmd/slotd)
	tool=${tool:-$root/bin/slotd}
fi
server=${SLOTD_BIN:-$root/bin/slotd}

# A node writes nodes.conf as soon as it starts; one that lists more than
# the node itself (and the "vars" line) has been part of a cluster.
formed=1
for port in "${ports[@]}"; do
	conf="$dir/$port/nodes.conf"
	if [ ! -f "$conf" ] || [ "$(grep -cv '^vars' "$conf")" -lt 2 ]; then formed=0; fi
done

for port in "${ports[@]}"; do
	mkdir -p "$dir/$port"
	if running "$port"; then
		echo "node $port is already running"
		continue
	fi
	"$server" --port "$port" --bind 127.0.0.1 \
		--cluster-enabled yes --cluster-config-file nodes.conf \
		--dir "$dir/$port" --daemonize yes \
		--pidfile "$dir/$port/node.pid" --logfile "$dir/$port/node.log"
done

for port in "${ports[@]}"; do
	for ((n = 0; ; n++)); do
		if ping_node "$port" 2>/dev/null; then break; fi
		if ((n >= 300)); then
			echo "cluster.sh: node $port does not answer PING; see $dir/$port/node.log" >&2
			exit 1
		fi
		sleep 0.1
	done
done
echo ">>> Six nodes answer on 127.0.0.1:${ports[0]}-${ports[5]}"

if ((formed)); then
	echo ">>> Every nodes.conf lists its cluster: skipping create"
else
	addrs=()
	for port in "${ports[@]}"; do addrs+=("127.0.0.1:$port"); done
	"$tool" cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes
fi

cat <<MSG

Cluster ready. Connect with:   redis-cli -c -p ${ports[0]}
Check it with:                 $tool cluster check 127.0.0.1:${ports[0]}
Stop it with:                  $0 stop
MSG

#!/usr/bin/env bash
# bench.sh: slotd and redis-server side by side on loopback, under the same
# redis-benchmark runs, then the memory each needs for 1,000,000 keys.
#
#   deploy/bench.sh            (or: make bench)
#
# Throughput: redis-benchmark -c 50 -d 64 -t set,get, pipelined (-P 16,
# 1,000,000 requests) and not (-P 1, 200,000 requests); the table shows
# requests per second and p99 latency of each server and slotd's share of
# Redis's throughput. Memory: VmRSS growth after loading 1,000,000 keys of 16
# bytes with 32-byte values through redis-cli --pipe. Both servers are stopped
# on exit, whatever happens.
set -euo pipefail

cd "$(dirname "$0")/.."
for tool in redis-server redis-cli redis-benchmark python3 go awk; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_ready() { # port
	for _ in $(seq 1 500); do
		if [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ]; then return 0; fi
		sleep 0.02
	done
	echo "bench: nothing answers PING on port $1" >&2
	exit 1
}

rss_kb() { # pid
	awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

echo "building slotd..."
go build -o "$work/slotd" ./cmd/slotd

slotd_port=$(free_port)
(cd "$work" && exec ./slotd --port "$slotd_port" --bind 127.0.0.1 --save '' --loglevel warning >"$work/slotd.log" 2>&1) &
slotd_pid=$!
pids+=("$slotd_pid")
redis_port=$(free_port)
(cd "$work" && exec redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning >"$work/redis.log" 2>&1) &
redis_pid=$!
pids+=("$redis_pid")
wait_ready "$slotd_port"
wait_ready "$redis_port"

# bench_csv PORT PIPELINE REQUESTS: redis-benchmark's CSV lines, no header.
bench_csv() {
	redis-benchmark -h 127.0.0.1 -p "$1" -c 50 -P "$2" -d 64 -t set,get -n "$3" -q --csv | grep -v '^"test"'
}

results="$work/results"
: >"$results"
for run in "16 1000000" "1 200000"; do
	set -- $run
	for server in slotd redis; do
		port=$slotd_port
		[ "$server" = redis ] && port=$redis_port
		echo "redis-benchmark -P $1 -n $2 against $server..."
		bench_csv "$port" "$1" "$2" | tr -d '"' | awk -F, -v s="$server" -v p="$1" '{print s, p, $1, $2, $7}' >>"$results"
	done
done

echo
printf '%-4s %-3s | %12s %9s | %12s %9s | %s\n' TEST P "slotd rps" "p99 ms" "redis rps" "p99 ms" "slotd/redis"
awk '
	{ key = $3 " " $2; rps[$1, key] = $4; p99[$1, key] = $5; if (!(key in seen)) { seen[key] = 1; order[n++] = key } }
	END {
		for (i = 0; i < n; i++) {
			split(order[i], k, " ")
			s = rps["slotd", order[i]]; r = rps["redis", order[i]]
			printf "%-4s %-3s | %12.0f %9.3f | %12.0f %9.3f | %.2f\n", k[1], k[2], s, p99["slotd", order[i]], r, p99["redis", order[i]], (r > 0 ? s / r : 0)
		}
	}' "$results"

# Memory for 1,000,000 keys: 16-byte keys, 32-byte values, loaded with
# redis-cli --pipe so both servers receive the same byte stream.
awk 'BEGIN {
	for (i = 0; i < 1000000; i++) {
		k = sprintf("k:%014d", i); v = sprintf("v:%030d", i)
		printf "*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$32\r\n%s\r\n", k, v
	}
}' >"$work/load.resp"

echo
printf '%-6s %12s %12s %12s %10s\n' SERVER "RSS before" "RSS after" "growth" "bytes/key"
for server in slotd redis; do
	port=$slotd_port pid=$slotd_pid
	[ "$server" = redis ] && port=$redis_port pid=$redis_pid
	redis-cli -p "$port" flushall >/dev/null
	before=$(rss_kb "$pid")
	redis-cli -p "$port" --pipe <"$work/load.resp" >/dev/null
	keys=$(redis-cli -p "$port" dbsize)
	after=$(rss_kb "$pid")
	if [ "$keys" != 1000000 ]; then
		echo "bench: $server holds $keys keys after loading 1000000" >&2
	fi
	awk -v s="$server" -v b="$before" -v a="$after" 'BEGIN { printf "%-6s %9d kB %9d kB %9d kB %10.1f\n", s, b, a, a - b, (a - b) * 1024 / 1000000 }'
done

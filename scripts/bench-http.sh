#!/usr/bin/env bash
# HTTP and WebSocket benchmarks of the networking core, recorded in docs/benchmarks.md.
#   1. GET /hello and POST /echo (~200-byte JSON object parsed and re-encoded) on our server
#      (both handler modes) and on Hummingbird 2.28.1, same run, wrk at 1, 64 and 256 connections;
#   2. idle RSS, 10,000 idle keep-alive connections, 10,000 opened-and-dropped (fd leaks);
#   3. WebSocket fan-out: 1 publisher -> 1,000 subscribers (throughput and latency).
# Everything targets 127.0.0.1, runs for fixed durations/counts and stops by itself.
# Usage: scripts/bench-http.sh [seconds-per-cell=10]      (BENCH_SCRATCH: build folder)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }

scratch=${BENCH_SCRATCH:-$PWD/.build-bench}
for product in HummingbirdPeer AITBCPeer WSFanoutBench; do
    (cd Benchmarks && swift build -c release --scratch-path "$scratch" --product "$product" >&2)
done
bin=$(cd Benchmarks && swift build -c release --scratch-path "$scratch" --show-bin-path)

lua=$(mktemp --suffix=.lua)
pid=
cleanup() { rm -f "$lua"; if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; }
trap cleanup EXIT
cat > "$lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"job_id":"7f3c1f0e9a6b4d2c8e5f1a2b3c4d5e6f","client":"client-01","state":"QUEUED","ttl_seconds":900,"units":12.5,"models":["llama3-8b","mistral-7b"],"constraints":{"region":"eu-west","gpu":"RTX 4090"}}'
LUA

start_server() { # binary [mode] -> sets pid and port (HummingbirdPeer ignores the mode)
    port=$((18000 + RANDOM % 1000))
    "$1" "$port" "${2:-}" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/hello" >/dev/null && return; sleep 0.1; done
    echo "server did not start: $*" >&2; exit 1
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }

run_cell() { # route conns -> "rps p50 p99 non2xx"
    local route=$1 conns=$2 threads=2 extra=()
    [ "$conns" -lt 2 ] && threads=1
    [ "$route" = "/echo" ] && extra=(-s "$lua")
    wrk -t"$threads" -c"$conns" -d"${duration}s" --latency "${extra[@]}" "http://127.0.0.1:$port$route" |
        awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$4}
             END {printf "%s %s %s %s\n", rps, p50, p99, (bad==""?0:bad)}'
}

echo "## HTTP ($(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| server | route | conns | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|---|"
for route in /hello /echo; do
    for conns in 1 64 256; do
        # Interleave the servers per cell so they see the same background load.
        for server in "AITBCPeer:loop" "AITBCPeer:pool" "HummingbirdPeer:"; do
            name=${server%%:*} mode=${server#*:}
            start_server "$bin/$name" "$mode"
            read -r rps p50 p99 bad < <(run_cell "$route" "$conns")
            echo "| $name${mode:+ ($mode)} | $route | $conns | $rps | $p50 | $p99 | $bad |"
            stop_server
        done
    done
done

echo
echo "## Connections (AITBCPeer, event-loop handlers)"
echo
start_server "$bin/AITBCPeer" loop
python3 Benchmarks/scripts/connections.py "$pid" "$port" 10000
stop_server

echo
echo "## WebSocket fan-out (1 publisher -> 1,000 subscribers)"
echo
start_server "$bin/AITBCPeer" loop
echo "throughput (publisher at most 32 messages ahead of the slowest subscriber):"
"$bin/WSFanoutBench" "$port" 1000 2000 32
echo "latency (one message in flight at a time):"
"$bin/WSFanoutBench" "$port" 1000 300 1
stop_server

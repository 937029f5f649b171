#!/usr/bin/env bash
# HTTP benchmark: our server vs Hummingbird 2.28.1, same routes, same run, same machine.
#   GET /hello -> "hello";  POST /echo -> parse a ~200-byte JSON object and re-encode it.
# wrk (Debian package) drives 127.0.0.1 only, for a fixed duration per cell, then stops.
# Usage: scripts/bench-http.sh [seconds-per-cell=10]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }

scratch=${BENCH_SCRATCH:-.build-bench}
(cd Benchmarks && swift build -c release --scratch-path "../$scratch" --product HummingbirdPeer --product AITBCPeer >&2)
bin=$(cd Benchmarks && swift build -c release --scratch-path "../$scratch" --show-bin-path)

lua=$(mktemp --suffix=.lua)
trap 'rm -f "$lua"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true' EXIT
cat > "$lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"job_id":"7f3c1f0e9a6b4d2c8e5f1a2b3c4d5e6f","client":"client-01","state":"QUEUED","ttl_seconds":900,"units":12.5,"models":["llama3-8b","mistral-7b"],"constraints":{"region":"eu-west","gpu":"RTX 4090"}}'
LUA

run_cell() { # server route conns -> "rps p50 p99"
    local route=$1 conns=$2 threads=2 extra=()
    [ "$conns" -lt 2 ] && threads=1
    [ "$route" = "/echo" ] && extra=(-s "$lua")
    wrk -t"$threads" -c"$conns" -d"${duration}s" --latency "${extra[@]}" "http://127.0.0.1:$port$route" |
        awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$4}
             END {printf "%s %s %s %s\n", rps, p50, p99, (bad==""?0:bad)}'
}

echo "| server | route | conns | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|---|"
for server in AITBCPeer HummingbirdPeer; do
    port=$((18000 + RANDOM % 1000))
    "$bin/$server" "$port" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/hello" >/dev/null && break; sleep 0.1; done
    for route in /hello /echo; do
        for conns in 1 64 256; do
            read -r rps p50 p99 bad < <(run_cell "$route" "$conns")
            echo "| $server | $route | $conns | $rps | $p50 | $p99 | $bad |"
        done
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
done

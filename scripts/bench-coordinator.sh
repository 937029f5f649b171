#!/usr/bin/env bash
# Coordinator lifecycle benchmark (issue 4), recorded in docs/benchmarks.md:
# C client tasks submit N echo jobs, M miners long-poll and post results, the clients read every
# result and receipt and verify the receipt signature; fails on any lost, duplicated or
# double-assigned job. Builds the release aitbc-coordinator (root package) and LifecycleBench
# (Benchmarks package), starts one coordinator on a free 127.0.0.1 port with a fresh data dir and
# signing key, runs the benchmark, and stops the coordinator by its pid. Loopback only.
#
# Usage: scripts/bench-coordinator.sh [jobs=20000] [clients=16] [miners=16] [max-wait-seconds=2]
#        PERF=1 scripts/bench-coordinator.sh ...   also records `perf record -g` of the coordinator
#                                                 (perf.data + perf-report.txt in $BENCH_KEEP or the temp dir)
# Build folders: COORD_SCRATCH (default <repo>/.build-lifebench), BENCH_SCRATCH (default
# <repo>/.build-lifebench-bench). Benchmarks/Package.swift names the root package after the
# checkout folder, so any checkout or worktree works.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${1:-20000} clients=${2:-16} miners=${3:-16} max_wait=${4:-2}

coord_scratch=${COORD_SCRATCH:-$PWD/.build-lifebench}
bench_scratch=${BENCH_SCRATCH:-$PWD/.build-lifebench-bench}
# COORDINATOR_BIN / LIFECYCLE_BIN: run prebuilt binaries instead of building (A/B comparisons of
# two builds in one time window).
if [[ -n "${COORDINATOR_BIN:-}" ]]; then
    coordinator=$COORDINATOR_BIN
else
    swift build -c release --product aitbc-coordinator --scratch-path "$coord_scratch" >&2
    coordinator=$(swift build -c release --scratch-path "$coord_scratch" --show-bin-path)/aitbc-coordinator
fi
if [[ -n "${LIFECYCLE_BIN:-}" ]]; then
    bench=$LIFECYCLE_BIN
else
    (cd Benchmarks && swift build -c release --product LifecycleBench --scratch-path "$bench_scratch" >&2)
    bench=$(cd Benchmarks && swift build -c release --scratch-path "$bench_scratch" --show-bin-path)/LifecycleBench
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-coordinator.XXXXXX")
pid="" perf_pid=""
cleanup() {
    if [[ -n "$perf_pid" ]]; then kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" 2>/dev/null || true; fi
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; fi
    if [[ -z "${BENCH_KEEP:-}" ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

# Fresh coordinator signing key; the benchmark verifies receipts against its public half.
read -r seed public_hex < <("$bench" keygen)
miner_keys=()
miner_config=()
for i in $(seq -w 1 "$miners"); do
    miner_keys+=("bench-miner-key-$i")
    miner_config+=("miner-$i:bench-miner-key-$i")
done
# A free loopback port (picked here so that any LOG_LEVEL works; the default `info` logs a line
# per request, as in production).
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
# The rate limit is the configuration's maximum, 1,000,000 requests per 1 s per key: a full bucket
# holds more than the run's busiest key sends (the one client key: 3 calls per job, 60,000 at
# N = 20,000), so it never answers 429 here and the benchmark fails if it does.
APP_ENV=bench CLIENT_API_KEYS="bench-client:bench-client-key" ADMIN_API_KEYS="bench-admin:bench-admin-key" \
MINER_API_KEYS=$(IFS=,; echo "${miner_config[*]}") RECEIPT_SIGNING_KEY_HEX="$seed" \
RATE_LIMIT_REQUESTS=1000000 RATE_LIMIT_WINDOW_SECONDS=1 LOG_LEVEL=${COORD_LOG_LEVEL:-info} \
    "$coordinator" --host 127.0.0.1 --port "$port" --data-dir "$work/data" --env-file /dev/null >"$work/coordinator.log" 2>&1 &
pid=$!
for attempt in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/v1/health" >/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/coordinator.log" >&2; exit 1; }
    [[ $attempt == 100 ]] && port=""
    sleep 0.1
done
[[ -n "$port" ]] || { echo "coordinator did not start" >&2; cat "$work/coordinator.log" >&2; exit 1; }

if [[ -n "${PERF:-}" ]]; then
    perf record -g -o "$work/perf.data" -p "$pid" >/dev/null 2>&1 &
    perf_pid=$!
    sleep 0.5
fi

echo "## Coordinator lifecycle ($(date -u +%FT%TZ), commit $(git rev-parse --short HEAD), $(nproc) cores, load before $(cut -d' ' -f1-3 /proc/loadavg))"
status=0
/usr/bin/time -f "LifecycleBench CPU: %U s user, %S s system" "$bench" --port "$port" --public-key "$public_hex" --client-key bench-client-key \
    --miner-keys "$(IFS=,; echo "${miner_keys[*]}")" --admin-key bench-admin-key \
    --jobs "$jobs" --clients "$clients" --max-wait "$max_wait" || status=$?
# The coordinator's CPU time (utime + stime from /proc/PID/stat) shows how the 2 cores were split.
echo "load after $(cut -d' ' -f1-3 /proc/loadavg); coordinator CPU: $(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f s user, %.2f s system", $14/hz, $15/hz}' "/proc/$pid/stat"), peak RSS $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status")"
# Bytes the coordinator handed to write()/pwrite() (sockets, WAL, database, logs) and bytes that reached the block layer.
echo "coordinator I/O: $(awk '/^wchar/ {w=$2} /^write_bytes/ {b=$2} /^syscw/ {c=$2} END {printf "%.0f MB written by %d write calls, %.0f MB to disk", w/1e6, c, b/1e6}' "/proc/$pid/io")"
echo "coordinator context switches (all threads): $(cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt/ {v+=$2} /^nonvoluntary_ctxt/ {n+=$2} END {print v " voluntary, " n " involuntary"}'), threads $(ls /proc/"$pid"/task | wc -l)"

if [[ -n "$perf_pid" ]]; then
    kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true; perf_pid=""
    perf report -i "$work/perf.data" --no-children --percent-limit 0.5 --stdio >"$work/perf-report.txt" 2>/dev/null || true
    echo "perf: $work/perf-report.txt (kept: set BENCH_KEEP=1)"
fi
exit "$status"

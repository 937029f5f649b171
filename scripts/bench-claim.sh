#!/usr/bin/env bash
# Claim latency with many queued jobs the polling miner cannot run (issue 10, defect 2):
# Benchmarks/ClaimBench, release build, own scratch path. Two in-process coordinator stores,
# one empty and one loaded with JOBS unmatchable jobs, claims interleaved round by round.
# Usage: scripts/bench-claim.sh [jobs=100000] [queues=1] [clients=10] [rounds=2000]
#   env: BENCH_SCRATCH (default <repo>/.build-bench), BENCH_DIR (database files, /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scratch=${BENCH_SCRATCH:-$root/.build-bench}
dir=${BENCH_DIR:-/tmp}
(cd Benchmarks && swift build -c release --scratch-path "$scratch" --product ClaimBench >&2)
bin=$(cd Benchmarks && swift build -c release --scratch-path "$scratch" --show-bin-path)
dir=$(mktemp -d "$dir/aitbc-claimbench.XXXXXX")   # this run's own: concurrent runs keep theirs
trap 'rm -rf "$dir"' EXIT
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin/ClaimBench" --jobs "${1:-100000}" --queues "${2:-1}" --clients "${3:-10}" --rounds "${4:-2000}" --dir "$dir"

#!/usr/bin/env bash
# A/B of our HTTP server between two revisions: AITBCPeer built from REV (default: HEAD~1) and
# from the working tree, interleaved per round (old, new, old, new, …) so both see the same
# background load; wrk with 64 connections on 127.0.0.1, ROUNDS rounds of SECONDS each per cell.
# Prints one line per run and the medians; recorded in docs/benchmarks.md.
# Usage: scripts/bench-http-ab.sh [REV] [ROUNDS=5] [SECONDS=5]   (BENCH_SCRATCH: build folder)
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-HEAD~1}; rounds=${2:-5}; seconds=${3:-5}
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }
scratch=${BENCH_SCRATCH:-$PWD/.build-bench}
old_tree=$PWD/.build-ab/tree
lua=$(mktemp --suffix=.lua)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
    rm -f "$lua"
    git worktree remove --force "$old_tree" 2>/dev/null || true
}
trap cleanup EXIT
git worktree remove --force "$old_tree" 2>/dev/null || true
git worktree add --detach "$old_tree" "$rev" >/dev/null
(cd "$old_tree/Benchmarks" && swift build -c release --scratch-path "$PWD/../../scratch" --product AITBCPeer >&2)
(cd Benchmarks && swift build -c release --scratch-path "$scratch" --product AITBCPeer >&2)
old="$PWD/.build-ab/scratch/release/AITBCPeer"
new="$(cd Benchmarks && swift build -c release --scratch-path "$scratch" --show-bin-path)/AITBCPeer"
cat > "$lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"job_id":"7f3c1f0e9a6b4d2c8e5f1a2b3c4d5e6f","client":"client-01","state":"QUEUED","ttl_seconds":900,"units":12.5,"models":["llama3-8b","mistral-7b"],"constraints":{"region":"eu-west","gpu":"RTX 4090"}}'
LUA
echo "# A/B $(git rev-parse --short "$rev") vs working tree ($(git rev-parse --short HEAD)+), $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
results=$(mktemp)
for cell in "/hello loop" "/hello pool" "/echo loop"; do
    read -r route mode <<<"$cell"
    for round in $(seq "$rounds"); do
        for side in old new; do
            bin=$old; [ "$side" = new ] && bin=$new
            port=$((19000 + RANDOM % 900))
            "$bin" "$port" "$mode" >/dev/null 2>&1 &
            pid=$!
            for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/hello" >/dev/null && break; sleep 0.1; done
            extra=(); [ "$route" = "/echo" ] && extra=(-s "$lua")
            rps=$(wrk -t2 -c64 -d"${seconds}s" "${extra[@]}" "http://127.0.0.1:$port$route" | awk '/Requests\/sec/ {print $2}')
            kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
            echo "$route $mode $side $round $rps" | tee -a "$results"
        done
    done
done
python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    route, mode, side, _, rps = line.split()
    runs.setdefault((route, mode), {}).setdefault(side, []).append(float(rps))
print("\n| route | mode | old median req/s | new median req/s | new/old | paired new/old per round |")
print("|---|---|---|---|---|---|")
for (route, mode), sides in runs.items():
    old, new = sides["old"], sides["new"]
    pairs = [n / o for o, n in zip(old, new)]
    print(f"| {route} | {mode} | {statistics.median(old):,.0f} | {statistics.median(new):,.0f} | "
          f"{statistics.median(new) / statistics.median(old):.2f} | {' '.join(f'{p:.2f}' for p in pairs)} |")
PY
rm -f "$results"

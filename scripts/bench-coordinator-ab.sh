#!/usr/bin/env bash
# Interleaved A/B of coordinator lifecycle builds (issue 4): on this shared 2-core machine one run
# of each says little, so each round runs every variant once, in turn, and the summary gives
# medians of throughput and of CPU per job (coordinator and LifecycleBench).
#
# Usage: scripts/bench-coordinator-ab.sh ROUNDS "name|VAR=value ..." ["name|VAR=value ..." ...]
#   e.g. scripts/bench-coordinator-ab.sh 3 \
#          "before|COORDINATOR_BIN=/tmp/coord-a LIFECYCLE_BIN=/tmp/lb-a" \
#          "after|COORDINATOR_BIN=/tmp/coord-b LIFECYCLE_BIN=/tmp/lb-b"
# Each variant's settings are passed as environment to scripts/bench-coordinator.sh (N = 20,000,
# C = M = 16). Loopback only; every run stops its coordinator by pid.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:?rounds}
shift
[[ $# -ge 1 ]] || { echo "usage: $0 ROUNDS 'name|VAR=value ...' ..." >&2; exit 2; }
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for round in $(seq 1 "$rounds"); do
    for spec in "$@"; do
        name=${spec%%|*}
        settings=${spec#*|}
        # shellcheck disable=SC2086 # settings are VAR=value words on purpose
        output=$(env $settings scripts/bench-coordinator.sh 20000 16 16 2 2>&1) || { echo "$output" >&2; exit 1; }
        jobs=$(grep -oP '[0-9]+(?= completed jobs/s)' <<<"$output")
        client=$(grep -oP 'LifecycleBench CPU: \K[0-9.]+ s user, [0-9.]+' <<<"$output" | awk '{print $1 + $4}')
        coordinator=$(grep -oP 'coordinator CPU: \K[0-9.]+ s user, [0-9.]+' <<<"$output" | awk '{print $1 + $4}')
        echo "round $round $name: $jobs jobs/s, coordinator $coordinator s, client $client s CPU"
        echo "$name $jobs $coordinator $client" >>"$results"
    done
done
python3 - "$results" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, jobs, coordinator, client = line.split()
    runs[name].append((int(jobs), float(coordinator) / 20.0, float(client) / 20.0))
for name, values in runs.items():
    jobs = [v[0] for v in values]
    print(f"{name}: {len(values)} runs, median {statistics.median(jobs):.0f} jobs/s (min {min(jobs)}, max {max(jobs)}), "
          f"CPU per job: coordinator {statistics.median(v[1] for v in values):.3f} ms, client {statistics.median(v[2] for v in values):.3f} ms")
PY

#!/usr/bin/env bash
# The whole job lifecycle against a real aitbc-coordinator, with curl only:
# submit → miner registers and polls → result → receipt → `aitbc receipt verify`.
# The walkthrough itself is the `walkthrough` block of docs/coordinator.md, extracted and run
# here (CoordinatorWalkthroughTests runs this script), so the documentation cannot drift.
#
# Usage: scripts/coordinator-walkthrough.sh            (builds the debug binaries if needed)
#        BIN_DIR=.build/release scripts/coordinator-walkthrough.sh
# Loopback only; starts one coordinator on a free port and stops it (by its pid) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

BIN_DIR=${BIN_DIR:-$(swift build --show-bin-path)}
if [[ ! -x "$BIN_DIR/aitbc-coordinator" || ! -x "$BIN_DIR/aitbc" ]]; then
    swift build --product aitbc-coordinator >/dev/null
    swift build --product aitbc >/dev/null
fi
BIN_DIR=$(cd "$BIN_DIR" && pwd)
PATH="$BIN_DIR:$PATH"
work=$(mktemp -d "${TMPDIR:-/tmp}/coordinator-walkthrough.XXXXXX")
work=$(cd "$work" && pwd)   # absolute: the lifecycle below runs inside it
coordinator_pid=""
cleanup() {
    if [[ -n "$coordinator_pid" ]] && kill -0 "$coordinator_pid" 2>/dev/null; then
        kill -TERM "$coordinator_pid" 2>/dev/null || true
        wait "$coordinator_pid" 2>/dev/null || true
    fi
    # KEEP_WORK=1 (scripts/demo.sh) keeps the folder: logs, keys and receipts to look at.
    [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

# A coordinator signing key (the seed stays in $work) and test API keys.
aitbc keygen --out "$work/coordinator.key.json" >/dev/null
seed=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["private_key_hex"])' "$work/coordinator.key.json")
COORD_PUB=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["public_key_hex"])' "$work/coordinator.key.json")
CLIENT_KEY=walkthrough-client-key
MINER_KEY=walkthrough-miner-key

APP_ENV=walkthrough CLIENT_API_KEYS="alice:$CLIENT_KEY" MINER_API_KEYS="gpu-box-1:$MINER_KEY" ADMIN_API_KEYS="ops:walkthrough-admin" \
RECEIPT_SIGNING_KEY_HEX="$seed" \
    aitbc-coordinator --host 127.0.0.1 --port 0 --data-dir "$work/data" --env-file /dev/null >"$work/coordinator.log" 2>&1 &
coordinator_pid=$!
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*"event":"listening".*"port":"\([0-9]*\)".*/\1/p' "$work/coordinator.log" | head -n1)
    [[ -n "$port" ]] && break
    kill -0 "$coordinator_pid" 2>/dev/null || { cat "$work/coordinator.log" >&2; exit 1; }
    sleep 0.1
done
[[ -n "$port" ]] || { echo "coordinator did not start" >&2; cat "$work/coordinator.log" >&2; exit 1; }
COORD=http://127.0.0.1:$port
cd "$work"

# The walkthrough itself is the block docs/coordinator.md shows, run as written (issue 12:
# extracted from the page, never a copy that could drift from it).
walkthrough=$(python3 "$repo/scripts/doc-blocks.py" extract docs/coordinator.md walkthrough)
mkdir -p data   # the block writes its receipt under ./data, as in the repository root
eval "$walkthrough"

# A tampered copy must fail (exit 1).
sed 's/"job_id":"[0-9a-f]*"/"job_id":"00000000000000000000000000000000"/' data/receipt.json > tampered.json
if aitbc receipt verify tampered.json --key-hex "$COORD_PUB" 2>/dev/null; then
    echo "error: tampered receipt verified" >&2; exit 1
fi
kill -TERM "$coordinator_pid"
status=0
wait "$coordinator_pid" || status=$?
coordinator_pid=""
[[ $status -eq 0 ]] || { echo "coordinator exited with $status after SIGTERM" >&2; exit 1; }
echo "walkthrough complete: job $job_id, receipt verified, coordinator drained (exit 0)"

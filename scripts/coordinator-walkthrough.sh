#!/usr/bin/env bash
# The whole job lifecycle against a real aitbc-coordinator, with curl only:
# submit → miner registers and polls → result → receipt → `aitbc receipt verify`.
# docs/coordinator.md shows the part between the "walkthrough" markers verbatim, and
# CoordinatorWalkthroughTests runs this script, so the documentation cannot drift.
#
# Usage: scripts/coordinator-walkthrough.sh            (builds the debug binaries if needed)
#        BIN_DIR=.build/release scripts/coordinator-walkthrough.sh
# Loopback only; starts one coordinator on a free port and stops it (by its pid) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

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

# --- walkthrough begin
# 1. The client submits a job (201 + JobView, state QUEUED).
job=$(curl -sf -X POST "$COORD/v1/jobs" \
    -H "X-Api-Key: $CLIENT_KEY" -H "Content-Type: application/json" -H "Idempotency-Key: walkthrough-1" \
    -d '{"payload":{"runner":"echo","prompt":"hello"},"constraints":{},"ttl_seconds":600}')
echo "$job"
job_id=$(echo "$job" | python3 -c 'import json,sys;print(json.load(sys.stdin)["job_id"])')

# 2. A miner registers and long-polls; the coordinator assigns the job (200, or 204 = nothing).
curl -sf -w '\n' -X POST "$COORD/v1/miners/register" -H "Authorization: Bearer $MINER_KEY" \
    -H "Content-Type: application/json" -d '{"capabilities":{"gpus":[{"name":"RTX 4090","memory_mb":24576}]},"concurrency":1}'
curl -sf -w '\n' -X POST "$COORD/v1/miners/poll" -H "Authorization: Bearer $MINER_KEY" \
    -H "Content-Type: application/json" -d '{"max_wait_seconds":5}'
curl -sf -w '\n' "$COORD/v1/jobs/$job_id" -H "X-Api-Key: $CLIENT_KEY"          # state RUNNING

# 3. The miner reports the result; the coordinator signs a receipt.
curl -sf -w '\n' -X POST "$COORD/v1/miners/$job_id/result" -H "Authorization: Bearer $MINER_KEY" \
    -H "Content-Type: application/json" -d '{"result":{"output":"hello"},"metrics":{"duration_ms":1200}}'

# 4. The client reads the result and the receipt.
curl -sf -w '\n' "$COORD/v1/jobs/$job_id/result" -H "X-Api-Key: $CLIENT_KEY"
curl -sf "$COORD/v1/jobs/$job_id/receipt" -H "X-Api-Key: $CLIENT_KEY" -o receipt.json

# 5. Anyone holding the coordinator's public key verifies it offline.
aitbc receipt verify receipt.json --key-hex "$COORD_PUB"
# --- walkthrough end

# A tampered copy must fail (exit 1).
sed 's/"job_id":"[0-9a-f]*"/"job_id":"00000000000000000000000000000000"/' receipt.json > tampered.json
if aitbc receipt verify tampered.json --key-hex "$COORD_PUB" 2>/dev/null; then
    echo "error: tampered receipt verified" >&2; exit 1
fi
kill -TERM "$coordinator_pid"
status=0
wait "$coordinator_pid" || status=$?
coordinator_pid=""
[[ $status -eq 0 ]] || { echo "coordinator exited with $status after SIGTERM" >&2; exit 1; }
echo "walkthrough complete: job $job_id, receipt verified, coordinator drained (exit 0)"

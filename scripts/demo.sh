#!/usr/bin/env bash
# Bring-up on embedded defaults: builds the product and runs its main job end to end.
# 1. The receipt path every service relies on: create a coordinator key, sign a receipt,
#    verify it against the pinned key, and show a tampered copy failing.
# 2. The coordinator's job lifecycle (scripts/coordinator-walkthrough.sh): start
#    aitbc-coordinator on a free loopback port, submit a job, act as a miner with curl,
#    fetch the signed receipt and verify it, then stop the coordinator (SIGTERM, exit 0).
# 3. A coordinator and a real aitbc-miner (scripts/miner-walkthrough.sh): the miner runs a
#    sha256 job and an allowlisted CLI job in its sandbox; both receipts verify and carry
#    the miner's signed work claim; the miner drains on SIGTERM (exit 0).
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product aitbc
bin=$(swift build -c release --show-bin-path)/aitbc
work=${DEMO_DIR:-./data/demo}
mkdir -p "$work"

"$bin" keygen --out "$work/coordinator.key.json" --force >/dev/null
seed=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["private_key_hex"])' "$work/coordinator.key.json")
pub=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["public_key_hex"])' "$work/coordinator.key.json")

cat > "$work/receipt.json" <<JSON
{"version":"1.0","receipt_id":"$(head -c16 /dev/urandom | od -An -tx1 | tr -d ' \n')","job_id":"demo-job-1",
 "provider":"miner-demo","client":"client-demo","units":1.25,"unit_type":"gpu_seconds",
 "started_at":$(date +%s),"completed_at":$(date +%s),"metadata":{"note":"bring-up demo"}}
JSON
"$bin" receipt sign "$work/receipt.json" --key-hex "$seed" > "$work/receipt.signed.json"
echo "canonical: $("$bin" receipt canonical "$work/receipt.signed.json")"
"$bin" receipt verify "$work/receipt.signed.json" --key-hex "$pub"
echo "signed receipt verifies against the pinned key: $work/receipt.signed.json"
sed 's/"units":1.25/"units":99/' "$work/receipt.signed.json" > "$work/receipt.tampered.json"
if "$bin" receipt verify "$work/receipt.tampered.json" --key-hex "$pub" 2>/dev/null; then
    echo "error: tampered receipt verified" >&2; exit 1
fi
echo "tampered receipt rejected as expected"

swift build -c release --product aitbc-coordinator
BIN_DIR=$(swift build -c release --show-bin-path) TMPDIR="$work" scripts/coordinator-walkthrough.sh

swift build -c release --product aitbc-miner
BIN_DIR=$(swift build -c release --show-bin-path) TMPDIR="$work" scripts/miner-walkthrough.sh

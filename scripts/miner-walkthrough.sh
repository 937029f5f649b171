#!/usr/bin/env bash
# A coordinator and a real aitbc-miner on loopback: the miner registers with its own Ed25519
# key, runs a sha256 job and an allowlisted CLI job in its sandbox, and every receipt the
# coordinator signs verifies with `aitbc receipt verify` and carries the miner's signed work
# claim. docs/miner.md shows the part between the "walkthrough" markers verbatim, and
# MinerWalkthroughTests runs this script, so the documentation cannot drift.
#
# Usage: scripts/miner-walkthrough.sh            (builds the debug binaries if needed)
#        BIN_DIR=.build/release scripts/miner-walkthrough.sh
# Loopback only; starts one coordinator and one miner and stops both (by pid) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

BIN_DIR=${BIN_DIR:-$(swift build --show-bin-path)}
for product in aitbc aitbc-coordinator aitbc-miner; do
    [[ -x "$BIN_DIR/$product" ]] || swift build --product "$product" >/dev/null
done
BIN_DIR=$(cd "$BIN_DIR" && pwd)
PATH="$BIN_DIR:$PATH"
work=$(mktemp -d "${TMPDIR:-/tmp}/miner-walkthrough.XXXXXX")
work=$(cd "$work" && pwd)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    done
    # KEEP_WORK=1 (scripts/demo.sh) keeps the folder: logs, keys and receipts to look at.
    [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

# The port a service printed in its "listening" log line.
listening_port() { # log pid
    local port=""
    for _ in $(seq 1 200); do
        # The log may not exist yet: the shell opens it when the background process starts.
        port=$(sed -n 's/.*"event":"listening".*"port":"\([0-9]*\)".*/\1/p' "$1" 2>/dev/null | head -n1)
        [[ -n "$port" ]] && { echo "$port"; return 0; }
        kill -0 "$2" 2>/dev/null || break
        sleep 0.1
    done
    echo "service did not start:" >&2; cat "$1" >&2; return 1
}

aitbc keygen --out "$work/coordinator.key.json" >/dev/null
seed=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["private_key_hex"])' "$work/coordinator.key.json")
COORD_PUB=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["public_key_hex"])' "$work/coordinator.key.json")
CLIENT_KEY=walkthrough-client-key
export MINER_AUTH=walkthrough-miner-key

APP_ENV=walkthrough CLIENT_API_KEYS="alice:$CLIENT_KEY" MINER_API_KEYS="gpu-box-1:$MINER_AUTH" ADMIN_API_KEYS="ops:walkthrough-admin" \
RECEIPT_SIGNING_KEY_HEX="$seed" \
    aitbc-coordinator --host 127.0.0.1 --port 0 --data-dir "$work/coordinator" --env-file /dev/null >"$work/coordinator.log" 2>&1 &
pids+=($!)
COORD=http://127.0.0.1:$(listening_port "$work/coordinator.log" "${pids[0]}")

# An allowlisted tool for the CLI runner: sha256sum, by absolute path, one file argument.
mkdir -p "$work/allowlist.d"
cat > "$work/allowlist.d/sha256sum.yaml" <<YAML
command: { path: "$(command -v sha256sum)" }
args:
  - ["[A-Za-z0-9._-]{1,64}"]
max_total_args_len: 256
max_runtime_s: 30
YAML
cd "$work"

# The walkthrough itself is the block docs/miner.md shows, run as written inside the set-up
# above (issue 12: extracted from the page, never a copy that could drift from it).
walkthrough=$(python3 "$repo/scripts/doc-blocks.py" extract docs/miner.md walkthrough)
eval "$walkthrough"

# The receipts carry the miner's signed work claim, made with its registered key.
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
key_id = json.load(open(f"{work}/miner.key.json"))["key_id"]
for job in ("job1", "job2"):
    receipt = json.load(open(f"{work}/{job}.receipt.json"))
    meta = receipt["metadata"]
    assert meta["work_claim"]["job_id"] == receipt["job_id"], meta
    assert meta["work_claim"]["miner_id"] == "gpu-box-1", meta
    assert meta["miner_signature"]["key_id"] == key_id, meta
    assert receipt["units"] >= 0 and receipt["unit_type"] == "cpu_seconds", receipt
print("work claims: both receipts carry the miner's signed claim")
PY
grep -q "$MINER_AUTH" "$work/miner.log" && { echo "error: the miner logged its token" >&2; exit 1; }
echo "miner walkthrough complete: 2 jobs run by aitbc-miner, receipts verified, miner drained (exit 0)"

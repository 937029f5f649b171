#!/usr/bin/env bash
# A finished job turns into AIT, with real processes on loopback: an aitbc-chain-node whose
# genesis pins the coordinator's receipt key, an aitbc-coordinator, and an aitbc-miner with
# chain.url set. A client submits a job; the miner runs it, the coordinator signs the receipt,
# and the miner claims that receipt on the chain by itself (RECEIPT_CLAIM signed with its own
# key). The script waits for the claim to be included and checks what was minted and to whom:
# the miner's payout address gets units × mint_per_unit (less the claim's fee, paid from the
# mint), the coordinator's key address its ratio on top; a second claim is refused.
# ChainWalkthroughTests and scripts/demo.sh run it.
#
# Usage: scripts/chain-walkthrough.sh            (builds the debug binaries if needed)
#        BIN_DIR=.build/release scripts/chain-walkthrough.sh
# Loopback only; starts one node, one coordinator, one miner and stops them (by pid) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN_DIR=${BIN_DIR:-$(swift build --show-bin-path)}
for product in aitbc aitbc-coordinator aitbc-miner aitbc-chain-node; do
    [[ -x "$BIN_DIR/$product" ]] || swift build --product "$product" >/dev/null
done
BIN_DIR=$(cd "$BIN_DIR" && pwd)
PATH="$BIN_DIR:$PATH"
work=$(mktemp -d "${TMPDIR:-/tmp}/chain-walkthrough.XXXXXX")
work=$(cd "$work" && pwd)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    done
    [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

listening_port() { # log pid
    local port=""
    for _ in $(seq 1 300); do
        # The log may not exist yet: the shell opens it when the background process starts.
        port=$(sed -n 's/.*"event":"listening".*"port":"\([0-9]*\)".*/\1/p' "$1" 2>/dev/null | head -n1)
        [[ -n "$port" ]] && { echo "$port"; return 0; }
        kill -0 "$2" 2>/dev/null || break
        sleep 0.1
    done
    echo "service did not start:" >&2; cat "$1" >&2; return 1
}
field() { python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));print(d[sys.argv[2]])' "$@"; }
chmod 711 "$work"
cd "$work"

# Keys: the chain's authority, the coordinator's receipt key, the miner's own key (mode 0600 each).
aitbc chain keygen --output authority.key.json > /dev/null
aitbc keygen --out coordinator.key.json > /dev/null
aitbc keygen --out miner.key.json > /dev/null
coordinator_pub=$(field coordinator.key.json public_key_hex)
miner_address=$(field miner.key.json address)
coordinator_address=$(field coordinator.key.json address)   # where its share of every mint goes

# Genesis: one authority, the coordinator's key pinned (only its receipts mint), 1,000,000 base
# units per receipt unit (a sandboxed CPU job earns fractions of a second), 500 ms blocks.
aitbc chain genesis --output genesis.json --chain-id ait-devnet --timestamp $(( $(date +%s) - 1 )) \
    --authority-key "$(field authority.key.json public_key)" --coordinator-key "$coordinator_pub" \
    --mint-per-unit 1000000 --block-time-ms 500
CHAIN_GENESIS=genesis.json DB_PATH=chain.db DATA_DIR=chain PROPOSER_KEY_FILE=authority.key.json RPC_BIND_PORT=0 P2P_BIND_PORT=0 \
    aitbc-chain-node run --env-file /dev/null > chain.log 2>&1 &
pids+=($!)
CHAIN=http://127.0.0.1:$(listening_port chain.log "${pids[-1]}")

CLIENT_KEY=walkthrough-client-key
export MINER_AUTH=walkthrough-miner-key
APP_ENV=walkthrough CLIENT_API_KEYS="alice:$CLIENT_KEY" MINER_API_KEYS="gpu-box-1:$MINER_AUTH" ADMIN_API_KEYS="ops:walkthrough-admin" \
RECEIPT_SIGNING_KEY_HEX="$(field coordinator.key.json private_key_hex)" \
    aitbc-coordinator --host 127.0.0.1 --port 0 --data-dir coordinator --env-file /dev/null > coordinator.log 2>&1 &
pids+=($!)
COORD=http://127.0.0.1:$(listening_port coordinator.log "${pids[-1]}")

# The miner: as in docs/miner.md, plus chain.url, so it claims every receipt it earns.
cat > miner.yaml <<YAML
node_id: gpu-box-1
coordinator: { base_url: "$COORD/v1", auth_token: "env:MINER_AUTH" }
heartbeat: { interval_s: 2 }
poll: { interval_s: 1, max_wait_s: 2 }
workspace: { root: "$work/jobs" }
key_file: "$work/miner.key.json"
chain: { url: "$CHAIN", chain_id: ait-devnet, poll_interval_s: 0.5 }
health_bind: "127.0.0.1:0"
drain_timeout_s: 10
YAML
aitbc-miner run --config miner.yaml > miner.log 2>&1 &
miner_pid=$!; pids+=($miner_pid)

# A client submits a job; the miner runs it and reports; the coordinator signs the receipt.
job=$(curl -sf -X POST "$COORD/v1/jobs" -H "X-Api-Key: $CLIENT_KEY" -H "Content-Type: application/json" \
    -d '{"payload":{"type":"sha256","input":"hello, chain"}}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["job_id"])')
for _ in $(seq 1 300); do
    state=$(curl -sf "$COORD/v1/jobs/$job" -H "X-Api-Key: $CLIENT_KEY" | python3 -c 'import json,sys;print(json.load(sys.stdin)["state"])')
    [[ $state == COMPLETED || $state == FAILED ]] && break
    sleep 0.2
done
[[ $state == COMPLETED ]] || { echo "job ended $state" >&2; cat miner.log >&2; exit 1; }
curl -sf "$COORD/v1/jobs/$job/receipt" -H "X-Api-Key: $CLIENT_KEY" -o receipt.json
receipt_id=$(field receipt.json receipt_id)
echo "job $job completed; receipt $receipt_id signed by the coordinator"

# The miner claims it by itself: wait until the chain has recorded the claim.
for _ in $(seq 1 300); do
    curl -sf "$CHAIN/rpc/receipts/$receipt_id" -o claimed.json && break
    sleep 0.2
done
[[ -s claimed.json ]] || { echo "the miner's claim was not included" >&2; cat miner.log >&2; exit 1; }
aitbc chain balance "$miner_address" --url "$CHAIN" --json > miner.balance.json
aitbc chain balance "$coordinator_address" --url "$CHAIN" --json > coordinator.balance.json
python3 - <<'PY'
import json
claimed = json.load(open("claimed.json"))
receipt = json.load(open("receipt.json"))
miner = json.load(open("miner.balance.json"))
coordinator = json.load(open("coordinator.balance.json"))
key = json.load(open("miner.key.json"))
units = receipt["units"]
assert claimed["miner_address"] == key["address"], claimed
assert claimed["receipt_id"] == receipt["receipt_id"], claimed
assert claimed["minted_amount"] > 0 and claimed["coordinator_amount"] == claimed["minted_amount"] * 5 // 100, claimed
assert coordinator["balance"] == claimed["coordinator_amount"], coordinator
# The miner paid its claim's fee from what it minted; it sent exactly one transaction.
assert miner["nonce"] == 1 and 0 < miner["balance"] < claimed["minted_amount"], miner
print(f"receipt of {units} {receipt['unit_type']} minted {claimed['minted_amount']} to the miner "
      f"({miner['balance']} after its fee) and {claimed['coordinator_amount']} to the coordinator, block {claimed['block_height']}")
PY
# A receipt mints once: claiming it again (here by the miner's own key) is refused.
if aitbc chain claim --key-file miner.key.json --receipt receipt.json --url "$CHAIN" > again.log 2>&1; then
    echo "error: a receipt was claimed twice" >&2; exit 1
fi
grep -q RECEIPT_ALREADY_CLAIMED again.log
# The miner sees its claim included at its next poll of the transaction (chain.poll_interval_s).
for _ in $(seq 1 150); do
    grep -q '"event":"receipt_claim_included"' miner.log && break
    sleep 0.2
done
grep -q '"event":"receipt_claim_included"' miner.log || { echo "the miner never saw its claim included" >&2; cat miner.log >&2; exit 1; }
kill -TERM "$miner_pid" && wait "$miner_pid"
echo "chain walkthrough complete: the miner's receipt became AIT on the chain, once"

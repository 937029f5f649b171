#!/usr/bin/env bash
# Property-based API test of the real aitbc-chain-node with schemathesis: every operation of
# protocols/openapi/chain-node.yaml (fetched from the running node's /openapi.json), all checks
# (no 5xx, status codes, content types, headers and bodies conform to the schema, auth not
# ignored, …) with the exceptions documented in scripts/schemathesis-chain.toml, a bounded
# number of examples, at most ~3 minutes.
#
# The node runs on a fresh chain: a temporary genesis (`aitbc chain genesis`) whose one authority
# is the node's own proposer key and whose faucet account backs DEVNET_FAUCET, so blocks are
# made and the admin routes are reachable with the run's ADMIN_TOKEN.
#
# Usage: scripts/schemathesis-chain.sh   (SCHEMATHESIS_MAX_EXAMPLES=N, SCHEMATHESIS_SEED=N to vary the run)
# Loopback only; starts one node on a free port and stops it (by its pid) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v schemathesis >/dev/null; then
    echo "error: schemathesis is not installed (python3 -m pip install schemathesis)" >&2
    exit 1
fi
BIN_DIR=${BIN_DIR:-$(swift build --show-bin-path)}
for product in aitbc aitbc-chain-node; do
    [[ -x "$BIN_DIR/$product" ]] || swift build --product "$product" >/dev/null
done
BIN_DIR=$(cd "$BIN_DIR" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/chain-schemathesis.XXXXXX")
pid=""
cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# Keys (mode 0600) and a genesis of our own: the proposer is the only authority, the faucet is
# funded, blocks every 200 ms so submitted transactions are included during the run.
"$BIN_DIR/aitbc" chain keygen --output "$work/proposer.key.json" >/dev/null
"$BIN_DIR/aitbc" chain keygen --output "$work/faucet.key.json" >/dev/null
field() { python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
"$BIN_DIR/aitbc" chain genesis --output "$work/genesis.json" --chain-id ait-schemathesis --timestamp "$(date +%s)" \
    --authority-key "$(field "$work/proposer.key.json" public_key)" \
    --faucet-address "$(field "$work/faucet.key.json" address)" --faucet-balance 1000000000000 \
    --block-time-ms 200 >/dev/null
token=$(python3 -c 'import secrets;print(secrets.token_hex(32))')

# The rate limit is out of the way; the faucet and its admin route are on.
CHAIN_GENESIS="$work/genesis.json" PROPOSER_KEY_FILE="$work/proposer.key.json" \
DEVNET_FAUCET=true FAUCET_KEY_FILE="$work/faucet.key.json" ADMIN_TOKEN="$token" \
SENDTX_RATE_PER_SECOND=1000000 SENDTX_BURST=1000000 P2P_BIND_PORT=0 \
    "$BIN_DIR/aitbc-chain-node" run --host 127.0.0.1 --port 0 --data-dir "$work/data" --env-file /dev/null \
    --log-level debug >"$work/chain-node.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*"event":"listening".*"port":"\([0-9]*\)".*/\1/p' "$work/chain-node.log" | head -n1)
    [[ -n "$port" ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/chain-node.log" >&2; exit 1; }
    sleep 0.1
done
[[ -n "$port" ]] || { echo "chain node did not start" >&2; cat "$work/chain-node.log" >&2; exit 1; }

status=0
# No --checks: schemathesis runs every check by default, and an explicit list would
# override the documented exceptions in scripts/schemathesis-chain.toml.
timeout 170 schemathesis --config-file scripts/schemathesis-chain.toml run "http://127.0.0.1:$port/openapi.json" \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-20}" \
    --header "Authorization: Bearer $token" \
    --workers 1 --seed "${SCHEMATHESIS_SEED:-20261127}" --generation-database none \
    --request-timeout 15 --no-color --report junit --report-dir "$work/report" || status=$?

# Every request is logged at debug: no 5xx may hide behind a check schemathesis did not make.
if grep -q '"status":"5[0-9][0-9]"' "$work/chain-node.log"; then
    echo "error: the chain node answered 5xx:" >&2
    grep '"status":"5[0-9][0-9]"' "$work/chain-node.log" | head -20 >&2
    status=1
fi
kill -TERM "$pid"
exit_code=0
wait "$pid" || exit_code=$?
pid=""
[[ $exit_code -eq 0 ]] || { echo "error: chain node exited $exit_code after SIGTERM" >&2; status=1; }
[[ $status -eq 0 ]] && echo "schemathesis (chain node): no failures"
exit $status

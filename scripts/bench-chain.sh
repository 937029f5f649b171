#!/usr/bin/env bash
# Chain node benchmarks (issue 13 "Numbers to reach"), recorded in docs/benchmarks.md.
# Builds the release aitbc-chain-node (root package) and ChainBench (Benchmarks package), then:
#   throughput  target 1: TXS signed transfers (signed ahead) over keep-alive POST /rpc/sendTxs in
#               batches of 1,000 to one authority node (1 s blocks, max_block_txs 20,000, 2,000
#               funded senders); admitted/s, included/s, per-block figures, the ratio to this
#               machine's Ed25519 verify rate measured in the same process
#   interval    target 2: 1 s blocks of 5,000 (max_block_txs 5,000) under a paced 5,500 tx/s for
#               INTERVAL_SECONDS; block intervals from header time_ms and from the wall clock
#   state       target 3: in process, produceBlock / state-root time with 10k vs 1M accounts; then
#               the node started on a 1M-account database (start-up time) and getBalance latency
#   sync        issue 14, late joiner in process: ChainBench sync (SYNC_BLOCKS blocks of 100
#               transfers, SYNC_EMPTY empty blocks; blocks/s and the ratio to the Ed25519 rate)
#   subscribers issue 14, WebSocket: a node (P2P off), `ChainBench load --rate SUB_RATE` in the
#               background, then SUBSCRIBERS sockets on /rpc/ws/blocks for SUB_SECONDS
#   net         issue 14 with real processes: `ChainBench net` (NET_NODES nodes, NET_TOPOLOGY,
#               NET_RATE tx/s for NET_SECONDS to the followers: convergence, block propagation,
#               drops, CPU per node), then `ChainBench netsync` (a late joiner syncing 1,000
#               blocks of 100 transfers and NETSYNC_EMPTY empty blocks over P2P)
#   netsync     the late joiner alone
# Each mode starts fresh nodes on free 127.0.0.1 ports with fresh data dirs and stops them by pid;
# the existing modes run one node with P2P off.
#
# Usage: scripts/bench-chain.sh [all|throughput|interval|state|sync|subscribers|net|netsync]   (default all)
# Settings (environment): TXS (200000), CONNECTIONS (4), SENDERS (2000), INTERVAL_SECONDS (40),
#   FILLERS (1000000), STATE_ROUNDS (30), BALANCE_REQUESTS (50000), BALANCE_CONNECTIONS (4),
#   SYNC_BLOCKS (1000), SYNC_EMPTY (20000), SUBSCRIBERS (1000), SUB_SECONDS (30), SUB_RATE (2000),
#   NET_NODES (3), NET_TOPOLOGY (star), NET_RATE (2000), NET_SECONDS (30), NETSYNC_EMPTY (20000),
#   CHAIN_LOG_LEVEL (info), BENCH_KEEP (keep the temp dir).
# Build folders: CHAIN_SCRATCH (default <repo>/.build-chainbench), BENCH_SCRATCH (default
# <repo>/.build-chainbench-bench); CHAIN_NODE_BIN / CHAINBENCH_BIN run prebuilt binaries instead
# (A/B of two builds in one time window).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
txs=${TXS:-200000} connections=${CONNECTIONS:-4} senders=${SENDERS:-2000}
interval_seconds=${INTERVAL_SECONDS:-40} fillers=${FILLERS:-1000000}

if [[ -n "${CHAIN_NODE_BIN:-}" ]]; then
    node=$CHAIN_NODE_BIN
else
    scratch=${CHAIN_SCRATCH:-$PWD/.build-chainbench}
    swift build -c release --product aitbc-chain-node --scratch-path "$scratch" >&2
    node=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/aitbc-chain-node
fi
if [[ -n "${CHAINBENCH_BIN:-}" ]]; then
    bench=$CHAINBENCH_BIN
else
    bench_scratch=${BENCH_SCRATCH:-$PWD/.build-chainbench-bench}
    (cd Benchmarks && swift build -c release --product ChainBench --scratch-path "$bench_scratch" >&2)
    bench=$(cd Benchmarks && swift build -c release --scratch-path "$bench_scratch" --show-bin-path)/ChainBench
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-chain.XXXXXX")
pid=""
stop_node() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; fi
    pid=""
}
cleanup() {
    stop_node
    if [[ -z "${BENCH_KEEP:-}" ]]; then rm -rf "$work"; else echo "kept $work" >&2; fi
}
trap cleanup EXIT

# start_node DIR: a node on DIR/genesis.json, DIR/chain.db, DIR/authority.json; sets pid, port and
# startup_s (spawn → first answer of GET /rpc/head, polled every 20 ms).
start_node() {
    local dir=$1
    port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
    local t0
    t0=$(date +%s.%N)
    # Submission limits and the mempool bound raised so that they do not pace the benchmark:
    # the client is one address sending 10,000+ tx/s, and a backlog of a few blocks must fit.
    CHAIN_GENESIS="$dir/genesis.json" DB_PATH="$dir/chain.db" DATA_DIR="$dir" PROPOSER_KEY_FILE="$dir/authority.json" \
    RPC_BIND_HOST=127.0.0.1 RPC_BIND_PORT="$port" SENDTX_RATE_PER_SECOND=10000000 SENDTX_BURST=10000000 \
    MEMPOOL_MAX_TXS=${MEMPOOL_MAX_TXS:-200000} MEMPOOL_MAX_BYTES=${MEMPOOL_MAX_BYTES:-268435456} LOG_LEVEL=${CHAIN_LOG_LEVEL:-info} P2P_ENABLED=false \
        "$node" --env-file /dev/null >"$dir/node.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 3000); do
        curl -fs "http://127.0.0.1:$port/rpc/head" >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || { cat "$dir/node.log" >&2; exit 1; }
        sleep 0.02
    done
    curl -fs "http://127.0.0.1:$port/rpc/head" >/dev/null || { echo "node did not start" >&2; cat "$dir/node.log" >&2; exit 1; }
    startup_s=$(echo "$(date +%s.%N) - $t0" | bc)
}

node_summary() {
    # CPU by thread name (event loops, dispatch pool, SQLite queues): where the node's time went.
    echo "node CPU by thread: $(for t in /proc/"$pid"/task/*; do awk -v hz="$(getconf CLK_TCK)" -v name="$(cat "$t/comm")" '{printf "%s=%.2f\n", name, ($14+$15)/hz}' "$t/stat"; done | awk -F= '{a[$1]+=$2} END {for (k in a) printf "%s %.2f s; ", k, a[k]}')"
    echo "node CPU $(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f s user, %.2f s system", $14/hz, $15/hz}' "/proc/$pid/stat"), peak RSS $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status"), threads $(ls /proc/"$pid"/task | wc -l); load after $(cut -d' ' -f1-3 /proc/loadavg)"
}

header() {
    echo "## $1 ($(date -u +%FT%TZ), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo +), $(nproc) cores, load before $(cut -d' ' -f1-3 /proc/loadavg))"
}

status=0
if [[ $mode == all || $mode == throughput ]]; then
    dir=$work/throughput
    "$bench" setup --dir "$dir" --senders "$senders" --block-ms 1000 --max-block-txs 20000 >/dev/null
    start_node "$dir"
    header "Chain node: signed transfers, target 1"
    echo "$txs transfers, $senders senders, block_time_ms 1000, max_block_txs 20000; node started in ${startup_s} s"
    "$bench" load --port "$port" --dir "$dir" --txs "$txs" --connections "$connections" --pid "$pid" || status=$?
    node_summary
    stop_node
fi
if [[ $mode == all || $mode == interval ]]; then
    dir=$work/interval
    "$bench" setup --dir "$dir" --senders "$senders" --block-ms 1000 --max-block-txs 5000 >/dev/null
    start_node "$dir"
    header "Chain node: 1 s blocks of 5,000, target 2"
    echo "paced 5,500 tx/s for ${interval_seconds} s, $senders senders, block_time_ms 1000, max_block_txs 5000"
    "$bench" load --port "$port" --dir "$dir" --txs $((5500 * interval_seconds)) --connections "$connections" --rate 5500 --pid "$pid" || status=$?
    node_summary
    stop_node
fi
if [[ $mode == all || $mode == state ]]; then
    header "Chain node: state with 10k vs ${fillers} accounts, target 3 (in process)"
    "$bench" state --dir "$work/state" --sizes "10000,$fillers" --rounds "${STATE_ROUNDS:-30}" || status=$?
    rm -rf "$work/state"
    dir=$work/million
    built=$("$bench" setup --dir "$dir" --senders 100 --block-ms 1000 --max-block-txs 20000 --fillers "$fillers" | tail -1)
    start_node "$dir"
    header "Chain node: getBalance with ${fillers} filler accounts, target 3"
    echo "$built"
    echo "node start-up on it (spawn → first GET /rpc/head answer): ${startup_s} s; RSS after start $(awk '/VmRSS/ {print $2, $3}' "/proc/$pid/status")"
    "$bench" balances --port "$port" --fillers "$fillers" --requests "${BALANCE_REQUESTS:-50000}" --connections "${BALANCE_CONNECTIONS:-4}" --pid "$pid" || status=$?
    node_summary
    stop_node
fi
if [[ $mode == all || $mode == sync ]]; then
    header "Chain network: late-joiner sync in process (ChainBench sync)"
    "$bench" sync --dir "$work/sync" --blocks "${SYNC_BLOCKS:-1000}" --txs 100 --empty "${SYNC_EMPTY:-20000}" || status=$?
fi
if [[ $mode == all || $mode == subscribers ]]; then
    dir=$work/subscribers
    sub_rate=${SUB_RATE:-2000} sub_seconds=${SUB_SECONDS:-30}
    "$bench" setup --dir "$dir" --senders "$senders" --block-ms 1000 --max-block-txs 20000 >/dev/null
    start_node "$dir"
    header "Chain network: ${SUBSCRIBERS:-1000} WebSocket subscribers at 1 block/s and ${sub_rate} tx/s"
    # The load outlasts the subscribers' window (1,000 connects come first); the subscribers
    # start once it has signed its transfers and begins to send.
    "$bench" load --port "$port" --dir "$dir" --txs $((sub_rate * (sub_seconds + 20))) --connections "$connections" --rate "$sub_rate" \
        > "$dir/load.txt" 2>&1 &
    load_pid=$!
    for _ in $(seq 1 600); do grep -qs '^signed' "$dir/load.txt" && break; sleep 0.1; done
    ticks0=$(awk '{print $14 + $15}' "/proc/$pid/stat") t0=$(date +%s.%N)
    "$bench" subscribers --port "$port" --subscribers "${SUBSCRIBERS:-1000}" --seconds "$sub_seconds" --pid "$pid" || status=$?
    echo "node CPU while the subscribers ran (connect + window, from /proc): $(awk -v a="$ticks0" -v t0="$t0" -v t1="$(date +%s.%N)" -v hz="$(getconf CLK_TCK)" '{printf "%.2f s, %.0f %% of one core", ($14+$15-a)/hz, ($14+$15-a)/hz/(t1-t0)*100}' "/proc/$pid/stat")"
    wait "$load_pid" || { status=$?; cat "$dir/load.txt"; }
    grep -E '^\| (transfers sent|resent|included/s)|^OK|^PROBLEM' "$dir/load.txt" || true
    node_summary
    stop_node
fi
if [[ $mode == all || $mode == net ]]; then
    header "Chain network: ${NET_NODES:-3} nodes, ${NET_TOPOLOGY:-star}, ${NET_RATE:-2000} tx/s (ChainBench net)"
    "$bench" net --node-bin "$node" --dir "$work/net" --nodes "${NET_NODES:-3}" --topology "${NET_TOPOLOGY:-star}" \
        --rate "${NET_RATE:-2000}" --seconds "${NET_SECONDS:-30}" --senders "$senders" ${BENCH_KEEP:+--keep} || status=$?
fi
if [[ $mode == all || $mode == net || $mode == netsync ]]; then
    header "Chain network: late joiner over P2P (ChainBench netsync)"
    "$bench" netsync --node-bin "$node" --dir "$work/netsync" --blocks 1000 --txs 100 --empty "${NETSYNC_EMPTY:-20000}" ${BENCH_KEEP:+--keep} || status=$?
fi
exit "$status"

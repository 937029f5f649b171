#!/usr/bin/env bash
# Wallet daemon benchmarks (issue 15 "Numbers to reach"), recorded in docs/benchmarks.md.
# Builds the release aitbc-wallet-daemon (root package) and WalletBench + CBaselineWallet
# (Benchmarks package), then:
#   unlock  target 1: POST /v1/wallets/{id}/unlock through the daemon over loopback against raw
#           argon2id_hash_raw (libargon2) at the same parameters (ARGON_TIME 3, ARGON_MEMORY_MB 64,
#           ARGON_PARALLELISM 2), UNLOCK_ROUNDS rounds in one run, alternating which goes first
#   sign    target 2: POST /v1/wallets/{id}/sign without password on SIGN_WALLETS unlocked wallets
#           over SIGN_CONNECTIONS (64) keep-alive connections, SIGN_ROUNDS rounds of SIGN_REQUESTS,
#           each between two runs of raw crypto_sign_detached on every core; any non-200 fails
#   memory  target 3: VmRSS of the daemon after start, after creating MEMORY_WALLETS wallets,
#           during and after bursts of concurrent unlocks, after a sign load, after locking,
#           against 20 MB + the Argon2 memory of the running unlocks
# Each mode starts a fresh daemon (fresh keystore and ledger, 127.0.0.1, a free port,
# LEDGER=offline) from WalletBench and stops it by pid; the machine line (cores, load, `uptime`)
# is printed with every figure.
#
# Usage: scripts/bench-wallet.sh [all|unlock|sign|memory]   (default all; ≈ 2 min on 2 cores)
# Settings (environment): UNLOCK_ROUNDS (20), ARGON_TIME (3), ARGON_MEMORY_MB (64),
#   ARGON_PARALLELISM (2), SIGN_CONNECTIONS (64), SIGN_WALLETS (8), SIGN_REQUESTS (100000),
#   SIGN_ROUNDS (3), MEMORY_WALLETS (16), MEMORY_SIGN_REQUESTS (20000), BENCH_KEEP (keep the temp dir).
# Build folders: WALLET_SCRATCH (default <repo>/.build-walletbench), BENCH_SCRATCH (default
# <repo>/.build-walletbench-bench); WALLET_DAEMON_BIN / WALLETBENCH_BIN / CBASELINE_BIN run
# prebuilt binaries instead (an A/B of two daemon builds in one time window).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
case $mode in all | unlock | sign | memory) ;; *) echo "usage: $0 [all|unlock|sign|memory]" >&2; exit 64 ;; esac

if [[ -n "${WALLET_DAEMON_BIN:-}" ]]; then
    daemon=$WALLET_DAEMON_BIN
else
    scratch=${WALLET_SCRATCH:-$PWD/.build-walletbench}
    swift build -c release --static-swift-stdlib --product aitbc-wallet-daemon --scratch-path "$scratch" >&2
    daemon=$(swift build -c release --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)/aitbc-wallet-daemon
fi
if [[ -n "${WALLETBENCH_BIN:-}" && -n "${CBASELINE_BIN:-}" ]]; then
    bench=$WALLETBENCH_BIN baseline=$CBASELINE_BIN
else
    bench_scratch=${BENCH_SCRATCH:-$PWD/.build-walletbench-bench}
    for product in WalletBench CBaselineWallet; do
        (cd Benchmarks && swift build -c release --static-swift-stdlib --product "$product" --scratch-path "$bench_scratch" >&2)
    done
    bin=$(cd Benchmarks && swift build -c release --static-swift-stdlib --scratch-path "$bench_scratch" --show-bin-path)
    bench=$bin/WalletBench baseline=$bin/CBaselineWallet
fi
daemon=$(realpath "$daemon") bench=$(realpath "$bench") baseline=$(realpath "$baseline")

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-wallet.XXXXXX")
cleanup() { if [[ -z "${BENCH_KEEP:-}" ]]; then rm -rf "$work"; else echo "kept $work" >&2; fi; }
trap cleanup EXIT

header() {
    echo
    echo "## $1 ($(date -u +%FT%TZ), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo +), $(nproc) cores, load before $(cut -d' ' -f1-3 /proc/loadavg))"
    echo "daemon $daemon"
}

status=0
if [[ $mode == all || $mode == unlock ]]; then
    header "Wallet daemon: unlock against raw libargon2, target 1"
    "$bench" unlock --daemon-bin "$daemon" --baseline-bin "$baseline" --dir "$work/unlock" --rounds "${UNLOCK_ROUNDS:-20}" \
        --argon-time "${ARGON_TIME:-3}" --argon-memory-mb "${ARGON_MEMORY_MB:-64}" --argon-parallelism "${ARGON_PARALLELISM:-2}" || status=$?
fi
if [[ $mode == all || $mode == sign ]]; then
    header "Wallet daemon: signatures/s at ${SIGN_CONNECTIONS:-64} connections, target 2"
    "$bench" sign --daemon-bin "$daemon" --baseline-bin "$baseline" --dir "$work/sign" --connections "${SIGN_CONNECTIONS:-64}" \
        --wallets "${SIGN_WALLETS:-8}" --requests "${SIGN_REQUESTS:-100000}" --rounds "${SIGN_ROUNDS:-3}" || status=$?
fi
if [[ $mode == all || $mode == memory ]]; then
    header "Wallet daemon: resident memory, target 3"
    "$bench" memory --daemon-bin "$daemon" --dir "$work/memory" --wallets "${MEMORY_WALLETS:-16}" \
        --sign-requests "${MEMORY_SIGN_REQUESTS:-20000}" --argon-memory-mb "${ARGON_MEMORY_MB:-64}" || status=$?
fi
echo
echo "uptime at the end: $(uptime)"
exit "$status"

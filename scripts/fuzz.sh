#!/usr/bin/env bash
# libFuzzer targets, built straight with swiftc (-sanitize=fuzzer,address), run for a time box.
#   scripts/fuzz.sh http [seconds]   HTTP/1.1 request parser (Fuzz/HTTPParser over Sources/HTTP1)
#   scripts/fuzz.sh ws [seconds]     WebSocket frame decoder + message assembler + inflate
# Each mode is one function below; add new targets as their own function and case entry.
# Inputs found are kept in Fuzz/out/<mode>/corpus, crashes in Fuzz/artifacts/<mode>/ (both ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."

# Flags shared by every target: same language mode and upcoming features as Package.swift.
fuzz_swiftc_flags=(
    -sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6
    -enable-upcoming-feature ExistentialAny
    -enable-upcoming-feature MemberImportVisibility
    -enable-upcoming-feature InternalImportsByDefault
)

# Runs a built fuzzer over a scratch corpus seeded from the committed one.
run_fuzzer() {
    local binary=$1 seeds=$2 mode=$3 seconds=$4 max_len=${5:-70000}
    local corpus=Fuzz/out/$mode/corpus artifacts=Fuzz/artifacts/$mode
    mkdir -p "$corpus" "$artifacts"
    SWIFT_BACKTRACE=enable=no "$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
        -artifact_prefix="$artifacts/" -max_len="$max_len" "$corpus" "$seeds"
}

# HTTP: the request parser fed whole, in two pieces and byte by byte (Fuzz/HTTPParser/main.swift).
fuzz_http() {
    local seconds=$1 out=Fuzz/out/http
    mkdir -p "$out"
    swiftc "${fuzz_swiftc_flags[@]}" -module-name HTTPParserFuzz \
        Fuzz/HTTPParser/main.swift Sources/HTTP1/*.swift -o "$out/http-parser-fuzzer" 2>&1 \
        | grep -v "ld.gold: warning: Cannot export local symbol" || true
    test -x "$out/http-parser-fuzzer"
    run_fuzzer "$out/http-parser-fuzzer" Fuzz/HTTPParser/corpus http "$seconds" 4096
}

# WebSocket: Fuzz/WSFrame/main.swift compiled with every Sources/WebSocket file into one module
# (the target reaches internal types); CZlib comes from its module map plus -lz for inflate.
fuzz_ws() {
    local seconds=$1 out=Fuzz/out/ws
    mkdir -p "$out"
    swiftc "${fuzz_swiftc_flags[@]}" -module-name WSFrameFuzz -I Sources/CZlib -lz \
        Fuzz/WSFrame/main.swift Sources/WebSocket/*.swift -o "$out/ws-frame-fuzzer" 2>&1 \
        | grep -v "ld.gold: warning: Cannot export local symbol" || true
    test -x "$out/ws-frame-fuzzer"
    run_fuzzer "$out/ws-frame-fuzzer" Fuzz/WSFrame/corpus ws "$seconds"
}

mode=${1:-}
seconds=${2:-60}
case "$mode" in
    http) fuzz_http "$seconds" ;;
    ws) fuzz_ws "$seconds" ;;
    *)
        echo "usage: $0 http|ws [seconds]" >&2
        exit 2
        ;;
esac

#!/usr/bin/env bash
# Builds and runs a libFuzzer target: scripts/fuzz.sh <target> [seconds]
#   http   HTTP/1.1 request parser (Fuzz/HTTPParser, sources Sources/HTTP1)
# Crashes are written to .build/fuzz/<target>/artifacts; the corpus grows in a scratch copy.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:-}"
seconds="${2:-60}"

case "$target" in
http)
    sources=(Sources/HTTP1/*.swift Fuzz/HTTPParser/main.swift)
    corpus=Fuzz/HTTPParser/corpus
    ;;
*)
    echo "usage: $0 http [seconds]" >&2
    exit 2
    ;;
esac

out=".build/fuzz/$target"
mkdir -p "$out/artifacts" "$out/corpus"
cp -n "$corpus"/* "$out/corpus/" 2>/dev/null || true
# gold warns once per ASan helper symbol ("Cannot export local symbol"); harmless, so filtered.
swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    -module-name "Fuzz_$target" "${sources[@]}" -o "$out/fuzzer" \
    2> >(grep -v "Cannot export local symbol" >&2)
SWIFT_BACKTRACE=enable=no "$out/fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$out/corpus" "$corpus"

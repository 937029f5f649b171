#!/usr/bin/env bash
# Core micro-benchmarks: our wrappers vs the raw C loops, interleaved in one run on one machine.
#   Ed25519 sign/verify (512-byte message)   CoreBench ed25519  vs CBaselineSodium
#   SQLite single-row committed inserts       CoreBench sqlite   vs CBaselineSQLite
#   Receipt canonical JSON / parse / sign     CoreBench json     (absolute target)
# Every round runs each C baseline and its Swift counterpart back to back (order alternating per
# round), so both see the same background load; ratios are taken per round, then the median.
# Release build, own scratch path. Results: markdown table on stdout, raw samples on stderr.
# Usage: scripts/bench-core.sh [rounds=5]
#   env: BENCH_SCRATCH (default <repo>/.build-bench), ED_ITER (20000), ROWS (20000),
#        JSON_ITER (200000), TASKS (64), BENCH_DIR (directory for the database files, /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
rounds=${1:-5}
scratch=${BENCH_SCRATCH:-$root/.build-bench}
ed_iter=${ED_ITER:-20000}
rows=${ROWS:-20000}
json_iter=${JSON_ITER:-200000}
tasks=${TASKS:-64}
dir=${BENCH_DIR:-/tmp}

(cd Benchmarks && for product in CoreBench CBaselineSodium CBaselineSQLite; do
    swift build -c release --scratch-path "$scratch" --product "$product" >&2
done)
bin=$(cd Benchmarks && swift build -c release --scratch-path "$scratch" --show-bin-path)

samples=$(mktemp)      # "round name ops/s" by the wall clock
samples_cpu=$(mktemp)  # the same by process CPU time
trap 'rm -f "$samples" "$samples_cpu" "$dir"/aitbc-bench-c.db* "$dir"/aitbc-bench-swift.db*' EXIT

# Every benchmark line is "name wall cpu"; file both under the round number. "check" lines go
# to stderr only. A failing benchmark (a failed self-check exits non-zero) stops the script.
record() { # round command...
    local round=$1
    shift
    local output
    output=$("$@")
    while read -r name wall cpu; do
        if [ "$name" = check ]; then
            echo "  check $wall $cpu" >&2
        else
            echo "$round $name $wall" >> "$samples"
            echo "$round $name $cpu" >> "$samples_cpu"
            echo "  $name $wall (cpu: $cpu)" >&2
        fi
    done <<< "$output"
}

for round in $(seq "$rounds"); do
    echo "round $round/$rounds" >&2
    c_sodium=("$bin/CBaselineSodium" "$ed_iter")
    s_sodium=("$bin/CoreBench" ed25519 --iterations "$ed_iter")
    c_sqlite=("$bin/CBaselineSQLite" "$dir/aitbc-bench-c.db" "$rows")
    s_sqlite=("$bin/CoreBench" sqlite --rows "$rows" --tasks "$tasks" --db "$dir/aitbc-bench-swift.db")
    if [ $((round % 2)) -eq 1 ]; then
        record "$round" "${c_sodium[@]}"; record "$round" "${s_sodium[@]}"
        record "$round" "${c_sqlite[@]}"; record "$round" "${s_sqlite[@]}"
    else
        record "$round" "${s_sodium[@]}"; record "$round" "${c_sodium[@]}"
        record "$round" "${s_sqlite[@]}"; record "$round" "${c_sqlite[@]}"
    fi
    record "$round" "$bin/CoreBench" json --json-iterations "$json_iter" \
        --vector "$root/protocols/receipts/vectors/v01_coordinator_receipt.json"
done

batched="swift.sqlite.write_batched_${tasks}_tasks"
summarize() { # samples-file
# Per-round ratios (same round = same background load), added as pseudo-cells.
awk -v batched="$batched" '
    { v[$1, $2] = $3; r[$1] = 1 }
    END {
        for (k in r) {
            if (v[k, "c.ed25519.sign"]) print k, "ratio.ed25519.sign", v[k, "swift.ed25519.sign"] / v[k, "c.ed25519.sign"]
            if (v[k, "c.ed25519.verify"]) print k, "ratio.ed25519.verify", v[k, "swift.ed25519.verify"] / v[k, "c.ed25519.verify"]
            c = v[k, "c.sqlite.single_row_commit"]
            if (c) {
                print k, "ratio.sqlite.database_write", v[k, "swift.sqlite.database_write_single_row_commit"] / c
                print k, "ratio.sqlite.connection", v[k, "swift.sqlite.connection_single_row_commit"] / c
            }
            if (v[k, "c.sqlite.batch64_savepoint"]) print k, "ratio.sqlite.batch64_savepoint", v[k, "swift.sqlite.connection_batch64_savepoint"] / v[k, "c.sqlite.batch64_savepoint"]
            if (v[k, "c.sqlite.batch64_plain"]) print k, "ratio.sqlite.batch64_plain", v[k, "swift.sqlite.connection_batch64_plain"] / v[k, "c.sqlite.batch64_plain"]
            w = v[k, "swift.sqlite.database_write_single_row_commit"]
            if (w) print k, "ratio.sqlite.batched_over_write", v[k, batched] / w
        }
    }' "$1" >> "$1"

# name -> median, best, worst (values sorted per name), then the table.
sort -k2,2 -k3,3g "$1" | awk -v batched="$batched" -v rounds="$rounds" -v tasks="$tasks" '
    function flush() {
        if (n == 0) return
        med = (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
        median[name] = med; best[name] = x[n]; worst[name] = x[1]; count[name] = n
        names[++m] = name
        n = 0
    }
    $2 != name { flush(); name = $2 }
    { x[++n] = $3 }
    function fmt(name, ratio) {
        if (ratio) return sprintf("%.3f | %.3f | %.3f", median[name], worst[name], best[name])
        return sprintf("%.0f | %.0f | %.0f", median[name], worst[name], best[name])
    }
    function row(label, name, unit, target, ok) {
        if (!(name in median)) return
        printf "| %s | %s | %s | %s | %s |\n", label, unit, fmt(name, unit == "ratio"), target, (ok == "" ? "" : (ok ? "yes" : "**no**"))
    }
    END {
        flush()
        print "| cell | unit | median | worst | best | target | met (median) |"
        print "|---|---|---|---|---|---|---|"
        row("Ed25519 sign, C libsodium", "c.ed25519.sign", "ops/s", "", "")
        row("Ed25519 sign, `Ed25519.PrivateKey.signature(for:)`", "swift.ed25519.sign", "ops/s", "", "")
        row("  sign: wrapper / C (per round)", "ratio.ed25519.sign", "ratio", ">= 0.90", median["ratio.ed25519.sign"] >= 0.9)
        row("Ed25519 verify, C libsodium", "c.ed25519.verify", "ops/s", "", "")
        row("Ed25519 verify, `PublicKey.isValidSignature`", "swift.ed25519.verify", "ops/s", "", "")
        row("  verify: wrapper / C (per round)", "ratio.ed25519.verify", "ratio", ">= 0.90", median["ratio.ed25519.verify"] >= 0.9)
        row("Receipt canonical bytes (parsed v01 payload)", "swift.receipt.canonicalize", "ops/s", ">= 200000", median["swift.receipt.canonicalize"] >= 200000)
        row("Receipt parse + canonicalize (wire text)", "swift.receipt.parse_canonicalize", "ops/s", "", "")
        row("Receipt sign (`ReceiptSigner.sign`)", "swift.receipt.sign", "ops/s", "", "")
        row("Receipt sign + serialize to wire bytes", "swift.receipt.sign_serialize", "ops/s", "", "")
        row("Receipt verify (`ReceiptVerifier.verify`)", "swift.receipt.verify", "ops/s", "", "")
        row("SQLite single-row commit, C", "c.sqlite.single_row_commit", "rows/s", "", "")
        row("SQLite single-row commit, `Connection.transaction` (no async hop)", "swift.sqlite.connection_single_row_commit", "rows/s", "", "")
        row("SQLite single-row commit, `Database.write`", "swift.sqlite.database_write_single_row_commit", "rows/s", "", "")
        row("  empty `writeWithoutTransaction` round trip (the async hop alone)", "swift.sqlite.database_empty_roundtrip", "ops/s", "", "")
        row("  `Connection` / C, single row (per round)", "ratio.sqlite.connection", "ratio", "", "")
        row("  `Database.write` / C (per round)", "ratio.sqlite.database_write", "ratio", ">= 0.80", median["ratio.sqlite.database_write"] >= 0.8)
        row("SQLite `writeBatched`, " tasks " concurrent tasks", batched, "rows/s", "", "")
        row("  `writeBatched` / `Database.write` (per round)", "ratio.sqlite.batched_over_write", "ratio", ">= 10", median["ratio.sqlite.batched_over_write"] >= 10)
        row("Decomposition: 64-row transactions, SAVEPOINT per row, C", "c.sqlite.batch64_savepoint", "rows/s", "", "")
        row("  same through `Connection` (`transaction` + `savepoint` + `execute`)", "swift.sqlite.connection_batch64_savepoint", "rows/s", "", "")
        row("  same with held `Statement`s for SAVEPOINT/INSERT/RELEASE", "swift.sqlite.connection_batch64_savepoint_prepared", "rows/s", "", "")
        row("  `Connection` savepoint loop / C (per round)", "ratio.sqlite.batch64_savepoint", "ratio", "", "")
        row("Decomposition: 64-row transactions, no savepoints, C", "c.sqlite.batch64_plain", "rows/s", "", "")
        row("  same through `Connection.execute` (statement cache)", "swift.sqlite.connection_batch64_plain", "rows/s", "", "")
        row("  same through a held `Statement` (no cache lookup)", "swift.sqlite.connection_batch64_plain_prepared", "rows/s", "", "")
        row("  `Connection.execute` / C (per round)", "ratio.sqlite.batch64_plain", "ratio", "", "")
        printf "\n%d rounds; median/worst/best over rounds; ratios are computed within each round, then summarized.\n", rounds
    }'
}

echo "### Throughput by the wall clock"
echo
summarize "$samples"
echo
echo "### Throughput by process CPU time (less sensitive to other load on the cores)"
echo
summarize "$samples_cpu"

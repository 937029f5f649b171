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
# 4. The chain (scripts/chain-walkthrough.sh): an aitbc-chain-node whose genesis pins the
#    coordinator's key, a coordinator and a miner with chain.url; the miner claims its
#    receipt by itself and it mints AIT to its payout address, once.
# Each step is announced in one line (==>); the end says where the binaries, data and logs
# are and what to try next. Files stay under DEMO_DIR (default ./data/demo, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }
indent() { sed 's/^/    /'; }

if ! command -v swift > /dev/null; then
    echo "error: swift is not on PATH; with Swift at /opt/swift: export PATH=/opt/swift/usr/bin:\$PATH (README.md)" >&2
    exit 1
fi
say "Building every product in release mode (swift build -c release --static-swift-stdlib; minutes the first time)"
build_log=$(mktemp)
if ! swift build -c release --static-swift-stdlib > "$build_log" 2>&1; then
    cat "$build_log" >&2; rm -f "$build_log"; exit 1
fi
tail -n 1 "$build_log"; rm -f "$build_log"
bin_dir=$(swift build -c release --static-swift-stdlib --show-bin-path)
# The same folder by the short name the docs use (.build/release links to the platform folder).
if [[ -d .build/release && "$(cd .build/release && pwd -P)" == "$(cd "$bin_dir" && pwd -P)" ]]; then bin_dir=$PWD/.build/release; fi
bin=$bin_dir/aitbc
work=${DEMO_DIR:-./data/demo}
# Emptied for a fresh run only when a previous run made it (its marker is there): DEMO_DIR
# naming any other non-empty folder is refused, never deleted.
# (A folder of an older demo, without the marker, is known by its key and receipt files.)
if [[ -d "$work" && -n "$(ls -A "$work")" && ! -e "$work/.aitbc-demo" \
    && ! ( -e "$work/coordinator.key.json" && -e "$work/receipt.signed.json" ) ]]; then
    echo "error: DEMO_DIR $work is not empty and was not made by scripts/demo.sh; choose another folder" >&2
    exit 1
fi
# The previous run's miner folder (under the system temporary folder, named in $work) goes too.
if [[ -f "$work/.aitbc-demo-miner-dir" ]]; then
    previous=$(cat "$work/.aitbc-demo-miner-dir")
    if [[ "$(basename "$previous")" == aitbc-demo-miner.* && -d "$previous" ]]; then rm -rf "$previous"; fi
fi
rm -rf "$work"
mkdir -p "$work"
touch "$work/.aitbc-demo"

say "1/4 Receipts: a coordinator key (mode 0600), a receipt signed with it, checked against the pinned public key"
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

say "2/4 Coordinator: aitbc-coordinator on a free loopback port; a job submitted, run by curl acting as a miner, its receipt verified"
BIN_DIR=$bin_dir TMPDIR="$work" KEEP_WORK=1 scripts/coordinator-walkthrough.sh 2>&1 | indent

say "3/4 Miner: a coordinator and a real aitbc-miner run a sha256 job and a sandboxed CLI job; both receipts verify; SIGTERM drains the miner"
# Its folder goes under the system temporary directory: the miner's job users must pass through
# every folder above the jobs, and ./data may well be private (docs/coordinator.md makes it 0700).
miner_tmp=$(mktemp -d "${TMPDIR:-/tmp}/aitbc-demo-miner.XXXXXX")
chmod 711 "$miner_tmp"
printf '%s\n' "$miner_tmp" > "$work/.aitbc-demo-miner-dir"   # removed by the next run
BIN_DIR=$bin_dir TMPDIR="$miner_tmp" KEEP_WORK=1 scripts/miner-walkthrough.sh 2>&1 | indent

say "4/4 Chain: an aitbc-chain-node pinning the coordinator's key; the miner claims its receipt by itself and it mints AIT, once"
BIN_DIR=$bin_dir TMPDIR="$miner_tmp" KEEP_WORK=1 scripts/chain-walkthrough.sh 2>&1 | indent

abs_work=$(cd "$work" && pwd)
coordinator_run=$(ls -d "$abs_work"/coordinator-walkthrough.* | head -n 1)
miner_run=$(ls -d "$miner_tmp"/miner-walkthrough.* | head -n 1)
chain_run=$(ls -d "$miner_tmp"/chain-walkthrough.* | head -n 1)
say "Done: everything above ran on 127.0.0.1 and has stopped."
cat <<SUMMARY
Binaries:  $bin_dir/aitbc, aitbc-coordinator, aitbc-miner, aitbc-chain-node
Data:      $abs_work  (coordinator.key.json, receipt.signed.json from step 1)
Logs:      $coordinator_run/coordinator.log
           $miner_run/coordinator.log, miner.log
           $chain_run/chain.log, coordinator.log, miner.log

Try next:
  $bin_dir/aitbc receipt verify $abs_work/receipt.signed.json --key-hex $pub
  $bin_dir/aitbc-miner probe               # what this host would advertise as a miner (docs/miner.md)
  $bin_dir/aitbc-coordinator --help        # then run your own: docs/coordinator.md, "Running it"
  $bin_dir/aitbc-chain-node --help         # a chain of your own: docs/chain-node.md
SUMMARY

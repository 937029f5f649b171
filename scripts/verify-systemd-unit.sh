#!/usr/bin/env bash
# Runs `systemd-analyze verify` on configs/systemd/aitbc-coordinator.service. The unit's
# ExecStart names the installed path (/opt/aitbc/bin), so the check runs on a temporary copy
# pointing at the built binary. Skips (exit 0, with a message) where systemd-analyze is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null; then
    echo "skip: systemd-analyze not installed; unit not verified" >&2
    exit 0
fi
bin=$(cd "$(swift build --show-bin-path)" && pwd)/aitbc-coordinator
[[ -x "$bin" ]] || swift build --product aitbc-coordinator >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s#/opt/aitbc/bin/aitbc-coordinator#$bin#" configs/systemd/aitbc-coordinator.service > "$tmp/aitbc-coordinator.service"
out=$(systemd-analyze verify "$tmp/aitbc-coordinator.service" 2>&1) || { echo "$out" >&2; exit 1; }
# verify exits 0 on some warnings; treat any line about our unit as a failure.
if grep -q "aitbc-coordinator.service" <<<"$out"; then echo "$out" >&2; exit 1; fi
echo "systemd-analyze verify: configs/systemd/aitbc-coordinator.service OK"
# Exposure score (spec/ops.md §3: target ≤ 3.0), where this systemd can score unit files offline.
if security=$(systemd-analyze security --offline=true "$tmp/aitbc-coordinator.service" 2>/dev/null); then
    level=$(sed -n 's/.*Overall exposure level for aitbc-coordinator.service: \([0-9.]*\).*/\1/p' <<<"$security")
    if [[ -n "$level" ]]; then
        python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= 3.0 else 1)' "$level" \
            || { echo "error: exposure $level above 3.0" >&2; exit 1; }
        echo "systemd-analyze security: exposure $level (target <= 3.0)"
    fi
fi

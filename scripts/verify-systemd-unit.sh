#!/usr/bin/env bash
# Runs `systemd-analyze verify` on every unit in configs/systemd/ and, where this systemd can
# score unit files offline, checks its exposure against spec/ops.md §3 (coordinator and chain node ≤ 3.0,
# miner ≤ 4.5). ExecStart names the installed path (/opt/aitbc/bin), so the checks run on a
# temporary copy pointing at the built binary. Skips (exit 0, with a message) where
# systemd-analyze is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null; then
    echo "skip: systemd-analyze not installed; units not verified" >&2
    exit 0
fi
bindir=$(swift build --show-bin-path)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for unit in configs/systemd/*.service; do
    name=$(basename "$unit" .service)
    case "$name" in
        aitbc-miner) target=4.5 ;;
        *) target=3.0 ;;
    esac
    [[ -x "$bindir/$name" ]] || swift build --product "$name" >/dev/null
    bin=$(cd "$bindir" && pwd)/$name
    sed "s#/opt/aitbc/bin/$name#$bin#" "$unit" > "$tmp/$name.service"
    out=$(systemd-analyze verify "$tmp/$name.service" 2>&1) || { echo "$out" >&2; exit 1; }
    # verify exits 0 on some warnings; treat any line about our unit as a failure.
    if grep -q "$name.service" <<<"$out"; then echo "$out" >&2; exit 1; fi
    echo "systemd-analyze verify: $unit OK"
    if security=$(systemd-analyze security --offline=true "$tmp/$name.service" 2>/dev/null); then
        level=$(sed -n "s/.*Overall exposure level for $name.service: \([0-9.]*\).*/\1/p" <<<"$security")
        if [[ -n "$level" ]]; then
            python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)' "$level" "$target" \
                || { echo "error: $name exposure $level above $target" >&2; exit 1; }
            echo "systemd-analyze security: $name exposure $level (target <= $target)"
        fi
    fi
done

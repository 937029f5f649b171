#!/usr/bin/env bash
# Runs every test: build with our warnings treated as errors, then `swift test`.
# Integration tests that need outside clients (curl, python websockets) find them on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build --build-tests 2>&1 | tee "$log"
# Swift 6 mode, no warnings: fail on any warning in our own sources or tests.
if grep -E "^/.*/(Sources|Tests)/.*: warning:" "$log" | grep -v "/.build" ; then
    echo "error: compiler warnings in project sources (listed above)" >&2
    exit 1
fi
if [[ $# -gt 0 ]]; then
    swift test --skip-build "$@" 2>&1 | tee "$log"
    count=$(grep -Eo "Test run with [0-9]+ tests?" "$log" | tail -1 | grep -Eo "[0-9]+" || true)
else
    # Fault tests that drive a real daemon hard (a chain node SIGKILLed while blocks commit)
    # run on their own after the rest: beside ~1,200 parallel tests on two cores they took the
    # CPU the in-process servers of other suites need, and those suites' waits timed out.
    # WebSocketRPCStallTests publishes 1,000 messages a second for 10 s to a stalled subscriber;
    # the network tests spawn several nodes each: one test at a time. (The in-process P2P suites
    # ran apart too while a full run could stall; the cause — work handed to an event loop after
    # its server stopped was never run — is fixed, see EventLoop.execute, and they run with the rest.)
    isolated="ChainCrashTests|WebSocketRPCStallTests|ChainNetworkProcessTests"
    # swift-testing starts every test at once by default; on two cores ~1,500 of them queued on
    # the cooperative pool, so an awaiting test resumed tens of seconds late and in-process servers
    # answered late (CI stop 24: a handler starved for 20 s). Eight at a time took 74 s against 90 s
    # unbounded here, with no such failures (a run may set its own width).
    export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-8}
    swift test --skip-build --skip "$isolated" 2>&1 | tee "$log"
    first=$(grep -Eo "Test run with [0-9]+ tests?" "$log" | tail -1 | grep -Eo "[0-9]+" || true)
    swift test --skip-build --no-parallel --filter "$isolated" 2>&1 | tee "$log"
    second=$(grep -Eo "Test run with [0-9]+ tests?" "$log" | tail -1 | grep -Eo "[0-9]+" || true)
    count=$(( ${first:-0} + ${second:-0} ))
fi
# One plain summary line (the Swift Testing total; XCTest reports its own zero separately).
echo "tests: ${count:-0} passed, 0 failed"

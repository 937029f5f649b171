#!/usr/bin/env python3
"""Spec wallet-daemon §15.10 (issue 15): an unknown wallet and a wrong password answer alike,
in status, body and time. Creates 20 wallets on a running daemon, then interleaves 20 wrong-
password unlocks of existing wallets with 20 unlocks of unknown ids and prints both medians, their
ratio (goal: within 20 %) and the distinct (status, body) pairs seen (goal: one). Loopback only;
bounded (60 requests). Usage: wallet-unlock-timing.py PORT [PREFIX]"""
import http.client
import json
import statistics
import sys
import time

port = int(sys.argv[1])
prefix = sys.argv[2] if len(sys.argv) > 2 else "timing"


def request(method, path, body):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request(method, path, json.dumps(body), {"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, payload, elapsed


for index in range(20):
    status, _, _ = request("POST", "/v1/wallets", {"wallet_id": f"{prefix}{index}", "password": "Correct-horse-9!"})
    if status != 201:
        sys.exit(f"create {prefix}{index}: HTTP {status}")
known, unknown, answers = [], [], set()
for index in range(20):
    for wallet, times in ((f"{prefix}{index}", known), (f"{prefix}-ghost{index}", unknown)):
        status, payload, elapsed = request("POST", f"/v1/wallets/{wallet}/unlock", {"password": "Wrong-horse-9!"})
        times.append(elapsed)
        answers.add((status, payload))
ratio = statistics.median(unknown) / statistics.median(known)
print(f"wrong password median {statistics.median(known) * 1000:.1f} ms, unknown wallet median "
      f"{statistics.median(unknown) * 1000:.1f} ms, ratio {ratio:.3f} (goal 0.8–1.2); answers: {sorted(answers)}")
sys.exit(0 if 0.8 <= ratio <= 1.2 and len(answers) == 1 else 1)

#!/usr/bin/env python3
"""Connection-scale checks against a running server on 127.0.0.1 (bounded, stops by itself).

1. idle RSS of the server after a few requests;
2. N keep-alive connections, each served one GET /hello, then held idle: RSS growth;
3. all closed: open fd count back to its baseline;
4. N connections opened and dropped (half of them mid-request): fd count back to baseline.

Usage: connections.py PID PORT [N=10000]
"""
import asyncio, os, sys, time

pid, port = int(sys.argv[1]), int(sys.argv[2])
count = int(sys.argv[3]) if len(sys.argv) > 3 else 10000


def rss_kib():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def fds():
    return len(os.listdir(f"/proc/{pid}/fd"))


async def one_request(keep):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /hello HTTP/1.1\r\nHost: bench\r\n\r\n")
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head[:40]
    await reader.readexactly(5)
    if keep:
        return reader, writer
    writer.close()
    return None


async def settle(target, limit=10.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if fds() <= target:
            return True
        await asyncio.sleep(0.1)
    return fds() <= target


async def main():
    for _ in range(20):
        await one_request(False)
    await asyncio.sleep(0.5)
    base_rss, base_fds = rss_kib(), fds()
    print(f"idle RSS after warm-up: {base_rss / 1024:.1f} MiB, open fds: {base_fds}")

    held = []
    sem = asyncio.Semaphore(500)

    async def open_one():
        async with sem:
            held.append(await one_request(True))

    t0 = time.monotonic()
    await asyncio.gather(*(open_one() for _ in range(count)))
    await asyncio.sleep(1.0)
    peak_rss, peak_fds = rss_kib(), fds()
    print(f"{count} idle keep-alive connections (opened in {time.monotonic() - t0:.1f}s): "
          f"RSS {peak_rss / 1024:.1f} MiB (+{(peak_rss - base_rss) / 1024:.1f} MiB), open fds {peak_fds}")
    for reader, writer in held:
        writer.close()
    held.clear()
    ok = await settle(base_fds)
    print(f"after closing them: open fds {fds()} (baseline {base_fds}) -> {'ok' if ok else 'LEAK'}")

    async def drop_one(i):
        async with sem:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            if i % 2:
                writer.write(b"GET /hello HTTP/1.1\r\nHo")  # abandoned mid-request
                await writer.drain()
            writer.close()

    t0 = time.monotonic()
    await asyncio.gather(*(drop_one(i) for i in range(count)))
    ok2 = await settle(base_fds, 15.0)
    print(f"{count} connections opened and dropped in {time.monotonic() - t0:.1f}s: open fds {fds()} "
          f"(baseline {base_fds}) -> {'ok' if ok2 else 'LEAK'}; RSS {rss_kib() / 1024:.1f} MiB")
    return 0 if ok and ok2 else 1


sys.exit(asyncio.run(asyncio.wait_for(main(), 300)))

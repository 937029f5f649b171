import BenchSupport
import Foundation
import HTTPClient
import Synchronization
import WireModels

/// `memory`, issue 15 target 3: resident memory of the release daemon (VmRSS from
/// /proc/PID/status) at each stage of a life — after start, after the first requests, after
/// creating N wallets, during and after bursts of N concurrent unlocks, after a sign load at 64
/// connections, after locking — printed against the bound "20 MB plus the Argon2 memory of the
/// unlocks running": 20 MB (20,000,000 bytes = 19,531 KiB) when no unlock runs, and 20 MB +
/// `MAX_CONCURRENT_UNLOCKS` × m for the peak of a burst, since the KDF gate lets that many
/// Argon2 runs hold their memory at once. RssAnon, RssFile (mapped library pages, shared with
/// every other process using them), Pss and the private pages (USS: Private_Clean +
/// Private_Dirty) are printed beside it. The daemon runs with
/// `RATE_LIMIT_REQUESTS=0` so that the sign load at 64 connections is not refused.
enum MemoryBench {
    static let idleBoundKiB = 20_000_000 / 1_024

    static func run(_ options: Options) async {
        let wallets = options.int("wallets", default: 16)
        let maxUnlocks = options.int("max-unlocks", default: 2)
        let memoryMiB = options.int("argon-memory-mb", default: 64)
        let signRequests = options.int("sign-requests", default: 20_000)
        let settle = Double(options.int("settle-ms", default: 1_000)) / 1_000
        guard wallets > 0 else { Bench.fail("--wallets must be positive") }
        let daemon = await DaemonProcess.start(
            binary: options.required("daemon-bin"), directory: options.required("dir"),
            settings: ["MAX_CONCURRENT_UNLOCKS": String(maxUnlocks), "ARGON_MEMORY_MB": String(memoryMiB), "RATE_LIMIT_REQUESTS": "0"])
        let api = WalletAPI(base: daemon.base, connections: max(wallets, 64))
        let peakBoundKiB = idleBoundKiB + maxUnlocks * memoryMiB * 1_024
        var failures: [String] = []
        print("daemon pid \(daemon.pid); Argon2id t=3, m=\(memoryMiB) MiB, p=2, MAX_CONCURRENT_UNLOCKS=\(maxUnlocks), RATE_LIMIT_REQUESTS=0 (the sign load would hit the limit; the limiter holds at most 30 timestamps per key otherwise); \(wallets) raw wallets; each figure read \(Stats.format(settle, 1)) s after its stage ended")
        print("")
        print("| stage | VmRSS | bound | RssAnon | RssFile | Pss | private (USS) | threads | load |")
        print("|---|---|---|---|---|---|---|---|---|")
        func row(_ stage: String, rss: Int? = nil, bound: Int = idleBoundKiB) {
            let value = rss ?? daemon.rssKiB ?? 0
            let verdict = value <= bound ? "≤" : "**>**"
            if value > bound { failures.append("\(stage): \(Stats.kib(value)) > \(Stats.kib(bound))") }
            print("| \(stage) | **\(Stats.kib(value))** | \(verdict) \(Stats.kib(bound)) | \(Stats.kib(Bench.statusKiB(pid: daemon.pid, "RssAnon") ?? 0)) | \(Stats.kib(Bench.statusKiB(pid: daemon.pid, "RssFile") ?? 0)) | \(Stats.kib(rollup(daemon.pid, "Pss"))) | \(Stats.kib(rollup(daemon.pid, "Private_Clean") + rollup(daemon.pid, "Private_Dirty"))) | \(Bench.threadCount(pid: daemon.pid)) | \(Bench.loadAverage()) |")
        }
        func pause() async { try? await Task.sleep(for: .seconds(settle)) }

        await pause()
        row("after start")
        let mappedAtStart = mappings(daemon.pid)
        _ = await api.get("/healthz")
        _ = await api.get("/v1/wallets")
        _ = await api.get("/metrics")
        await pause()
        row("after the first requests (health, list, metrics)")
        let ids = (0..<wallets).map(WalletAPI.walletID)
        for id in ids { _ = await api.create(id) }
        await pause()
        row("after creating \(wallets) wallets (one Argon2 run each, one at a time)")
        for burst in 1...2 {
            let peak = await burstPeak(daemon, api, ids)
            row("peak during burst \(burst): \(wallets) unlocks at once (≤ \(maxUnlocks) Argon2 runs)", rss: peak, bound: peakBoundKiB)
            await pause()
            row("after burst \(burst)")
        }
        let signStarted = Bench.now()
        await signLoad(api, ids, total: signRequests, connections: 64)
        let signSeconds = Bench.now() - signStarted
        await pause()
        row("after \(Stats.grouped(Double(signRequests))) signatures at 64 connections (\(Stats.grouped(Double(signRequests) / signSeconds))/s), connections open")
        await api.http.shutdown()
        await pause()
        row("after the client closed its connections")
        let closer = WalletAPI(base: daemon.base, connections: 1)
        for id in ids { await closer.lock(id) }
        await closer.http.shutdown()
        await pause()
        row("after locking every wallet")
        let peakKiB = Bench.statusKiB(pid: daemon.pid, "VmHWM") ?? 0
        print("")
        print("resident pages by mapping after start (/proc/PID/smaps, ≥ 256 KiB): \(mappedAtStart)")
        print("resident pages by mapping at the end: \(mappings(daemon.pid))")
        print("VmHWM (peak over the whole run) \(Stats.kib(peakKiB)) against \(Stats.kib(peakBoundKiB)) (20 MB + \(maxUnlocks) × \(memoryMiB) MiB); \(Bench.loadNote()); uptime: \(Bench.uptime())")
        await daemon.stop()
        if failures.isEmpty {
            print("target met: every figure within its bound")
        } else {
            for failure in failures { print("NOT MET: \(failure)") }
        }
    }

    /// N unlocks sent at once; VmRSS sampled every 2 ms until all have answered: the peak.
    static func burstPeak(_ daemon: DaemonProcess, _ api: WalletAPI, _ ids: [String]) async -> Int {
        let done = Atomic<Bool>(false)
        let pid = daemon.pid
        let sampler = Task.detached { () -> Int in
            var peak = 0
            while !done.load(ordering: .relaxed) {
                peak = max(peak, Bench.statusKiB(pid: pid, "VmRSS") ?? 0)
                try? await Task.sleep(for: .milliseconds(2))
            }
            return max(peak, Bench.statusKiB(pid: pid, "VmRSS") ?? 0)
        }
        await withTaskGroup(of: Void.self) { group in
            for id in ids { group.addTask { _ = await api.unlock(id) } }
        }
        done.store(true, ordering: .relaxed)
        return await sampler.value
    }

    /// `total` signatures without password over `connections` connections, all must answer 200.
    static func signLoad(_ api: WalletAPI, _ ids: [String], total: Int, connections: Int) async {
        let body = WalletAPI.body(WalletSignRequest(messageBase64: Data(repeating: 7, count: 32).base64EncodedString()))
        await withTaskGroup(of: Void.self) { group in
            for c in 0..<connections {
                let request = WalletAPI.post(api.base + "/v1/wallets/\(ids[c % ids.count])/sign", body)
                group.addTask {
                    for _ in 0..<(total / connections) { _ = await api.send(request, expecting: 200, what: "sign") }
                }
            }
        }
    }

    /// Rss per mapped file (anonymous mappings as "[anon]"), largest first.
    static func mappings(_ pid: Int32) -> String {
        guard let text = Bench.readProcFile("/proc/\(pid)/smaps") else { return "unreadable" }
        var name = "[anon]"
        var rss: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: \.isWhitespace)
            if let first = fields.first, first.contains("-"), first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                name = fields.count >= 6 ? String(fields[5].split(separator: "/").last ?? fields[5]) : "[anon]"
            } else if fields.first == "Rss:", fields.count >= 2, let value = Int(fields[1]) {
                rss[name, default: 0] += value
            }
        }
        return rss.filter { $0.value >= 256 }.sorted { $0.value > $1.value }.map { "\($0.key) \(Stats.grouped(Double($0.value))) KiB" }.joined(separator: ", ")
    }

    /// A field of /proc/PID/smaps_rollup (`Pss`, `Private_Clean`, `Private_Dirty`), KiB.
    static func rollup(_ pid: Int32, _ field: String) -> Int {
        guard let text = Bench.readProcFile("/proc/\(pid)/smaps_rollup") else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: \.isWhitespace).first ?? "") ?? 0
        }
        return 0
    }
}

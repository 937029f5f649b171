import BenchSupport
import Foundation

/// `unlock`, issue 15 target 1: `POST /v1/wallets/{id}/unlock` on the real release daemon over
/// loopback against raw `argon2id_hash_raw` (libargon2, the library the daemon links) at the
/// same parameters, interleaved in one run: each round runs one of each, alternating which goes
/// first, so both see the same background load. The raw figure is the C call alone; the unlock
/// figure is the client's wall clock from sending the request to the complete answer (HTTP,
/// JSON, keystore file read, KDF gate, Argon2id, XChaCha20-Poly1305, the public-key check, the
/// ledger event, the keyring). CPU per call (daemon and C process, from /proc) is printed too:
/// it is what other load on the shared cores changes least.
///
/// The daemon keeps its default rate limit (30 unlocks per 60 s per wallet), so the rounds
/// rotate over `--wallets` wallets.
enum UnlockBench {
    static func run(_ options: Options) async {
        let daemonBinary = options.required("daemon-bin")
        let baselineBinary = options.required("baseline-bin")
        let directory = options.required("dir")
        let rounds = options.int("rounds", default: 20)
        let time = options.int("argon-time", default: 3)
        let memoryMiB = options.int("argon-memory-mb", default: 64)
        let parallelism = options.int("argon-parallelism", default: 2)
        let wallets = max(options.int("wallets", default: 4), (rounds + 2) / 25 + 1)
        guard rounds > 0 else { Bench.fail("--rounds must be positive") }

        let daemon = await DaemonProcess.start(
            binary: daemonBinary, directory: directory,
            settings: ["ARGON_TIME": String(time), "ARGON_MEMORY_MB": String(memoryMiB), "ARGON_PARALLELISM": String(parallelism)])
        let api = WalletAPI(base: daemon.base, connections: 2)
        let ids = (0..<wallets).map(WalletAPI.walletID)
        for id in ids { _ = await api.create(id) }
        let argon2 = Baselines.Argon2(
            binary: baselineBinary, iterations: time, memoryKiB: memoryMiB * 1_024, parallelism: parallelism,
            passwordLength: WalletAPI.password.utf8.count)
        print("Argon2id t=\(time), m=\(memoryMiB) MiB (\(memoryMiB * 1_024) KiB), p=\(parallelism), 32-byte output, 16-byte salt, \(WalletAPI.password.utf8.count)-byte password; \(rounds) rounds after 2 warm-up rounds, \(wallets) raw wallets; daemon pid \(daemon.pid), baseline pid \(argon2.pid)")
        print("")
        for _ in 0..<2 {
            _ = await argon2.hash()
            _ = await api.unlock(ids[0])
        }

        var raw: [Double] = []
        var unlock: [Double] = []
        var rawCPU = 0.0
        var daemonCPU = 0.0
        print("| round | first | raw argon2id_hash_raw | POST …/unlock | unlock ÷ raw | load |")
        print("|---|---|---|---|---|---|")
        for round in 0..<rounds {
            let id = ids[round % wallets]
            var rawSeconds = 0.0
            var unlockSeconds = 0.0
            for step in (round % 2 == 0 ? ["raw", "unlock"] : ["unlock", "raw"]) {
                if step == "raw" {
                    let before = Bench.cpuSeconds(pid: argon2.pid) ?? 0
                    rawSeconds = await argon2.hash()
                    rawCPU += (Bench.cpuSeconds(pid: argon2.pid) ?? 0) - before
                } else {
                    let before = daemon.cpuSeconds ?? 0
                    unlockSeconds = await api.unlock(id)
                    daemonCPU += (daemon.cpuSeconds ?? 0) - before
                }
            }
            raw.append(rawSeconds)
            unlock.append(unlockSeconds)
            print("| \(round + 1) | \(round % 2 == 0 ? "raw" : "unlock") | \(ms(rawSeconds)) | \(ms(unlockSeconds)) | \(Stats.format(unlockSeconds / rawSeconds, 3)) | \(Bench.loadAverage()) |")
        }
        argon2.stop()
        let rawMedian = Stats.median(raw)
        let unlockMedian = Stats.median(unlock)
        let pairedMedian = Stats.median(zip(unlock, raw).map { $0 / $1 })
        let ratio = unlockMedian / rawMedian
        print("")
        print("| Argon2id t=\(time), \(memoryMiB) MiB, p=\(parallelism) | p10 | median | p90 | min | max |")
        print("|---|---|---|---|---|---|")
        for (name, values) in [("raw argon2id_hash_raw (C)", raw), ("POST /v1/wallets/{id}/unlock (daemon, loopback)", unlock)] {
            let sorted = values.sorted()
            print("| \(name) | \(ms(Stats.quantile(sorted, 0.1))) | **\(ms(Stats.quantile(sorted, 0.5)))** | \(ms(Stats.quantile(sorted, 0.9))) | \(ms(sorted.first ?? .nan)) | \(ms(sorted.last ?? .nan)) |")
        }
        print("")
        print("CPU per call (from /proc, 10 ms ticks, summed over the rounds): raw \(ms(rawCPU / Double(rounds))), daemon per unlock \(ms(daemonCPU / Double(rounds))), ratio \(Stats.format(daemonCPU / max(rawCPU, 1e-9), 3))")
        print("unlock ÷ raw: ratio of the medians **\(Stats.format(ratio, 3))**, median of the per-round ratios \(Stats.format(pairedMedian, 3)) (target ≤ 1.1); \(Bench.loadNote()); uptime: \(Bench.uptime())")
        let rss = daemon.rssKiB ?? 0
        await daemon.stop()
        print("daemon RSS at the end \(Stats.kib(rss))")
        print(ratio <= 1.1 ? "OK: unlock ≤ 1.1 × raw libargon2 (ratio of the medians)" : "NOT MET: unlock > 1.1 × raw libargon2 (ratio of the medians)")
    }

    static func ms(_ seconds: Double) -> String { Stats.format(seconds * 1_000, 1) + " ms" }
}

import BenchSupport
import Cryptography
import Foundation
import HTTPClient
import JSON
import WireModels

/// `sign`, issue 15 target 2: `POST /v1/wallets/{id}/sign` without a password on unlocked
/// wallets, over `--connections` keep-alive connections (64), one request in flight on each;
/// connection c signs with wallet c mod `--wallets`, so the load is spread over several
/// unlocked keys. Rounds alternate with the raw yardstick — `crypto_sign_detached` of a message
/// as long as the daemon signs (domain prefix ‖ message) on every core at once — so each HTTP
/// window is compared to the raw rate measured just before and after it.
///
/// Any answer but 200 (or a transport error) fails the run. Every `--sample`th signature is
/// checked afterwards against the wallet's public key over `WalletSigningDomain.messagePrefix`
/// ‖ message, and `wallet_signatures_total` on `/metrics` must grow by the requests sent.
/// The daemon runs with `RATE_LIMIT_REQUESTS=0`: the spec's limit (30 signatures per 60 s per
/// client and wallet) forbids any throughput benchmark, and `UNLOCK_TTL_SEC=3600` so that no
/// unlock expires mid-run.
struct SignBench {
    let options: Options
    let connections: Int
    let wallets: Int
    let requests: Int
    let rounds: Int
    let warmup: Int
    let messageBytes: Int
    let sampleEvery: Int
    let baselineBinary: String
    /// `lean` (default): `LeanLoad`, one poll(2) thread; `sdk`: the repository's `HTTPClient`, one task per connection.
    let client: String

    init(_ options: Options) {
        self.options = options
        connections = options.int("connections", default: 64)
        wallets = options.int("wallets", default: 8)
        requests = options.int("requests", default: 100_000)
        rounds = options.int("rounds", default: 3)
        warmup = options.int("warmup", default: 2_000)
        messageBytes = options.int("message-bytes", default: 32)
        sampleEvery = max(1, options.int("sample", default: 50))
        baselineBinary = options.required("baseline-bin")
        client = options.string("client") ?? "lean"
        guard client == "lean" || client == "sdk" else { Bench.fail("--client must be lean or sdk") }
        guard connections > 0, wallets > 0, requests >= connections, rounds > 0 else { Bench.fail("bad --connections/--wallets/--requests/--rounds") }
    }

    /// One connection's work: its wallet and the request bodies it cycles through.
    struct Lane: Sendable {
        var wallet: Int
        var request: [HTTPClientRequest]
        /// The same requests as complete HTTP/1.1 messages (`LeanLoad`).
        var bytes: [[UInt8]]
        var messages: [[UInt8]]
    }

    /// What one HTTP window gave.
    typealias Window = LeanLoad.Result

    func run() async {
        let daemon = await DaemonProcess.start(
            binary: options.required("daemon-bin"), directory: options.required("dir"),
            settings: ["RATE_LIMIT_REQUESTS": "0", "UNLOCK_TTL_SEC": "3600"])
        let api = WalletAPI(base: daemon.base, connections: connections)
        var keys: [Ed25519.PublicKey] = []
        for index in 0..<wallets {
            let view = await api.create(WalletAPI.walletID(index))
            guard let key = try? Ed25519.PublicKey(hex: view.publicKey) else { Bench.fail("create: bad public key \(view.publicKey)") }
            keys.append(key)
            _ = await api.unlock(WalletAPI.walletID(index), ttlSeconds: 3_600)
        }
        let lanes = (0..<connections).map { c in
            let messages = (0..<8).map { _ in (0..<messageBytes).map { _ in UInt8.random(in: 0...255) } }
            let path = "/v1/wallets/\(WalletAPI.walletID(c % wallets))/sign"
            let bodies = messages.map { WalletAPI.body(WalletSignRequest(messageBase64: Data($0).base64EncodedString())) }
            return Lane(
                wallet: c % wallets, request: bodies.map { WalletAPI.post(daemon.base + path, $0) },
                bytes: bodies.map { LeanLoad.request(port: daemon.port, path: path, body: $0) }, messages: messages)
        }
        let signedLength = WalletSigningDomain.messagePrefix.count + messageBytes
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let rawIterations = options.int("raw-iterations", default: 40_000)
        print("\(connections) keep-alive connections, one request in flight each, \(wallets) unlocked raw wallets (connection c → wallet c mod \(wallets)), \(messageBytes)-byte messages (\(signedLength) bytes signed with the domain prefix); \(rounds) rounds of \(Stats.grouped(Double(requests))) requests after \(Stats.grouped(Double(warmup))) warm-up; raw yardstick: crypto_sign_detached of \(signedLength) bytes on \(cores) threads × \(Stats.grouped(Double(rawIterations))); daemon pid \(daemon.pid); client \(client == "lean" ? "LeanLoad (one poll(2) thread, like wrk)" : "HTTPClient (one task per connection)")")
        _ = await window(api, lanes, total: warmup, port: daemon.port)
        print("")
        print("| round | signatures/s | p50 | p99 | max | daemon CPU / signature | client CPU / request | raw before / after (all cores) | HTTP ÷ raw | load |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        var raw = [Baselines.signRate(binary: baselineBinary, threads: cores, iterations: rawIterations, messageLength: signedLength)]
        var rates: [Double] = []
        var ratios: [Double] = []
        var problems: [String] = []
        var samples: [(lane: Int, message: Int, body: ArraySlice<UInt8>)] = []
        var byThread: [String] = []
        var daemonPerSignature: [Double] = []
        var clientPerRequest: [Double] = []
        for round in 1...rounds {
            let scrapeBefore = await MetricsScrape.fetch(daemon.base, client: api.http)
            let daemonBefore = daemon.cpuSeconds ?? 0
            let threadsBefore = Bench.threadCPU(pid: daemon.pid)
            let ownBefore = Bench.processCPUSeconds()
            let started = Bench.now()
            let result = await window(api, lanes, total: requests, port: daemon.port)
            let elapsed = Bench.now() - started
            let daemonCPU = (daemon.cpuSeconds ?? 0) - daemonBefore
            byThread.append(Bench.threadCPUDelta(threadsBefore, Bench.threadCPU(pid: daemon.pid), per: requests))
            let ownCPU = Bench.processCPUSeconds() - ownBefore
            let scrapeAfter = await MetricsScrape.fetch(daemon.base, client: api.http)
            raw.append(Baselines.signRate(binary: baselineBinary, threads: cores, iterations: rawIterations, messageLength: signedLength))
            let rate = Double(requests) / elapsed
            let rawRate = (raw[raw.count - 2].wall + raw[raw.count - 1].wall) / 2
            rates.append(rate)
            daemonPerSignature.append(daemonCPU / Double(requests))
            clientPerRequest.append(ownCPU / Double(requests))
            ratios.append(rate / rawRate)
            let sorted = result.latencies.sorted()
            print("| \(round) | **\(Stats.grouped(rate))** | \(ms(Stats.quantile(sorted, 0.5))) | \(ms(Stats.quantile(sorted, 0.99))) | \(ms(sorted.last ?? .nan)) | \(Stats.format(daemonCPU / Double(requests) * 1e6, 1)) µs | \(Stats.format(ownCPU / Double(requests) * 1e6, 1)) µs | \(Stats.grouped(raw[raw.count - 2].wall)) / \(Stats.grouped(raw[raw.count - 1].wall)) | \(Stats.format(rate / rawRate, 3)) | \(Bench.loadAverage()) |")
            for (reason, count) in result.failures.sorted(by: { $0.key < $1.key }) { problems.append("round \(round): \(count) × \(reason)") }
            problems += result.examples.map { "round \(round): \($0)" }
            if let before = scrapeBefore, let after = scrapeAfter {
                let counted = after.sum("wallet_signatures_total") - before.sum("wallet_signatures_total")
                if Int(counted) != requests - result.failures.values.reduce(0, +) {
                    problems.append("round \(round): wallet_signatures_total grew by \(Int(counted)), \(requests) requests sent")
                }
            } else {
                problems.append("round \(round): GET /metrics failed")
            }
            samples += result.samples
        }
        let oneCore = Stats.median(raw.map(\.perCPUSecond))
        print("")
        print("raw crypto_sign_detached: all \(cores) cores \(raw.map { Stats.grouped($0.wall) }.joined(separator: " / ")) per second (before, between and after the rounds); one thread \(Stats.grouped(oneCore)) per CPU-second (median)")
        print("signatures/s through HTTP: median **\(Stats.grouped(Stats.median(rates)))** (target ≥ 20,000); HTTP ÷ raw all-core rate: median **\(Stats.format(Stats.median(ratios), 3))**; \(Bench.loadNote()); uptime: \(Bench.uptime())")
        let daemonCost = Stats.median(daemonPerSignature)
        let clientCost = Stats.median(clientPerRequest)
        print("load-independent view: daemon CPU per signature \(Stats.format(daemonCost * 1e6, 1)) µs (median) against \(Stats.format(1e6 / oneCore, 1)) µs for one raw crypto_sign_detached: the signature is \(Stats.format(100 / (daemonCost * oneCore), 0)) % of the daemon's work per request; with \(cores) free cores and this client, cores ÷ (daemon + client CPU per request) = \(Stats.grouped(Double(cores) / (daemonCost + clientCost))) signatures/s (an upper bound: it assumes no other load and perfect scaling)")
        for (round, line) in byThread.enumerated() { print("daemon CPU per signature by thread, round \(round + 1): \(line)") }
        print("daemon: RSS \(Stats.kib(daemon.rssKiB ?? 0)), peak \(Stats.kib(Bench.statusKiB(pid: daemon.pid, "VmHWM") ?? 0)), threads \(Bench.threadCount(pid: daemon.pid))")

        // The signatures sampled: valid for the wallet's key over prefix ‖ message.
        let parser = JSONParser(limits: .init(maxInputBytes: 1 << 16))
        var checked = 0
        for sample in samples {
            let lane = lanes[sample.lane]
            guard let json = try? parser.parse(Array(sample.body)), let answer = try? WalletSignResponse(json: json),
                let signature = Data(base64Encoded: answer.signatureBase64),
                keys[lane.wallet].isValidSignature(Array(signature), for: WalletSigningDomain.messagePrefix + lane.messages[sample.message])
            else {
                problems.append("a sampled signature of wallet \(WalletAPI.walletID(lane.wallet)) does not verify: \(String(decoding: sample.body.prefix(200), as: UTF8.self))")
                continue
            }
            checked += 1
        }
        await daemon.stop()
        if problems.isEmpty {
            print("OK: every answer 200; \(checked) sampled signatures verified against the wallets' public keys over the message domain")
        }
        for problem in problems.prefix(20) { print("PROBLEM: \(problem)") }
        if !problems.isEmpty { exit(1) }
        print(Stats.median(rates) >= 20_000 ? "target met: ≥ 20,000 signatures/s (median of the rounds)" : "NOT MET: < 20,000 signatures/s (median of the rounds)")
    }

    /// `total` requests over every lane at once, one in flight per lane.
    func window(_ api: WalletAPI, _ lanes: [Lane], total: Int, port: Int) async -> Window {
        if client == "lean" {
            let lean = lanes.enumerated().map { index, lane in
                LeanLoad.Lane(requests: lane.bytes, count: total / lanes.count + (index < total % lanes.count ? 1 : 0))
            }
            return await LeanLoad.run(port: port, lanes: lean, sampleEvery: sampleEvery)
        }
        let http = api.http
        let sampleEvery = sampleEvery
        return await withTaskGroup(of: Window.self) { group in
            for (index, lane) in lanes.enumerated() {
                let count = total / lanes.count + (index < total % lanes.count ? 1 : 0)
                group.addTask {
                    var window = Window()
                    window.latencies.reserveCapacity(count)
                    for i in 0..<count {
                        let message = i % lane.request.count
                        let started = Bench.now()
                        do {
                            let response = try await http.execute(lane.request[message])
                            window.latencies.append(Bench.now() - started)
                            guard response.status.code == 200 else {
                                window.failures["HTTP \(response.status.code)", default: 0] += 1
                                if window.examples.count < 3 { window.examples.append("HTTP \(response.status.code) \(response.text.prefix(200))") }
                                continue
                            }
                            if i % sampleEvery == 0 { window.samples.append((index, message, response.body[...])) }
                        } catch {
                            window.latencies.append(Bench.now() - started)
                            window.failures["\(error)", default: 0] += 1
                        }
                    }
                    return window
                }
            }
            var all = Window()
            for await part in group {
                all.latencies += part.latencies
                all.failures.merge(part.failures, uniquingKeysWith: +)
                all.examples += part.examples.prefix(max(0, 5 - all.examples.count))
                all.samples += part.samples
            }
            return all
        }
    }

    func ms(_ seconds: Double) -> String { Stats.format(seconds * 1_000, 2) + " ms" }
}

import BenchSupport
import Cryptography
import Foundation
import JSON
import Ledger
import WireModels

extension Bench {
    /// Unix milliseconds now (block `time_ms` is on the same clock: node and bench share the machine).
    static func unixMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// Unix milliseconds now, with the fraction (for latencies against a header's `time_ms`).
    static func unixMillisecondsFraction() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) * 1_000 + Double(spec.tv_nsec) / 1e6
    }

}

/// Deterministic keys and addresses, so `setup`, `load` and `state` agree without key files.
enum BenchKeys {
    static func seed(_ label: String) -> [UInt8] { SHA256.hash(Array(label.utf8)) }

    static func authority() -> Ed25519.PrivateKey { key("chainbench-authority") }

    static func sender(_ index: Int) -> Ed25519.PrivateKey { key("chainbench-sender-\(index)") }

    private static func key(_ label: String) -> Ed25519.PrivateKey {
        do {
            return try Ed25519.PrivateKey(seedBytes: seed(label))
        } catch {
            Bench.fail("key \(label): \(error)")
        }
    }

    /// `count` sender keys, derived on every core.
    static func senders(_ count: Int) -> [Ed25519.PrivateKey] {
        parallelMap(0..<count) { sender($0) }
    }

    /// A filler account: an address with no key (20 bytes of SHA-256 of its index); only the
    /// state tree and the account table ever see it.
    static func fillerAddress(_ index: Int) -> Address {
        let hash = Array(SHA256.hash(Array("chainbench-filler-\(index)".utf8)).prefix(AccountAddress.hashLength))
        guard let values = try? Bech32.convertBits(hash, from: 8, to: 5, pad: true),
            let text = try? Bech32.encode(hrp: AccountAddress.humanReadablePart, data: values), let address = Address(text)
        else { Bench.fail("filler address \(index) does not encode") }
        return address
    }

    /// The balance filler `index` holds (checked by the getBalance benchmark).
    static func fillerBalance(_ index: Int) -> UInt64 { 1_000 + UInt64(index % 1_000) }
}

/// `transform` over `range` on every core, results in order.
func parallelMap<T: Sendable>(_ range: Range<Int>, _ transform: @escaping @Sendable (Int) -> T) -> [T] {
    let count = range.count
    guard count > 0 else { return [] }
    let chunks = min(count, max(1, ProcessInfo.processInfo.activeProcessorCount) * 4)
    let parts = UnsafeSendableBox([[T]](repeating: [], count: chunks))
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let start = range.lowerBound + count * chunk / chunks
        let end = range.lowerBound + count * (chunk + 1) / chunks
        var part: [T] = []
        part.reserveCapacity(end - start)
        for index in start..<end { part.append(transform(index)) }
        parts.lock.lock()
        parts.value[chunk] = part
        parts.lock.unlock()
    }
    return parts.value.flatMap { $0 }
}

/// A value shared by `concurrentPerform` iterations under its own lock.
final class UnsafeSendableBox<Value>: @unchecked Sendable {
    var value: Value
    let lock = NSLock()
    init(_ value: Value) { self.value = value }
}

/// ChainBench's own summaries.
extension Stats {
    static func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }

    /// Single-thread Ed25519 verifications per second of a 32-byte message (a tx id), through
    /// `PublicKey.isValidSignature`, the call admission makes: the yardstick every throughput
    /// figure is divided by, measured in the same process and minutes.
    static func verifyRate(iterations: Int = 20_000) -> VerifyRate {
        let key = BenchKeys.sender(0)
        let message = SHA256.hash(Array("chainbench verify yardstick".utf8))
        let signature = key.signature(for: message)
        var valid = 0
        for _ in 0..<iterations / 10 where key.publicKey.isValidSignature(signature, for: message) { valid += 1 }
        let started = Bench.now()
        let startedCPU = Bench.threadCPUSeconds()
        for _ in 0..<iterations where key.publicKey.isValidSignature(signature, for: message) { valid += 1 }
        let cpu = Bench.threadCPUSeconds() - startedCPU
        let elapsed = Bench.now() - started
        guard valid == iterations + iterations / 10 else { Bench.fail("the yardstick signature did not verify") }
        return VerifyRate(perCPUSecond: Double(iterations) / cpu, wallClock: Double(iterations) / elapsed)
    }

    /// The same loop on every core at once: verifications per CPU-second of each thread
    /// while all cores verify (what a verify costs the node when both cores are busy, as
    /// under load; on a VM the cores may share caches or a physical core).
    static func verifyRateAllCores(iterations: Int = 20_000) -> Double {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let rates = UnsafeSendableBox([Double](repeating: 0, count: cores))
        DispatchQueue.concurrentPerform(iterations: cores) { index in
            let rate = verifyRate(iterations: iterations).perCPUSecond
            rates.lock.lock()
            rates.value[index] = rate
            rates.lock.unlock()
        }
        return rates.value.reduce(0, +) / Double(cores)
    }

    /// Verifications per second of one core: per CPU second of the verifying thread (what other
    /// load on the shared cores does not change) and by the wall clock.
    struct VerifyRate {
        var perCPUSecond: Double
        var wallClock: Double
    }
}

/// Signed transfers as the load clients hold them, shared by `load` and `net`.
enum SignedTransfers {
    /// One signed transfer: its sender, nonce and serialized body.
    struct Transfer: Sendable {
        var sender: Int
        var nonce: UInt64
        var bytes: [UInt8]
    }

    /// Signs `plan` (sender, nonce) on every core: each sender pays 1 to the next address.
    static func sign(
        _ plan: [(sender: Int, nonce: UInt64)], keys: [Ed25519.PrivateKey], addresses: [Address], chainID: String, parameters: ChainParameters
    ) -> [Transfer] {
        let count = addresses.count
        return parallelMap(0..<plan.count) { index in
            let (sender, nonce) = plan[index]
            let payload = TransactionPayload.transfer(to: addresses[(sender + 1) % count], amount: 1)
            let fee = FeeRule.estimate(payload: payload.json, parameters: parameters)?.fee ?? 0
            guard let message = try? TransactionMessage.make(chainID: chainID, key: keys[sender], nonce: nonce, fee: fee, payload: payload),
                let bytes = try? JSONSerializer().serialize(message.json)
            else { Bench.fail("signing transfer \(index)") }
            return Transfer(sender: sender, nonce: nonce, bytes: bytes)
        }
    }

    /// `signed` cut into each connection's share (`perConnection`, in order), in batches of `batchSize`.
    static func batches(_ signed: [Transfer], perConnection: [Int], batchSize: Int) -> [[ArraySlice<Transfer>]] {
        var batches: [[ArraySlice<Transfer>]] = Array(repeating: [], count: perConnection.count)
        var offset = 0
        for c in perConnection.indices {
            let mine = signed[offset..<offset + perConnection[c]]
            offset += perConnection[c]
            var start = mine.startIndex
            while start < mine.endIndex {
                let end = min(start + batchSize, mine.endIndex)
                batches[c].append(mine[start..<end])
                start = end
            }
        }
        return batches
    }
}

import BenchSupport
import ChainNode
import Cryptography
import Foundation
import JSON
import Receipts
import Ledger
import Logging
import WireModels

/// `splits`: where the admission and production CPU goes, in process (the profile the
/// throughput target asks for; `perf` is not available in this VM). Each stage of the
/// `sendTxs` path runs alone over the same 1,000-transfer batches on one thread and is timed by
/// that thread's CPU clock; then `Chain.submit(batch:)` and `produceBlock` run on a temporary
/// database as the node runs them, timed by process CPU and the wall clock.
enum SplitsBench {
    static func run(_ options: Options) async {
        let senders = options.int("senders", default: 2_000)
        let batches = options.int("batches", default: 20)
        let batchSize = 1_000
        let directory = NSTemporaryDirectory() + "chainbench-splits-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let genesis = Setup.genesis(senders: senders, blockMilliseconds: 1_000, maxBlockTransactions: 20_000, timestamp: 1_800_000_000)
        let keys = BenchKeys.senders(senders)
        let addresses = keys.map { Address(publicKey: $0.publicKey) }
        let total = batches * batchSize
        let signed: [TransactionMessage] = parallelMap(0..<total) { index in
            let sender = index % senders
            let payload = TransactionPayload.transfer(to: addresses[(sender + 1) % senders], amount: 1)
            let fee = FeeRule.estimate(payload: payload.json, parameters: genesis.parameters)?.fee ?? 0
            guard let message = try? TransactionMessage.make(
                chainID: genesis.chainID, key: keys[sender], nonce: UInt64(index / senders + 1), fee: fee, payload: payload)
            else { Bench.fail("signing") }
            return message
        }
        let bodies: [[UInt8]] = (0..<batches).map { batch in
            let slice = signed[batch * batchSize..<(batch + 1) * batchSize]
            return (try? JSONSerializer().serialize(.object([JSONMember(key: "txs", value: .array(slice.map(\.json)))]))) ?? []
        }
        let parser = JSONParser(limits: .init(maxInputBytes: 8 << 20, maxDepth: 64))

        var rows: [(String, Double)] = []
        func stage(_ name: String, _ body: () -> Void) {
            let started = Bench.threadCPUSeconds()
            body()
            rows.append((name, (Bench.threadCPUSeconds() - started) / Double(total) * 1e6))
        }
        var parsed: [JSONValue] = []
        stage("parse the sendTxs body (JSONParser)") { parsed = bodies.compactMap { try? parser.parse($0) } }
        var decoded: [TransactionMessage] = []
        stage("decode TransactionMessage ×1,000 (SendTxsRequest)") {
            decoded = parsed.flatMap { json in ((try? SendTxsRequest(json: json))?.txs ?? []).compactMap { try? $0.get() } }
        }
        guard decoded.count == total else { Bench.fail("decoded \(decoded.count) of \(total)") }
        stage("tx id: canonical JSON of the unsigned body + SHA-256") { for message in decoded { _ = try? message.transactionID() } }
        stage("public key hex → key → address, compared with sender") {
            for message in decoded {
                guard let key = try? Ed25519.PublicKey(hex: message.publicKey), Address(publicKey: key) == message.sender else { Bench.fail("key") }
            }
        }
        let ids = decoded.map { (try? $0.transactionID())?.bytes ?? [] }
        stage("Ed25519 verify (sig hex decode + verify)") {
            for (message, id) in zip(decoded, ids) {
                guard let key = try? Ed25519.PublicKey(hex: message.publicKey), let signature = try? Hex.decode(message.sig),
                    key.isValidSignature(signature, for: id)
                else { Bench.fail("verify") }
            }
        }
        let publicKeys = decoded.compactMap { try? Ed25519.PublicKey(hex: $0.publicKey) }
        let signatures = decoded.compactMap { try? Hex.decode($0.sig) }
        stage("  of which: bare isValidSignature (key and sig decoded)") {
            for index in decoded.indices where !publicKeys[index].isValidSignature(signatures[index], for: ids[index]) { Bench.fail("verify") }
        }
        stage("  of which: Ed25519.PublicKey(hex:)") { for message in decoded { _ = try? Ed25519.PublicKey(hex: message.publicKey) } }
        stage("  of which: Address(publicKey:)") { for key in publicKeys { _ = Address(publicKey: key) } }
        stage("  of which: Hex.decode(sig)") { for message in decoded { _ = try? Hex.decode(message.sig) } }
        stage("  of which: canonical JSON of the unsigned body") { for message in decoded { _ = try? CanonicalJSON.bytes(of: message.unsignedJSON) } }
        stage("  of which: canonical JSON of the payload") { for message in decoded { _ = try? CanonicalJSON.bytes(of: message.payload.json) } }
        let senderTexts = decoded.map(\.sender.rawValue)
        stage("decode: Address(text) ×2 (sender, to)") { for text in senderTexts { _ = Address(text); _ = Address(text) } }
        stage("VerifiedTransaction(…) whole (the four above but parse/decode)") {
            for message in decoded { _ = try? VerifiedTransaction(message, chainID: genesis.chainID) }
        }
        stage("message.text (compact JSON, as persisted in mempool and tx rows)") { for message in decoded { _ = message.text } }
        stage("answer: SendTxsResponse JSON ×1,000 (rendering)") {
            for batch in 0..<batches {
                let items = ids[batch * batchSize..<(batch + 1) * batchSize].map { SendTxsResponse.Item.accepted(SendTxResponse(txHash: TxHash(bytes: $0))) }
                _ = try? JSONSerializer().serialize(SendTxsResponse(results: items).json)
            }
        }
        let yardstick = Stats.verifyRate()
        rows.append(("yardstick: one signature verified again and again (Stats.verifyRate)", 1e6 / yardstick.perCPUSecond))
        print("Per-transaction CPU of each stage, one thread, \(total) transfers in batches of \(batchSize) (thread CPU clock):")
        print("")
        print("| stage | µs per tx |")
        print("|---|---|")
        for (name, micros) in rows { print("| \(name) | \(Stats.format(micros, 2)) |") }

        // The node's own calls on a temporary database.
        let chain: Chain
        do {
            chain = try await Chain.open(
                path: directory + "/chain.db", genesis: genesis, proposerKey: BenchKeys.authority(),
                mempoolLimits: Mempool.Limits(maxTransactions: 1_000_000, maxBytes: 1 << 30), logger: Logger(label: "chainbench"))
        } catch {
            Bench.fail("open: \(error)")
        }
        var submitCPU = 0.0
        var submitWall = 0.0
        for batch in 0..<batches {
            let slice = decoded[batch * batchSize..<(batch + 1) * batchSize].map { Result<TransactionMessage, WireDecodingError>.success($0) }
            let cpu = Bench.processCPUSeconds()
            let wall = Bench.now()
            let outcomes = await chain.submit(batch: slice)
            submitCPU += Bench.processCPUSeconds() - cpu
            submitWall += Bench.now() - wall
            guard outcomes.allSatisfy({ (try? $0.get()) != nil }) else { Bench.fail("refused: \(String(describing: outcomes.first { (try? $0.get()) == nil }))") }
        }
        var produceCPU = 0.0
        var produceWall = 0.0
        var blocks: [Int] = []
        while chain.mempoolCount > 0 {
            let cpu = Bench.processCPUSeconds()
            let wall = Bench.now()
            do {
                let produced = try await chain.produceBlock(timeMilliseconds: chain.head.header.timeMilliseconds + 1_000)
                blocks.append(produced.included.count)
            } catch {
                Bench.fail("produce: \(error)")
            }
            produceCPU += Bench.processCPUSeconds() - cpu
            produceWall += Bench.now() - wall
        }
        print("")
        print("| node call (temporary database) | process CPU µs per tx | wall µs per tx |")
        print("|---|---|---|")
        print("| `Chain.submit(batch:)`, \(batches) batches of \(batchSize) (verify on every core) | \(Stats.format(submitCPU / Double(total) * 1e6)) | \(Stats.format(submitWall / Double(total) * 1e6)) |")
        print("| `produceBlock`, blocks of \(blocks.map(String.init).joined(separator: ", ")) | \(Stats.format(produceCPU / Double(total) * 1e6)) | \(Stats.format(produceWall / Double(total) * 1e6)) |")
    }
}

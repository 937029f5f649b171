import ChainNode
import ChainNodeTestSupport
import Cryptography
import Foundation
import HTTP1
import HTTPClient
import JSON
import Ledger
import Logging
import MetricsTestKit
import Receipts
import ServiceRuntime
import TestSupport
import Testing
import WireModels

/// Fixes for what the black-box review (issue 13) found, one test per finding.
@Suite struct ChainHardeningTests {
    @Test func onlyAttestationsByPinnedKeysAreServedWithAClaimedReceipt() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open()
        let miner = Ed25519.PrivateKey.generate()
        guard case .object(var members) = try fixture.receipt(miner: miner) else { return }
        let payload = members.filter { $0.key != "signature" }
        let canonical = try CanonicalJSON.receiptBytes(members: payload)
        let genuine = ReceiptSignature(signing: canonical, with: fixture.coordinator).json
        let forged = ReceiptSignature(signing: canonical, with: Ed25519.PrivateKey.generate()).json
        members.append(JSONMember(key: "attestations", value: .array([forged, genuine, "junk", .null])))
        _ = try await chain.submit(try fixture.claim(.object(members), from: miner, nonce: 1))
        _ = try await chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        let view = try await chain.receipt(try #require(ReceiptID(String(repeating: "a", count: 32))))
        #expect(view.coordinatorAttestations == .array([genuine]))
    }

    @Test func aClaimThatWouldCarryTheSupplyPastTheLimitIsRefusedAtAdmission() async throws {
        let rich = Ed25519.PrivateKey.generate()
        let fixture = try ChainFixture(extraAccounts: [.init(address: ChainFixture.address(rich), balance: UInt64(Int64.max) - ChainFixture.faucetBalance - 1_000)])
        let chain = try await fixture.open()
        let miner = Ed25519.PrivateKey.generate()
        let refusal = await ChainFixture.refusal(chain, try fixture.claim(try fixture.receipt(miner: miner, units: 100), from: miner, nonce: 1))
        #expect(refusal?.code == "AMOUNT_OVERFLOW" && refusal?.status == 400)
    }

    @Test func aRefusalIsCountedOnceByItsCode() async throws {
        let fixture = try ChainFixture()
        let metrics = TestMetrics()
        let chain = try await Chain.open(
            path: fixture.databasePath, genesis: fixture.genesis, proposerKey: fixture.authority, metrics: ChainMetrics(factory: metrics),
            logger: Logger(label: "t"))
        let wrong = try fixture.transfer(from: fixture.faucet, to: ChainFixture.address(fixture.coordinator), amount: 1, nonce: 1, chainID: "ait-other")
        _ = await ChainFixture.refusal(chain, wrong)
        #expect(metrics.counterTotal(label: "chain_transactions_rejected_total", dimensions: [("reason", "WRONG_CHAIN")]) == 1)
    }

    @Test func heightsHaveOneSpellingAndTheBearerSchemeAnyCase() async throws {
        let node = try await LiveChainNode.start()
        #expect(try await node.get("/rpc/blocks/0").0 == 200)
        for spelling in ["+0", "00", "-0", "0x0", " 0"] {
            #expect(try await node.get("/rpc/blocks/\(spelling.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? spelling)").0 == 422)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "bearer \(LiveChainNode.adminToken)")
        let request: JSONValue = ["address": .string(ChainFixture.address(Ed25519.PrivateKey.generate()).rawValue), "amount": 5]
        #expect(try await node.post("/admin/mintFaucet", request, headers: headers).0 == 200)
        await node.stop()
    }

    @Test func aBatchRefusedForAFullMempoolSaysWhenToRetry() async throws {
        let fixture = try ChainFixture()
        var configuration = ChainNodeConfiguration(genesis: fixture.genesis, databasePath: fixture.databasePath, proposerKey: fixture.authority)
        configuration.mempoolLimits = Mempool.Limits(maxTransactions: 1, maxBytes: 1 << 20)
        configuration.sendBurst = 100_000
        configuration.sendRatePerSecond = 100_000
        let service = try await ChainNodeService.open(configuration: configuration, clock: ManualChainClock(), logger: Logger(label: "t"))
        try await service.start()
        let node = LiveChainNode(fixture: fixture, service: service, base: "http://127.0.0.1:\(service.port ?? 0)")
        let to = ChainFixture.address(fixture.coordinator)
        let txs: [JSONValue] = try (1...3).map { try fixture.transfer(from: fixture.faucet, to: to, amount: 1, nonce: UInt64($0)).json }
        let (status, body, response) = try await node.post("/rpc/sendTxs", ["txs": .array(txs)])
        #expect(status == 200 && body["results"]?.arrayValue?[1]["error"]?["code"] == "MEMPOOL_FULL")
        #expect(response.headers["Retry-After"] != nil)
        await node.stop()
    }

    @Test func settingsThatCannotWorkAreRefusedByName() throws {
        let fixture = try ChainFixture()
        let genesisPath = fixture.directory.path("genesis.json")
        try Data(fixture.genesis.fileBytes).write(to: URL(fileURLWithPath: genesisPath))
        #expect(throws: ConfigurationError.invalid(setting: "SENDTX_BURST", reason: "must be an integer in 1000...10000000")) {
            _ = try ChainNodeConfiguration(reader: ConfigurationReader(environment: ["CHAIN_GENESIS": genesisPath, "SENDTX_BURST": "999"]))
        }
        do {
            _ = try ChainNodeConfiguration(reader: ConfigurationReader(environment: ["CHAIN_GENESIS": fixture.directory.path("nope.json")]))
            Issue.record("accepted a missing genesis file")
        } catch {
            #expect("\(error)".contains("CHAIN_GENESIS") && "\(error)".contains("no such file"))
        }
        do {
            _ = try ChainNodeConfiguration(
                reader: ConfigurationReader(environment: ["CHAIN_GENESIS": genesisPath, "PROPOSER_KEY_FILE": fixture.directory.path("missing.json")]))
            Issue.record("accepted a missing key file")
        } catch {
            #expect("\(error)".contains("PROPOSER_KEY_FILE"))
        }
        // An empty value is unset (an .env line `PROPOSER_KEY_FILE=` must not break start-up).
        let follower = try ChainNodeConfiguration(reader: ConfigurationReader(environment: ["CHAIN_GENESIS": genesisPath, "PROPOSER_KEY_FILE": ""]))
        #expect(follower.proposerKey == nil)
    }

    @Test func aKeyGenesisDoesNotListIsWarnedAbout() throws {
        let fixture = try ChainFixture()
        let configuration = ChainNodeConfiguration(genesis: fixture.genesis, databasePath: fixture.databasePath, proposerKey: Ed25519.PrivateKey.generate())
        #expect(configuration.startupWarnings.contains { $0.contains("not an authority") })
    }
}

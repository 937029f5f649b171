import AITBCClient
import HTTP1
import HTTPServer
import Synchronization
import TestSupport
import ChainNodeTestSupport
import Cryptography
import Ledger
import Testing
import Wallet
import WireModels

/// `NodeChainAdapter` against a real chain node in the test process (issue 15 "Chain adapter"):
/// nonces under concurrency, refusals that must not wedge later transfers, pending transfers
/// tracked until a block includes them.
@Suite struct ChainAdapterTests {
    /// Fee of a transfer at the genesis' default rule, for a recipient and a small amount.
    static func fee(to: Address, amount: UInt64) -> UInt64 {
        FeeRule.estimate(payload: TransactionPayload.transfer(to: to, amount: amount).json, parameters: ChainParameters())?.fee ?? 0
    }

    @Test func hundredConcurrentTransfersFromOneAccountGetConsecutiveNoncesAndAreAllIncluded() async throws {
        let sender = try testKey(7)
        let recipient = Address(publicKey: try testKey(8).publicKey)
        let node = try await ChainTestNode.start(accounts: [Address(publicKey: sender.publicKey): 10_000_000])
        let adapter = NodeChainAdapter(client: node.client, database: try await node.walletDatabase())
        let transfers = try await withThrowingTaskGroup(of: LedgerTransfer.self) { group in
            for index in 1...100 {
                group.addTask { try await adapter.transfer(TransferOrder(to: recipient, amount: LedgerAmount(units: UInt64(index))), key: sender) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(transfers.count == 100)
        #expect(transfers.compactMap(\.nonce).sorted() == Array(1...100))
        #expect(Set(transfers.map(\.id)).count == 100)
        #expect(transfers.allSatisfy { $0.status == .pending && $0.mode == .chain })
        #expect(adapter.allocator.cachedNextNonce(of: Address(publicKey: sender.publicKey)) == 101)

        try await node.produceBlock()
        #expect(try await adapter.refreshPending() == 100)
        let account = try await node.account(Address(publicKey: sender.publicKey))
        #expect(account.nonce == 100)
        let sent = (1...100).reduce(UInt64(0)) { $0 + UInt64($1) + Self.fee(to: recipient, amount: UInt64($1)) }
        #expect(account.balance == 10_000_000 - sent)
        #expect(try await node.account(recipient).balance == 5_050)
        let history = try await adapter.history(of: Address(publicKey: sender.publicKey), limit: 1_000)
        #expect(history.count == 100)
        #expect(history.allSatisfy { $0.status == .included && $0.blockHeight == 1 })
        await node.stop()
    }

    @Test func aTransferTheChainRefusesFreesItsNonceForTheNextOne() async throws {
        let sender = try testKey(9)
        let from = Address(publicKey: sender.publicKey)
        let recipient = Address(publicKey: try testKey(10).publicKey)
        let node = try await ChainTestNode.start(accounts: [from: 1_000])
        let adapter = NodeChainAdapter(client: node.client, database: try await node.walletDatabase())

        let first = try await adapter.transfer(TransferOrder(to: recipient, amount: LedgerAmount(units: 100)), key: sender)
        #expect(first.nonce == 1)
        // More than the balance left: the node refuses it at admission, nonce 2 stays free.
        await #expect(throws: ChainAdapterError.self) {
            try await adapter.transfer(TransferOrder(to: recipient, amount: LedgerAmount(units: 5_000)), key: sender)
        }
        do throws(ChainAdapterError) {
            _ = try await adapter.transfer(TransferOrder(to: recipient, amount: LedgerAmount(units: 5_000)), key: sender)
        } catch {
            #expect(error.code == "INSUFFICIENT_FUNDS")
            #expect(error.httpStatus == 400)
        }
        // Too low a fee: refused for the fee, not the nonce.
        do throws(ChainAdapterError) {
            _ = try await adapter.transfer(TransferOrder(to: recipient, amount: LedgerAmount(units: 1), fee: 1), key: sender)
            Issue.record("a fee of 1 was admitted")
        } catch {
            #expect(error.code == "FEE_TOO_LOW")
        }
        #expect(adapter.allocator.cachedNextNonce(of: from) == 2)
        let second = try await adapter.transfer(TransferOrder(to: recipient, amount: LedgerAmount(units: 50)), key: sender)
        #expect(second.nonce == 2)
        try await node.produceBlock()
        try await adapter.refreshPending()
        #expect(try await node.account(from).nonce == 2)
        #expect(try await node.account(recipient).balance == 150)
        // Refused transfers leave no row behind.
        #expect(try await adapter.history(of: from, limit: 10).map(\.nonce) == [2, 1])
        await node.stop()
    }

    @Test func refusalsAmidConcurrentTransfersLeaveNoGap() async throws {
        let sender = try testKey(11)
        let from = Address(publicKey: sender.publicKey)
        let recipient = Address(publicKey: try testKey(12).publicKey)
        // Enough for the small transfers, never for the large ones.
        let node = try await ChainTestNode.start(accounts: [from: 20_000])
        let adapter = NodeChainAdapter(client: node.client, database: try await node.walletDatabase())
        let outcomes = await withTaskGroup(of: (Bool, UInt64?).self) { group in
            for index in 0..<60 {
                let amount: UInt64 = index % 3 == 0 ? 1_000_000 : 10
                group.addTask {
                    do {
                        let sent = try await adapter.transfer(TransferOrder(to: recipient, amount: LedgerAmount(units: amount)), key: sender)
                        return (true, sent.nonce)
                    } catch {
                        return (false, nil)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let accepted = outcomes.compactMap(\.1).sorted()
        #expect(outcomes.filter { !$0.0 }.count == 20)
        #expect(accepted == Array(1...40))
        try await node.produceBlock()
        #expect(try await node.account(from).nonce == 40)
        #expect(try await node.account(recipient).balance == 400)
        await node.stop()
    }

    @Test func aNonceUsedOutsideTheWalletIsReadAgainAndTheTransferRetried() async throws {
        let sender = try testKey(13)
        let from = Address(publicKey: sender.publicKey)
        let recipient = Address(publicKey: try testKey(14).publicKey)
        let node = try await ChainTestNode.start(accounts: [from: 100_000])
        let adapter = NodeChainAdapter(client: node.client, database: try await node.walletDatabase())
        _ = try await adapter.transfer(TransferOrder(to: recipient, amount: LedgerAmount(units: 1)), key: sender)
        // The same key sends twice elsewhere (the CLI): the wallet's cached nonce 2 is taken.
        _ = try await node.client.transfer(from: sender, to: recipient, amount: 2)
        _ = try await node.client.transfer(from: sender, to: recipient, amount: 3)
        #expect(adapter.allocator.cachedNextNonce(of: from) == 2)
        let sent = try await adapter.transfer(TransferOrder(to: recipient, amount: LedgerAmount(units: 4)), key: sender)
        #expect(sent.nonce == 4)
        // Elsewhere again, and a block commits it: the cached nonce 5 is below the account's (409 NONCE_TOO_LOW).
        _ = try await node.client.transfer(from: sender, to: recipient, amount: 5)
        try await node.produceBlock()
        #expect(adapter.allocator.cachedNextNonce(of: from) == 5)
        let after = try await adapter.transfer(TransferOrder(to: recipient, amount: LedgerAmount(units: 6)), key: sender)
        #expect(after.nonce == 6)
        try await node.produceBlock()
        #expect(try await node.account(recipient).balance == 21)
        await node.stop()
    }

    @Test func pendingTransfersAreTrackedUntilIncludedAndBalanceCountsThem() async throws {
        let sender = try testKey(15)
        let from = Address(publicKey: sender.publicKey)
        let recipient = Address(publicKey: try testKey(16).publicKey)
        let node = try await ChainTestNode.start(accounts: [from: 50_000])
        let adapter = NodeChainAdapter(client: node.client, database: try await node.walletDatabase())
        let sent = try await adapter.transfer(TransferOrder(to: recipient, amount: LedgerAmount(units: 700)), key: sender)
        var balance = try await adapter.balance(of: from)
        #expect(balance.mode == .chain)
        #expect(balance.balance == LedgerAmount(units: 50_000))
        #expect(balance.pending == 1)
        #expect(balance.nonce == 0)
        #expect(balance.nextNonce == 2)
        #expect(try await adapter.nextNonce(of: from) == 2)
        #expect(try await adapter.transfer(id: sent.id).status == .pending)

        let height = try await node.produceBlock()
        let included = try await adapter.transfer(id: sent.id)
        #expect(included.status == .included)
        #expect(included.blockHeight == height)
        balance = try await adapter.balance(of: from)
        #expect(balance.pending == 0)
        #expect(balance.nonce == 1)
        #expect(balance.balance == LedgerAmount(units: 50_000 - 700 - Self.fee(to: recipient, amount: 700)))
        #expect(try await adapter.history(of: recipient, limit: 5).map(\.id) == [sent.id])
        await node.stop()
    }

    @Test func aPendingTransferWhoseNonceAnotherTookIsMarkedDroppedAndTheNonceReadAgain() async throws {
        let sender = try testKey(17)
        let from = Address(publicKey: sender.publicKey)
        let recipient = Address(publicKey: try testKey(18).publicKey)
        let node = try await ChainTestNode.start(accounts: [from: 50_000])
        let adapter = NodeChainAdapter(client: node.client, database: try await node.walletDatabase())
        let sent = try await adapter.transfer(TransferOrder(to: recipient, amount: LedgerAmount(units: 10)), key: sender)
        // Another holder of the key replaces nonce 1 with a higher fee; the block takes that one.
        let replacement = try TransactionMessage.make(
            chainID: ChainTestNode.chainID, key: sender, nonce: 1, fee: 1_000, payload: .transfer(to: recipient, amount: 99))
        _ = try await node.client.send(replacement)
        try await node.produceBlock()
        #expect(try await adapter.refreshPending() == 1)
        #expect(try await adapter.transfer(id: sent.id).status == .dropped)
        #expect(adapter.allocator.cachedNextNonce(of: from) == nil)
        let next = try await adapter.transfer(TransferOrder(to: recipient, amount: LedgerAmount(units: 1)), key: sender)
        #expect(next.nonce == 2)
        await node.stop()
    }

    @Test func aSendWithoutAnAnswerStaysPendingUntilTheGraceRunsOutAndTheNonceIsReadAgain() async throws {
        let sender = try testKey(19)
        let from = Address(publicKey: sender.publicKey)
        let recipient = Address(publicKey: try testKey(20).publicKey)
        let node = try await ChainTestNode.start(accounts: [:])
        let database = try await node.walletDatabase()
        let clock = TestClock(milliseconds: 1_800_000_000_000)
        // A node that knows the account but fails every send (503) and knows no transaction.
        let router = Router()
        router.get("/rpc/getBalance/{address}") { _, _ in
            Self.json(AccountView(address: from, balance: 1_000, nonce: 0, nextNonce: 1, updatedAt: nil))
        }
        router.post("/rpc/sendTx") { _, _ in Response(status: .serviceUnavailable, body: .bytes(Array("{}".utf8))) }
        router.get("/rpc/tx/{hash}") { _, _ in
            Response(status: .notFound, headers: ["Content-Type": "application/json"],
                body: .bytes(Array(#"{"error":{"code":"TX_NOT_FOUND","message":"unknown","details":null}}"#.utf8)))
        }
        try await serving(router, configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, eventLoopThreads: 1)) { _, port in
            let failing = ChainClient(
                configuration: ChainConfiguration(baseURL: "http://127.0.0.1:\(port)", chainID: ChainTestNode.chainID, maxRetries: 0))
            let adapter = NodeChainAdapter(client: failing, database: database, dropGrace: .seconds(30), now: { clock.now })
            do throws(ChainAdapterError) {
                _ = try await adapter.transfer(TransferOrder(to: recipient, amount: LedgerAmount(units: 5), fee: 100), key: sender)
                Issue.record("a failing node took a transfer")
            } catch {
                #expect(error.code == "CHAIN_UNAVAILABLE")
                #expect(error.httpStatus == 502)
            }
            #expect(adapter.allocator.cachedNextNonce(of: from) == nil)
            let pending = try await adapter.history(of: from, limit: 10)
            #expect(pending.map(\.status) == [.pending])
            #expect(try await adapter.balance(of: from).pending == 1)
            clock.advance(by: 31_000)
            #expect(try await adapter.refreshPending() == 1)
            #expect(try await adapter.history(of: from, limit: 10).map(\.status) == [.dropped])
            await failing.shutdown()
        }
        await node.stop()
    }

    static func json(_ message: some WireMessage) -> Response {
        Response(status: .ok, headers: ["Content-Type": "application/json"], body: .bytes(message.bytes))
    }

    @Test func amountsAndMemosTheChainCannotCarryAreRefusedBeforeAnythingIsSent() async throws {
        let sender = try testKey(21)
        let recipient = Address(publicKey: try testKey(22).publicKey)
        let node = try await ChainTestNode.start(accounts: [Address(publicKey: sender.publicKey): 50_000])
        let adapter = NodeChainAdapter(client: node.client, database: try await node.walletDatabase())
        let cases: [(TransferOrder, String)] = [
            (TransferOrder(to: recipient, amount: try #require(LedgerAmount("1.5"))), "INVALID_AMOUNT"),
            (TransferOrder(to: recipient, amount: .zero), "INVALID_AMOUNT"),
            (TransferOrder(to: recipient, amount: try #require(LedgerAmount("9223372036854775808"))), "INVALID_AMOUNT"),
            (TransferOrder(to: recipient, amount: LedgerAmount(units: 1), memo: "rent"), "UNSUPPORTED"),
        ]
        for (order, code) in cases {
            do throws(ChainAdapterError) {
                _ = try await adapter.transfer(order, key: sender)
                Issue.record("\(order.amount) was sent")
            } catch {
                #expect(error.code == code)
            }
        }
        #expect(try await node.account(Address(publicKey: sender.publicKey)).nextNonce == 1)
        await node.stop()
    }
}

/// Unix milliseconds a test moves by hand.
final class TestClock: Sendable {
    private let value: Mutex<Int64>

    init(milliseconds: Int64) { value = Mutex(milliseconds) }

    var now: Int64 { value.withLock { $0 } }

    func advance(by milliseconds: Int64) { value.withLock { $0 += milliseconds } }
}

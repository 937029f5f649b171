import Cryptography
import SQLite
import TestSupport
import Testing
import Wallet
import WireModels

/// `LEDGER=offline` (spec §11): decimal-string balances and transfers in the wallet's DB, one
/// SQL transaction per transfer, every answer labelled offline.
@Suite struct OfflineLedgerTests {
    let directory: TemporaryDirectory
    let database: Database
    let ledger: OfflineLedger
    let alice: Ed25519.PrivateKey
    let bob: Address

    init() throws {
        directory = try TemporaryDirectory(prefix: "aitbc-wallet-offline")
        database = try Database(path: directory.path("wallet_ledger.db"), migrator: Migrator([WalletChainSchema.migration(version: 1)]))
        ledger = OfflineLedger(database: database, now: { 1_800_000_000_000 })
        alice = try testKey(31)
        bob = Address(publicKey: try testKey(32).publicKey)
    }

    var aliceAddress: Address { Address(publicKey: alice.publicKey) }

    static func amount(_ text: String) throws -> LedgerAmount { try #require(LedgerAmount(text)) }

    @Test func aTransferMovesExactDecimalsAndIsLabelledOffline() async throws {
        try await ledger.deposit(try Self.amount("10.000000000000000001"), to: aliceAddress)
        let sent = try await ledger.transfer(TransferOrder(to: bob, amount: try Self.amount("0.1"), memo: "lunch"), key: alice)
        #expect(sent.mode == .offline)
        #expect(sent.status == .recorded)
        #expect(sent.id.hasPrefix("offline-"))
        #expect(sent.memo == "lunch")
        #expect(sent.fee == nil && sent.nonce == nil)
        let left = try await ledger.balance(of: aliceAddress)
        #expect(left.mode == .offline)
        #expect(left.balance.description == "9.900000000000000001")
        #expect(try await ledger.balance(of: bob).balance.description == "0.1")
        #expect(try await ledger.transfer(id: sent.id) == sent)
        #expect(try await ledger.history(of: bob, limit: 10) == [sent])
        // As stored: canonical decimal text, never a float.
        let stored = try await database.read { connection in
            try connection.query("SELECT amount FROM ledger_balances ORDER BY address").map { try $0.get(0, as: String.self) }
        }
        #expect(Set(stored) == ["9.900000000000000001", "0.1"])
    }

    @Test func insufficientFundsChangeNothing() async throws {
        try await ledger.deposit(try Self.amount("5"), to: aliceAddress)
        let overdraft = TransferOrder(to: bob, amount: try Self.amount("5.000000000000000001"))
        do throws(ChainAdapterError) {
            _ = try await ledger.transfer(overdraft, key: alice)
            Issue.record("an overdraft was recorded")
        } catch {
            #expect(error.code == "INSUFFICIENT_FUNDS")
            #expect(error.httpStatus == 400)
        }
        #expect(try await ledger.balance(of: aliceAddress).balance == (try Self.amount("5")))
        #expect(try await ledger.balance(of: bob).balance == .zero)
        #expect(try await ledger.history(of: aliceAddress, limit: 10).isEmpty)
    }

    @Test func concurrentTransfersNeverOverdraw() async throws {
        try await ledger.deposit(try Self.amount("10"), to: aliceAddress)
        let order = TransferOrder(to: bob, amount: try Self.amount("0.75"))
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<40 {
                group.addTask { (try? await ledger.transfer(order, key: alice)) != nil }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 13)
        #expect(try await ledger.balance(of: aliceAddress).balance.description == "0.25")
        #expect(try await ledger.balance(of: bob).balance.description == "9.75")
        #expect(try await ledger.history(of: aliceAddress, limit: 100).count == 13)
    }

    @Test func feesNoncesZeroAndLongMemosAreRefused() async throws {
        try await ledger.deposit(try Self.amount("1"), to: aliceAddress)
        let refused: [(TransferOrder, String)] = [
            (TransferOrder(to: bob, amount: .zero), "INVALID_AMOUNT"),
            (TransferOrder(to: bob, amount: try Self.amount("0.5"), fee: 1), "UNSUPPORTED"),
            (TransferOrder(to: bob, amount: try Self.amount("0.5"), memo: String(repeating: "m", count: 1_025)), "UNSUPPORTED"),
        ]
        for (order, code) in refused {
            do throws(ChainAdapterError) {
                _ = try await ledger.transfer(order, key: alice)
                Issue.record("\(order) was recorded")
            } catch {
                #expect(error.code == code)
            }
        }
        await #expect(throws: ChainAdapterError.self) { try await ledger.nextNonce(of: aliceAddress) }
        await #expect(throws: ChainAdapterError.notFound("offline-x")) { try await ledger.transfer(id: "offline-x") }
    }

    @Test func balancesSurviveReopeningTheFile() async throws {
        try await ledger.deposit(try Self.amount("3.5"), to: aliceAddress)
        _ = try await ledger.transfer(TransferOrder(to: bob, amount: try Self.amount("1.25")), key: alice)
        let reopened = OfflineLedger(
            database: try Database(path: directory.path("wallet_ledger.db"), migrator: Migrator([WalletChainSchema.migration(version: 1)])))
        #expect(try await reopened.balance(of: aliceAddress).balance.description == "2.25")
        #expect(try await reopened.history(of: aliceAddress, limit: 5).count == 1)
    }

    // MARK: - amounts

    @Test(arguments: ["0", "1", "12.5", "0.000000000000000001", "99999999999999999999.999999999999999999", "100"])
    func amountTextRoundTrips(_ text: String) throws {
        #expect(try Self.amount(text).description == text)
    }

    @Test(arguments: [
        "", ".", "1.", ".5", "-1", "+1", "1e3", "01", "00", " 1", "1 ", "1.0000000000000000001", "100000000000000000000", "1,5", "NaN",
        "١",
    ])
    func malformedAmountsAreRefused(_ text: String) {
        #expect(LedgerAmount(text) == nil)
    }

    @Test func amountsAreCanonicalAndExact() throws {
        #expect(try Self.amount("1.500").description == "1.5")
        #expect(try Self.amount("2.000") == LedgerAmount(units: 2))
        #expect(try Self.amount("7").wholeUnits == 7)
        #expect(try Self.amount("7.1").wholeUnits == nil)
        #expect(try Self.amount("0.1").adding(try Self.amount("0.2")) == (try Self.amount("0.3")))
        #expect(LedgerAmount.maximum.adding(try Self.amount("0.000000000000000001")) == nil)
        #expect(try Self.amount("1").subtracting(try Self.amount("1.1")) == nil)
    }
}

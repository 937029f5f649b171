import Cryptography
import JSON
import Ledger
import Testing
import WireModels

/// Random sequences of valid and invalid transfers and claims (spec §18 N7, N8): the supply is
/// always genesis plus mints, no balance leaves 0…Int64.max, and replaying the same blocks on
/// a fresh ledger reproduces every decision and every state root.
// Serialized, and yielding once per block: 200 CPU-bound cases queued at once on the two
// cooperative threads starved every in-process server of the other suites for ~20 s (their
// requests timed out). One case at a time leaves the other thread and the gaps to them.
@Suite(.serialized) struct LedgerPropertyTests {
    static let accountKeys = (0..<6).map { Keys.numbered($0, family: "property") }
    static let accountAddresses = accountKeys.map(Keys.address)
    /// Receive transfers but never send: accounts that appear mid-sequence.
    static let strangers = (0..<3).map { Keys.address(Keys.numbered($0, family: "stranger")) }
    static let unitChoices: [JSONValue] = [.float(0.5), .float(1.25), .float(0.29), .integer(JSONInteger(3)), .float(12.5), .float(0.001), .float(0.0)]

    /// One block as produced: its proposer and transactions, and which of them applied.
    struct ProducedBlock {
        var proposer: Address
        var transactions: [VerifiedTransaction]
        var applied: [Bool]
        var stateRoot: [UInt8]
    }

    @Test(arguments: 0..<64)
    func supplyIsGenesisPlusMintsAndReplayReproducesEveryStateRoot(sequence: Int) async throws {
        var random = SeededGenerator(seed: 0xC0FFEE &+ UInt64(sequence) &* 0x1_0000_0001)
        let genesis = GenesisDocument(
            chainID: ChainFixture.chainID, timestamp: 1_727_400_000, authorities: [.init(publicKey: Keys.proposer.publicKey)],
            accounts: Self.accountAddresses.prefix(4).map { .init(address: $0, balance: UInt64.random(in: 0...200_000, using: &random)) },
            coordinatorKeys: [Keys.coordinator.publicKey])
        let rules = ReceiptClaimRules(coordinatorKeys: genesis.coordinatorKeys, parameters: genesis.parameters)
        var ledger = InMemoryLedger(genesis: genesis)
        var tree = StateTree(accounts: ledger.accounts.values)
        var minted: UInt64 = 0
        var usedReceipts: [JSONValue] = []
        var produced: [ProducedBlock] = []
        var remaining = 50

        while remaining > 0 {
            await Task.yield()
            let count = min(remaining, Int.random(in: 1...8, using: &random))
            remaining -= count
            let proposer = Bool.random(using: &random) ? Keys.address(Keys.proposer) : Self.accountAddresses.randomElement(using: &random) ?? Self.strangers[0]
            var block = try BlockExecution(parameters: genesis.parameters, rules: rules, proposer: proposer, reader: ledger)
            var record = ProducedBlock(proposer: proposer, transactions: [], applied: [], stateRoot: [])
            for _ in 0..<count {
                let tx = try Self.randomTransaction(block: block, genesis: genesis, used: &usedReceipts, random: &random)
                var applied = true
                do {
                    try block.apply(tx)
                } catch {
                    guard case .rejected = error else { throw error }
                    applied = false
                }
                record.transactions.append(tx)
                record.applied.append(applied)
            }
            for claim in block.claims { minted += claim.claim.minted + claim.claim.coordinatorAmount }
            ledger.commit(block)
            for account in block.changedAccounts.values { tree.update(account) }
            record.stateRoot = tree.root
            produced.append(record)

            // Σ balances == genesis supply + Σ mints == the supply the block reports.
            var total: UInt64 = 0
            for account in ledger.accounts.values {
                #expect(account.balance <= UInt64(Int64.max))
                let (sum, overflow) = total.addingReportingOverflow(account.balance)
                #expect(!overflow)
                total = sum
            }
            #expect(total == genesis.supply + minted, "sequence \(sequence) block \(produced.count)")
            #expect(block.supplyAfter == genesis.supply + minted)
            #expect(ledger.supply == block.supplyAfter)
        }
        #expect(produced.flatMap(\.applied).contains(true), "sequence \(sequence) applied nothing")

        // Replay on a fresh ledger: the same decisions and the same roots, block by block.
        var replayLedger = InMemoryLedger(genesis: genesis)
        var replayTree = StateTree(accounts: replayLedger.accounts.values)
        for (height, record) in produced.enumerated() {
            var block = try BlockExecution(parameters: genesis.parameters, rules: rules, proposer: record.proposer, reader: replayLedger)
            for (tx, wasApplied) in zip(record.transactions, record.applied) {
                let applied = (try? block.apply(tx)) != nil
                #expect(applied == wasApplied, "sequence \(sequence) block \(height + 1) tx \(tx.id)")
            }
            replayLedger.commit(block)
            for account in block.changedAccounts.values { replayTree.update(account) }
            #expect(replayTree.root == record.stateRoot, "sequence \(sequence) block \(height + 1)")
        }
        #expect(replayLedger.accounts == ledger.accounts)
        #expect(replayLedger.claimedReceipts == ledger.claimedReceipts)
        var scratch = StateTree(accounts: ledger.accounts.values)
        #expect(scratch.root == produced.last?.stateRoot)
    }

    /// A transfer or claim, valid most of the time; the rest break one rule each.
    static func randomTransaction(
        block: BlockExecution, genesis: GenesisDocument, used: inout [JSONValue], random: inout SeededGenerator
    ) throws -> VerifiedTransaction {
        let senderIndex = Int.random(in: 0..<accountKeys.count, using: &random)
        let key = accountKeys[senderIndex]
        let sender = try block.account(accountAddresses[senderIndex])
        var nonce = sender.nonce + 1
        switch Int.random(in: 0..<20, using: &random) {
        case 0: nonce = sender.nonce  // stale
        case 1: nonce = sender.nonce + 2  // gap
        default: break
        }
        let payload: TransactionPayload
        if Int.random(in: 0..<10, using: &random) < 6 {
            let to = Bool.random(using: &random) ? accountAddresses.randomElement(using: &random) : strangers.randomElement(using: &random)
            let amount: UInt64
            switch Int.random(in: 0..<10, using: &random) {
            case 0: amount = sender.balance + UInt64.random(in: 0...100, using: &random)  // too much with the fee
            case 1: amount = UInt64(Int64.max)
            case 2: amount = 0
            default: amount = sender.balance == 0 ? 1 : UInt64.random(in: 1...max(1, sender.balance / 2), using: &random)
            }
            payload = .transfer(to: to ?? accountAddresses[0], amount: amount)
        } else {
            let receipt: JSONValue
            if !used.isEmpty, Int.random(in: 0..<4, using: &random) == 0 {
                receipt = used.randomElement(using: &random) ?? .null  // claimed before
            } else {
                var idBytes = [UInt8](repeating: 0, count: 16)
                for index in idBytes.indices { idBytes[index] = UInt8.random(in: 0...255, using: &random) }
                var fixture = ReceiptFixture(
                    receiptID: Hex.encode(idBytes), units: unitChoices.randomElement(using: &random) ?? .float(1),
                    payoutAddress: accountAddresses.randomElement(using: &random))
                if Int.random(in: 0..<8, using: &random) == 0 { fixture.coordinator = Keys.otherCoordinator }  // not pinned
                receipt = try fixture.make()
                used.append(receipt)
            }
            payload = .receiptClaim(receipt: receipt)
        }
        guard let minimum = FeeRule.estimate(type: payload.type, payload: payload.json, parameters: genesis.parameters)?.fee else {
            throw TxRejection.invalidReceipt(reason: "no canonical payload")
        }
        let fee = Int.random(in: 0..<15, using: &random) == 0 ? minimum - 1 : minimum + UInt64.random(in: 0...20, using: &random)
        let message = try TransactionMessage.make(chainID: genesis.chainID, key: key, nonce: nonce, fee: fee, payload: payload)
        return try VerifiedTransaction(message, chainID: genesis.chainID)
    }
}

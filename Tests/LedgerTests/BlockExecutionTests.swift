import Cryptography
import JSON
import Ledger
import Testing
import WireModels

/// The state machine, one rule per test (spec §6, §18 N6, N7, N9).
@Suite struct BlockExecutionTests {
    static let alice = Keys.address(Keys.alice)
    static let bob = Keys.address(Keys.bob)
    static let miner = Keys.address(Keys.miner)
    static let coordinator = Keys.address(Keys.coordinator)

    /// Everything a block has changed so far, to compare before and after a refused transaction.
    struct Snapshot: Equatable {
        var changed: [Address: AccountState]
        var claims: [BlockExecution.IncludedClaim]
        var supply: UInt64

        init(_ block: BlockExecution) {
            changed = block.changedAccounts
            claims = block.claims
            supply = block.supplyAfter
        }
    }

    static func totalBalance(_ ledger: InMemoryLedger) -> UInt64 {
        ledger.accounts.values.reduce(0) { $0 + $1.balance }
    }

    @Test func transferMovesTheAmountPaysTheFeeToTheProposerAndBumpsTheNonce() throws {
        var chain = ChainFixture()
        var block = try chain.block()
        let tx = try chain.transfer(Keys.alice, to: Self.bob, amount: 1_000, nonce: 1)
        let fee = tx.message.fee
        #expect(fee == FeeRule.minimumFee(for: tx, parameters: chain.genesis.parameters))
        try block.apply(tx)
        #expect(try block.account(Self.alice) == AccountState(address: Self.alice, balance: ChainFixture.aliceBalance - 1_000 - fee, nonce: 1))
        #expect(try block.account(Self.bob) == AccountState(address: Self.bob, balance: 1_500, nonce: 0))
        #expect(try block.account(chain.proposer) == AccountState(address: chain.proposer, balance: fee, nonce: 0))
        #expect(block.changedAccounts.count == 3)
        #expect(block.claims.isEmpty)
        #expect(block.supplyAfter == chain.genesis.supply)
        chain.ledger.commit(block)
        #expect(chain.ledger.account(Self.alice).nonce == 1)
        #expect(chain.ledger.account(chain.proposer).balance == fee)
        #expect(Self.totalBalance(chain.ledger) == chain.genesis.supply)
    }

    @Test func feeGoesToTheBlocksProposer() throws {
        let chain = ChainFixture()
        var block = try chain.block(proposer: Self.miner)
        let tx = try chain.transfer(Keys.alice, to: Self.bob, amount: 1, nonce: 1)
        try block.apply(tx)
        #expect(try block.account(Self.miner).balance == tx.message.fee)
        #expect(try block.account(chain.proposer).balance == 0)
    }

    @Test func feeBelowTheMinimumIsRefused() throws {
        let chain = ChainFixture()
        var block = try chain.block()
        let minimum = try chain.fee(for: .transfer(to: Self.bob, amount: 1))
        let tx = try chain.transfer(Keys.alice, to: Self.bob, amount: 1, nonce: 1, fee: minimum - 1)
        #expect(block.rejection(tx) == .feeTooLow(required: minimum, offered: minimum - 1))
    }

    @Test func staleNonceIsRefused() throws {
        var chain = ChainFixture()
        var block = try chain.block()
        #expect(block.rejection(try chain.transfer(Keys.alice, to: Self.bob, amount: 1, nonce: 0)) == .nonceTooLow(accountNonce: 0, got: 0))
        let first = try chain.transfer(Keys.alice, to: Self.bob, amount: 1, nonce: 1)
        try block.apply(first)
        // The same transaction again in the same block, and in a later one.
        #expect(block.rejection(first) == .nonceTooLow(accountNonce: 1, got: 1))
        chain.ledger.commit(block)
        var next = try chain.block()
        #expect(next.rejection(first) == .nonceTooLow(accountNonce: 1, got: 1))
        // Another transaction with the same (sender, nonce) cannot land either.
        #expect(next.rejection(try chain.transfer(Keys.alice, to: Self.bob, amount: 2, nonce: 1)) == .nonceTooLow(accountNonce: 1, got: 1))
    }

    @Test func nonceGapIsRefused() throws {
        let chain = ChainFixture()
        var block = try chain.block()
        #expect(block.rejection(try chain.transfer(Keys.alice, to: Self.bob, amount: 1, nonce: 3)) == .nonceGap(expected: 1, got: 3))
        try block.apply(try chain.transfer(Keys.alice, to: Self.bob, amount: 1, nonce: 1))
        #expect(block.rejection(try chain.transfer(Keys.alice, to: Self.bob, amount: 1, nonce: 3)) == .nonceGap(expected: 2, got: 3))
        try block.apply(try chain.transfer(Keys.alice, to: Self.bob, amount: 1, nonce: 2))
    }

    @Test func insufficientBalanceCountsTheFee() throws {
        let chain = ChainFixture()
        var block = try chain.block()
        let fee = try chain.fee(for: .transfer(to: Self.alice, amount: 500))
        // Bob has 500: sending all of it leaves nothing for the fee.
        #expect(block.rejection(try chain.transfer(Keys.bob, to: Self.alice, amount: 500, nonce: 1)) == .insufficientBalance(balance: 500, needed: 500 + fee))
        // Exactly balance − fee goes through and leaves 0.
        try block.apply(try chain.transfer(Keys.bob, to: Self.alice, amount: 500 - fee, nonce: 1, fee: fee))
        #expect(try block.account(Self.bob) == AccountState(address: Self.bob, balance: 0, nonce: 1))
        // An account never seen has nothing to pay with.
        let fromNobody = try chain.transfer(Keys.miner, to: Self.alice, amount: 0, nonce: 1)
        #expect(block.rejection(fromNobody) == .insufficientBalance(balance: 0, needed: fromNobody.message.fee))
    }

    @Test func amountPlusFeeOverflowIsRefused() throws {
        let chain = ChainFixture()
        var block = try chain.block()
        let tx = try chain.transfer(Keys.alice, to: Self.bob, amount: .max, nonce: 1, fee: 100)
        #expect(block.rejection(tx) == .amountOverflow)
        let fits = try chain.transfer(Keys.alice, to: Self.bob, amount: UInt64(Int64.max), nonce: 1, fee: UInt64(Int64.max))
        #expect(block.rejection(fits) == .insufficientBalance(balance: ChainFixture.aliceBalance, needed: UInt64.max - 1))
    }

    @Test func mintPastTheSupplyLimitIsRefused() throws {
        let chain = ChainFixture(accounts: [.init(address: Self.alice, balance: UInt64(Int64.max) - 13_000)])
        var block = try chain.block()
        // 12,500 minted + 625 for the coordinator is 125 too many.
        #expect(block.rejection(try chain.claim(Keys.alice, receipt: try ReceiptFixture().make(), nonce: 1)) == .amountOverflow)
        #expect(block.supplyAfter == UInt64(Int64.max) - 13_000)
        let small = ChainFixture(accounts: [.init(address: Self.alice, balance: UInt64(Int64.max) - 13_125)])
        var fits = try small.block()
        try fits.apply(try small.claim(Keys.alice, receipt: try ReceiptFixture().make(), nonce: 1))
        #expect(fits.supplyAfter == UInt64(Int64.max))
    }

    @Test func selfTransferCostsOnlyTheFee() throws {
        let chain = ChainFixture()
        var block = try chain.block()
        let tx = try chain.transfer(Keys.alice, to: Self.alice, amount: 5_000, nonce: 1)
        try block.apply(tx)
        #expect(try block.account(Self.alice) == AccountState(address: Self.alice, balance: ChainFixture.aliceBalance - tx.message.fee, nonce: 1))
        // Sending more than the balance to oneself is still refused: the debit comes first.
        #expect(block.rejection(try chain.transfer(Keys.alice, to: Self.alice, amount: ChainFixture.aliceBalance, nonce: 2)) != nil)
    }

    @Test func proposerSendingPaysItsOwnFee() throws {
        let proposer = Keys.address(Keys.proposer)
        let chain = ChainFixture(accounts: [.init(address: proposer, balance: 10_000)])
        var block = try chain.block()
        try block.apply(try chain.transfer(Keys.proposer, to: Self.bob, amount: 1_000, nonce: 1))
        #expect(try block.account(proposer) == AccountState(address: proposer, balance: 9_000, nonce: 1))
        #expect(try block.account(Self.bob).balance == 1_000)
        // But the fee must still be covered before it comes back.
        let fee = try chain.fee(for: .transfer(to: Self.bob, amount: 9_000))
        #expect(block.rejection(try chain.transfer(Keys.proposer, to: Self.bob, amount: 9_000, nonce: 2)) == .insufficientBalance(balance: 9_000, needed: 9_000 + fee))
    }

    @Test func claimMintsFirstSoAMinerWithNothingCanPayItsFee() throws {
        var chain = ChainFixture()
        var block = try chain.block()
        let receipt = try ReceiptFixture().make()
        let tx = try chain.claim(Keys.miner, receipt: receipt, nonce: 1)
        let fee = tx.message.fee
        #expect(fee > 0 && chain.ledger.account(Self.miner).balance == 0)
        try block.apply(tx)
        #expect(try block.account(Self.miner) == AccountState(address: Self.miner, balance: 12_500 - fee, nonce: 1))
        #expect(try block.account(Self.coordinator).balance == 625)
        #expect(try block.account(chain.proposer).balance == fee)
        #expect(block.supplyAfter == chain.genesis.supply + 12_500 + 625)
        #expect(block.claims.map(\.txID) == [tx.id])
        #expect(block.claims.first?.claim.minted == 12_500)
        #expect(try block.isClaimed(try #require(ReceiptID("fedcba9876543210fedcba9876543210"))))
        chain.ledger.commit(block)
        #expect(chain.ledger.supply == chain.genesis.supply + 13_125)
        #expect(Self.totalBalance(chain.ledger) == chain.ledger.supply)
        #expect(chain.ledger.claimedReceipts.contains(try #require(ReceiptID("fedcba9876543210fedcba9876543210"))))
    }

    @Test func claimSentByAnotherAccountPaysTheMinerAndChargesTheSender() throws {
        let chain = ChainFixture()
        var block = try chain.block()
        let tx = try chain.claim(Keys.alice, receipt: try ReceiptFixture().make(), nonce: 1)
        try block.apply(tx)
        #expect(try block.account(Self.miner) == AccountState(address: Self.miner, balance: 12_500, nonce: 0))
        #expect(try block.account(Self.alice) == AccountState(address: Self.alice, balance: ChainFixture.aliceBalance - tx.message.fee, nonce: 1))
        // A sender with nothing cannot pay for someone else's claim: nothing is minted.
        var other = try chain.block()
        #expect(other.rejection(try chain.claim(Keys.otherMiner, receipt: try ReceiptFixture().make(), nonce: 1)) == .insufficientBalance(balance: 0, needed: tx.message.fee))
        #expect(other.changedAccounts.isEmpty && other.claims.isEmpty && other.supplyAfter == chain.genesis.supply)
    }

    @Test func receiptClaimedTwiceInOneBlockIsRefused() throws {
        let chain = ChainFixture()
        var block = try chain.block()
        let receipt = try ReceiptFixture().make()
        try block.apply(try chain.claim(Keys.miner, receipt: receipt, nonce: 1))
        let again = try chain.claim(Keys.alice, receipt: receipt, nonce: 1)
        #expect(block.rejection(again) == .receiptAlreadyClaimed(receiptID: "fedcba9876543210fedcba9876543210"))
        // The same receipt id under another (valid) signature is the same receipt.
        var fixture = ReceiptFixture()
        fixture.claim = fixture.claim.setting("duration_ms", 11_999)
        #expect(block.rejection(try chain.claim(Keys.alice, receipt: try fixture.make(), nonce: 1)) == .receiptAlreadyClaimed(receiptID: "fedcba9876543210fedcba9876543210"))
        #expect(block.claims.count == 1)
    }

    @Test func receiptClaimedInAnEarlierBlockIsRefused() throws {
        var chain = ChainFixture()
        var block = try chain.block()
        let receipt = try ReceiptFixture().make()
        try block.apply(try chain.claim(Keys.miner, receipt: receipt, nonce: 1))
        chain.ledger.commit(block)
        var next = try chain.block()
        #expect(next.rejection(try chain.claim(Keys.miner, receipt: receipt, nonce: 2)) == .receiptAlreadyClaimed(receiptID: "fedcba9876543210fedcba9876543210"))
        // Another receipt still mints.
        try next.apply(try chain.claim(Keys.miner, receipt: try ReceiptFixture(receiptID: "00112233445566778899aabbccddeeff").make(), nonce: 2))
    }

    @Test func invalidClaimIsRefusedWithTheRulesReason() throws {
        let chain = ChainFixture()
        var block = try chain.block()
        var fixture = ReceiptFixture()
        fixture.coordinator = Keys.otherCoordinator
        #expect(block.rejection(try chain.claim(Keys.alice, receipt: try fixture.make(), nonce: 1)) == .unknownCoordinatorKey(keyID: Keys.otherCoordinator.publicKey.keyID))
    }

    @Test func refusedTransactionsLeaveTheBlockUnchanged() throws {
        let chain = ChainFixture()
        var block = try chain.block()
        let receipt = try ReceiptFixture().make()
        try block.apply(try chain.transfer(Keys.alice, to: Self.bob, amount: 10, nonce: 1))
        try block.apply(try chain.claim(Keys.miner, receipt: receipt, nonce: 1))
        let before = Snapshot(block)
        let refused: [VerifiedTransaction] = [
            try chain.transfer(Keys.bob, to: Self.alice, amount: 10_000, nonce: 1),  // insufficient
            try chain.transfer(Keys.alice, to: Self.bob, amount: 1, nonce: 5),  // gap
            try chain.transfer(Keys.alice, to: Self.bob, amount: 1, nonce: 2, fee: 1),  // fee too low
            try chain.claim(Keys.alice, receipt: receipt, nonce: 2),  // claimed
            // Mints 12,500 before the 20,000 fee fails: the mint must be undone too.
            try chain.claim(Keys.otherMiner, receipt: try ReceiptFixture(receiptID: "00112233445566778899aabbccddeeff").make(), nonce: 1, fee: 20_000),
        ]
        for tx in refused {
            #expect(throws: ExecutionFailure.self) { try block.check(tx) }
            #expect(block.rejection(tx) != nil)
            #expect(Snapshot(block) == before)
        }
        // check() reports what apply would do without doing it.
        let next = try chain.transfer(Keys.alice, to: Self.bob, amount: 10, nonce: 2)
        let planned = try block.check(next)
        #expect(planned.contains { $0.address == Self.alice && $0.nonce == 2 })
        #expect(Snapshot(block) == before)
    }
}

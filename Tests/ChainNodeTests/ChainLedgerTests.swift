import ChainNode
import Cryptography
import Foundation
import JSON
import Ledger
import SQLite
import Logging
import TestSupport
import Testing
import WireModels

@Suite struct ChainLedgerTests {
    @Test func aTransferIsIncludedAndMovesBalanceFeeAndNonce() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open()
        let bob = ChainFixture.address(Ed25519.PrivateKey.generate())
        let tx = try fixture.transfer(from: fixture.faucet, to: bob, amount: 5_000, nonce: 1)
        let accepted = try await chain.submit(tx)
        #expect(accepted.status == .pending)
        #expect(try await chain.transaction(accepted.txHash).status == .pending)
        let produced = try await chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        #expect(produced.included == [accepted.txHash])
        #expect(produced.block.height == 1)
        let view = try await chain.transaction(accepted.txHash)
        #expect(view.status == .included && view.blockHeight == 1)
        #expect(try await chain.account(bob).balance == 5_000)
        let faucet = try await chain.account(ChainFixture.address(fixture.faucet))
        #expect(faucet.nonce == 1)
        #expect(faucet.balance == ChainFixture.faucetBalance - 5_000 - tx.fee)
        #expect(try await chain.account(ChainFixture.address(fixture.authority)).balance == tx.fee)
        let block = try await chain.block(height: 1)
        #expect(block.txs == [accepted.txHash] && block.stateRoot.bytes == produced.block.header.stateRoot)
        #expect(produced.block.header.isValidSignature(produced.block.signature))
    }

    @Test func aReplayedIncludedTransactionIsRefused() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open()
        let tx = try fixture.transfer(from: fixture.faucet, to: ChainFixture.address(fixture.coordinator), amount: 1, nonce: 1)
        _ = try await chain.submit(tx)
        _ = try await chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        await #expect(throws: ChainError.self) { try await chain.submit(tx) }
        do {
            _ = try await chain.submit(tx)
        } catch {
            #expect(error.code == "TX_ALREADY_INCLUDED" && error.status == 409)
        }
    }

    @Test func theSameSignedTransactionForAnotherChainIsRefused() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open()
        let tx = try fixture.transfer(from: fixture.faucet, to: ChainFixture.address(fixture.coordinator), amount: 1, nonce: 1, chainID: "ait-other")
        let refused1 = await ChainFixture.refusal(chain, tx)
        #expect(refused1 != nil, "accepted a transaction for another chain")
        #expect(refused1?.code == "WRONG_CHAIN")
    }

    @Test func twoTransactionsWithOneSenderAndNonceNeverBothLand() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open()
        let first = try fixture.transfer(from: fixture.faucet, to: ChainFixture.address(fixture.coordinator), amount: 1, nonce: 1, fee: 100)
        let cheaper = try fixture.transfer(from: fixture.faucet, to: ChainFixture.address(fixture.authority), amount: 2, nonce: 1, fee: 99)
        let richer = try fixture.transfer(from: fixture.faucet, to: ChainFixture.address(fixture.authority), amount: 3, nonce: 1, fee: 200)
        _ = try await chain.submit(first)
        let refused2 = await ChainFixture.refusal(chain, cheaper)
        #expect(refused2 != nil, "an underpriced replacement was admitted")
        #expect(refused2?.code == "REPLACEMENT_UNDERPRICED")
        let replaced = try await chain.submit(richer)
        let produced = try await chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        #expect(produced.included == [replaced.txHash])
        await #expect(throws: ChainError.self) { try await chain.submit(first) }
    }

    @Test func aTransferBeyondTheBalanceIsRefusedAtAdmission() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open()
        let poor = Ed25519.PrivateKey.generate()
        let tx = try fixture.transfer(from: poor, to: ChainFixture.address(fixture.faucet), amount: 1, nonce: 1)
        let refused3 = await ChainFixture.refusal(chain, tx)
        #expect(refused3 != nil, "admitted a transfer from an empty account")
        #expect(refused3?.code == "INSUFFICIENT_BALANCE")
    }

    @Test func aNonceGapAndAStaleNonceAreRefusedWithTheirReasons() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open()
        let to = ChainFixture.address(fixture.coordinator)
        let refused4 = try await ChainFixture.refusal(chain, fixture.transfer(from: fixture.faucet, to: to, amount: 1, nonce: 2))
        #expect(refused4 != nil, "admitted a gap")
        #expect(refused4?.code == "NONCE_GAP")
        let refused5 = try await ChainFixture.refusal(chain, fixture.transfer(from: fixture.faucet, to: to, amount: 1, nonce: 0))
        #expect(refused5 != nil, "admitted nonce 0")
        #expect(refused5?.code == "NONCE_TOO_LOW")
    }

    @Test func aBadSignatureIsRefused() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open()
        var tx = try fixture.transfer(from: fixture.faucet, to: ChainFixture.address(fixture.coordinator), amount: 1, nonce: 1)
        tx.payload = .transfer(to: ChainFixture.address(fixture.coordinator), amount: 1_000)
        let refused6 = await ChainFixture.refusal(chain, tx)
        #expect(refused6 != nil, "admitted an altered transaction")
        #expect(refused6?.code == "BAD_SIGNATURE")
    }

    @Test func aMinersReceiptMintsToItsPayoutAddressOnceAndTheCoordinatorGetsItsRatio() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open()
        let miner = Ed25519.PrivateKey.generate()
        let receipt = try fixture.receipt(miner: miner)
        // The miner has nothing: the claim's fee is paid from what it mints.
        let claim = try fixture.claim(receipt, from: miner, nonce: 1)
        let accepted = try await chain.submit(claim)
        let produced = try await chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        #expect(produced.included == [accepted.txHash])
        let minerAccount = try await chain.account(ChainFixture.address(miner))
        #expect(minerAccount.balance == 12_500 - claim.fee)
        #expect(try await chain.account(ChainFixture.address(fixture.coordinator)).balance == 625)
        let record = try await chain.receipt(try #require(ReceiptID(String(repeating: "a", count: 32))))
        #expect(record.mintedAmount == 12_500 && record.coordinatorAmount == 625 && record.txHash == accepted.txHash)
        #expect(produced.block.supply == ChainFixture.faucetBalance + 12_500 + 625)
        // Claimed twice (by anyone) is refused.
        let again = try fixture.claim(receipt, from: fixture.faucet, nonce: 1)
        let refused7 = await ChainFixture.refusal(chain, again)
        #expect(refused7 != nil, "a receipt was claimable twice")
        #expect(refused7?.code == "RECEIPT_ALREADY_CLAIMED")
    }

    @Test func aReceiptSignedByAKeyGenesisDoesNotPinIsRefused() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open()
        let miner = Ed25519.PrivateKey.generate()
        let receipt = try fixture.receipt(miner: miner, signer: Ed25519.PrivateKey.generate())
        let refused8 = try await ChainFixture.refusal(chain, fixture.claim(receipt, from: miner, nonce: 1))
        #expect(refused8 != nil, "minted from an unpinned coordinator key")
        #expect(refused8?.code == "UNKNOWN_COORDINATOR_KEY")
    }

    @Test func aReceiptWhoseWorkClaimDoesNotMatchIsRefused() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open()
        let miner = Ed25519.PrivateKey.generate()
        let receipt = try fixture.receipt(miner: miner, units: 12.5, claimUnits: 99)
        let refused9 = try await ChainFixture.refusal(chain, fixture.claim(receipt, from: fixture.faucet, nonce: 1))
        #expect(refused9 != nil, "minted from a mismatched work claim")
        #expect(refused9?.code == "WORK_CLAIM_MISMATCH")
    }

    @Test func emptyBlocksAreLinkedSignedAndTimed() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open()
        var parent = chain.head
        for step in 1...5 {
            let produced = try await chain.produceBlock(timeMilliseconds: 1_800_000_000_000 + UInt64(step) * 2_000)
            #expect(produced.block.header.parentHash == parent.hash.bytes)
            #expect(produced.block.header.timeMilliseconds > parent.header.timeMilliseconds)
            #expect(produced.block.txCount == 0)
            parent = produced.block
        }
        #expect(chain.head.height == 5)
        let report = try await ChainReplay(store: chain.store).run()
        #expect(report.blocks == 5)
    }

    @Test func aFollowerNeverProduces() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open(proposer: false)
        #expect(!chain.isAuthority)
        await #expect(throws: Chain.ProductionError.self) { try await chain.produceBlock(timeMilliseconds: 1_800_000_002_000) }
    }

    @Test func sameGenesisGivesByteIdenticalBlockZeroAndAnotherGenesisIsRefused() async throws {
        let fixture = try ChainFixture()
        let first = try await fixture.open()
        let blockZero = try await first.block(height: 0)
        let other = try TemporaryDirectory(prefix: "chain-other")
        let second = try await Chain.open(path: other.path("chain.db"), genesis: fixture.genesis, proposerKey: nil, logger: .init(label: "t"))
        #expect(try await second.block(height: 0) == blockZero)
        var changed = fixture.genesis
        changed.parameters.baseFee += 1
        await #expect(throws: ChainStoreError.self) {
            _ = try await Chain.open(path: fixture.databasePath, genesis: changed, proposerKey: nil, logger: .init(label: "t"))
        }
    }

    @Test func aTamperedBalanceRowIsDetectedAndNamedAtStart() async throws {
        let fixture = try ChainFixture()
        let bob = ChainFixture.address(Ed25519.PrivateKey.generate())
        do {
            let chain = try await fixture.open()
            _ = try await chain.submit(try fixture.transfer(from: fixture.faucet, to: bob, amount: 10, nonce: 1))
            _ = try await chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        }
        let database = try Database(path: fixture.databasePath)
        try await database.write { connection in
            try connection.execute("UPDATE account SET balance = 1000000 WHERE address = ?", [bob.rawValue])
        }
        do {
            _ = try await fixture.open()
            Issue.record("started on a tampered account table")
        } catch let error as ChainStoreError {
            #expect("\(error)".contains(bob.rawValue))
        }
    }

    @Test func pendingTransactionsSurviveARestart() async throws {
        let fixture = try ChainFixture()
        let bob = ChainFixture.address(Ed25519.PrivateKey.generate())
        let id: TxHash
        do {
            let chain = try await fixture.open()
            id = try await chain.submit(try fixture.transfer(from: fixture.faucet, to: bob, amount: 10, nonce: 1)).txHash
        }
        let reopened = try await fixture.open()
        #expect(try await reopened.transaction(id).status == .pending)
        let produced = try await reopened.produceBlock(timeMilliseconds: 1_800_000_002_000)
        #expect(produced.included == [id])
    }

    @Test func theMempoolRefusesBeyondItsBoundWith429() async throws {
        let fixture = try ChainFixture()
        let chain = try await fixture.open(limits: Mempool.Limits(maxTransactions: 2, maxBytes: 1 << 20))
        let to = ChainFixture.address(fixture.coordinator)
        _ = try await chain.submit(try fixture.transfer(from: fixture.faucet, to: to, amount: 1, nonce: 1))
        _ = try await chain.submit(try fixture.transfer(from: fixture.faucet, to: to, amount: 1, nonce: 2))
        let refused10 = try await ChainFixture.refusal(chain, fixture.transfer(from: fixture.faucet, to: to, amount: 1, nonce: 3))
        #expect(refused10 != nil, "the mempool grew past its bound")
        #expect(refused10?.status == 429 && refused10?.code == "MEMPOOL_FULL")
    }

    @Test func blocksTakeTheHighestFeesFirstAndAtMostMaxBlockTxs() async throws {
        var parameters = ChainParameters()
        parameters.maxBlockTransactions = 2
        let alice = Ed25519.PrivateKey.generate()
        let carol = Ed25519.PrivateKey.generate()
        let fixture = try ChainFixture(parameters: parameters, extraAccounts: [
            .init(address: ChainFixture.address(alice), balance: 1_000_000), .init(address: ChainFixture.address(carol), balance: 1_000_000),
        ])
        let chain = try await fixture.open()
        let to = ChainFixture.address(fixture.coordinator)
        let low = try await chain.submit(try fixture.transfer(from: fixture.faucet, to: to, amount: 1, nonce: 1, fee: 100))
        let high = try await chain.submit(try fixture.transfer(from: alice, to: to, amount: 1, nonce: 1, fee: 500))
        let middle = try await chain.submit(try fixture.transfer(from: carol, to: to, amount: 1, nonce: 1, fee: 300))
        let first = try await chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        #expect(first.included == [high.txHash, middle.txHash])
        let second = try await chain.produceBlock(timeMilliseconds: 1_800_000_004_000)
        #expect(second.included == [low.txHash])
    }

    @Test func aDeletedReceiptRowStopsTheNodeSoTheReceiptCannotMintTwice() async throws {
        let fixture = try ChainFixture()
        let miner = Ed25519.PrivateKey.generate()
        let receipt = try fixture.receipt(miner: miner)
        do {
            let chain = try await fixture.open()
            _ = try await chain.submit(try fixture.claim(receipt, from: miner, nonce: 1))
            _ = try await chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        }
        let database = try Database(path: fixture.databasePath)
        try await database.write { connection in try connection.execute("DELETE FROM receipt") }
        do {
            _ = try await fixture.open()
            Issue.record("started with a claim whose receipt row is gone")
        } catch let error as ChainStoreError {
            #expect("\(error)".contains("receipt table"))
        }
    }

    @Test func verifyingTheTablesNamesEveryRowThatDiffersFromReExecution() async throws {
        let fixture = try ChainFixture()
        let miner = Ed25519.PrivateKey.generate()
        let bob = ChainFixture.address(Ed25519.PrivateKey.generate())
        let chain = try await fixture.open()
        _ = try await chain.submit(try fixture.claim(try fixture.receipt(miner: miner), from: miner, nonce: 1))
        _ = try await chain.submit(try fixture.transfer(from: fixture.faucet, to: bob, amount: 10, nonce: 1))
        _ = try await chain.produceBlock(timeMilliseconds: 1_800_000_002_000)
        let replay = ChainReplay(store: chain.store)
        #expect(try await replay.differences(from: try await replay.run()).isEmpty)
        try await chain.store.database.write { connection in
            try connection.execute("UPDATE account SET balance = balance + 1 WHERE address = ?", [bob.rawValue])
            try connection.execute("UPDATE receipt SET minted_amount = minted_amount * 2")
        }
        let differences = try await replay.differences(from: try await replay.run())
        #expect(differences.accounts == [bob.rawValue])
        #expect(differences.receipts == [String(repeating: "a", count: 32)])
    }
}

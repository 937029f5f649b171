import Cryptography
import Foundation
import JSON
import Ledger
import Testing
import WireModels

/// N authorities (docs/chain-node.md "Authorities and forks"): `slot_timeout_ms`, the slot offset
/// of a block, who is scheduled for (height, offset), and the header rules that follow.
@Suite struct SlotScheduleTests {
    static let authorities = [Keys.proposer, Keys.alice, Keys.bob]

    /// Three authorities, block time 2 s, slot timeout `slotTimeout` (nil: the default).
    static func genesis(slotTimeout: UInt64? = nil, authorities: [Ed25519.PrivateKey] = authorities) -> GenesisDocument {
        var parameters = ChainParameters()
        parameters.blockTimeMilliseconds = 2_000
        parameters.slotTimeoutSetting = slotTimeout
        return GenesisDocument(
            chainID: "ait-devnet", timestamp: 1_727_400_000, authorities: authorities.map { .init(publicKey: $0.publicKey) },
            accounts: [.init(address: Keys.address(Keys.alice), balance: 1_000)], parameters: parameters, coordinatorKeys: [])
    }

    /// An empty block at `height` on `parent`, at `time`, signed by `key`.
    static func block(on parent: BlockHeader, genesis: GenesisDocument, time: UInt64, key: Ed25519.PrivateKey) -> (BlockHeader, [UInt8]) {
        let header = BlockHeader(
            chainID: genesis.chainID, height: parent.height + 1, parentHash: parent.hash, timeMilliseconds: time,
            proposerKey: key.publicKey.rawRepresentation, txRoot: Merkle.emptyRoot, stateRoot: parent.stateRoot, receiptsRoot: Merkle.emptyRoot)
        return (header, header.sign(with: key))
    }

    static func refusal(
        _ header: BlockHeader, _ signature: [UInt8], parent: BlockHeader, genesis: GenesisDocument, now: UInt64? = nil
    ) -> BlockRejection? {
        do {
            try BlockRules.checkHeader(
                header, signature: signature, parent: parent, parentHash: parent.hash, genesis: genesis,
                clock: now.map { BlockRules.Clock(nowMilliseconds: $0, maxDriftMilliseconds: 2_000) })
            return nil
        } catch {
            return error
        }
    }

    // MARK: slot_timeout_ms

    @Test func slotTimeoutDefaultsToTwiceTheBlockTimeAndIsLeftOutOfTheFile() throws {
        let genesis = Self.genesis()
        #expect(genesis.parameters.slotTimeoutMilliseconds == 4_000)
        #expect(genesis.json["params"]?["slot_timeout_ms"] == nil)
        let parsed = try GenesisDocument(bytes: genesis.fileBytes)
        #expect(parsed.parameters.slotTimeoutSetting == nil && parsed.fileBytes == genesis.fileBytes)
    }

    @Test func aFileWithoutSlotTimeoutKeepsItsBlockZeroHash() throws {
        // The committed vector's genesis has no slot_timeout_ms: read back, its block 0 is unchanged.
        let vectors = try LedgerVectors.load()
        let genesis = VectorTests.vectorGenesis()
        let parsed = try GenesisDocument(bytes: genesis.fileBytes)
        #expect(hex(parsed.genesisHeader.hash) == (try LedgerVectors.string(vectors, "genesis", "header_hash")))
        #expect(hex(parsed.documentHash) == (try LedgerVectors.string(vectors, "genesis", "document_hash")))
    }

    @Test func aSetSlotTimeoutIsWrittenReadBackAndHashed() throws {
        let genesis = Self.genesis(slotTimeout: 7_000)
        #expect(genesis.parameters.slotTimeoutMilliseconds == 7_000)
        let text = String(decoding: genesis.fileBytes, as: UTF8.self)
        #expect(text.contains("\"mint_per_unit\": 1000,\n    \"slot_timeout_ms\": 7000\n"))
        let parsed = try GenesisDocument(bytes: genesis.fileBytes)
        #expect(parsed == genesis && parsed.fileBytes == genesis.fileBytes)
        #expect(parsed.genesisHeader.hash != Self.genesis().genesisHeader.hash)
    }

    @Test(arguments: [0, 49, 86_400_001, "4000", 4000.5] as [JSONValue])
    func anOutOfRangeSlotTimeoutIsRefusedByName(_ value: JSONValue) {
        let json = GenesisTests.withParam("slot_timeout_ms", value)
        #expect(GenesisTests.refusal(json)?.hasPrefix("params.slot_timeout_ms: must be an integer in 50…86400000") == true)
    }

    // MARK: the schedule

    @Test func theSlotOffsetCountsWholeTimeoutsAfterTheBlockTime() {
        let genesis = Self.genesis()
        let parent: UInt64 = 1_000_000
        #expect(genesis.slotOffset(time: parent + 1, parentTime: parent) == 0)
        #expect(genesis.slotOffset(time: parent + 2_000, parentTime: parent) == 0)
        #expect(genesis.slotOffset(time: parent + 5_999, parentTime: parent) == 0)
        #expect(genesis.slotOffset(time: parent + 6_000, parentTime: parent) == 1)
        #expect(genesis.slotOffset(time: parent + 10_000, parentTime: parent) == 2)
        #expect(genesis.slotOffset(time: UInt64.max, parentTime: parent) > 0)
    }

    @Test func theNextAuthorityInLineTakesEachMissedSlot() {
        let genesis = Self.genesis()
        let keys = Self.authorities.map(\.publicKey)
        // Height 4, N = 3: offset 0 → authorities[1], 1 → [2], 2 → [0], 3 → [1] again.
        #expect((0...3).map { genesis.scheduledAuthority(height: 4, offset: $0).publicKey } == [keys[1], keys[2], keys[0], keys[1]])
        #expect(genesis.scheduledAuthority(height: 4).publicKey == keys[1])
        #expect(genesis.scheduledAuthority(height: .max, offset: .max).publicKey == keys[Int((UInt64.max % 3 + UInt64.max % 3) % 3)])
        #expect(genesis.nextOffset(height: 4, authorityIndex: 1, notBefore: 0) == 0)
        #expect(genesis.nextOffset(height: 4, authorityIndex: 0, notBefore: 0) == 2)
        #expect(genesis.nextOffset(height: 4, authorityIndex: 1, notBefore: 1) == 3)
        #expect(genesis.authorityIndex(of: Keys.bob.publicKey) == 2 && genesis.authorityIndex(of: Keys.miner.publicKey) == nil)
    }

    // MARK: the header rules

    @Test func aBlockInAnotherAuthoritysSlotIsNotScheduled() {
        let genesis = Self.genesis()
        let parent = genesis.genesisHeader
        let start = parent.timeMilliseconds
        // Height 1's first slot is authorities[1]'s (alice); bob is next in line.
        let (early, earlySignature) = Self.block(on: parent, genesis: genesis, time: start + 2_000, key: Keys.bob)
        #expect(Self.refusal(early, earlySignature, parent: parent, genesis: genesis) == .notScheduled)
        let (own, ownSignature) = Self.block(on: parent, genesis: genesis, time: start + 2_000, key: Keys.alice)
        #expect(Self.refusal(own, ownSignature, parent: parent, genesis: genesis) == nil)
    }

    @Test func theBackupAuthorityIsAcceptedOnlyAfterTheTimeout() {
        let genesis = Self.genesis()
        let parent = genesis.genesisHeader
        let start = parent.timeMilliseconds
        // One millisecond before alice's slot times out, bob's block is still refused …
        let (before, beforeSignature) = Self.block(on: parent, genesis: genesis, time: start + 2_000 + 3_999, key: Keys.bob)
        #expect(Self.refusal(before, beforeSignature, parent: parent, genesis: genesis) == .notScheduled)
        // … at the timeout it is bob's slot, and no longer alice's.
        let (backup, backupSignature) = Self.block(on: parent, genesis: genesis, time: start + 6_000, key: Keys.bob)
        #expect(Self.refusal(backup, backupSignature, parent: parent, genesis: genesis) == nil)
        let (late, lateSignature) = Self.block(on: parent, genesis: genesis, time: start + 6_000, key: Keys.alice)
        #expect(Self.refusal(late, lateSignature, parent: parent, genesis: genesis) == .notScheduled)
        // A shorter configured timeout hands the slot over sooner.
        let quick = Self.genesis(slotTimeout: 500)
        let (soon, soonSignature) = Self.block(on: quick.genesisHeader, genesis: quick, time: start + 2_500, key: Keys.bob)
        #expect(Self.refusal(soon, soonSignature, parent: quick.genesisHeader, genesis: quick) == nil)
    }

    @Test func aBlockAheadOfTheClockByMoreThanTheDriftIsRefused() {
        let genesis = Self.genesis()
        let parent = genesis.genesisHeader
        let time = parent.timeMilliseconds + 2_000
        let (header, signature) = Self.block(on: parent, genesis: genesis, time: time, key: Keys.alice)
        #expect(Self.refusal(header, signature, parent: parent, genesis: genesis, now: time - 2_001) == .timeInFuture)
        #expect(Self.refusal(header, signature, parent: parent, genesis: genesis, now: time - 2_000) == nil)
        #expect(Self.refusal(header, signature, parent: parent, genesis: genesis, now: time + 60_000) == nil)
        #expect(BlockRejection.timeInFuture.reason == "time_in_future")
    }

    @Test func oneAuthorityOwnsEverySlot() {
        let genesis = Self.genesis(authorities: [Keys.proposer])
        let parent = genesis.genesisHeader
        for delay: UInt64 in [1, 2_000, 6_000, 3_600_000] {
            let (header, signature) = Self.block(on: parent, genesis: genesis, time: parent.timeMilliseconds + delay, key: Keys.proposer)
            #expect(Self.refusal(header, signature, parent: parent, genesis: genesis) == nil, "delay \(delay)")
        }
        let (stranger, strangerSignature) = Self.block(on: parent, genesis: genesis, time: parent.timeMilliseconds + 2_000, key: Keys.bob)
        #expect(Self.refusal(stranger, strangerSignature, parent: parent, genesis: genesis) == .unknownProposer)
    }
}

/// `StateTree.remove`, which a reorg uses to unwind the block that created an account.
@Suite struct StateTreeRemovalTests {
    @Test func removingAnAccountGivesTheRootOfATreeThatNeverHadIt() {
        let kept = (0..<20).map { AccountState(address: Keys.address(Keys.numbered($0)), balance: UInt64($0), nonce: 1) }
        let created = AccountState(address: Keys.address(Keys.numbered(99)), balance: 5, nonce: 0)
        var without = StateTree(accounts: kept)
        var tree = StateTree(accounts: kept)
        tree.update(created)
        #expect(tree.root != without.root)
        tree.remove(created.address)
        #expect(tree.root == without.root && tree.count == kept.count)
        tree.remove(created.address)
        #expect(tree.root == without.root)
    }
}

/// Which refusals are the sender's fault (a peer is banned for them) and which only say where
/// the block stands against this node's head (a fork, or the head moved meanwhile).
@Suite struct BlockRejectionBlameTests {
    @Test func onlyRefusalsOfTheBlockItselfBlameItsSender() {
        let notFaults: [BlockRejection] = [.wrongHeight(expected: 3, got: 2), .wrongParent, .timeInFuture]
        let faults: [BlockRejection] = [
            .wrongChain, .timeNotAfterParent, .unknownProposer, .notScheduled, .badSignature, .hashMismatch, .rootMismatch("state_root"),
            .invalidTransaction("bad"),
        ]
        #expect(notFaults.allSatisfy { !$0.blamesSender })
        #expect(faults.allSatisfy { $0.blamesSender })
    }
}

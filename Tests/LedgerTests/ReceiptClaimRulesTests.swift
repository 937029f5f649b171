import Cryptography
import JSON
import Ledger
import Receipts
import Testing
import WireModels

/// The offline claim rules against receipts signed the way the coordinator signs them.
@Suite struct ReceiptClaimRulesTests {
    static let rules = ReceiptClaimRules(coordinatorKeys: [Keys.coordinator.publicKey], parameters: ChainParameters())

    /// The rejection `verify` throws for `fixture`'s receipt, or nil when it passes.
    static func rejection(_ fixture: ReceiptFixture, rules: ReceiptClaimRules = rules) throws -> TxRejection? {
        let receipt = try fixture.make()
        do {
            _ = try rules.verify(receipt)
            return nil
        } catch {
            return error
        }
    }

    static func isWorkClaimMismatch(_ rejection: TxRejection?) -> Bool {
        if case .workClaimMismatch? = rejection { return true }
        return false
    }

    @Test func validReceiptMintsToTheMinerKeyAddress() throws {
        let claim = try Self.rules.verify(try ReceiptFixture().make())
        #expect(claim.minted == 12_500)  // 12.5 units × 1000
        #expect(claim.coordinatorAmount == 625)  // ⌊12500 × 0.05⌋
        #expect(claim.miner == Keys.address(Keys.miner))
        #expect(claim.coordinator == Keys.address(Keys.coordinator))
        #expect(claim.receiptID.rawValue == "fedcba9876543210fedcba9876543210")
        #expect(claim.jobID == ReceiptFixture.jobID)
        // The receipts-root leaf: SHA-256 of the receipt's canonical bytes.
        let receipt = try Receipt(json: try ReceiptFixture().make())
        #expect(claim.receiptHash == SHA256.hash(try receipt.canonicalBytes()))
    }

    @Test func validReceiptWithPayoutAddressMintsToThatAddress() throws {
        let claim = try Self.rules.verify(try ReceiptFixture(payoutAddress: Keys.address(Keys.bob)).make())
        #expect(claim.miner == Keys.address(Keys.bob))
        #expect(claim.minted == 12_500)
    }

    @Test func mintUsesTheReceiptsDecimalUnits() throws {
        // 0.29 × 1000 in binary64 is 289.99999999999997; the receipt shows 0.29.
        let claim = try Self.rules.verify(try ReceiptFixture(units: .float(0.29)).make())
        #expect(claim.minted == 290)
        #expect(claim.coordinatorAmount == 14)  // ⌊290 × 0.05⌋ = ⌊14.5⌋
    }

    @Test func integerUnitsInTheClaimMatchFloatUnitsInTheReceipt() throws {
        // The coordinator reads a claim's units as a number (WorkClaim), so `2` and `2.0` agree there;
        // the chain must agree too or the receipt could never be claimed.
        var fixture = ReceiptFixture(units: .float(2.0))
        fixture.claim = fixture.claim.setting("units", 2)
        #expect(try Self.rules.verify(try fixture.make()).minted == 2_000)
    }

    @Test func receiptSignedByANonPinnedKeyIsUnknownCoordinatorKey() throws {
        var fixture = ReceiptFixture()
        fixture.coordinator = Keys.otherCoordinator
        #expect(try Self.rejection(fixture) == .unknownCoordinatorKey(keyID: Keys.otherCoordinator.publicKey.keyID))
        // Pinning the key makes the same receipt valid: the key comes from genesis, never the receipt.
        let pinned = ReceiptClaimRules(coordinatorKeys: [Keys.coordinator.publicKey, Keys.otherCoordinator.publicKey], parameters: ChainParameters())
        #expect(try Self.rejection(fixture, rules: pinned) == nil)
    }

    @Test func tamperedReceiptIsInvalid() throws {
        let receipt = try ReceiptFixture().make()
        for (member, value) in [("units", JSONValue.float(125.0)), ("provider", "miner-other"), ("receipt_id", "00000000000000000000000000000000")] {
            let tampered = receipt.setting(member, value)
            #expect(throws: TxRejection.self) { try Self.rules.verify(tampered) }
            do {
                _ = try Self.rules.verify(tampered)
            } catch {
                guard case .invalidReceipt(let reason) = error else {
                    Issue.record("\(member): \(error)")
                    continue
                }
                #expect(reason.hasPrefix("signature:"), "\(member)")
            }
        }
        // No signature at all names no pinned key.
        #expect(throws: TxRejection.self) { try Self.rules.verify(receipt.setting("signature", nil)) }
        #expect(throws: TxRejection.self) { try Self.rules.verify(.array([])) }
    }

    @Test func claimForAnotherJobIsAWorkClaimMismatch() throws {
        var fixture = ReceiptFixture()
        fixture.claim = fixture.claim.setting("job_id", "ffffffffffffffffffffffffffffffff")
        #expect(try Self.rejection(fixture) == .workClaimMismatch(reason: "job_id differs from the receipt's"))
    }

    @Test func claimWithOtherUnitsIsAWorkClaimMismatch() throws {
        var fixture = ReceiptFixture()
        fixture.claim = fixture.claim.setting("units", 125.0)
        #expect(try Self.rejection(fixture) == .workClaimMismatch(reason: "units differ from the receipt's"))
    }

    @Test func claimWithAnotherUnitTypeIsAWorkClaimMismatch() throws {
        var fixture = ReceiptFixture()
        fixture.claim = fixture.claim.setting("unit_type", "tokens")
        #expect(try Self.rejection(fixture) == .workClaimMismatch(reason: "unit_type differs from the receipt's"))
    }

    @Test func claimByAnotherMinerIDIsAWorkClaimMismatch() throws {
        var fixture = ReceiptFixture()
        fixture.claim = fixture.claim.setting("miner_id", "miner-ffffffffffff")
        #expect(try Self.rejection(fixture) == .workClaimMismatch(reason: "miner_id differs from the receipt's provider"))
    }

    @Test func claimWithABadMinerSignatureIsAWorkClaimMismatch() throws {
        // Signed by another key while key_id names the miner's.
        var fixture = ReceiptFixture()
        fixture.claimSigner = Keys.otherMiner
        let receipt = try fixture.make()
        let metadata = receipt["metadata"] ?? .null
        let signature = (metadata["miner_signature"] ?? .null).setting("key_id", .string(Keys.miner.publicKey.keyID))
        var resigned = try Receipt(json: receipt.setting("metadata", metadata.setting("miner_signature", signature)))
        resigned = try ReceiptSigner(key: Keys.coordinator).sign(resigned)
        #expect(throws: TxRejection.workClaimMismatch(reason: "miner_signature does not verify over the work claim")) {
            try Self.rules.verify(resigned.json)
        }
        // A key_id that is not a key at all.
        let garbled = (metadata["miner_signature"] ?? .null).setting("key_id", "not-a-key")
        let broken = try ReceiptSigner(key: Keys.coordinator).sign(try Receipt(json: receipt.setting("metadata", metadata.setting("miner_signature", garbled))))
        #expect(throws: TxRejection.workClaimMismatch(reason: "miner_signature.key_id is not an Ed25519 public key")) {
            try Self.rules.verify(broken.json)
        }
    }

    @Test func payoutAddressChangedAfterTheMinerSignedIsAWorkClaimMismatch() throws {
        // The coordinator (or anyone before it signs) redirecting the mint breaks the miner's signature.
        var fixture = ReceiptFixture(payoutAddress: Keys.address(Keys.bob))
        fixture.afterMinerSigned = { $0.setting("payout_address", Keys.address(Keys.alice).json) }
        #expect(try Self.rejection(fixture) == .workClaimMismatch(reason: "miner_signature does not verify over the work claim"))
        // Adding one to a claim signed without it breaks it the same way.
        var added = ReceiptFixture()
        added.afterMinerSigned = { $0.setting("payout_address", Keys.address(Keys.alice).json) }
        #expect(try Self.rejection(added) == .workClaimMismatch(reason: "miner_signature does not verify over the work claim"))
    }

    @Test func invalidPayoutAddressIsAWorkClaimMismatch() throws {
        var fixture = ReceiptFixture()
        fixture.claim = fixture.claim.setting("payout_address", "ait1nope")
        #expect(try Self.rejection(fixture) == .workClaimMismatch(reason: "payout_address: \(Address.rule)"))
    }

    @Test func receiptWithoutWorkClaimIsAWorkClaimMismatch() throws {
        var fixture = ReceiptFixture()
        fixture.embedsClaim = false
        #expect(try Self.rejection(fixture) == .workClaimMismatch(reason: "the receipt carries no work_claim and miner_signature"))
    }

    @Test func mintTooLargeIsAnOverflow() throws {
        var parameters = ChainParameters()
        parameters.mintPerUnit = 1_000_000_000_000
        let rules = ReceiptClaimRules(coordinatorKeys: [Keys.coordinator.publicKey], parameters: parameters)
        #expect(try Self.rejection(ReceiptFixture(units: .float(1e7)), rules: rules) == .amountOverflow)
        #expect(try Self.rejection(ReceiptFixture(units: .float(1e6)), rules: rules) == nil)
    }
}

import Cryptography
import JSON
import Ledger
import Receipts
import Testing
import WireModels

/// Transaction ids, signatures and the checks made once at the edge (spec §18 N6).
@Suite struct TransactionTests {
    static let chainID = ChainFixture.chainID

    static func transfer(nonce: UInt64 = 1, fee: UInt64 = 100, amount: UInt64 = 12_345) throws -> TransactionMessage {
        try TransactionMessage.make(
            chainID: chainID, key: Keys.alice, nonce: nonce, fee: fee, payload: .transfer(to: Keys.address(Keys.bob), amount: amount))
    }

    static func rejection(_ message: TransactionMessage, chainID: String = chainID) -> TxRejection? {
        do {
            _ = try VerifiedTransaction(message, chainID: chainID)
            return nil
        } catch {
            return error
        }
    }

    @Test func idDoesNotCoverTheSignature() throws {
        let signed = try Self.transfer()
        let id = try signed.transactionID()
        var unsigned = signed
        unsigned.sig = ""
        #expect(try unsigned.transactionID() == id)
        var otherSig = signed
        otherSig.sig = String(repeating: "0", count: 128)
        #expect(try otherSig.transactionID() == id)
        // Re-signing gives the same id (and, Ed25519 being deterministic, the same sig).
        let resigned = try unsigned.signed(with: Keys.alice)
        #expect(try resigned.transactionID() == id)
        #expect(resigned.sig == signed.sig)
        #expect(try VerifiedTransaction(resigned, chainID: Self.chainID).id == id)
    }

    @Test func everyOtherFieldChangesTheID() throws {
        let base = try Self.transfer()
        var variants: [(String, TransactionMessage)] = []
        var message = base
        message.chainID = "ait-testnet"
        variants.append(("chain_id", message))
        message = base
        message.nonce += 1
        variants.append(("nonce", message))
        message = base
        message.fee += 1
        variants.append(("fee", message))
        message = base
        message.payload = .transfer(to: Keys.address(Keys.proposer), amount: 12_345)
        variants.append(("payload.to", message))
        message = base
        message.payload = .transfer(to: Keys.address(Keys.bob), amount: 12_346)
        variants.append(("payload.amount", message))
        message = base
        message.sender = Keys.address(Keys.bob)
        variants.append(("sender", message))
        message = base
        message.publicKey = Keys.bob.publicKey.hex
        variants.append(("public_key", message))
        message = base
        message.payload = .receiptClaim(receipt: ["to": Keys.address(Keys.bob).json, "amount": 12_345])
        variants.append(("type", message))
        var ids: Set<TxHash> = [try base.transactionID()]
        for (field, variant) in variants {
            let (inserted, _) = ids.insert(try variant.transactionID())
            #expect(inserted, "changing \(field) must change the id")
        }
    }

    @Test func idIsOfTheUpperCasedTypeWhateverCaseWasSent() throws {
        let signed = try Self.transfer()
        let decoded = try TransactionMessage(json: signed.json.setting("type", "transfer"))
        #expect(try decoded.transactionID() == signed.transactionID())
        #expect(try VerifiedTransaction(decoded, chainID: Self.chainID).id == signed.transactionID())
    }

    @Test func validTransactionVerifies() throws {
        let signed = try Self.transfer()
        let verified = try VerifiedTransaction(signed, chainID: Self.chainID)
        #expect(verified.id == (try signed.transactionID()))
        #expect(verified.message == signed)
        #expect(verified.payloadBytes == (try CanonicalJSON.bytes(of: signed.payload.json)).count)
    }

    @Test func encodedSizeIsTheSignedTransactionsCanonicalLength() throws {
        let verified = try VerifiedTransaction(try Self.transfer(), chainID: Self.chainID)
        #expect(verified.encodedSize == (try CanonicalJSON.bytes(of: verified.message.json)).count)
        let claim = try TransactionMessage.make(
            chainID: Self.chainID, key: Keys.miner, nonce: 1, fee: 5_000, payload: .receiptClaim(receipt: try ReceiptFixture().make()))
        let verifiedClaim = try VerifiedTransaction(claim, chainID: Self.chainID)
        #expect(verifiedClaim.encodedSize == (try CanonicalJSON.bytes(of: claim.json)).count)
    }

    @Test func wrongChainIsRefusedEvenWithAValidSignature() throws {
        let signed = try Self.transfer()
        #expect(Self.rejection(signed, chainID: "ait-mainnet") == .wrongChain(expected: "ait-mainnet", got: Self.chainID))
        // Rewriting chain_id to the other chain's breaks the signature instead: no cross-chain replay.
        var replayed = signed
        replayed.chainID = "ait-mainnet"
        #expect(Self.rejection(replayed, chainID: "ait-mainnet") == .badSignature)
    }

    @Test func badSignatureIsRefused() throws {
        let signed = try Self.transfer()
        var flipped = signed
        flipped.sig = (signed.sig.first == "0" ? "1" : "0") + signed.sig.dropFirst()
        #expect(Self.rejection(flipped) == .badSignature)
        var other = signed
        other.sig = try Self.transfer(nonce: 2).sig
        #expect(Self.rejection(other) == .badSignature)
        var empty = signed
        empty.sig = ""
        #expect(Self.rejection(empty) == .badSignature)
        var notHex = signed
        notHex.sig = String(repeating: "zz", count: 64)
        #expect(Self.rejection(notHex) == .badSignature)
    }

    @Test func publicKeyNotMatchingTheSenderIsRefused() throws {
        // Bob signs a transfer out of Alice's account with his own key.
        var message = try Self.transfer()
        message.publicKey = Keys.bob.publicKey.hex
        message.sig = Hex.encode(Keys.bob.signature(for: try message.transactionID().bytes))
        #expect(Self.rejection(message) == .senderKeyMismatch)
        // Signing helpers refuse a key that is not the sender's.
        #expect(throws: TxRejection.senderKeyMismatch) { try message.signed(with: Keys.bob) }
        #expect(throws: TxRejection.senderKeyMismatch) { try Self.transfer().signed(with: Keys.bob) }
    }

    @Test func publicKeyThatIsNotAKeyIsRefused() throws {
        var message = try Self.transfer()
        message.publicKey = "zz"
        #expect(Self.rejection(message) == .invalidPublicKey)
        message.publicKey = String(repeating: "ab", count: 31)
        #expect(Self.rejection(message) == .invalidPublicKey)
    }

    @Test func feeRuleIsBaseFeePlusPerBytePrice() throws {
        var parameters = ChainParameters()
        #expect(FeeRule.minimumFee(type: .transfer, payloadBytes: 66, parameters: parameters) == 76)
        parameters.baseFee = 3
        parameters.feePerByte = 2
        #expect(FeeRule.minimumFee(type: .transfer, payloadBytes: 0, parameters: parameters) == 3)
        #expect(FeeRule.minimumFee(type: .transfer, payloadBytes: 10, parameters: parameters) == 23)
        parameters.feePerByte = .max
        #expect(FeeRule.minimumFee(type: .transfer, payloadBytes: 2, parameters: parameters) == .max)
        let payload = TransactionPayload.transfer(to: Keys.address(Keys.bob), amount: 12_345)
        let estimate = try #require(FeeRule.estimate(payload: payload.json, parameters: ChainParameters()))
        #expect(estimate.payloadBytes == 66 && estimate.fee == 76)
        #expect(FeeRule.estimate(payload: ["x": .float(.nan)], parameters: ChainParameters()) == nil)
    }

    @Test func aReceiptClaimPaysOnlyTheBaseFeeUpToTheFreeAllowance() {
        let parameters = ChainParameters()
        #expect(FeeRule.minimumFee(type: .receiptClaim, payloadBytes: 1_500, parameters: parameters) == parameters.baseFee)
        #expect(FeeRule.minimumFee(type: .receiptClaim, payloadBytes: FeeRule.claimFreeBytes, parameters: parameters) == parameters.baseFee)
        #expect(FeeRule.minimumFee(type: .receiptClaim, payloadBytes: FeeRule.claimFreeBytes + 100, parameters: parameters) == parameters.baseFee + 100)
        #expect(FeeRule.minimumFee(type: .transfer, payloadBytes: 1_500, parameters: parameters) == parameters.baseFee + 1_500)
    }
}

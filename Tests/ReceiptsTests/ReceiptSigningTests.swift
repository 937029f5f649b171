import Cryptography
import JSON
import Receipts
import Testing

@Suite struct ReceiptSigningTests {
    /// Keys derive from seeds, key_id is base64url of the key, and re-signing gives the same `sig`.
    @Test(arguments: ReceiptVectors.positives)
    func resignsToTheVectorSignature(vector: PositiveVector) throws {
        let key = try Ed25519.PrivateKey(seedHex: vector.string("private_key_hex"))
        #expect(key.publicKey.hex == (try vector.string("verify_key_hex")))
        var attestationKeys: [Ed25519.PrivateKey] = []
        if let seed = vector.document["attestation_private_key_hex"]?.stringValue {
            attestationKeys.append(try Ed25519.PrivateKey(seedHex: seed))
        }
        let signed = try ReceiptSigner(key: key, attestationKeys: attestationKeys).sign(Receipt(json: vector.payload))
        #expect(signed.signature == vector.document["signature"])
        #expect(signed.attestations == vector.document["attestations"])
        #expect(signed.payload == vector.payload.objectValue)
    }

    /// Every positive vector verifies against its pinned key(s).
    @Test(arguments: ReceiptVectors.positives)
    func verifiesAgainstTrustedKeys(vector: PositiveVector) throws {
        let key = try Ed25519.PublicKey(hex: vector.string("verify_key_hex"))
        let attestationKey = try vector.document["attestation_verify_key_hex"]?.stringValue.map { try Ed25519.PublicKey(hex: $0) }
        let receipt = Receipt(
            payload: vector.payload.objectValue ?? [], signature: vector.document["signature"],
            attestations: vector.document["attestations"])
        let result = ReceiptVerifier(trustedKeys: [key], attestationKeys: attestationKey.map { [$0] } ?? [key]).verify(receipt)
        #expect(result.isVerified)
        #expect(result.signature.keyID == key.keyID)
        #expect(result.failureReasons.isEmpty)
        #expect(result.attestations.count == (vector.document["attestations"]?.arrayValue?.count ?? 0))
    }

    @Test func signedReceiptKeepsMemberOrderAndAppendsSignatures() throws {
        let receipt = try Receipt(parsing: Array(ReceiptFixture.text.utf8))
        let signer = ReceiptSigner(key: ReceiptFixture.key, attestationKeys: [ReceiptFixture.attestor])
        let signed = try signer.sign(receipt)
        let keys = signed.json.objectValue?.map(\.key) ?? []
        #expect(keys.suffix(2) == ["signature", "attestations"])
        #expect(Array(keys.dropLast(2)) == receipt.payload.map(\.key))
        let verifier = ReceiptVerifier(trustedKeys: [ReceiptFixture.key.publicKey, ReceiptFixture.attestor.publicKey])
        #expect(verifier.verify(signed).isVerified)
        // Attestations are independent: dropping one leaves the primary valid.
        var withoutAttestations = signed
        withoutAttestations.attestations = nil
        #expect(verifier.verify(withoutAttestations).isVerified)
    }

    @Test func resigningReplacesEarlierSignatures() throws {
        let receipt = try Receipt(parsing: Array(ReceiptFixture.text.utf8))
        let first = try ReceiptSigner(key: ReceiptFixture.attestor, attestationKeys: [ReceiptFixture.attestor]).sign(receipt)
        let second = try ReceiptSigner(key: ReceiptFixture.key).sign(first)
        #expect(second.attestations == nil)
        #expect(second.signature?["key_id"]?.stringValue == ReceiptFixture.key.publicKey.keyID)
        #expect(second.payload == receipt.payload)
    }

    @Test(arguments: [
        ("version", JSONValue.integer(JSONInteger(1))), ("receipt_id", .null), ("units", .float(-0.5)),
        ("units", .string("1")), ("price", .integer(JSONInteger(-1))), ("started_at", .float(1.0)),
        ("completed_at", .integer(JSONInteger(1))), ("chain_id", .string("x")), ("metadata", .array([])),
        ("duration_ms", .integer(JSONInteger(-5))), ("model", .integer(JSONInteger(3))),
        ("units", .float(.nan)), ("client", .bool(true)),
    ])
    func refusesToSignInvalidReceipts(field: String, value: JSONValue) throws {
        var receipt = try Receipt(parsing: Array(ReceiptFixture.text.utf8))
        if let index = receipt.payload.firstIndex(where: { $0.key == field }) {
            receipt.payload[index].value = value
        } else {
            receipt.payload.append(JSONMember(key: field, value: value))
        }
        #expect(throws: ReceiptError.invalidField(field)) { try ReceiptSigner(key: ReceiptFixture.key).sign(receipt) }
    }

    @Test func refusesMissingRequiredFields() throws {
        var receipt = try Receipt(parsing: Array(ReceiptFixture.text.utf8))
        receipt.payload.removeAll { $0.key == "unit_type" }
        #expect(throws: ReceiptError.invalidField("unit_type")) { try ReceiptSigner(key: ReceiptFixture.key).sign(receipt) }
    }

    @Test func appliesChainAndRetentionPolicy() throws {
        let receipt = try Receipt(parsing: Array(ReceiptFixture.text.utf8))
        let wrongChain = ReceiptValidationPolicy(expectedChainID: 7)
        #expect(throws: ReceiptError.invalidField("chain_id")) { try ReceiptValidator.validate(receipt, policy: wrongChain) }
        try ReceiptValidator.validate(receipt, policy: .init(expectedChainID: 12345))
        let expired = ReceiptValidationPolicy(retentionSeconds: 60, now: 1_727_400_010 + 61)
        #expect(throws: ReceiptError.invalidField("completed_at")) { try ReceiptValidator.validate(receipt, policy: expired) }
        try ReceiptValidator.validate(receipt, policy: .init(retentionSeconds: 60, now: 1_727_400_010 + 60))
        // The verifier reports the same rule as a reason once the signature checks out.
        let signed = try ReceiptSigner(key: ReceiptFixture.key).sign(receipt)
        let result = ReceiptVerifier(trustedKeys: [ReceiptFixture.key.publicKey], policy: wrongChain).verify(signed)
        #expect(result.signature.status == .invalidField("chain_id"))
        #expect(result.signature.status.description == "invalid_field:chain_id")
    }
}

enum ReceiptFixture {
    static let text = """
        {"version":"1.0","receipt_id":"rcpt-fixture","job_id":"job-1","provider":"miner-1","client":"client-1",
         "units":2.5,"unit_type":"gpu_seconds","price":null,"started_at":1727400000,"completed_at":1727400010,
         "chain_id":12345,"metadata":{"note":"caf\\u00e9"}}
        """
    // Throwaway test keys.
    static let key = try! Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 7, count: 32))
    static let attestor = try! Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 9, count: 32))
}

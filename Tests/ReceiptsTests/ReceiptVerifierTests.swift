import Cryptography
import JSON
import Receipts
import Testing

@Suite struct ReceiptVerifierTests {
    /// Every negative case comes out invalid, as a result (the verifier cannot throw).
    @Test(arguments: ReceiptVectors.negatives)
    func rejectsNegativeCase(negative: NegativeCase) throws {
        let key = try Ed25519.PublicKey(hex: #require(negative.value["verify_key_hex"]?.stringValue))
        let payload = try #require(negative.value["payload"]?.objectValue)
        let receipt = Receipt(payload: payload, signature: negative.value["signature"])
        let result = ReceiptVerifier(trustedKeys: [key]).verify(receipt)
        #expect(!result.isVerified)
        #expect(result.signature.status != .valid)
        #expect(result.failureReasons.count == 1)
    }

    /// The reason matches what each kind of defect should produce.
    @Test(arguments: [
        ("tampered_top_level_field", SignatureStatus.signatureMismatch), ("tampered_nested_field", .signatureMismatch),
        ("added_field", .signatureMismatch), ("float_presented_as_int", .signatureMismatch),
        ("wrong_key", .unknownKey), ("alg_lowercase", .unsupportedAlgorithm), ("alg_other", .unsupportedAlgorithm),
        ("alg_missing", .unsupportedAlgorithm), ("sig_truncated_84", .malformedSignature),
        ("sig_truncated_85", .malformedSignature), ("sig_empty", .malformedSignature), ("sig_not_string", .malformedSignature),
        ("sig_all_zero", .signatureMismatch), ("sig_flipped_bit", .signatureMismatch),
        ("sig_standard_base64_alphabet", .malformedSignature), ("sig_with_padding", .malformedSignature),
        ("sig_with_noise_characters", .malformedSignature), ("sig_noncanonical_trailing_bits", .malformedSignature),
        ("key_id_names_other_key", .unknownKey), ("signed_sha256_of_canonical", .signatureMismatch),
        ("signed_unescaped_utf8", .signatureMismatch), ("signed_with_whitespace", .signatureMismatch),
        ("signed_with_nulls_kept", .signatureMismatch), ("self_signed_substitution", .unknownKey),
    ])
    func negativeReasons(name: String, expected: SignatureStatus) throws {
        let negative = try #require(ReceiptVectors.negatives.first { $0.name == name })
        let key = try Ed25519.PublicKey(hex: #require(negative.value["verify_key_hex"]?.stringValue))
        let receipt = Receipt(payload: negative.value["payload"]?.objectValue ?? [], signature: negative.value["signature"])
        #expect(ReceiptVerifier(trustedKeys: [key]).verify(receipt).signature.status == expected)
    }

    @Test func reportsMissingAndMalformedSignatures() throws {
        let receipt = try Receipt(parsing: Array(ReceiptFixture.text.utf8))
        let verifier = ReceiptVerifier(trustedKeys: [ReceiptFixture.key.publicKey])
        #expect(verifier.verify(receipt).signature.status == .missingSignature)
        var nullSignature = receipt
        nullSignature.signature = .null
        #expect(verifier.verify(nullSignature).signature.status == .missingSignature)
        var stringSignature = receipt
        stringSignature.signature = "abc"
        #expect(verifier.verify(stringSignature).signature.status == .malformedSignature)
        var emptySignature = receipt
        emptySignature.signature = [:]
        #expect(verifier.verify(emptySignature).signature.status == .unsupportedAlgorithm)
    }

    @Test func checksEveryAttestation() throws {
        let receipt = try Receipt(parsing: Array(ReceiptFixture.text.utf8))
        let signed = try ReceiptSigner(key: ReceiptFixture.key, attestationKeys: [ReceiptFixture.attestor]).sign(receipt)
        let primaryOnly = ReceiptVerifier(trustedKeys: [ReceiptFixture.key.publicKey])
        let primaryResult = primaryOnly.verify(signed)
        #expect(primaryResult.signature.isValid)
        #expect(primaryResult.attestations.map(\.status) == [.unknownKey])
        #expect(!primaryResult.isVerified)
        #expect(primaryResult.failureReasons == ["coordinator_attestation_invalid:\(ReceiptFixture.attestor.publicKey.keyID)"])

        let both = ReceiptVerifier(trustedKeys: [ReceiptFixture.key.publicKey], attestationKeys: [ReceiptFixture.attestor.publicKey])
        #expect(both.verify(signed).isVerified)
        var odd = signed
        odd.attestations = .array([signed.attestations?.arrayValue?.first ?? .null, 5, [:]])
        #expect(both.verify(odd).attestations.map(\.status) == [.valid, .malformedSignature, .unsupportedAlgorithm])
        odd.attestations = "not a list"
        #expect(both.verify(odd).attestations.map(\.status) == [.malformedSignature])
    }

    @Test func keyIDIsOptionalButMustNameATrustedKeyWhenPresent() throws {
        let receipt = try Receipt(parsing: Array(ReceiptFixture.text.utf8))
        var signed = try ReceiptSigner(key: ReceiptFixture.key).sign(receipt)
        let sig = try #require(signed.signature?["sig"])
        signed.signature = ["alg": "Ed25519", "sig": sig]
        let verifier = ReceiptVerifier(trustedKeys: [ReceiptFixture.attestor.publicKey, ReceiptFixture.key.publicKey])
        let result = verifier.verify(signed)
        #expect(result.signature.status == .valid)
        #expect(result.signature.keyID == ReceiptFixture.key.publicKey.keyID)
        signed.signature = ["alg": "Ed25519", "key_id": 5, "sig": sig]
        #expect(verifier.verify(signed).signature.status == .malformedSignature)
        #expect(ReceiptVerifier(trustedKeys: []).verify(signed).signature.status != .valid)
    }

    @Test func neverTrustsAKeyNamedOnlyInTheReceipt() throws {
        let receipt = try Receipt(parsing: Array(ReceiptFixture.text.utf8))
        let forged = try ReceiptSigner(key: ReceiptFixture.attestor).sign(receipt)
        #expect(ReceiptVerifier(trustedKeys: [ReceiptFixture.key.publicKey]).verify(forged).signature.status == .unknownKey)
        #expect(ReceiptVerifier(trustedKeys: []).verify(forged).signature.status == .unknownKey)
    }
}

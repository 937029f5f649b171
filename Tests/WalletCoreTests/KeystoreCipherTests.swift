import Cryptography
import Foundation
import Testing
import TestSupport
import WalletCore

@Suite struct KeystoreCipherTests {
    static let rfc8032Seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
    static let rfc8032Public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"

    /// A copy of `record` with some fields replaced (the initializer re-validates).
    static func rebuild(
        _ record: KeystoreRecord, walletID: String? = nil, publicKey: [UInt8]? = nil, kdf: KeystoreRecord.KDFParameters? = nil,
        salt: [UInt8]? = nil, nonce: [UInt8]? = nil, createdAt: String? = nil, ciphertext: [UInt8]? = nil
    ) throws -> KeystoreRecord {
        try KeystoreRecord(
            walletID: try #require(WalletID(walletID ?? record.walletID.rawValue)), kind: record.kind,
            publicKey: Ed25519.PublicKey(rawRepresentation: publicKey ?? record.publicKey.rawRepresentation),
            kdf: kdf ?? record.kdf, salt: salt ?? record.salt, nonce: nonce ?? record.nonce,
            createdAt: createdAt ?? record.createdAt, ciphertext: ciphertext ?? record.ciphertext, metadata: record.metadata)
    }

    static func flipped(_ bytes: [UInt8], at index: Int) -> [UInt8] {
        var copy = bytes
        copy[index] ^= 0x01
        return copy
    }

    @Test func rawRecordRoundTripsAndChecksThePublicKey() throws {
        let record = try sampleRecord()
        #expect(record.publicKey.hex == Self.rfc8032Public)
        #expect(record.salt.count == 16 && record.nonce.count == 24 && record.ciphertext.count == 48)
        let secret = try KeystoreCipher.open(record, password: WalletPassword(goodPassword))
        #expect(hex(secret) == Self.rfc8032Seed)
    }

    /// `hd`: the 64-byte BIP-39 seed is sealed; `public_key` is the key at m/44'/12345'/0'/0'/0'.
    @Test func hdRecordHoldsTheSeedAndThePrimaryAccountKey() throws {
        let seed = SecureBytes(copying: bytes(hex: "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04"))
        let record = try KeystoreCipher.seal(
            secret: seed, kind: .hd, walletID: try #require(WalletID("hd")), password: WalletPassword(goodPassword), parameters: testKDF)
        let primary = try SLIP10.derive(seed: seed, path: AITAccountPath.primary.derivationPath).privateKey()
        #expect(record.publicKey == primary.publicKey)
        #expect(record.ciphertext.count == 80)
        #expect(try KeystoreCipher.open(record, password: WalletPassword(goodPassword)) == seed)
        #expect(throws: WalletCoreError.self) {
            try KeystoreCipher.seal(secret: seed, kind: .raw, walletID: try #require(WalletID("x")), password: WalletPassword(goodPassword), parameters: testKDF)
        }
    }

    @Test func wrongPasswordIsInvalidCredentials() throws {
        let record = try sampleRecord()
        #expect(throws: WalletCoreError.invalidCredentials) { try KeystoreCipher.open(record, password: WalletPassword("Correct-Horse-9-batterx")) }
    }

    /// §15.5: flipping any byte of the nonce, the ciphertext, the salt or the public key — and
    /// changing any other header field the AAD covers — fails as invalid credentials.
    @Test func flippingAnyAuthenticatedByteIsInvalidCredentials() throws {
        let record = try sampleRecord()
        let password = try WalletPassword(goodPassword)
        var tampered: [KeystoreRecord] = []
        for index in record.nonce.indices { tampered.append(try Self.rebuild(record, nonce: Self.flipped(record.nonce, at: index))) }
        for index in record.ciphertext.indices {
            tampered.append(try Self.rebuild(record, ciphertext: Self.flipped(record.ciphertext, at: index)))
        }
        for index in record.salt.indices { tampered.append(try Self.rebuild(record, salt: Self.flipped(record.salt, at: index))) }
        let key = record.publicKey.rawRepresentation
        for index in key.indices { tampered.append(try Self.rebuild(record, publicKey: Self.flipped(key, at: index))) }
        tampered.append(try Self.rebuild(record, walletID: "maim"))
        tampered.append(try Self.rebuild(record, createdAt: "2025-01-01T00:00:01Z"))
        tampered.append(try Self.rebuild(record, kdf: .init(iterations: 2, memoryKiB: 8192, parallelism: 1)))
        tampered.append(try Self.rebuild(record, kdf: .init(iterations: 1, memoryKiB: 8200, parallelism: 1)))
        tampered.append(try Self.rebuild(record, kdf: .init(iterations: 1, memoryKiB: 8192, parallelism: 2)))
        for candidate in tampered {
            #expect(throws: WalletCoreError.invalidCredentials) { try KeystoreCipher.open(candidate, password: password) }
        }
    }

    /// Every single-byte change of the file either fails strict decoding (before any KDF) or,
    /// if it still decodes, fails to open as invalid credentials — unless it only touched
    /// `metadata`, which is deliberately outside the AAD. Nothing crashes.
    @Test func everyByteOfTheFileIsCoveredOrRefused() throws {
        let record = try sampleRecord()
        let password = try WalletPassword(goodPassword)
        let file = record.encoded()
        let text = String(decoding: file, as: UTF8.self)
        let metadataStart = try #require(text.range(of: #","metadata":"#)).lowerBound.utf16Offset(in: text)
        var decoded = 0
        for index in file.indices {
            for mask: UInt8 in [0x01, 0x20] {
                var bytes = file
                bytes[index] ^= mask
                let candidate: KeystoreRecord
                switch Result(catching: { () throws(WalletCoreError) in try KeystoreRecord(decoding: bytes) }) {
                case .success(let record):
                    candidate = record
                case .failure(let error):
                    if case .invalidRecord = error { continue }
                    Issue.record("byte \(index): \(error)")
                    continue
                }
                decoded += 1
                if index > metadataStart {
                    #expect(try KeystoreCipher.open(candidate, password: password) == KeystoreCipher.open(record, password: password))
                } else {
                    #expect(throws: WalletCoreError.invalidCredentials, "byte \(index)") { try KeystoreCipher.open(candidate, password: password) }
                }
            }
        }
        #expect(decoded > 50)
    }

    /// A record whose AEAD verifies but whose secret does not give `public_key` is corrupt (500), not a bad password.
    @Test func publicKeyMismatchIsCorrupt() throws {
        let record = try sampleRecord()
        let otherKey = Ed25519.PrivateKey.generate().publicKey
        let header = try Self.rebuild(record, publicKey: otherKey.rawRepresentation)
        let key = try Argon2id.hash(password: WalletPassword(goodPassword).bytes, salt: record.salt, parameters: record.kdf.argon2)
        let sealed = try XChaCha20Poly1305.seal(
            SecureBytes(copying: bytes(hex: Self.rfc8032Seed)), key: key, nonce: record.nonce, associatedData: header.aad())
        let forged = try Self.rebuild(header, ciphertext: sealed)
        #expect(throws: WalletCoreError.corrupt("decrypted key does not match public_key")) {
            try KeystoreCipher.open(forged, password: WalletPassword(goodPassword))
        }
    }

    @Test func metadataStaysEditableWithoutThePassword() throws {
        var record = try sampleRecord()
        record.metadata = ["label": "renamed", "colour": "blue"]
        let decoded = try KeystoreRecord(decoding: record.encoded())
        #expect(decoded.metadata == ["label": "renamed", "colour": "blue"])
        #expect(hex(try KeystoreCipher.open(decoded, password: WalletPassword(goodPassword))) == Self.rfc8032Seed)
    }

    /// `aitbc wallet rekey`: new parameters, fresh salt and nonce, same secret, id, time and metadata.
    @Test func rekeyReSealsUnderNewParameters() throws {
        let record = try sampleRecord()
        let stronger = try KeystoreRecord.KDFParameters(iterations: 2, memoryKiB: 16_384, parallelism: 2)
        let rekeyed = try KeystoreCipher.rekey(record, password: WalletPassword(goodPassword), parameters: stronger)
        #expect(rekeyed.kdf == stronger)
        #expect(rekeyed.salt != record.salt && rekeyed.nonce != record.nonce)
        #expect(rekeyed.walletID == record.walletID && rekeyed.createdAt == record.createdAt && rekeyed.metadata == record.metadata)
        #expect(rekeyed.publicKey == record.publicKey)
        #expect(hex(try KeystoreCipher.open(rekeyed, password: WalletPassword(goodPassword))) == Self.rfc8032Seed)

        let newPassword = try WalletPassword("Another-Horse-7-battery")
        let changed = try KeystoreCipher.rekey(record, password: WalletPassword(goodPassword), newPassword: newPassword, parameters: testKDF)
        #expect(throws: WalletCoreError.invalidCredentials) { try KeystoreCipher.open(changed, password: WalletPassword(goodPassword)) }
        #expect(hex(try KeystoreCipher.open(changed, password: newPassword)) == Self.rfc8032Seed)
        #expect(throws: WalletCoreError.invalidCredentials) {
            try KeystoreCipher.rekey(record, password: WalletPassword("Wrong-Horse-9-battery"), parameters: stronger)
        }
    }

    @Test func decoyKDFRunsForUnknownWallets() throws {
        try KeystoreCipher.runDecoyKDF(password: WalletPassword(goodPassword), parameters: testKDF)
    }

    @Test func standardParametersAreRFC9106SecondOption() {
        #expect(KeystoreRecord.KDFParameters.standard.iterations == 3)
        #expect(KeystoreRecord.KDFParameters.standard.memoryKiB == 65_536)
        #expect(KeystoreRecord.KDFParameters.standard.parallelism == 2)
    }
}

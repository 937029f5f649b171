import Cryptography
import Foundation
import TestSupport
import Testing
import WalletCore

/// Paths of the data files the vector tests read (repository-relative, found from this file).
enum WalletVectors {
    /// The repository root: three levels above this file.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The contents of `protocols/<relative>` (or a test-local `Vectors/` file).
    static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(relative))
    }

    /// Decodes `Vectors/<name>.json`, a resource of this test target.
    static func resource<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors"))
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    /// Decodes a JSON vector file.
    static func load<T: Decodable>(_ relative: String, as type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: data(relative))
    }
}

/// Lowercase hex of secret bytes, for comparing with vectors.
func hex(_ secret: SecureBytes) -> String {
    secret.withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() }
}

/// Cheap Argon2 parameters for tests (the reader minimum): m_kib 8192, t 1, p 1.
let testKDF: KeystoreRecord.KDFParameters = {
    do { return try KeystoreRecord.KDFParameters(iterations: 1, memoryKiB: 8192, parallelism: 1) } catch {
        preconditionFailure("test KDF parameters out of range")
    }
}()

/// A password that passes the create rules.
let goodPassword = "Correct-Horse-9-battery"

/// A sealed `raw` record for `id` under `goodPassword` with the RFC 8032 TEST 1 seed.
func sampleRecord(_ id: String = "main", metadata: [String: String] = ["label": "primary"]) throws -> KeystoreRecord {
    let walletID = try #require(WalletID(id))
    let seed = SecureBytes(copying: bytes(hex: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
    return try KeystoreCipher.seal(
        secret: seed, kind: .raw, walletID: walletID, password: WalletPassword(goodPassword), parameters: testKDF,
        metadata: metadata, createdAt: Date(timeIntervalSince1970: 1_735_689_600))
}

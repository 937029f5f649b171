public import Cryptography
import Foundation
import JSON
import TerminalText
import WireModels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An account's key file: `{"private_key","public_key","address"}` as `aitbc chain keygen`
/// writes it. The miner's key file (`aitbc keygen`: `private_key_hex`, `public_key_hex`) is
/// read too, so a miner claims its receipts with the key it already has.
public enum ChainKeyFile {
    /// Largest file read (a real one is ~200 bytes).
    static let maxBytes = 16 * 1024

    /// The key JSON, members in the documented order; without `includingSecret`, the public
    /// half only (what is printed when the secret went to a file).
    public static func json(for key: Ed25519.PrivateKey, includingSecret: Bool) -> String {
        var members: [JSONMember] = []
        if includingSecret {
            members.append(JSONMember(key: "private_key", value: .string(key.seed.withUnsafeBytes { Hex.encode($0) })))
        }
        members.append(JSONMember(key: "public_key", value: .string(key.publicKey.hex)))
        members.append(JSONMember(key: "address", value: .string(Address(publicKey: key.publicKey).rawValue)))
        // Only strings: serialization cannot fail.
        return (try? JSONSerializer().string(.object(members))) ?? "{}"
    }

    /// The private key in `path`: a regular file (not a link) readable by its owner only,
    /// whose public key and address, when present, belong to the private key.
    /// - Throws: `ServiceFailure` (exit 2) naming `--key-file`, the path and the problem;
    ///   never the key.
    static func load(_ path: String) throws(ServiceFailure) -> Ed25519.PrivateKey {
        let displayed = UntrustedText.display(path, limit: 256)
        let shown = "--key-file " + displayed
        let bytes = try OwnerOnlyFile.contents(path, option: "--key-file", noun: "the key", maxBytes: maxBytes, tooLarge: "; not a key file")
        guard let json = try? JSONParser(limits: .init(maxInputBytes: maxBytes, maxDepth: 4)).parse(bytes), case .object = json else {
            throw ServiceFailure(.usage, "\(shown): not a key file (a JSON object with private_key)")
        }
        guard let seedHex = json["private_key"]?.stringValue ?? json["private_key_hex"]?.stringValue else {
            throw ServiceFailure(.usage, "\(shown): not a key file (private_key missing)")
        }
        let key: Ed25519.PrivateKey
        do {
            key = try Ed25519.PrivateKey(seedHex: seedHex)
        } catch {
            throw ServiceFailure(.usage, "\(shown): private_key is not a 32-byte seed as 64 hex characters")
        }
        if let publicHex = json["public_key"]?.stringValue ?? json["public_key_hex"]?.stringValue, publicHex.lowercased() != key.publicKey.hex {
            throw ServiceFailure(.usage, "\(shown): public_key does not belong to private_key")
        }
        if let address = json["address"]?.stringValue, Address(address) != Address(publicKey: key.publicKey) {
            throw ServiceFailure(.usage, "\(shown): address is not the address of private_key")
        }
        return key
    }
}

public import Cryptography

/// SLIP-0010 key derivation for ed25519: master key from a seed and hardened children only.
///
/// `I = HMAC-SHA512(key = "ed25519 seed", seed)`, key = I[0:32], chain code = I[32:64];
/// child `I = HMAC-SHA512(chain, 0x00 ‖ key ‖ ser32(i + 2^31))`. Keys and chain codes live in
/// `SecureBytes`; the 64-byte `I` and the 37-byte child input are secret scratch memory,
/// wiped when released.
public enum SLIP10 {
    /// One node of the tree: a 32-byte private key (an Ed25519 seed) and its chain code.
    public struct Node: Sendable {
        /// The private key, usable as an `Ed25519.PrivateKey` seed.
        public let key: SecureBytes
        /// The chain code.
        public let chainCode: SecureBytes

        /// The Ed25519 key pair of this node.
        /// - Throws: `CryptographyError` only if libsodium fails (the key is always 32 bytes).
        public func privateKey() throws(CryptographyError) -> Ed25519.PrivateKey {
            try Ed25519.PrivateKey(seed: key)
        }
    }

    /// The accepted seed sizes (BIP-32/SLIP-10: 128 to 512 bits).
    public static let seedLengths = 16...64
    private static let curveKey = Array("ed25519 seed".utf8)

    /// The master node of `seed`.
    /// - Throws: `WalletCoreError.invalidLength` for a seed outside 16–64 bytes.
    public static func master(seed: SecureBytes) throws(WalletCoreError) -> Node {
        guard seedLengths.contains(seed.count) else {
            throw .invalidLength(what: "SLIP-10 seed", expected: "16...64", actual: seed.count)
        }
        let prf = curveKey.withUnsafeBytes { HMACSHA512(key: $0) }
        return split { output in seed.withUnsafeBytes { prf.authenticate([$0], into: output) } }
    }

    /// The hardened child `index` (below 2^31; the hardened bit is added here) of `parent`.
    /// - Throws: `WalletCoreError.invalidDerivationPath` for an index ≥ 2^31.
    public static func child(of parent: Node, index: UInt32) throws(WalletCoreError) -> Node {
        guard index < DerivationPath.hardenedOffset else { throw .invalidDerivationPath("index must be below 2^31") }
        let prf = parent.chainCode.withUnsafeBytes { HMACSHA512(key: $0) }
        let data = SecureBytes(count: 1 + 32 + 4) { buffer in
            buffer[0] = 0
            parent.key.withUnsafeBytes { key in UnsafeMutableRawBufferPointer(rebasing: buffer[1..<33]).copyMemory(from: key) }
            let value = index | DerivationPath.hardenedOffset
            for byte in 0..<4 { buffer[33 + byte] = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * byte)) }
        }
        return split { output in data.withUnsafeBytes { prf.authenticate([$0], into: output) } }
    }

    /// The node at `path` below the master node of `seed`.
    /// - Throws: `WalletCoreError.invalidLength` for a bad seed size.
    public static func derive(seed: SecureBytes, path: DerivationPath) throws(WalletCoreError) -> Node {
        var node = try master(seed: seed)
        for index in path.indices { node = try child(of: node, index: index) }
        return node
    }

    /// Runs `fill` on a secret 64-byte buffer and splits it into key and chain code.
    private static func split(_ fill: (UnsafeMutableRawBufferPointer) -> Void) -> Node {
        var node: Node?
        _ = SecureBytes(count: HMACSHA512.length) { output in
            fill(output)
            node = Node(
                key: SecureBytes(copying: UnsafeRawBufferPointer(rebasing: output[0..<32])),
                chainCode: SecureBytes(copying: UnsafeRawBufferPointer(rebasing: output[32..<64])))
        }
        // The closure always runs and sets `node`.
        guard let node else { preconditionFailure("SLIP-10 split produced no node") }
        return node
    }
}

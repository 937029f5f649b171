public import Cryptography
public import JSON
import Receipts
public import WireModels

/// A transaction whose id, size and signature were checked once, at the edge: past this
/// type, nothing verifies the signature again (the 10,000 tx/s budget pays for one verify).
public struct VerifiedTransaction: Sendable, Equatable {
    /// The transaction as received.
    public let message: TransactionMessage
    /// SHA-256 of the canonical unsigned body.
    public let id: TxHash
    /// Length of the canonical JSON of the payload (the fee rule's byte count).
    public let payloadBytes: Int
    /// Length of the signed transaction's canonical JSON (mempool and block byte limits).
    public let encodedSize: Int
    /// The signed transaction as stored (the persisted mempool and the block's `tx` rows):
    /// the canonical unsigned body with `sig` appended, spliced from the bytes the id was
    /// hashed over instead of serializing the message again on the node's serial path.
    public let text: String

    /// Verifies `message` for `chainID`: the chain, the sender's key and the signature.
    /// - Throws: `TxRejection` (`wrongChain`, `invalidPublicKey`, `senderKeyMismatch`,
    ///   `badSignature`, `invalidReceipt` for a payload that cannot be canonicalized).
    public init(_ message: TransactionMessage, chainID: String) throws(TxRejection) {
        try self.init(message, chainID: chainID, known: nil)
    }

    /// Like `init(_:chainID:)`, but a transaction `known` returns for its id with the identical
    /// signature was verified before (in the mempool) and is taken as is: the id covers every
    /// member but `sig`, so same id and same `sig` is the same signed transaction. The id is
    /// computed once either way.
    /// - Throws: `TxRejection`, as `init(_:chainID:)`.
    public init(_ message: TransactionMessage, chainID: String, known: ((TxHash) -> VerifiedTransaction?)?) throws(TxRejection) {
        guard message.chainID == chainID else { throw .wrongChain(expected: chainID, got: message.chainID) }
        let encoding = try Self.encode(message)
        if let known, let verified = known(TxHash(bytes: encoding.id)), verified.message.sig == message.sig {
            self = verified
            return
        }
        guard let keyBytes = try? Hex.decode(message.publicKey, length: Ed25519.publicKeyLength),
            let key = try? Ed25519.PublicKey(rawRepresentation: keyBytes)
        else { throw .invalidPublicKey }
        // The key hashes compared, not their bech32 texts: encoding an address costs as much
        // as hashing the key, and the sender's text was decoded to its key hash already.
        guard AccountAddress(publicKey: key).keyHash == message.sender.accountAddress.keyHash else { throw .senderKeyMismatch }
        guard let signature = try? Hex.decode(message.sig, length: Ed25519.signatureLength),
            key.isValidSignature(signature, for: encoding.id)
        else { throw .badSignature }
        self.message = message
        id = TxHash(bytes: encoding.id)
        payloadBytes = encoding.payloadBytes
        encodedSize = encoding.body.count + 137  // + `,"sig":"<128 hex>"` (1 + 5 + 1 + 130)
        // `sig` was checked to be 128 hex digits (lowercase from the wire decoder), so it
        // needs no escaping; the canonical body is an object, so it ends with `}`.
        var signed = encoding.body
        signed.removeLast()
        signed += Array(#","sig":""#.utf8)
        signed += Array(message.sig.utf8)
        signed += Array(#""}"#.utf8)
        text = String(decoding: signed, as: UTF8.self)
    }

    /// The id bytes, the payload's canonical length and the canonical unsigned body of `message`.
    /// - Throws: `TxRejection.invalidReceipt` when the payload holds a non-finite number.
    static func encode(_ message: TransactionMessage) throws(TxRejection) -> (id: [UInt8], payloadBytes: Int, body: [UInt8]) {
        do {
            let body = try CanonicalJSON.bytes(of: message.unsignedJSON)
            let payload = try CanonicalJSON.bytes(of: message.payload.json)
            return (SHA256.hash(body), payload.count, body)
        } catch {
            throw .invalidReceipt(reason: "\(error)")
        }
    }
}

extension TransactionMessage {
    /// The id: SHA-256 of the canonical JSON (spec/receipts.md §3) of everything but `sig`.
    /// - Throws: `TxRejection.invalidReceipt` for a payload with a non-finite number.
    public func transactionID() throws(TxRejection) -> TxHash {
        TxHash(bytes: try VerifiedTransaction.encode(self).id)
    }

    /// This transaction with `sig` set by `key` (whose address must be `sender`).
    /// - Throws: `TxRejection.senderKeyMismatch` for another key; `.invalidReceipt` as above.
    public func signed(with key: Ed25519.PrivateKey) throws(TxRejection) -> TransactionMessage {
        guard Address(publicKey: key.publicKey) == sender, key.publicKey.hex == publicKey else { throw .senderKeyMismatch }
        var copy = self
        copy.sig = Hex.encode(key.signature(for: try VerifiedTransaction.encode(self).id))
        return copy
    }

    /// A signed transaction from `key`'s account.
    /// - Throws: `TxRejection.invalidReceipt` for a payload with a non-finite number.
    public static func make(
        chainID: String, key: Ed25519.PrivateKey, nonce: UInt64, fee: UInt64, payload: TransactionPayload
    ) throws(TxRejection) -> TransactionMessage {
        try TransactionMessage(
            chainID: chainID, sender: Address(publicKey: key.publicKey), publicKey: key.publicKey.hex, nonce: nonce, fee: fee,
            payload: payload
        ).signed(with: key)
    }
}

/// The fee rule (docs/chain-node.md "Fees and minting"): `base_fee + fee_per_byte × payload
/// bytes`, where a RECEIPT_CLAIM's first `claimFreeBytes` are free.
///
/// The reference prices every payload byte (spec §6). A receipt claim carries a whole
/// coordinator receipt (≈ 1.5 KB), so that rule charged ≈ 1,500 for a claim while a short job
/// mints less: a miner's claim of its own small receipt could never pay. A claim's payload is
/// a receipt a pinned coordinator signed and that mints once, so it cannot be inflated for
/// free; only bytes beyond an ordinary receipt's size are priced.
public enum FeeRule {
    /// Payload bytes of a RECEIPT_CLAIM that cost nothing beyond the base fee.
    public static let claimFreeBytes = 8_192

    /// The least fee for a `type` payload of `payloadBytes`, saturating at `UInt64.max`.
    public static func minimumFee(type: TransactionType, payloadBytes: Int, parameters: ChainParameters) -> UInt64 {
        let priced = type == .receiptClaim ? max(0, payloadBytes - claimFreeBytes) : max(0, payloadBytes)
        let (perByte, overflow1) = parameters.feePerByte.multipliedReportingOverflow(by: UInt64(priced))
        let (total, overflow2) = parameters.baseFee.addingReportingOverflow(perByte)
        return overflow1 || overflow2 ? .max : total
    }

    /// The least fee for `transaction`.
    public static func minimumFee(for transaction: VerifiedTransaction, parameters: ChainParameters) -> UInt64 {
        minimumFee(type: transaction.message.type, payloadBytes: transaction.payloadBytes, parameters: parameters)
    }

    /// The payload's byte count (its canonical JSON's length) and the fee for it.
    public static func estimate(type: TransactionType = .transfer, payload: JSONValue, parameters: ChainParameters) -> (payloadBytes: Int, fee: UInt64)? {
        guard let bytes = try? CanonicalJSON.bytes(of: payload) else { return nil }
        return (bytes.count, minimumFee(type: type, payloadBytes: bytes.count, parameters: parameters))
    }
}

import Cryptography
import JSON
import Ledger
import Receipts
import Testing
import TestSupport
import WireModels

/// Known answers. The reference's formulas (spec/chain-node.md §4) are kept here as vectors
/// only; the new encodings are checked against `Vectors/ledger_vectors.json`, which
/// `Vectors/ledger_vectors.py` computed independently (Python hashlib SHA-256 over the byte
/// layout, `cryptography`'s Ed25519, its own bech32 and `json.dumps(sort_keys=True)`).
@Suite struct VectorTests {
    // MARK: the reference's formulas (not product code)

    /// `"0x" + hex(SHA-256("{chain_id}|{height}|{parent_hash}|{ts}"))`.
    static func referenceBlockHash(chainID: String, height: UInt64, parentHash: String, time: String) -> String {
        "0x" + hex(SHA256.hash(utf8: "\(chainID)|\(height)|\(parentHash)|\(time)"))
    }

    /// Naive UTC `YYYY-MM-DDTHH:MM:SS.ffffff`, the fraction omitted when the microseconds are 0
    /// (Python's `datetime.isoformat()`).
    static func referenceTime(unixMicroseconds: Int64) -> String {
        let seconds = unixMicroseconds / 1_000_000
        let micros = unixMicroseconds % 1_000_000
        let days = seconds / 86_400
        let secondOfDay = seconds % 86_400
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
        let z = days + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3_600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if micros != 0 { text += "." + pad(micros, 6) }
        return text
    }

    /// `"0x" + hex(SHA-256(canonical_json(tx)))` with `sig` hashed (`null` when absent) and
    /// nulls kept, Python's `json.dumps(sort_keys=True, separators=(",", ":"))`.
    static func referenceTxHash(_ tx: JSONValue) throws -> String {
        "0x" + hex(SHA256.hash(try JSONSerializer(options: [.sortedKeys, .asciiOnly]).serialize(tx)))
    }

    @Test func referenceBlockHashFormulaReproducesBothSpecVectors() {
        let genesisTime = Self.referenceTime(unixMicroseconds: 1_735_689_600_000_000)
        #expect(genesisTime == "2025-01-01T00:00:00")
        let block0 = Self.referenceBlockHash(chainID: "ait-devnet", height: 0, parentHash: "0x00", time: genesisTime)
        #expect(block0 == "0xac5db42d29f4b73c97673a8981d5ef55206048a5e9edd70d7d79b30ce238b6e7")
        let time1 = Self.referenceTime(unixMicroseconds: 1_735_689_602_500_000)
        #expect(time1 == "2025-01-01T00:00:02.500000")
        #expect(
            Self.referenceBlockHash(chainID: "ait-devnet", height: 1, parentHash: block0, time: time1)
                == "0x15dbf9946c2e65f1b6aa87fec1cc3d296cdc23c481b1c663b377c964dd6b4157")
    }

    @Test func referenceTxHashFormulaReproducesTheSpecVector() throws {
        let tx: JSONValue = [
            "type": "TRANSFER", "sender": "ait1alice", "nonce": 0, "fee": 10, "payload": ["to": "ait1bob", "amount": 5], "sig": .null,
        ]
        #expect(try Self.referenceTxHash(tx) == "0x8b207965344322d92bb3729be525545a854fb639be0688604ccdad1096655930")
        // The reference hashes `sig`, so its ids are malleable; ours is over the unsigned body.
        #expect(try Self.referenceTxHash(tx.setting("sig", "00")) != Self.referenceTxHash(tx))
    }

    // MARK: the new encodings

    @Test func keysAndAddressesMatchTheIndependentComputation() throws {
        let vectors = try LedgerVectors.load()
        #expect(Keys.alice.publicKey.hex == (try LedgerVectors.string(vectors, "keys", "alice_public_key")))
        #expect(Keys.address(Keys.alice).rawValue == (try LedgerVectors.string(vectors, "keys", "alice_address")))
        #expect(Keys.address(Keys.bob).rawValue == (try LedgerVectors.string(vectors, "keys", "bob_address")))
        #expect(Keys.address(Keys.proposer).rawValue == (try LedgerVectors.string(vectors, "keys", "proposer_address")))
    }

    /// The layout written out field by field: magic, u16 length, big-endian u64s, 32-byte fields.
    @Test func blockHeaderEncodingIsTheFixedBigEndianLayout() throws {
        let vectors = try LedgerVectors.load()
        let txID = bytes(hex: String(try LedgerVectors.string(vectors, "transaction", "id").dropFirst(2)))
        let header = BlockHeader(
            chainID: "ait-devnet", height: 0x0102_0304_0506_0708, parentHash: [UInt8](repeating: 0x11, count: 32),
            timeMilliseconds: 1_727_400_014_000, proposerKey: Keys.proposer.publicKey.rawRepresentation,
            txRoot: Merkle.root(leaves: [txID]), stateRoot: [UInt8](repeating: 0x33, count: 32), receiptsRoot: Merkle.emptyRoot)
        var expected: [UInt8] = [0x41, 0x49, 0x54, 0x42, 0x43, 0x2D, 0x42, 0x4C, 0x4F, 0x43, 0x4B, 0x01]  // "AITBC-BLOCK" 0x01
        expected += [0x00, 0x0A] + Array("ait-devnet".utf8)
        expected += [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]
        expected += [UInt8](repeating: 0x11, count: 32)
        expected += [0x00, 0x00, 0x01, 0x92, 0x31, 0x10, 0x70, 0xB0]  // 1727400014000
        expected += Keys.proposer.publicKey.rawRepresentation
        expected += SHA256.hash([0x00] + txID)  // one leaf: its leaf hash
        expected += [UInt8](repeating: 0x33, count: 32) + [UInt8](repeating: 0, count: 32)
        #expect(expected.count == 12 + 2 + 10 + 8 + 32 + 8 + 32 * 4)
        #expect(header.encoded == expected)
        #expect(hex(header.encoded) == (try LedgerVectors.string(vectors, "header", "encoded")))
        #expect(hex(header.hash) == (try LedgerVectors.string(vectors, "header", "hash")))
        #expect(header.isWellFormed)
    }

    @Test func blockHeaderSignatureIsDeterministicEd25519OverTheHash() throws {
        let vectors = try LedgerVectors.load()
        let header = BlockHeader(
            chainID: "ait-devnet", height: 0x0102_0304_0506_0708, parentHash: [UInt8](repeating: 0x11, count: 32),
            timeMilliseconds: 1_727_400_014_000, proposerKey: Keys.proposer.publicKey.rawRepresentation,
            txRoot: Merkle.root(leaves: [bytes(hex: String(try LedgerVectors.string(vectors, "transaction", "id").dropFirst(2)))]),
            stateRoot: [UInt8](repeating: 0x33, count: 32), receiptsRoot: Merkle.emptyRoot)
        let signature = header.sign(with: Keys.proposer)
        #expect(hex(signature) == (try LedgerVectors.string(vectors, "header", "signature")))
        #expect(header.isValidSignature(signature))
        var other = header
        other.height += 1
        #expect(!other.isValidSignature(signature))
        var otherProposer = header
        otherProposer.proposerKey = Keys.alice.publicKey.rawRepresentation
        #expect(!otherProposer.isValidSignature(signature))
        var short = header
        short.stateRoot = [0x33]
        #expect(!short.isWellFormed)
        #expect(!short.isValidSignature(short.sign(with: Keys.proposer)))
    }

    @Test func transactionIDAndSignatureMatchTheVector() throws {
        let vectors = try LedgerVectors.load()
        let message = TransactionMessage(
            chainID: "ait-devnet", sender: Keys.address(Keys.alice), publicKey: Keys.alice.publicKey.hex, nonce: 1, fee: 90,
            payload: .transfer(to: Keys.address(Keys.bob), amount: 12_345))
        let canonical = String(decoding: try CanonicalJSON.bytes(of: message.unsignedJSON), as: UTF8.self)
        #expect(canonical == (try LedgerVectors.string(vectors, "transaction", "canonical_body")))
        #expect(try message.transactionID().rawValue == LedgerVectors.string(vectors, "transaction", "id"))
        let signed = try message.signed(with: Keys.alice)
        #expect(signed.sig == (try LedgerVectors.string(vectors, "transaction", "sig")))
        let verified = try VerifiedTransaction(signed, chainID: "ait-devnet")
        #expect(verified.id.rawValue == (try LedgerVectors.string(vectors, "transaction", "id")))
        #expect(verified.payloadBytes == vectors["transaction"]?["payload_bytes"]?.int64Value.map(Int.init))
        // The wire text decodes to the same message and the same id.
        let decoded = try TransactionMessage(bytes: signed.bytes)
        #expect(decoded == signed)
        #expect(try decoded.transactionID() == verified.id)
    }

    static func vectorGenesis() -> GenesisDocument {
        GenesisDocument(
            chainID: "ait-devnet", timestamp: 1_727_400_000, authorities: [.init(publicKey: Keys.proposer.publicKey)],
            accounts: [
                .init(address: Keys.address(Keys.alice), balance: 1_000_000_000), .init(address: Keys.address(Keys.bob), balance: 5, nonce: 2),
            ],
            coordinatorKeys: [Keys.coordinator.publicKey])
    }

    @Test func genesisDocumentHashAndBlockZeroMatchTheVector() throws {
        let vectors = try LedgerVectors.load()
        let genesis = Self.vectorGenesis()
        #expect(String(decoding: try CanonicalJSON.bytes(of: genesis.json), as: UTF8.self) == (try LedgerVectors.string(vectors, "genesis", "canonical")))
        #expect(hex(genesis.documentHash) == (try LedgerVectors.string(vectors, "genesis", "document_hash")))
        let header = genesis.genesisHeader
        #expect(hex(header.stateRoot) == (try LedgerVectors.string(vectors, "genesis", "state_root")))
        #expect(hex(header.encoded) == (try LedgerVectors.string(vectors, "genesis", "header_encoded")))
        #expect(hex(header.hash) == (try LedgerVectors.string(vectors, "genesis", "header_hash")))
        // Block 0: no parent, no proposer, time in milliseconds, no receipts.
        #expect(header.height == 0 && header.parentHash == [UInt8](repeating: 0, count: 32))
        #expect(header.proposerKey == [UInt8](repeating: 0, count: 32) && header.timeMilliseconds == 1_727_400_000_000)
        #expect(header.txRoot == genesis.documentHash && header.receiptsRoot == Merkle.emptyRoot)
        // The file read back gives the same block 0.
        #expect(try GenesisDocument(bytes: genesis.fileBytes).genesisHeader.hash == header.hash)
    }

    @Test func emptyStateRootMatchesTheVector() throws {
        var tree = StateTree()
        #expect(hex(tree.root) == (try LedgerVectors.string(try LedgerVectors.load(), "empty_state_root")))
    }
}

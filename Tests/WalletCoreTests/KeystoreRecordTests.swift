import Cryptography
import JSON
import Testing
import WalletCore

@Suite struct KeystoreRecordTests {
    /// Replaces (or with nil removes) the member at `path` of the record's JSON.
    static func mutate(_ record: KeystoreRecord, _ path: [String], _ value: JSONValue?) throws -> [UInt8] {
        func apply(_ node: JSONValue, _ path: ArraySlice<String>) -> JSONValue {
            guard case .object(var members) = node, let key = path.first else { return value ?? .null }
            if let index = members.firstIndex(where: { $0.key == key }) {
                if path.count == 1, value == nil {
                    members.remove(at: index)
                } else {
                    members[index].value = apply(members[index].value, path.dropFirst())
                }
            } else if let value {
                members.append(JSONMember(key: key, value: value))
            }
            return .object(members)
        }
        let root = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(record.encoded())
        return try JSONSerializer().serialize(apply(root, path[...]))
    }

    @Test func encodesTheSpecShapeAndDecodesBack() throws {
        let record = try sampleRecord()
        let text = String(decoding: record.encoded(), as: UTF8.self)
        #expect(text.hasPrefix(#"{"magic":"aitbc-kdb","version":1,"wallet_id":"main","kind":"raw","curve":"ed25519","public_key":"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a","kdf":{"name":"argon2id","v":19,"t":1,"m_kib":8192,"p":1,"dklen":32,"salt":""#))
        #expect(text.contains(#""created_at":"2025-01-01T00:00:00Z","ciphertext":""#))
        #expect(text.hasSuffix(#""metadata":{"label":"primary"}}"# + "\n"))
        #expect(try KeystoreRecord(decoding: record.encoded()) == record)
    }

    /// AAD = canonical JSON of everything but `ciphertext` and `metadata` (§4.2).
    @Test func aadIsTheCanonicalHeader() throws {
        let record = try sampleRecord()
        let salt = StrictBase64.encode(record.salt)
        let nonce = StrictBase64.encode(record.nonce)
        let expected = #"{"cipher":{"name":"xchacha20poly1305-ietf","nonce":"\#(nonce)"},"created_at":"2025-01-01T00:00:00Z","#
            + #""curve":"ed25519","kdf":{"dklen":32,"m_kib":8192,"name":"argon2id","p":1,"salt":"\#(salt)","t":1,"v":19},"#
            + #""kind":"raw","magic":"aitbc-kdb","public_key":"\#(record.publicKey.hex)","version":1,"wallet_id":"main"}"#
        #expect(String(decoding: record.aad(), as: UTF8.self) == expected)
        var edited = record
        edited.metadata = ["label": "changed"]
        #expect(edited.aad() == record.aad())
    }

    @Test(arguments: [
        (["magic"], JSONValue.string("aitbc-kdx"), "magic"),
        (["version"], .integer(JSONInteger(2)), "version"),
        (["version"], .string("1"), "version"),
        (["version"], .float(1.0), "version"),
        (["wallet_id"], .string("Main"), "wallet_id"),
        (["wallet_id"], .string("../main"), "wallet_id"),
        (["kind"], .string("bip32"), "kind"),
        (["curve"], .string("secp256k1"), "curve"),
        (["public_key"], .string("D75A980182B10AB7D54BFED3C964073A0EE172F3DAA62325AF021A68F707511A"), "public_key"),
        (["public_key"], .string("d75a98"), "public_key"),
        (["kdf", "name"], .string("scrypt"), "kdf.name"),
        (["kdf", "v"], .integer(JSONInteger(16)), "kdf.v"),
        (["kdf", "t"], .integer(JSONInteger(0)), "kdf.t"),
        (["kdf", "t"], .integer(JSONInteger(11)), "kdf.t"),
        (["kdf", "t"], .float(1.0), "kdf.t"),
        (["kdf", "m_kib"], .integer(JSONInteger(8191)), "kdf.m_kib"),
        (["kdf", "m_kib"], .integer(JSONInteger(4_194_305)), "kdf.m_kib"),
        (["kdf", "m_kib"], .integer(JSONInteger(UInt64.max)), "kdf.m_kib"),
        (["kdf", "p"], .integer(JSONInteger(0)), "kdf.p"),
        (["kdf", "p"], .integer(JSONInteger(17)), "kdf.p"),
        (["kdf", "dklen"], .integer(JSONInteger(64)), "kdf.dklen"),
        (["kdf", "salt"], .string(StrictBase64.encode([UInt8](repeating: 1, count: 15))), "kdf.salt"),
        (["kdf", "salt"], .string(StrictBase64.encode([UInt8](repeating: 1, count: 65))), "kdf.salt"),
        (["kdf", "salt"], .string("AAAAAAAAAAAAAAAAAAAAAA"), "kdf.salt"),
        (["kdf", "salt"], .string("AAAAAAAAAAAAAAAA AAAAAA=="), "kdf.salt"),
        (["kdf", "extra"], .integer(JSONInteger(1)), "kdf"),
        (["cipher", "name"], .string("aes-256-gcm"), "cipher.name"),
        (["cipher", "nonce"], .string(StrictBase64.encode([UInt8](repeating: 1, count: 23))), "cipher.nonce"),
        (["cipher", "nonce"], .string("-_-_"), "cipher.nonce"),
        (["created_at"], .string("yesterday"), "created_at"),
        (["ciphertext"], .string(StrictBase64.encode([UInt8](repeating: 1, count: 80))), "ciphertext"),
        (["ciphertext"], .string("not base64!"), "ciphertext"),
        (["metadata"], .array([]), "metadata"),
        (["metadata", "n"], .integer(JSONInteger(1)), "metadata"),
        (["unexpected"], .bool(true), "record"),
    ] as [([String], JSONValue, String)])
    func strictDecodeNamesTheField(path: [String], value: JSONValue, field: String) throws {
        let bytes = try Self.mutate(try sampleRecord(), path, value)
        #expect {
            try KeystoreRecord(decoding: bytes)
        } throws: { error in
            guard case WalletCoreError.invalidRecord(let reported, _) = error else { return false }
            return reported == field
        }
    }

    @Test(arguments: ["magic", "version", "wallet_id", "kind", "curve", "public_key", "kdf", "cipher", "created_at", "ciphertext", "metadata"])
    func aMissingFieldIsRefused(field: String) throws {
        let bytes = try Self.mutate(try sampleRecord(), [field], nil)
        #expect(throws: WalletCoreError.invalidRecord(field: field, reason: "missing")) { try KeystoreRecord(decoding: bytes) }
    }

    @Test func nonJSONAndOversizedFilesAreRefused() {
        #expect(throws: WalletCoreError.self) { try KeystoreRecord(decoding: Array("not json".utf8)) }
        #expect(throws: WalletCoreError.self) { try KeystoreRecord(decoding: Array("[]".utf8)) }
        #expect(throws: WalletCoreError.invalidRecord(field: "file", reason: "larger than 65536 bytes")) {
            try KeystoreRecord(decoding: [UInt8](repeating: 0x20, count: 65_537))
        }
    }

    @Test func descriptionShowsNoCiphertext() throws {
        let record = try sampleRecord()
        #expect(!record.description.contains(StrictBase64.encode(record.ciphertext)))
        #expect(record.description.contains("main"))
    }
}

import AITBCCLI
import Cryptography
import Foundation
import JSON
import Testing

@Suite struct KeygenCommandTests {
    let parser = JSONParser(limits: .init(maxInputBytes: 1 << 16))

    @Test func printsAConsistentKeyPair() throws {
        let key = try Ed25519.PrivateKey(seedHex: "e2c35a46318ec09cf1cc04f06c4ba18bf2cd3f0ed318d986f01228bdbf9fd326")
        let json = try parser.parse(KeygenCommand.json(for: key, includingSecret: true))
        #expect(json.objectValue?.map(\.key) == ["alg", "private_key_hex", "public_key_hex", "key_id", "address"])
        #expect(json["alg"]?.stringValue == "Ed25519")
        #expect(json["private_key_hex"]?.stringValue == "e2c35a46318ec09cf1cc04f06c4ba18bf2cd3f0ed318d986f01228bdbf9fd326")
        #expect(json["public_key_hex"]?.stringValue == "4c9bc7d00f69924d1cdee40c3650a2bcbb37191de2d53d93b5f21b2d3d27dbd4")
        #expect(json["key_id"]?.stringValue == "TJvH0A9pkk0c3uQMNlCivLs3GR3i1T2TtfIbLT0n29Q")
        #expect(json["address"]?.stringValue == key.publicKey.address.description)
        let publicOnly = try parser.parse(KeygenCommand.json(for: key, includingSecret: false))
        #expect(publicOnly["private_key_hex"] == nil)
    }

    @Test func writesKeyFileWithOwnerOnlyModeAndRefusesOverwrite() throws {
        let directory = try CLIFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("key.json").path
        let first = try CLIFixtures.run(["keygen", "--out", path])
        #expect(first.status == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let file = try parser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let stdout = try parser.parse(first.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(stdout["private_key_hex"] == nil)
        #expect(stdout["public_key_hex"] == file["public_key_hex"])
        let seed = try #require(file["private_key_hex"]?.stringValue)
        #expect(try Ed25519.PrivateKey(seedHex: seed).publicKey.hex == file["public_key_hex"]?.stringValue)

        let second = try CLIFixtures.run(["keygen", "--out", path])
        #expect(second.status == 2)
        #expect(second.stderr.contains("exists"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(try JSONSerializer().serialize(file)) + Data("\n".utf8))

        // --force replaces the key and resets a loosened mode to 0600.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let forced = try CLIFixtures.run(["keygen", "--out", path, "--force"])
        #expect(forced.status == 0)
        let replaced = try parser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(replaced["public_key_hex"] != file["public_key_hex"])
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
    }

    @Test func printsFullJSONWithoutOut() throws {
        let run = try CLIFixtures.run(["keygen"])
        #expect(run.status == 0)
        let json = try parser.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let seed = try #require(json["private_key_hex"]?.stringValue)
        let key = try Ed25519.PrivateKey(seedHex: seed)
        #expect(json["address"]?.stringValue == key.publicKey.address.description)
        #expect(json["key_id"]?.stringValue == key.publicKey.keyID)
    }
}

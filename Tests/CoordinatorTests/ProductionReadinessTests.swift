import Coordinator
import Foundation
import ServiceRuntime
import TestSupport
import Testing

/// Found by the issue 12 black-box review: `APP_ENV=production` refused the exact placeholder
/// keys and a missing signing key, but not " production", a CRLF `.env`, another role's
/// placeholder, a case variant, `client_dev_key_2`, or a signing seed published in the test
/// vectors (with which anyone could forge receipts that verify against `GET /v1/keys`).
@Suite struct ProductionReadinessTests {
    static let ownSeed = String(repeating: "5a", count: 31) + "a5"
    static let ownKeys = [
        "CLIENT_API_KEYS": "c-7f3a9e1b2c4d", "MINER_API_KEYS": "m-0b1c2d3e4f5a", "ADMIN_API_KEYS": "a-9e8d7c6b5a4f",
        "RECEIPT_SIGNING_KEY_HEX": ownSeed,
    ]

    static func configuration(_ settings: [String: String]) throws -> CoordinatorConfiguration {
        try CoordinatorConfiguration(reader: ConfigurationReader(environment: ownKeys.merging(settings) { $1 }))
    }

    @Test func ownKeysAndSeedStart() throws {
        try Self.configuration(["APP_ENV": "production"]).checkProductionReadiness()
    }

    @Test(arguments: [" production", "production ", "production\r", "\tprod\n", "PRODUCTION"])
    func productionIsRecognisedThroughWhitespace(value: String) throws {
        let configuration = try Self.configuration(["APP_ENV": value, "CLIENT_API_KEYS": "client_dev_key_1"])
        #expect(configuration.isProduction)
        #expect(throws: ConfigurationError.self) { try configuration.checkProductionReadiness() }
    }

    @Test(arguments: [
        ("CLIENT_API_KEYS", "miner_dev_key_1"), ("ADMIN_API_KEYS", "client_dev_key_1"), ("CLIENT_API_KEYS", "change-me-admin-key"),
        ("CLIENT_API_KEYS", "CHANGE-ME-CLIENT-KEY"), ("CLIENT_API_KEYS", "client_dev_key_2"), ("MINER_API_KEYS", "ok-key,Miner_Dev_Key_7"),
    ])
    func publishedLookingKeysAreRefused(setting: String, keys: String) throws {
        let configuration = try Self.configuration(["APP_ENV": "production", setting: keys])
        #expect(configuration.keyRing.rolesWithPublishedLookingKeys.count == 1)
        #expect(throws: ConfigurationError.self) { try configuration.checkProductionReadiness() }
    }

    @Test(arguments: [
        ("RECEIPT_SIGNING_KEY_HEX", "e2c35a46318ec09cf1cc04f06c4ba18bf2cd3f0ed318d986f01228bdbf9fd326"),
        ("RECEIPT_SIGNING_KEY_HEX", String(repeating: "00", count: 32)),
        ("RECEIPT_ATTESTATION_KEY_HEX", "b0941c9a7b62188b11dc10176273d4d8d67b1beb7144355885957a2892da3de0"),
    ])
    func publishedSeedsAreRefused(setting: String, seed: String) throws {
        let configuration = try Self.configuration(["APP_ENV": "production", setting: seed])
        let error = #expect(throws: ConfigurationError.self) { try configuration.checkProductionReadiness() }
        #expect("\(String(describing: error))".contains(setting))
    }

    /// Every seed of the published test vectors is on the refused list (a new vector file
    /// cannot slip past it unnoticed).
    @Test func everyVectorSeedIsKnownAsPublished() throws {
        let folder = TestPaths.root.appendingPathComponent("protocols/receipts/vectors")
        var seeds: Set<String> = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".json") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            for match in text.matches(of: /"(?:attestation_)?private_key_hex":\s*"([0-9a-f]{64})"/) { seeds.insert(String(match.output.1)) }
        }
        #expect(!seeds.isEmpty)
        for seed in seeds {
            let configuration = try Self.configuration(["APP_ENV": "production", "RECEIPT_SIGNING_KEY_HEX": seed])
            #expect(throws: ConfigurationError.self, "\(seed)") { try configuration.checkProductionReadiness() }
        }
    }

    /// A `.env` written on Windows (CRLF) reads like any other.
    @Test func crlfDotEnvFilesReadCleanly() throws {
        let directory = try TemporaryDirectory(prefix: "dotenv")
        let path = directory.path(".env")
        try Data("APP_ENV=production\r\nCLIENT_API_KEYS=client_dev_key_1\r\n".utf8).write(to: URL(fileURLWithPath: path))
        let values = try DotEnvFile.load(path: path)
        #expect(values["APP_ENV"] == "production")
        #expect(values["CLIENT_API_KEYS"] == "client_dev_key_1")
    }

    /// Found by the issue 12 new-user run: a coordinator with no keys for a role (a misspelt
    /// APP_ENV turns off the dev placeholders) started silently and refused every request.
    @Test func aRoleWithoutKeysIsWarnedAbout() throws {
        let configuration = try CoordinatorConfiguration(
            reader: ConfigurationReader(environment: ["APP_ENV": "prodution", "CLIENT_API_KEYS": "c-1234567890"]))
        #expect(configuration.startupWarnings.contains { $0.contains("no miner, admin API keys") && $0.contains("MINER_API_KEYS") })
        #expect(!(try Self.configuration([:])).startupWarnings.contains { $0.contains("API keys:") })
    }
}

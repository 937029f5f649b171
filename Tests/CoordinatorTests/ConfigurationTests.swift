import Coordinator
import Cryptography
import ServiceRuntime
import Testing

@Suite struct ConfigurationTests {
    @Test func defaultsMatchTheSpec() throws {
        let configuration = try CoordinatorConfiguration(reader: ConfigurationReader())
        #expect(configuration.appEnvironment == "dev")
        #expect(configuration.port == 8011)
        #expect(configuration.databasePath == "./data/coordinator/coordinator.db")
        #expect(configuration.jobTTLSeconds == 900)
        #expect(configuration.heartbeatTimeoutSeconds == 30)
        #expect(configuration.maxBodyBytes == 1 << 20)
        #expect(configuration.maxJSONDepth == 64)
        #expect(configuration.maxAttempts == 3)
        #expect(configuration.signingKey == nil)
        #expect(configuration.sweepIntervalSeconds == 5)
        #expect(configuration.logLevel == "info")
        #expect(configuration.accessLogLevel == "debug")
        #expect(configuration.keyRing.principal(forKey: "client_dev_key_1", role: .client) != nil)
    }

    @Test func accessLogLevelIsASettingWithKnownLevelsOnly() throws {
        let verbose = try CoordinatorConfiguration(reader: ConfigurationReader(environment: ["ACCESS_LOG_LEVEL": "info"]))
        #expect(verbose.accessLogLevel == "info")
        #expect(throws: ConfigurationError.self) {
            try CoordinatorConfiguration(reader: ConfigurationReader(environment: ["ACCESS_LOG_LEVEL": "loud"]))
        }
    }

    @Test func productionHasNoPlaceholderKeys() throws {
        let configuration = try CoordinatorConfiguration(reader: ConfigurationReader(environment: ["APP_ENV": "production"]))
        #expect(configuration.keyRing.principal(forKey: "client_dev_key_1", role: .client) == nil)
    }

    @Test(arguments: [
        ("sqlite:///./x.db", "./x.db"), ("sqlite:////var/lib/c.db", "/var/lib/c.db"), ("/tmp/plain.db", "/tmp/plain.db"),
        ("relative.db", "relative.db"),
    ])
    func databaseURLForms(url: String, path: String) throws {
        let configuration = try CoordinatorConfiguration(reader: ConfigurationReader(environment: ["DATABASE_URL": url]))
        #expect(configuration.databasePath == path)
    }

    @Test func postgresURLIsRefusedNamingTheSetting() {
        #expect(throws: ConfigurationError.invalid(setting: "DATABASE_URL", reason: "only SQLite databases are supported")) {
            try CoordinatorConfiguration(reader: ConfigurationReader(environment: ["DATABASE_URL": "postgresql://u:p@h/db"]))
        }
    }

    @Test(arguments: [#"["k1", " k2 ", ""]"#, "k1, k2,,", "k1,k2"])
    func keyListsAcceptJSONAndCommaForms(raw: String) throws {
        let configuration = try CoordinatorConfiguration(reader: ConfigurationReader(environment: ["CLIENT_API_KEYS": raw]))
        #expect(configuration.keyRing.principals(role: .client).count == 2)
        #expect(configuration.keyRing.principal(forKey: "k2", role: .client) != nil)
        #expect(configuration.keyRing.principal(forKey: "k1", role: .miner) == nil)
    }

    @Test func explicitAndDerivedPrincipalIDs() throws {
        let configuration = try CoordinatorConfiguration(
            reader: ConfigurationReader(environment: ["MINER_API_KEYS": "gpu-box-1:secret-one,secret-two"]))
        let explicit = try #require(configuration.keyRing.principal(forKey: "secret-one", role: .miner))
        #expect(explicit.id == "gpu-box-1")
        let derived = try #require(configuration.keyRing.principal(forKey: "secret-two", role: .miner))
        // Keyed (issue #10, defect 8): never the plain hash of the key.
        #expect(derived.id.hasPrefix("miner-") && derived.id.utf8.count == 18)
        #expect(derived.id != "miner-" + Hex.encode(SHA256.hash(utf8: "secret-two")).prefix(12))
        #expect(!derived.id.contains("secret"))
    }

    @Test func malformedJSONKeyListIsRefused() {
        #expect(throws: ConfigurationError.self) {
            try CoordinatorConfiguration(reader: ConfigurationReader(environment: ["ADMIN_API_KEYS": "[\"a\", 1]"]))
        }
    }

    @Test(arguments: ["abc", String(repeating: "z", count: 64), String(repeating: "0", count: 128)])
    func malformedSigningKeyFailsFastWithoutEchoingIt(value: String) {
        do {
            _ = try CoordinatorConfiguration(reader: ConfigurationReader(environment: ["RECEIPT_SIGNING_KEY_HEX": value]))
            Issue.record("accepted a malformed key")
        } catch {
            #expect(error.description.contains("RECEIPT_SIGNING_KEY_HEX"))
            #expect(!error.description.contains(value))
        }
    }

    @Test func signingKeysLoadAndStayOutOfDescription() throws {
        let seed = String(repeating: "ab", count: 32)
        let configuration = try CoordinatorConfiguration(
            reader: ConfigurationReader(environment: [
                "RECEIPT_SIGNING_KEY_HEX": seed, "RECEIPT_ATTESTATION_KEY_HEX": String(repeating: "cd", count: 32),
                "CLIENT_API_KEYS": "very-secret-key", "HMAC_SECRET": "hmac-secret-value",
            ]))
        #expect(configuration.signingKey != nil)
        #expect(configuration.attestationKey != nil)
        let text = "\(configuration) \(String(reflecting: configuration))"
        for secret in [seed, "very-secret-key", "hmac-secret-value"] { #expect(!text.contains(secret)) }
        var dumped = ""
        dump(configuration, to: &dumped)
        for secret in [seed, "very-secret-key", "hmac-secret-value"] { #expect(!dumped.contains(secret)) }
    }

    @Test(arguments: [
        ("JOB_TTL_SECONDS", "0"), ("JOB_TTL_SECONDS", "86401"), ("MAX_ATTEMPTS", "0"), ("APP_PORT", "70000"),
        ("MAX_JSON_DEPTH", "x"), ("RATE_LIMIT_REQUESTS", "-1"), ("HEARTBEAT_TIMEOUT_SECONDS", "5"),
    ])
    func outOfRangeSettingsAreNamed(setting: String, value: String) {
        do {
            _ = try CoordinatorConfiguration(reader: ConfigurationReader(environment: [setting: value]))
            Issue.record("accepted \(setting)=\(value)")
        } catch {
            #expect(error.description.contains(setting))
        }
    }
}

@Suite struct APIKeyRingTests {
    let ring = APIKeyRing(keys: [
        .client: [(id: nil, key: "c-key-1"), (id: "acme", key: "c-key-2")],
        .miner: [(id: nil, key: "m-key-1")],
    ])

    @Test func lookupIsPerRole() throws {
        #expect(ring.principal(forKey: "c-key-2", role: .client)?.id == "acme")
        #expect(ring.principal(forKey: "c-key-1", role: .miner) == nil)
        #expect(ring.principal(forKey: "m-key-1", role: .miner)?.role == .miner)
        #expect(throws: CoordinatorError.unauthorized(.missing)) { try ring.authenticate(nil, role: .client) }
        #expect(throws: CoordinatorError.unauthorized(.missing)) { try ring.authenticate("", role: .client) }
        #expect(throws: CoordinatorError.unauthorized(.unknown)) { try ring.authenticate("c-key-1x", role: .client) }
        // Issue #12: a key of another role says so (and which role the route needs).
        #expect(throws: CoordinatorError.unauthorized(.otherRole(keyRole: .miner, routeRole: .client))) {
            try ring.authenticate("m-key-1", role: .client)
        }
        #expect(throws: CoordinatorError.unauthorized(.otherRole(keyRole: .client, routeRole: .admin))) {
            try ring.authenticate("c-key-2", role: .admin)
        }
        #expect(try ring.authenticate("c-key-1", role: .client).id.hasPrefix("client-"))
    }

    @Test func keysNeverAppearInDescriptions() {
        let principal = ring.principal(forKey: "c-key-1", role: .client)
        var dumped = ""
        dump(ring, to: &dumped)
        let text = "\(ring) \(String(describing: principal)) \(dumped)"
        for key in ["c-key-1", "c-key-2", "m-key-1"] { #expect(!text.contains(key)) }
    }
}

@Suite struct PresentedKeyTests {
    @Test(arguments: [
        ("k1", nil, "k1"), (nil, "Bearer k2", "k2"), (nil, "bearer  k3 ", "k3"), ("k1", "Bearer k2", "k1"),
        (nil, "Basic abc", nil), (nil, "Bearer ", nil), ("", nil, nil), (nil, nil, nil),
    ] as [(String?, String?, String?)])
    func headers(apiKey: String?, authorization: String?, expected: String?) {
        #expect(APIKeyRing.presentedKey(apiKeyHeader: apiKey, authorizationHeader: authorization) == expected)
    }
}

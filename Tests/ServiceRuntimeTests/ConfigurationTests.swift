import Foundation
import ServiceRuntime
import Testing

@Suite struct DotEnvFileTests {
    @Test func parsesCommentsExportsAndQuotes() throws {
        let text = """
            # comment
            PLAIN=value
            export EXPORTED=yes
            SPACED = padded   # trailing comment
            SINGLE='raw \\n $HOME'
            DOUBLE="line\\nnext \\"quoted\\""
            EMPTY=
            WINDOWS=crlf\r
            """
        let values = try DotEnvFile.parse(text)
        #expect(values["PLAIN"] == "value")
        #expect(values["EXPORTED"] == "yes")
        #expect(values["SPACED"] == "padded")
        #expect(values["SINGLE"] == "raw \\n $HOME")
        #expect(values["DOUBLE"] == "line\nnext \"quoted\"")
        #expect(values["EMPTY"] == "")
        #expect(values["WINDOWS"] == "crlf")
    }

    @Test(arguments: [
        ("NO_EQUALS_SIGN", 1),
        ("OK=1\n1BAD=2", 2),
        ("OK=1\nUNTERMINATED=\"abc", 2),
        ("JUNK='a' b", 1),
        ("SP ACE=1", 1),
    ])
    func rejectsMalformedLinesNamingTheLine(text: String, line: Int) {
        #expect {
            try DotEnvFile.parse(text, path: "/etc/aitbc/x.env")
        } throws: { error in
            guard case .invalidDotEnvLine(let path, let reported, _) = error as? ConfigurationError else { return false }
            return path == "/etc/aitbc/x.env" && reported == line
        }
    }

    @Test func missingExplicitFileIsAnError() {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationReader.load(flags: [:], dotEnvPath: "/nonexistent/aitbc.env", environment: [:])
        }
    }

    @Test func loadsFileFromDisk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aitbc-\(UUID().uuidString).env").path
        try "PORT=9000\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try ConfigurationReader.load(flags: [:], dotEnvPath: path, environment: [:])
        #expect(try reader.port("PORT", default: 1) == 9000)
    }
}

@Suite struct ConfigurationReaderTests {
    @Test func flagsWinOverEnvironmentOverDotEnv() {
        let reader = ConfigurationReader(
            flags: ["A": "flag"], environment: ["A": "env", "B": "env"], dotEnv: ["A": "file", "B": "file", "C": "file"])
        #expect(reader.string("A") == "flag")
        #expect(reader.string("B") == "env")
        #expect(reader.string("C") == "file")
        #expect(reader.string("D") == nil)
        #expect(reader.string("D", default: "d") == "d")
    }

    @Test func emptyValueCountsAsAbsent() {
        let reader = ConfigurationReader(environment: ["A": ""], dotEnv: ["A": "file"])
        #expect(reader.string("A") == "file")
    }

    @Test func typedReadsValidate() throws {
        let reader = ConfigurationReader(environment: [
            "PORT": "8011", "BAD_PORT": "70000", "FLAG": "Yes", "BAD_FLAG": "maybe",
            "TIMEOUT": "500ms", "MINUTES": "2m", "BAD_TIMEOUT": "soon", "HOST": "::1", "BAD_HOST": "example.com",
            "LEVEL": "DEBUG",
        ])
        #expect(try reader.port("PORT", default: 1) == 8011)
        #expect(try reader.bool("FLAG", default: false))
        #expect(try reader.duration("TIMEOUT", default: .seconds(1), range: 0...60) == .milliseconds(500))
        #expect(try reader.duration("MINUTES", default: .seconds(1), range: 0...600) == .seconds(120))
        #expect(try reader.bindHost("HOST", default: "127.0.0.1") == "::1")
        #expect(try reader.bindHost("UNSET", default: "127.0.0.1") == "127.0.0.1")
        #expect(try reader.choice("LEVEL", default: "info", allowed: ["info", "debug"]) == "debug")

        for (check, setting) in [
            ({ _ = try reader.port("BAD_PORT", default: 1) }, "BAD_PORT"),
            ({ _ = try reader.bool("BAD_FLAG", default: false) }, "BAD_FLAG"),
            ({ _ = try reader.duration("BAD_TIMEOUT", default: .seconds(1), range: 0...60) }, "BAD_TIMEOUT"),
            ({ _ = try reader.duration("MINUTES", default: .seconds(1), range: 0...60) }, "MINUTES"),
            ({ _ = try reader.bindHost("BAD_HOST", default: "") }, "BAD_HOST"),
            ({ _ = try reader.required("MISSING") }, "MISSING"),
        ] as [(() throws -> Void, String)] {
            #expect {
                try check()
            } throws: { error in
                String(describing: error).contains(setting)
            }
        }
    }

    @Test func errorsNeverEchoTheValue() {
        let reader = ConfigurationReader(environment: ["SIGNING_KEY_PORT": "s3cr3t-value"])
        #expect {
            _ = try reader.port("SIGNING_KEY_PORT", default: 1)
        } throws: { error in
            !String(describing: error).contains("s3cr3t") && String(describing: error).contains("SIGNING_KEY_PORT")
        }
    }
}

@Suite struct DataDirectoryTests {
    @Test func createsWithMode0700AndTightensLooseDirectories() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("aitbc-dd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let path = try DataDirectory.prepare(base.appendingPathComponent("nested/service").path)
        #expect(try mode(of: path) == 0o700)

        chmod(path, 0o755)
        try DataDirectory.prepare(path)
        #expect(try mode(of: path) == 0o700)
    }

    @Test func refusesAFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("aitbc-file-\(UUID().uuidString)")
        try Data().write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: ConfigurationError.self) { try DataDirectory.prepare(file.path, setting: "--data-dir") }
    }

    private func mode(of path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }
}

@Suite struct ConfigurationCaseTests {
    @Test func settingNamesAreCaseInsensitiveAndUpperCaseWins() throws {
        let reader = ConfigurationReader(
            environment: ["app_port": "9001", "Log_Level": "debug"], dotEnv: ["job_ttl_seconds": "60", "JOB_TTL_SECONDS": "90"])
        #expect(try reader.port("APP_PORT", default: 1) == 9001)
        #expect(reader.string("log_level") == "debug")
        #expect(try reader.int("JOB_TTL_SECONDS", default: 1, range: 1...1000) == 90)
    }
}

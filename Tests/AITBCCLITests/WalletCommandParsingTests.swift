import ArgumentParser
import Foundation
import Synchronization
import TestSupport
import Testing
import WireModels

@testable import AITBCCLI

/// `aitbc wallet` argument parsing and secret input, without a daemon: no flag takes a
/// password, sources exclude each other, files must be private.
@Suite struct WalletCommandParsingTests {
    static func parse(_ arguments: [String]) throws -> any ParsableCommand { try AITBCCommand.parseAsRoot(arguments) }

    static func refused(_ arguments: [String]) -> Bool {
        (try? parse(arguments)) == nil
    }

    @Test(arguments: [
        ["wallet", "create", "main", "--password", "Correct-Horse-9"],
        ["wallet", "unlock", "main", "--password=Correct-Horse-9"],
        ["wallet", "send", "main", "--to", "ait1y8lrrhap2j3xzcntlp2qgm7jyudhhm2tpgauxq", "--amount", "5", "--password", "x"],
        ["wallet", "restore", "main", "--mnemonic", "abandon abandon"],
        ["wallet", "create", "main", "--secret-key", "AAAA"],
    ])
    func noFlagTakesASecretValue(_ arguments: [String]) {
        #expect(Self.refused(arguments))
    }

    @Test(arguments: [
        ["wallet", "unlock", "main", "--password-file", "/tmp/x", "--password-stdin"],
        ["wallet", "create", "main", "--words", "12"],
        ["wallet", "create", "main", "--hd", "--words", "13"],
        ["wallet", "create", "main", "--hd", "--secret-key-file", "/tmp/k"],
        ["wallet", "restore", "main", "--mnemonic-stdin", "--password-stdin"],
        ["wallet", "restore", "main", "--mnemonic-file", "/tmp/m", "--mnemonic-stdin"],
        ["wallet", "sign", "main"],
        ["wallet", "sign", "main", "--message", "a", "--message-file", "/tmp/m"],
        ["wallet", "sign", "main", "--message-file", "-", "--password-stdin"],
        ["wallet", "sign", "main", "--message", "a", "--ask-password", "--password-stdin"],
        ["wallet", "unlock", "main", "--ttl", "0", "--password-stdin"],
        ["wallet", "address", "main", "--account", "main:imported", "--derive", "m/44'/12345'/0'/0'/1'"],
    ])
    func contradictingOrMalformedOptionsAreUsageErrors(_ arguments: [String]) {
        #expect(Self.refused(arguments))
    }

    /// A malformed address or amount is bad input (exit 2, as for `chain send`), found before
    /// anything is sent; `--amount -5` is read as an amount, not as a missing value.
    @Test(arguments: [
        ["--to", "bob", "--amount", "5"],
        ["--to", "ait1y8lrrhap2j3xzcntlp2qgm7jyudhhm2tpgauxq", "--amount", "-5"],
        ["--to", "ait1y8lrrhap2j3xzcntlp2qgm7jyudhhm2tpgauxq", "--amount", "1e3"],
    ])
    func aMalformedAddressOrAmountIsExit2NamingTheOption(_ options: [String]) throws {
        let send = try #require(try Self.parse(["wallet", "send", "main"] + options) as? WalletSendCommand)
        let refused = options[1] == "bob" ? "--to bob" : "--amount \(options[3])"
        do {
            try send.checkInput()
            Issue.record("accepted \(options)")
        } catch {
            #expect(error.exit == .usage)
            #expect(error.message.hasPrefix(refused), "\(error.message)")
        }
    }

    /// Without a terminal the message names the options that give this secret, never `--…`.
    @Test func noTerminalNamesTheSecretsOwnOptions() throws {
        let input = WalletSecretInput(
            readStandardInputLine: { () throws(ServiceFailure) -> String? in nil },
            prompt: { (_: String) throws(ServiceFailure) -> String in throw ServiceFailure(.usage, WalletSecretInput.noTerminal) })
        do {
            _ = try Self.options([]).read(input: input)
            Issue.record("read a password without a source")
        } catch let failure as ServiceFailure {
            #expect(failure.exit == .usage)
            #expect(failure.message == "no terminal to ask on: give --password-file FILE or --password-stdin")
        }
    }

    /// The largest message `sign` reads still fits the daemon's default body (65,536 bytes) as
    /// base64 with a 1024-character password and an account id: 48 KiB did not (413).
    @Test func theLargestSignableMessageFitsTheDaemonsDefaultBody() {
        let message = [UInt8](repeating: 0xff, count: WalletSignCommand.maxMessageBytes)
        let request = WalletSignRequest(
            password: String(repeating: "P", count: 1_024), messageBase64: Data(message).base64EncodedString(),
            accountID: "wallet-" + String(repeating: "a", count: 57) + ":2147483647:2147483647:2147483647")
        #expect(request.bytes.count <= 65_536, "\(request.bytes.count)")
    }

    /// `--secret-key-file` takes what the key tools write: base64, 64 hex digits, or their JSON key files.
    @Test func anImportedKeyMayBeHexOrAKeygenFile() {
        let hex = String(repeating: "ab", count: 32)
        let base64 = Data(repeating: 0xab, count: 32).base64EncodedString()
        #expect(WalletCreateCommand.secretKeyBase64(hex) == base64)
        #expect(WalletCreateCommand.secretKeyBase64(#"{"private_key":"\#(hex)","public_key":"00","address":"ait1x"}"#) == base64)
        #expect(WalletCreateCommand.secretKeyBase64(#"{"private_key_hex":"\#(hex)"}"#) == base64)
        #expect(WalletCreateCommand.secretKeyBase64(base64) == base64)
        #expect(WalletCreateCommand.secretKeyBase64("!!") == "!!")
    }

    @Test func theDocumentedFormsParse() throws {
        let send = try #require(
            try Self.parse([
                "wallet", "send", "main", "--to", "ait1y8lrrhap2j3xzcntlp2qgm7jyudhhm2tpgauxq", "--amount", "12.5", "--memo", "tea",
                "--ask-password",
            ]) as? WalletSendCommand)
        #expect(send.amount == "12.5" && send.password.askPassword && send.memo == "tea")
        let create = try #require(try Self.parse(["wallet", "create", "main", "--hd", "--words", "12", "--password-stdin"]) as? WalletCreateCommand)
        #expect(create.hd && create.words == 12 && create.password.passwordStdin)
        #expect(try Self.parse(["wallet", "verify-receipt", "job-1", "--history", "--json"]) is WalletVerifyReceiptCommand)
        #expect(try Self.parse(["wallet", "list", "--url", "http://127.0.0.1:8071", "--token-file", "/tmp/t"]) is WalletListCommand)
        #expect(try Self.parse(["wallet", "lock", "main"]) is WalletLockCommand)
        #expect(try Self.parse(["wallet", "balance", "main", "--account", "main:0:0:1"]) is WalletBalanceCommand)
        #expect(try Self.parse(["wallet", "address", "main", "--derive", "m/44'/12345'/0'/0'/1'"]) is WalletAddressCommand)
    }

    // MARK: - secret input

    static func input(stdin: [String?] = [], prompts: [String] = []) -> WalletSecretInput {
        let lines = LockedQueue(stdin)
        let answers = LockedQueue(prompts.map { Optional($0) })
        return WalletSecretInput(
            readStandardInputLine: { () throws(ServiceFailure) -> String? in lines.next() ?? nil },
            prompt: { (_: String) throws(ServiceFailure) -> String in
                guard let answer = answers.next() ?? nil else { throw ServiceFailure(.usage, "no terminal") }
                return answer
            })
    }

    static func options(_ arguments: [String]) throws -> WalletPasswordOptions {
        try WalletPasswordOptions.parse(arguments)
    }

    @Test func aPasswordFileMustBePrivateAndLosesOneTrailingNewline() throws {
        let directory = try TemporaryDirectory(prefix: "wallet-secrets")
        let path = directory.path("password")
        try Data("Correct-Horse-9\n".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try Self.options(["--password-file", path]).read(input: Self.input()) == "Correct-Horse-9")

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: ServiceFailure.self) { try Self.options(["--password-file", path]).read(input: Self.input()) }
        do {
            _ = try Self.options(["--password-file", path]).read(input: Self.input())
        } catch let failure as ServiceFailure {
            #expect(failure.exit == .usage)
            #expect(failure.message.contains("0644") && failure.message.contains("chmod 600"))
            #expect(!failure.message.contains("Correct-Horse-9"))
        }

        let link = directory.path("link")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        #expect(throws: ServiceFailure.self) { try Self.options(["--password-file", link]).read(input: Self.input()) }

        let empty = directory.path("empty")
        try Data().write(to: URL(fileURLWithPath: empty))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: empty)
        #expect(throws: ServiceFailure.self) { try Self.options(["--password-file", empty]).read(input: Self.input()) }
    }

    @Test func stdinGivesOneLineAndThePromptAsksTwiceWhenConfirming() throws {
        #expect(try Self.options(["--password-stdin"]).read(input: Self.input(stdin: ["Correct-Horse-9"])) == "Correct-Horse-9")
        #expect(throws: ServiceFailure.self) { try Self.options(["--password-stdin"]).read(input: Self.input(stdin: [nil])) }
        #expect(try Self.options([]).read(confirm: true, input: Self.input(prompts: ["Correct-Horse-9", "Correct-Horse-9"])) == "Correct-Horse-9")
        #expect(throws: ServiceFailure.self) {
            try Self.options([]).read(confirm: true, input: Self.input(prompts: ["Correct-Horse-9", "Correct-Horse-8"]))
        }
        #expect(throws: ServiceFailure.self) { try Self.options([]).read(input: Self.input()) }
        // Optional passwords are read only when asked for.
        let optional = try WalletOptionalPasswordOptions.parse([])
        #expect(try optional.read(input: Self.input(prompts: ["never asked"])) == nil)
        let asked = try WalletOptionalPasswordOptions.parse(["--ask-password"])
        #expect(try asked.read(input: Self.input(prompts: ["Correct-Horse-9"])) == "Correct-Horse-9")
    }

    @Test func restoreNormalisesTheMnemonicsSpacingAndReadsThePassphraseOnlyWhenAsked() throws {
        let restore = try #require(try Self.parse(["wallet", "restore", "main", "--mnemonic-stdin", "--ask-passphrase"]) as? WalletRestoreCommand)
        let request = try restore.request(
            input: Self.input(stdin: ["  abandon  abandon\tabout  "], prompts: ["TREZOR", "Correct-Horse-9", "Correct-Horse-9"]))
        #expect(request.mnemonic == "abandon abandon about")
        #expect(request.passphrase == "TREZOR")
        #expect(request.password == "Correct-Horse-9")
        #expect(request.walletID == "main")
    }
}

/// Values handed out one at a time to a `@Sendable` closure.
final class LockedQueue<Element: Sendable>: Sendable {
    private let items: Mutex<[Element]>

    init(_ items: [Element]) { self.items = Mutex(items) }

    /// The next value, or nil when none are left.
    func next() -> Element? { items.withLock { $0.isEmpty ? nil : $0.removeFirst() } }
}

import ArgumentParser
import FoundationEssentials
import Glibc
import Logging
import SQLite
import ServiceRuntime
import Sockets
import Wallet
import WalletCore

/// `aitbc-wallet-daemon`: the local wallet daemon (docs/wallet-daemon.md): an encrypted
/// keystore, REST `/v1/...` and JSON-RPC `POST /rpc` on 127.0.0.1:8071.
///
/// Exit status: 0 after a clean drain, 2 for invalid configuration (the message names the
/// setting, e.g. a non-loopback `WALLET_BIND` without `WALLET_TOKEN`), 1 when the daemon
/// cannot start (keystore permissions, ledger, address in use).
@main
struct WalletDaemonCommand: AsyncParsableCommand {
    static let console = DaemonConsole("aitbc-wallet-daemon")

    static let configuration = CommandConfiguration(
        commandName: "aitbc-wallet-daemon",
        abstract: "The AITBC wallet daemon: encrypted keys, signing, receipt checks over REST and JSON-RPC.",
        discussion: """
            Settings come from command-line flags, then environment variables, then an optional .env file \
            (--env-file, else ./.env when present); see docs/wallet-daemon.md. Exit status: 0 clean shutdown, \
            1 start-up failure, 2 invalid configuration.
            """,
        version: AITBCVersion.line(for: "aitbc-wallet-daemon"))

    @Option(help: ArgumentHelp("Bind address (WALLET_BIND, default 127.0.0.1).", valueName: "address"))
    var host: String?

    @Option(help: ArgumentHelp("Port (WALLET_PORT, default 8071; 0 = any free port).", valueName: "port"))
    var port: String?

    @Option(name: .customLong("keystore-dir"), help: ArgumentHelp("Keystore directory (KEYSTORE_DIR, default ./data/keystore).", valueName: "path"))
    var keystoreDir: String?

    @Option(name: .customLong("ledger-db"), help: ArgumentHelp("SQLite ledger (LEDGER_DB_PATH, default ./data/wallet_ledger.db).", valueName: "path"))
    var ledgerDB: String?

    @Option(help: ArgumentHelp("chain or offline (LEDGER, default chain).", valueName: "mode"))
    var ledger: String?

    @Option(name: .customLong("env-file"), help: ArgumentHelp("A .env file to read (default ./.env when present).", valueName: "path"))
    var envFile: String?

    @Option(name: .customLong("log-level"), help: ArgumentHelp("LOG_LEVEL (default info).", valueName: "level"))
    var logLevel: String?

    func run() async throws {
        var flags: [String: String] = [:]
        flags["WALLET_BIND"] = host
        flags["WALLET_PORT"] = port
        flags["KEYSTORE_DIR"] = keystoreDir
        flags["LEDGER_DB_PATH"] = ledgerDB
        flags["LEDGER"] = ledger
        flags["LOG_LEVEL"] = logLevel
        let configuration: WalletConfiguration
        do {
            configuration = try WalletConfiguration(reader: try ConfigurationReader.load(flags: flags, dotEnvPath: envFile))
        } catch {
            Self.console.say("\(error)")
            throw ExitCode(2)
        }
        LoggingRuntime.bootstrap(service: "aitbc-wallet-daemon", level: Logger.Level(rawValue: configuration.logLevel) ?? .info)
        let logger = Logger(label: "wallet-daemon")
        do {
            let daemon = try await WalletDaemonService.open(configuration: configuration, logger: logger)
            try await daemon.run(signal: ShutdownSignal()) { port in
                Self.console.announce(
                    "listening on http://\(DaemonConsole.urlHost(configuration.host)):\(port) (ledger \(configuration.ledger.rawValue))",
                    warnings: configuration.startupWarnings, logger: logger)
            }
        } catch {
            let reason: String
            if let socketError = error as? SocketError {
                reason = "cannot listen on \(configuration.host):\(configuration.port) (WALLET_BIND, WALLET_PORT): \(socketError)"
            } else if let keystoreError = error as? WalletCoreError {
                reason = "keystore \(configuration.keystoreDirectory) (KEYSTORE_DIR): \(keystoreError)"
            } else if let startupError = error as? WalletStartupError {
                reason = startupError.description
            } else if let sqliteError = error as? SQLiteError {
                reason = "cannot open the ledger \(configuration.ledgerPath) (LEDGER_DB_PATH): \(sqliteError)"
            } else {
                reason = "\(error)"
            }
            Self.console.cannotStart(reason, logger: logger)
            throw ExitCode(1)
        }
    }
}

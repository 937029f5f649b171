import ArgumentParser
import ChainNode
import Foundation
import Ledger
import Logging
import ServiceRuntime
import Sockets
import SQLite

/// `aitbc-chain-node`: the PoA chain node (docs/chain-node.md). `run` (the default) serves the
/// RPC and proposes blocks; `verify` re-executes the stored chain from genesis and checks every
/// block's roots and signature.
///
/// Exit status: 0 after a clean drain (or a chain that verifies), 2 for invalid configuration
/// (the message names the setting), 1 when the node cannot start (another genesis, a tampered
/// account table, the address in use) or the chain does not verify.
@main
struct ChainNodeCommand: AsyncParsableCommand {
    static let console = DaemonConsole("aitbc-chain-node")

    static let configuration = CommandConfiguration(
        commandName: "aitbc-chain-node",
        abstract: "The AITBC chain node: PoA blocks, transfers and receipt minting over a REST RPC.",
        discussion: """
            Settings come from command-line flags, then environment variables, then an optional .env file \
            (--env-file, else ./.env when present); see docs/chain-node.md. Exit status: 0 clean shutdown, \
            1 start-up failure, 2 invalid configuration.
            """,
        version: AITBCVersion.line(for: "aitbc-chain-node"),
        subcommands: [Run.self, Verify.self], defaultSubcommand: Run.self)

    struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("Genesis file (CHAIN_GENESIS, required).", valueName: "path"))
        var genesis: String?

        @Option(name: .customLong("data-dir"), help: ArgumentHelp("Data directory (DATA_DIR, default ./data/chain-node).", valueName: "path"))
        var dataDir: String?

        @Option(name: .customLong("db"), help: ArgumentHelp("SQLite file (DB_PATH, default DATA_DIR/chain.db).", valueName: "path"))
        var database: String?

        @Option(help: ArgumentHelp("RPC bind address (RPC_BIND_HOST, default 127.0.0.1).", valueName: "address"))
        var host: String?

        @Option(help: ArgumentHelp("RPC port (RPC_BIND_PORT, default 8080; 0 = any free port).", valueName: "port"))
        var port: String?

        @Option(name: .customLong("proposer-key"), help: ArgumentHelp("Authority key file (PROPOSER_KEY_FILE).", valueName: "path"))
        var proposerKey: String?

        @Option(name: .customLong("env-file"), help: ArgumentHelp("A .env file to read (default ./.env when present).", valueName: "path"))
        var envFile: String?

        @Option(name: .customLong("log-level"), help: ArgumentHelp("LOG_LEVEL (default info).", valueName: "level"))
        var logLevel: String?

        /// The validated configuration, or exit 2 with the setting named.
        func configuration() throws -> ChainNodeConfiguration {
            var flags: [String: String] = [:]
            flags["CHAIN_GENESIS"] = genesis
            flags["DATA_DIR"] = dataDir
            flags["DB_PATH"] = database
            flags["RPC_BIND_HOST"] = host
            flags["RPC_BIND_PORT"] = port
            flags["PROPOSER_KEY_FILE"] = proposerKey
            flags["LOG_LEVEL"] = logLevel
            do {
                let reader = try ConfigurationReader.load(flags: flags, dotEnvPath: envFile)
                return try ChainNodeConfiguration(reader: reader)
            } catch {
                ChainNodeCommand.console.say("\(error)")
                throw ExitCode(2)
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the RPC and propose blocks (the default).")

        @OptionGroup var options: Options

        func run() async throws {
            let configuration = try options.configuration()
            LoggingRuntime.bootstrap(service: "aitbc-chain-node", level: Logger.Level(rawValue: configuration.logLevel) ?? .info)
            let logger = Logger(label: "chain-node")
            do {
                _ = try DataDirectory.prepare(configuration.dataDirectory, setting: "DATA_DIR")
                let service = try await ChainNodeService.open(configuration: configuration, logger: logger)
                try await service.run(signal: ShutdownSignal()) { port in
                    ChainNodeCommand.console.announce(
                        "chain \(configuration.genesis.chainID) on http://\(DaemonConsole.urlHost(configuration.host)):\(port) (head \(service.chain.head.height), \(service.chain.isAuthority ? "authority" : "follower"))",
                        warnings: configuration.startupWarnings, logger: logger)
                }
            } catch {
                let reason: String
                if let socketError = error as? SocketError {
                    reason = "cannot listen on \(configuration.host):\(configuration.port) (RPC_BIND_HOST, RPC_BIND_PORT): \(socketError)"
                } else if let sqliteError = error as? SQLiteError {
                    reason = "cannot open the database \(configuration.databasePath) (DB_PATH): \(sqliteError)"
                } else {
                    reason = "\(error)"
                }
                ChainNodeCommand.console.cannotStart(reason, logger: logger)
                throw ExitCode(1)
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-execute the stored chain from genesis and check every block (signature, roots, state).")

        @OptionGroup var options: Options

        func run() async throws {
            let configuration = try options.configuration()
            do {
                let store = try await ChainStore.open(path: configuration.databasePath, genesis: configuration.genesis)
                let replay = ChainReplay(store: store)
                let report = try await replay.run()
                let differences = try await replay.differences(from: report)
                guard differences.isEmpty else {
                    ChainNodeCommand.console.say(
                        "verify failed: the blocks re-execute, but the stored tables differ from them: accounts \(differences.accounts.prefix(20).joined(separator: ", ")) receipts \(differences.receipts.prefix(20).joined(separator: ", "))")
                    throw ExitCode(1)
                }
                print("verified \(report.blocks) blocks and \(report.transactions) transactions from genesis: every signature, tx root, receipts root and state root matches, and the account and receipt tables equal what re-execution gives")
            } catch let exit as ExitCode {
                throw exit
            } catch {
                ChainNodeCommand.console.say("verify failed: \(error)")
                throw ExitCode(1)
            }
        }
    }
}

import ArgumentParser
import Coordinator
import Foundation
import Logging
import ServiceRuntime
import Sockets

/// `aitbc-coordinator`: parses flags, reads the configuration (flags > environment > .env),
/// and runs the coordinator until SIGTERM/SIGINT.
///
/// Exit status: 0 after a clean drain, 2 for invalid configuration (the message names the
/// setting; `APP_ENV=production` with placeholder keys or without a signing key is one), 1 when
/// the service cannot start (data directory, database, bind; the message names the path or
/// address and the system's reason, and nothing the failed start created stays on disk).
@main
struct CoordinatorCommand: AsyncParsableCommand {
    static let console = DaemonConsole("aitbc-coordinator")

    static let configuration = CommandConfiguration(
        commandName: "aitbc-coordinator",
        abstract: "The AITBC coordinator: jobs, miners and signed compute receipts over HTTP.",
        discussion: """
            Settings come from command-line flags, then environment variables, then an optional \
            .env file (--env-file, else ./.env when present); see docs/coordinator.md for every \
            variable. Exit status: 0 clean shutdown, 1 start-up failure, 2 invalid configuration.
            """,
        version: AITBCVersion.line(for: "aitbc-coordinator"))

    // Flags are taken as text and validated by the configuration layer, so a bad value is
    // reported like a bad environment variable: exit 2 naming the setting.
    @Option(help: ArgumentHelp("Bind address (APP_HOST, default 127.0.0.1).", valueName: "address"))
    var host: String?

    @Option(help: ArgumentHelp("Port (APP_PORT, default 8011; 0 = any free port).", valueName: "port"))
    var port: String?

    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp("Data directory; holds the database unless DATABASE_URL names one (DATA_DIR, default ./data/coordinator).", valueName: "path"))
    var dataDir: String?

    @Option(name: .customLong("env-file"), help: ArgumentHelp("A .env file to read (must exist; default ./.env when present).", valueName: "path"))
    var envFile: String?

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp("trace, debug, info, notice, warning, error or critical (LOG_LEVEL, default info).", valueName: "level"))
    var logLevel: String?

    func run() async throws {
        var flags: [String: String] = [:]
        flags["APP_HOST"] = host
        flags["APP_PORT"] = port
        flags["DATA_DIR"] = dataDir
        flags["LOG_LEVEL"] = logLevel
        let configuration: CoordinatorConfiguration
        do {
            let reader = try ConfigurationReader.load(flags: flags, dotEnvPath: envFile)
            configuration = try CoordinatorConfiguration(reader: reader)
            try configuration.checkProductionReadiness()
        } catch {
            Self.console.say("\(error)")
            throw ExitCode(2)
        }
        LoggingRuntime.bootstrap(service: "aitbc-coordinator", level: Logger.Level(rawValue: configuration.logLevel) ?? .info)
        let logger = Logger(label: "coordinator")
        var footprint: StartupFootprint?
        do {
            footprint = try StartupFootprint.prepare(configuration)
            let service = try await CoordinatorService.open(configuration: configuration, logger: logger)
            // `run` throws only while starting; once listening, it returns after the drain.
            try await service.run(signal: ShutdownSignal()) { port in
                Self.announce(configuration, port: port, logger: logger)
            }
        } catch {
            // Nothing of a failed start stays behind (issue #12): no fresh database, no new directories.
            footprint?.removeCreated()
            let reason = Self.startFailure(error, configuration: configuration)
            Self.console.cannotStart(reason, logger: logger)
            throw ExitCode(1)
        }
    }

    /// The human start-up summary and loud warnings on stderr (the JSON log stays on stdout),
    /// and the warnings once more as log lines.
    static func announce(_ configuration: CoordinatorConfiguration, port: Int, logger: Logger) {
        let lines = configuration.startupSummary(port: port) + configuration.startupWarnings
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        let placeholders = configuration.rolesWithPlaceholderKeys
        if !placeholders.isEmpty {
            logger.warning(
                "dev placeholder API keys are active", metadata: ["roles": "\(placeholders.map(\.rawValue).joined(separator: ","))"])
        }
        if configuration.signingKey == nil {
            logger.warning("receipt signing is off: no receipts", metadata: ["setting": "RECEIPT_SIGNING_KEY_HEX"])
        }
    }

    /// A start-up failure in words: the path or address and the system's reason, without the
    /// internal error code.
    static func startFailure(_ error: any Error, configuration: CoordinatorConfiguration) -> String {
        switch error {
        case let error as SocketError:
            return "cannot listen on \(DaemonConsole.urlHost(configuration.host)):\(configuration.port) (APP_HOST, APP_PORT): \(error)"
        case let error as CoordinatorError:
            if case .storage(let reason) = error { return reason }
            return "\(error)"
        default:
            return "\(error)"
        }
    }
}

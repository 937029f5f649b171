import ArgumentParser
import Coordinator
import Foundation
import Logging
import ServiceRuntime

/// `aitbc-coordinator`: parses flags, reads the configuration (flags > environment > .env),
/// and runs the coordinator until SIGTERM/SIGINT.
///
/// Exit status: 0 after a clean drain, 2 for invalid configuration (the message names the
/// setting), 1 when the service cannot start (database, bind).
@main
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aitbc-coordinator",
        abstract: "The AITBC coordinator: jobs, miners and signed compute receipts over HTTP.",
        discussion: """
            Settings come from command-line flags, then environment variables, then an optional \
            .env file (--env-file, else ./.env when present); see docs/coordinator.md for every \
            variable. Exit status: 0 clean shutdown, 1 start-up failure, 2 invalid configuration.
            """)

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
            try DataDirectory.prepare(configuration.dataDirectory, setting: "DATA_DIR")
        } catch {
            FileHandle.standardError.write(Data("aitbc-coordinator: \(error)\n".utf8))
            throw ExitCode(2)
        }
        LoggingRuntime.bootstrap(service: "aitbc-coordinator", level: Logger.Level(rawValue: configuration.logLevel) ?? .info)
        let logger = Logger(label: "coordinator")
        let service: CoordinatorService
        do {
            service = try await CoordinatorService.open(configuration: configuration, logger: logger)
            try await service.run(signal: ShutdownSignal())
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            FileHandle.standardError.write(Data("aitbc-coordinator: cannot start: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

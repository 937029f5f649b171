import ArgumentParser
import CLinuxShims
import Foundation
import JSON
import Logging
import Miner
import ServiceRuntime

/// Options every subcommand reads: the configuration layers' flag part.
struct MinerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("YAML configuration file.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: "This miner's node id (node_id).")
    var nodeID: String?

    @Option(name: .long, help: ArgumentHelp("Coordinator base URL including /v1 (coordinator.base_url).", valueName: "url"))
    var coordinatorURL: String?

    @Option(name: .long, help: ArgumentHelp("Job workspace root (workspace.root).", valueName: "dir"))
    var workspaceRoot: String?

    @Option(name: .long, help: ArgumentHelp("Health/metrics listener host:port (health_bind).", valueName: "host:port"))
    var healthBind: String?

    @Option(name: .long, help: ArgumentHelp("Miner Ed25519 key file, mode 0600 (key_file).", valueName: "file"))
    var keyFile: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (log_level).")
    var logLevel: String?

    /// Flags keyed by setting path, the top configuration layer.
    var flags: [String: String] {
        var flags: [String: String] = [:]
        flags["node_id"] = nodeID
        flags["coordinator.base_url"] = coordinatorURL
        flags["workspace.root"] = workspaceRoot
        flags["health_bind"] = healthBind
        flags["key_file"] = keyFile
        flags["log_level"] = logLevel
        return flags
    }

    /// The effective configuration; a bad setting prints its message and exits with status 2.
    /// - Parameter logging: also write the `invalid_configuration` JSON log line (`run`; stdout
    ///   of `--print-config` and `probe` stays their own output).
    func load(logging: Bool = false) throws -> MinerConfiguration {
        do {
            return try MinerConfiguration.load(configPath: config, flags: flags)
        } catch {
            if logging { LoggingRuntime.bootstrap(service: "aitbc-miner", level: .info) }
            throw MinerOptions.refuse(error, logger: logging ? Logger(label: "aitbc-miner") : nil)
        }
    }

    /// Reports a configuration error on stderr (and the JSON log when `logger` is given),
    /// naming where the setting is given; returns exit status 2 to throw.
    static func refuse(_ error: ConfigurationError, logger: Logger?) -> ExitCode {
        let message = MinerConfiguration.message(for: error)
        logger?.critical("invalid_configuration", metadata: ["reason": "\(message)"])
        MinerConsole.standardError.say(message)
        return ExitCode(2)
    }
}

/// `aitbc-miner run` (the default): the miner daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Register with the coordinator, poll for jobs and run them (default).")

    @OptionGroup var options: MinerOptions

    @Flag(name: .long, help: "Print the effective configuration as JSON (secrets masked) and exit.")
    var printConfig = false

    func run() async throws {
        let configuration = try options.load(logging: !printConfig)
        if printConfig {
            // The checks `run` makes before it starts, so a config shown here is one that runs.
            let executors = ExecutorFactory()
            let daemon = MinerDaemon(configuration: configuration, logger: Logger(label: "aitbc-miner")) { probe in
                try executors.make(configuration, probe: probe)
            }
            do {
                try daemon.validate(probe: await HostProbe.probe(workspace: configuration.workspaceRoot))
            } catch {
                throw MinerOptions.refuse(error, logger: nil)
            }
            print(configuration.maskedJSONText)
            return
        }
        // Jobs run as this user: make this process (and the reaper forks that inherit it)
        // non-dumpable, so a job cannot read the token from /proc/<pid>/environ or ptrace us.
        _ = clinux_set_dumpable(0)
        LoggingRuntime.bootstrap(service: "aitbc-miner", level: configuration.logLevel)
        MetricsRuntime.bootstrap()
        let logger = Logger(label: "aitbc-miner")
        let shutdown = ShutdownSignal()
        let executors = ExecutorFactory()
        let daemon = MinerDaemon(
            configuration: configuration, logger: logger, models: executors.installedModels, adoptsOrphans: true
        ) { probe in
            try executors.make(configuration, probe: probe)
        }
        let code: Int32
        do {
            code = try await daemon.run(shutdown: shutdown)
        } catch let error as ConfigurationError {
            // Also on stderr: the JSON log may go to a file or collector the operator is not watching.
            throw MinerOptions.refuse(error, logger: logger)
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// `aitbc-miner probe`: prints the capabilities JSON this host would register with.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "probe", abstract: "Print this host's capabilities JSON.")

    @OptionGroup var options: MinerOptions

    func run() async throws {
        let configuration = try options.load()
        let probe = await HostProbe.probe(workspace: configuration.workspaceRoot)
        let capabilities = MinerCapabilities.json(
            probe: probe, configuration: configuration, runners: try ExecutorFactory().make(configuration, probe: probe).runnerNames)
        print((try? JSONSerializer(options: [.sortedKeys]).string(capabilities)) ?? "{}")
    }
}

/// The `aitbc-miner` command line.
@main
struct MinerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aitbc-miner", abstract: "AITBC miner daemon.", version: AITBCVersion.line(for: "aitbc-miner"),
        subcommands: [RunCommand.self, ProbeCommand.self],
        defaultSubcommand: RunCommand.self)
}

public import ArgumentParser

/// `aitbc miner`: coordinator miner listings (admin key).
public struct MinerCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "miner",
        abstract: "List the miners a coordinator knows (admin key).",
        subcommands: [MinerListCommand.self])

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}
}

/// `aitbc miner list`: the miners the coordinator knows (admin key).
public struct MinerListCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List miners (GET /v1/admin/miners; admin key).",
        discussion: "One page of at most --limit miners; when there are more, the last line names the --cursor of the next page.")

    /// Only miners with this status.
    @Option(name: .long, help: ArgumentHelp("Only miners with this status (ONLINE, DRAINING, OFFLINE).", valueName: "status"))
    public var status: String?

    /// Which page.
    @OptionGroup public var page: PageOptions

    /// Where and how.
    @OptionGroup public var service: ServiceOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await service.run { session throws(ServiceFailure) -> ServiceExit in
            let answer = try await session.miners(status: status, limit: page.limit, cursor: page.cursor)
            ListOutput.print(
                answer,
                columns: [
                    "miner_id", "status", "inflight", "concurrency", "region", "last_heartbeat", "jobs_completed", "jobs_failed",
                    "average_job_duration_ms", "last_receipt_id",
                ], json: service.json, command: "aitbc miner list")
            return .ok
        }
    }
}

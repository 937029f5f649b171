public import ArgumentParser
import JSON
import ServiceRuntime
import TerminalText

/// `aitbc job status JOB_ID`: the job view (GET /v1/jobs/{id}).
public struct JobStatusCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Print a job's state (GET /v1/jobs/{job_id}).")

    /// The job.
    @Argument(help: ArgumentHelp("The job id (32 lowercase hex).", valueName: "job-id"))
    public var jobID: String

    /// Where and how.
    @OptionGroup public var service: ServiceOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await service.run { session throws(ServiceFailure) -> ServiceExit in
            JobOutput.print(try await session.job(jobID), json: service.json)
            return .ok
        }
    }
}

/// `aitbc job wait JOB_ID`: waits until the job ends.
public struct JobWaitCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until a job ends; print its final state.",
        discussion: """
            Follows the job over the coordinator's client WebSocket, else by polling. Exit status 0 \
            when it COMPLETED, 1 when it ended otherwise (FAILED, CANCELED, EXPIRED) or is still \
            running after --timeout seconds.
            """)

    /// The job.
    @Argument(help: ArgumentHelp("The job id (32 lowercase hex).", valueName: "job-id"))
    public var jobID: String

    /// How long to wait.
    @OptionGroup public var waiting: TimeoutOption

    /// Where and how.
    @OptionGroup public var service: ServiceOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await service.run { session throws(ServiceFailure) -> ServiceExit in
            let job = try await session.wait(for: jobID, timeoutSeconds: waiting.timeout)
            JobOutput.print(job, json: service.json)
            return JobOutput.exit(afterWaiting: job)
        }
    }
}

/// `aitbc job result JOB_ID`: the result and receipt of a finished job.
public struct JobResultCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "result",
        abstract: "Print a finished job's result (GET /v1/jobs/{job_id}/result).",
        discussion: """
            A job still QUEUED or RUNNING has no result yet: exit 1 saying so, unless --wait, which \
            waits for the job to end first (at most --timeout seconds).
            """)

    /// The job.
    @Argument(help: ArgumentHelp("The job id (32 lowercase hex).", valueName: "job-id"))
    public var jobID: String

    /// Wait for the job to end first.
    @Flag(name: .long, help: "Wait until the job ends, then print its result.")
    public var wait = false

    /// How long `--wait` waits.
    @OptionGroup public var waiting: TimeoutOption

    /// Where and how.
    @OptionGroup public var service: ServiceOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await service.run { session throws(ServiceFailure) -> ServiceExit in
            if wait { _ = try await session.wait(for: jobID, timeoutSeconds: waiting.timeout) }
            let result = try await session.result(jobID)
            if service.json {
                CommandIO.printOut(WireText.compact(result))
            } else {
                let lines = TextTable.fields([
                    ("state", WireText.cell(result["state"])), ("error", WireText.cell(result["error"])),
                    ("receipt_id", WireText.cell(result["receipt"]?["receipt_id"])),
                ])
                for line in lines { CommandIO.printOut(line) }
                // The whole result, however long: it is what the job produced (escaped, not cut).
                CommandIO.printOut("result      " + UntrustedText.display(WireText.cell(result["result"]), limit: Int.max))
            }
            return .ok
        }
    }
}

/// `aitbc job cancel JOB_ID`: cancels a queued or running job.
public struct JobCancelCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a QUEUED or RUNNING job (POST /v1/jobs/{job_id}/cancel).",
        discussion: "A job that has already ended cannot be canceled: exit 1 (409 CONFLICT_STATE).")

    /// The job.
    @Argument(help: ArgumentHelp("The job id (32 lowercase hex).", valueName: "job-id"))
    public var jobID: String

    /// Where and how.
    @OptionGroup public var service: ServiceOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await service.run { session throws(ServiceFailure) -> ServiceExit in
            JobOutput.print(try await session.cancel(jobID), json: service.json)
            return .ok
        }
    }
}

/// `aitbc job list`: the coordinator's jobs, newest first (admin key).
public struct JobListCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List jobs, newest first (GET /v1/admin/jobs; admin key).",
        discussion: "One page of at most --limit jobs; when there are more, the last line names the --cursor of the next page.")

    /// Only jobs in this state.
    @Option(name: .long, help: ArgumentHelp("Only jobs in this state (QUEUED, RUNNING, COMPLETED, FAILED, CANCELED, EXPIRED).", valueName: "state"))
    public var state: String?

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
            let answer = try await session.adminJobs(state: state, limit: page.limit, cursor: page.cursor)
            ListOutput.print(answer, columns: ["job_id", "state", "client_id", "assigned_miner_id", "requested_at"], json: service.json, command: "aitbc job list")
            return .ok
        }
    }
}

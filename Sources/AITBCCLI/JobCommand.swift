public import ArgumentParser

/// `aitbc job`: submit jobs to a coordinator and follow them (client key; `list` needs an
/// admin key).
public struct JobCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Submit, follow, cancel and list coordinator jobs.",
        discussion: """
            The coordinator is --url, else $AITBC_URL, else \(ServiceOptions.defaultURL). The API key \
            comes from $AITBC_API_KEY or --key-file FILE (mode 0600), never from the command line. \
            --json prints the coordinator's answer as one line of JSON. Exit status: 0 ok, 1 not \
            found or refused by the coordinator (or a job that ended other than COMPLETED where \
            one was awaited), 2 unusable input, 3 API key refused, 4 coordinator unreachable, \
            64 usage.
            """,
        subcommands: [
            JobSubmitCommand.self, JobStatusCommand.self, JobWaitCommand.self, JobResultCommand.self, JobCancelCommand.self,
            JobListCommand.self,
        ])

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}
}

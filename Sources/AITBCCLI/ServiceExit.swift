public import ArgumentParser

/// The exit statuses of the commands that talk to a service (docs/cli.md "Exit status").
/// Argument-parser usage errors keep 64 (`EX_USAGE`), as for every `aitbc` command.
public enum ServiceExit: Int32, Sendable, CaseIterable {
    /// The call succeeded (for `receipt fetch --verify`: every signature valid).
    case ok = 0
    /// The service refused or does not know it (404, 409, 422, 425, …), a job that ended other
    /// than COMPLETED where completion was awaited, or a receipt that does not verify.
    case rejected = 1
    /// An input problem the command found: bad `--url`, no API key, a key file that is not a
    /// regular file of mode 0600, an unreadable or invalid payload file.
    case usage = 2
    /// The service refused the API key (401, 403).
    case authentication = 3
    /// The service could not be reached: connection refused, timeout, 5xx after the retries.
    case unreachable = 4

    /// The status as ArgumentParser's `ExitCode`.
    public var code: ExitCode { ExitCode(rawValue) }
}

/// Why a service command stops: a sentence for stderr and the exit status it ends with.
public struct ServiceFailure: Error, Equatable, CustomStringConvertible {
    /// The message shown after `error: ` (escaped where it quotes the service).
    public let message: String
    /// The exit status.
    public let exit: ServiceExit

    /// Creates a failure.
    public init(_ exit: ServiceExit, _ message: String) {
        self.exit = exit
        self.message = message
    }

    /// An input problem (exit 2).
    public init(_ error: CLIError) {
        self.init(.usage, error.message)
    }

    /// The message.
    public var description: String { message }
}

extension CommandIO {
    /// Runs `body`; a `ServiceFailure` becomes `error: …` on stderr and its exit status.
    static func reportingServiceFailures(_ body: () async throws(ServiceFailure) -> ServiceExit) async throws(ExitCode) {
        let status: ServiceExit
        do {
            status = try await body()
        } catch {
            printError("error: \(error.message)")
            throw error.exit.code
        }
        if status != .ok { throw status.code }
    }
}

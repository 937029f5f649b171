public import ArgumentParser
import JSON
import Receipts
import ServiceRuntime
import TerminalText

/// `aitbc receipt fetch JOB_ID [--all] [--verify …]`: a job's receipt from the coordinator
/// (GET /v1/jobs/{id}/receipt, or every page of …/receipts), optionally verified exactly as
/// `receipt verify` does it (`ReceiptReport`, one verifier).
public struct ReceiptFetchCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch a job's receipt from the coordinator; with --verify, check every signature.",
        usage: """
            aitbc receipt fetch <job-id> [--all] [--verify (--key-hex <pub> ... | --keys-url <url>) [--miner-key-hex <pub> ...]] \
            [--url <url>] [--key-file <file>] [--json]
            """,
        discussion: """
            Fetches the latest receipt of the job (client key), or with --all its whole history, \
            oldest first. --verify checks each receipt as `aitbc receipt verify` does, against the \
            pinned keys (--key-hex, --keys-url; at least one), and prints one line per signature \
            with its status. --json prints the receipt as served (--all: {"items":[…]}); with \
            --verify, {"receipt":…,"verification":…} (--all: {"items":[{"receipt","verification"}…]}). \
            Exit status: 0 fetched (and every signature valid), 1 no such job or receipt, or a \
            receipt that does not verify, 2 unusable input, 3 API key refused, 4 coordinator \
            unreachable, 64 usage.
            """)

    /// The job.
    @Argument(help: ArgumentHelp("The job id (32 lowercase hex).", valueName: "job-id"))
    public var jobID: String

    /// The whole history.
    @Flag(name: .long, help: "Fetch every receipt of the job (GET …/receipts, all pages), oldest first.")
    public var all = false

    /// Verify what was fetched.
    @Flag(name: .long, help: "Verify every signature against the pinned keys; exit 1 unless all are valid.")
    public var verify = false

    /// The keys `--verify` trusts.
    @OptionGroup public var keys: TrustedKeyOptions

    /// Where and how.
    @OptionGroup public var service: ServiceOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64): --verify without a trusted key, or keys without --verify.
    public func validate() throws {
        if verify && keys.isEmpty {
            throw ValidationError("--verify needs at least one trusted key: --key-hex <pub> (repeatable) or --keys-url <url>")
        }
        if !verify && (!keys.isEmpty || !keys.minerKeyHex.isEmpty) {
            throw ValidationError("--key-hex, --keys-url and --miner-key-hex are for --verify")
        }
    }

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await CommandIO.reportingServiceFailures { () throws(ServiceFailure) -> ServiceExit in
            // The pinned keys first: a bad key is an input problem whatever the coordinator says.
            var pinned: TrustedKeyOptions.Resolved?
            if verify {
                do throws(CLIError) {
                    pinned = try await keys.resolve()
                } catch {
                    throw ServiceFailure(error)
                }
            }
            let receipts = try await ServiceSession.using(service) { session throws(ServiceFailure) in
                all ? try await session.allReceipts(jobID) : [try await session.latestReceipt(jobID)]
            }
            let reports = pinned.map { keys in
                receipts.map { ReceiptReport.make($0, trustedKeys: keys.signing, attestationKeys: keys.attestation, minerKeys: keys.miner) }
            }
            if service.json {
                CommandIO.printOut(WireText.compact(Self.json(receipts, reports: reports, all: all)))
            } else {
                for (index, fetched) in receipts.enumerated() {
                    if index > 0 { CommandIO.printOut("") }
                    for line in WireText.fields(fetched.json, Self.fields) { CommandIO.printOut(line) }
                    if let report = reports?[index] {
                        for line in report.lines { CommandIO.printOut(line) }
                    }
                }
            }
            guard let reports else { return .ok }
            let failed = reports.filter { !$0.isVerified }.count
            if failed > 0 {
                CommandIO.printError("error: \(failed) of \(reports.count) receipts of job \(UntrustedText.display(jobID)) did not verify")
                return .rejected
            }
            return .ok
        }
    }

    /// The receipt members a person reads first, in receipt order.
    static let fields = ["receipt_id", "job_id", "provider", "client", "units", "unit_type", "price", "started_at", "completed_at"]

    /// The `--json` document (see the discussion).
    static func json(_ receipts: [Receipt], reports: [ReceiptReport]?, all: Bool) -> JSONValue {
        let items: [JSONValue] = receipts.enumerated().map { index, fetched in
            guard let report = reports?[index] else { return fetched.json }
            return ["receipt": fetched.json, "verification": report.json]
        }
        if all { return ["items": .array(items)] }
        return items.first ?? .null
    }
}

public import ArgumentParser
import AITBCClient
import JSON
import WireModels

/// `aitbc wallet verify-receipt`: a job's receipts checked by the daemon against its pinned keys.
public struct WalletVerifyReceiptCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "verify-receipt",
        abstract: "Verify a job's receipt against the daemon's pinned coordinator keys (GET /v1/receipts/{job_id}[/history]).",
        discussion: """
            The daemon fetches the receipt from its coordinator and checks every signature: valid \
            (the signature verifies), trusted (the key is one of TRUSTED_RECEIPT_KEYS), and the reason \
            when not. Prints one line per signature. Exit 0 when every signature is valid and \
            trusted, 1 otherwise (or when the receipt is not found), 4 when the coordinator is away.
            """)

    /// The job.
    @Argument(help: ArgumentHelp("The job's id.", valueName: "job-id"))
    public var jobID: String

    /// Every receipt.
    @Flag(name: .long, help: "Verify every receipt of the job, not only the latest.")
    public var history = false

    /// Where and how.
    @OptionGroup public var daemon: WalletDaemonOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await WalletSession.run(daemon) { session throws(ServiceFailure) -> ServiceExit in
            let verifications: [WalletReceiptVerification]
            let answer: JSONValue
            if history {
                let page = try await session.call("wallet verify-receipt") { () async throws(AITBCError) in
                    try await session.client.verifyReceiptHistory(jobID: jobID)
                }
                verifications = page.items
                answer = page.json
            } else {
                let latest = try await session.call("wallet verify-receipt") { () async throws(AITBCError) in
                    try await session.client.verifyReceipt(jobID: jobID)
                }
                verifications = [latest.result]
                answer = latest.json
            }
            if daemon.json {
                CommandIO.printOut(WireText.compact(answer))
            } else {
                for verification in verifications { WalletOutput.print(verification) }
            }
            let trusted = verifications.allSatisfy { verification in
                verification.allValid && ([verification.minerSignature] + verification.coordinatorAttestations).allSatisfy(\.trusted)
            }
            if verifications.isEmpty { CommandIO.printError("error: the coordinator has no receipt for this job") }
            return trusted && !verifications.isEmpty ? .ok : .rejected
        }
    }
}

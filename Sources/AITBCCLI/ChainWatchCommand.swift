public import ArgumentParser
import AITBCClient
import WireModels

/// `aitbc chain watch`: follows the node's WebSocket RPC and prints one JSON line per frame.
public struct ChainWatchCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print one JSON line per block, transaction or account change as the node commits it (WebSocket /rpc/ws).",
        discussion: """
            Each line is a frame {"subscription","topic","height","data"}, data the REST body (GET /rpc/blocks/{h}, \
            /rpc/tx/{hash}, /rpc/getBalance/{address}). --address follows that account's transactions (or, with \
            --topic accounts, its balance). A dropped connection is reopened from the last height printed, so no \
            block is missed. Runs until interrupted; exit 4 when the node stays unreachable, 1 when it refuses \
            the subscription (SINCE_TOO_OLD: --since is further back than the node replays).
            """)

    /// What to follow.
    @Option(help: ArgumentHelp("heads, txs or accounts (default: heads; txs with --address).", valueName: "topic"))
    public var topic: String?

    /// Replay from here.
    @Option(help: ArgumentHelp("Print the frames of every block above this height first.", valueName: "height"))
    public var since: UInt64?

    /// The account followed.
    @Option(help: ArgumentHelp("Only this account's transactions (or balance, with --topic accounts).", valueName: "address"))
    public var address: String?

    /// Where.
    @OptionGroup public var node: ChainNodeOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await ChainSession.run(node) { session throws(ServiceFailure) -> ServiceExit in
            let account = try address.map { (text) throws(ServiceFailure) in try ChainSession.address(text, what: "--address") }
            let chosen: ChainSubscriptionTopic
            switch topic {
            case nil: chosen = account == nil ? .heads : .txs
            case let name?:
                guard let named = ChainSubscriptionTopic(rawValue: name), named != .receipt else {
                    throw ServiceFailure(.usage, "--topic must be heads, txs or accounts")
                }
                chosen = named
            }
            var filter = ChainSubscriptionFilter()
            switch chosen {
            case .txs: filter.address = account
            case .accounts:
                guard let account else { throw ServiceFailure(.usage, "--topic accounts needs --address") }
                filter.addresses = [account]
            case .heads, .receipt: break
            }
            do {
                for try await frame in session.client.subscribe(chosen, filter: filter, since: since) {
                    CommandIO.printOut(WireText.compact(frame.json))
                }
            } catch let error as AITBCError {
                throw session.failure(error, subject: "chain watch")
            } catch {
                throw ServiceFailure(.unreachable, "chain watch: \(error)")
            }
            return .ok
        }
    }
}

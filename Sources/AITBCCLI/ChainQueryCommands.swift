public import ArgumentParser
import AITBCClient
import TerminalText
import WireModels

/// `aitbc chain head`: the latest block.
public struct ChainHeadCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(commandName: "head", abstract: "Print the latest block's height and hash (GET /rpc/head).")

    /// Where and how.
    @OptionGroup public var node: ChainNodeOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await ChainSession.run(node) { session throws(ServiceFailure) -> ServiceExit in
            let head = try await session.call("chain head") { () async throws(AITBCError) in try await session.client.head() }
            ChainOutput.print(head.json, fields: ChainOutput.headFields, json: node.json)
            return .ok
        }
    }
}

/// `aitbc chain block HEIGHT|HASH`: one block.
public struct ChainBlockCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "block",
        abstract: "Print a block by height or hash (GET /rpc/blocks/{height}, /rpc/getBlock/{hash}).",
        discussion: "Prints the header and one tx line per transaction id; a block the node does not have is 404: exit 1.")

    /// The block.
    @Argument(help: ArgumentHelp("A height (an integer) or a block hash (0x + 64 hex).", valueName: "height|hash"))
    public var block: String

    /// Where and how.
    @OptionGroup public var node: ChainNodeOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await ChainSession.run(node) { session throws(ServiceFailure) -> ServiceExit in
            let view: BlockView
            if block.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let height = UInt64(block) {
                view = try await session.call("block \(height)") { () async throws(AITBCError) in try await session.client.block(height: height) }
            } else if let hash = BlockHash(block) {
                view = try await session.call("block \(hash.rawValue)") { () async throws(AITBCError) in try await session.client.block(hash: hash) }
            } else {
                throw ServiceFailure(.usage, "block \(UntrustedText.display(block)): must be a height (an integer) or \(Hash32.rule)")
            }
            ChainOutput.print(view, json: node.json)
            return .ok
        }
    }
}

/// `aitbc chain tx HASH`: one transaction, pending or included.
public struct ChainTxCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "tx",
        abstract: "Print a transaction and where it is (GET /rpc/tx/{hash}).",
        discussion: "status is pending (in the mempool) or included (block_height says where); an unknown hash is 404 TX_NOT_FOUND: exit 1.")

    /// The transaction.
    @Argument(help: ArgumentHelp("The transaction hash (0x + 64 hex).", valueName: "hash"))
    public var hash: String

    /// Where and how.
    @OptionGroup public var node: ChainNodeOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await ChainSession.run(node) { session throws(ServiceFailure) -> ServiceExit in
            let id = try ChainSession.hash(hash, what: "transaction")
            let view = try await session.call("transaction \(id.rawValue)") { () async throws(AITBCError) in
                try await session.client.transaction(id)
            }
            ChainOutput.print(view, json: node.json)
            return .ok
        }
    }
}

/// `aitbc chain balance ADDR`: an account's balance and nonce.
public struct ChainBalanceCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "balance",
        abstract: "Print an account's balance and nonce (GET /rpc/getBalance/{address}).",
        discussion: "An address the chain has never seen has balance 0 and nonce 0; next_nonce counts pending transactions.")

    /// The account.
    @Argument(help: ArgumentHelp("The account address (ait1…).", valueName: "address"))
    public var address: String

    /// Where and how.
    @OptionGroup public var node: ChainNodeOptions

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// Runs the command.
    /// - Throws: `ExitCode` with the documented status.
    public func run() async throws {
        try await ChainSession.run(node) { session throws(ServiceFailure) -> ServiceExit in
            let account = try ChainSession.address(address, what: "address")
            let view = try await session.call("account \(account.rawValue)") { () async throws(AITBCError) in
                try await session.client.account(account)
            }
            ChainOutput.print(view.json, fields: ChainOutput.accountFields, json: node.json)
            return .ok
        }
    }
}

public import ArgumentParser
import AITBCClient
import Cryptography
import Foundation
import JSON
import Ledger
import TerminalText
import WireModels

/// `aitbc chain genesis`: writes a genesis file (docs/chain-node.md "Genesis") from flags.
public struct ChainGenesisCommand: AsyncParsableCommand {
    /// Command name, help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "genesis",
        abstract: "Write a chain's genesis file.",
        usage: """
            aitbc chain genesis --output <path> [--force] [--chain-id <id>] [--timestamp <unix>] --authority-key <hex> ... \
            [--faucet-address <addr> --faucet-balance <n>] [--account <addr>=<balance> ...] [--coordinator-key <hex> ...] \
            [--block-time-ms <n>] [--slot-timeout-ms <n>] [--mint-per-unit <n>] [--coordinator-ratio <r>] [--base-fee <n>] [--fee-per-byte <n>] \
            [--max-block-txs <n>] [--max-block-bytes <n>]
            """,
        discussion: """
            The file is the JSON every node of the chain starts from: 2-space indented, members \
            sorted, a trailing newline; accounts are sorted by address, authorities keep the order \
            given (their proposal order). With --timestamp the same flags give a byte-identical \
            file; without it the timestamp is now. The document is checked by the rules the node \
            applies before it is written, and an existing file is never replaced unless --force \
            is given (exit 1 naming it). Prints the path, the chain id and the hash of block 0.
            """)

    /// Where to write.
    @Option(name: .long, help: ArgumentHelp("The genesis file to write.", valueName: "path"))
    public var output: String

    /// Replace an existing file.
    @Flag(name: .long, help: "Overwrite the file if it already exists.")
    public var force = false

    /// The chain id.
    @Option(name: .customLong("chain-id"), help: ArgumentHelp("Chain id (1…64 of A-Z a-z 0-9 . _ -).", valueName: "id"))
    public var chainID = ChainConfiguration.defaultChainID

    /// Block 0's time.
    @Option(name: .long, help: ArgumentHelp("Unix seconds of block 0 (default: now).", valueName: "unix"))
    public var timestamp: UInt64?

    /// The authorities' public keys.
    @Option(
        name: .customLong("authority-key"),
        help: ArgumentHelp("Public key (64 hex) of a block-proposing authority; repeatable, in proposal order.", valueName: "hex"))
    public var authorityKeys: [String] = []

    /// The faucet account.
    @Option(name: .customLong("faucet-address"), help: ArgumentHelp("The faucet account's address (with --faucet-balance).", valueName: "addr"))
    public var faucetAddress: String?

    /// The faucet's balance.
    @Option(name: .customLong("faucet-balance"), help: ArgumentHelp("The faucet account's balance (with --faucet-address).", valueName: "n"))
    public var faucetBalance: UInt64?

    /// Other funded accounts.
    @Option(name: .customLong("account"), help: ArgumentHelp("A funded account; repeatable.", valueName: "addr=balance"))
    public var accounts: [String] = []

    /// Coordinator keys whose receipts mint.
    @Option(
        name: .customLong("coordinator-key"),
        help: ArgumentHelp("Public key (64 hex) of a coordinator whose receipts may be claimed; repeatable.", valueName: "hex"))
    public var coordinatorKeys: [String] = []

    /// `params.block_time_ms`.
    @Option(name: .customLong("block-time-ms"), help: ArgumentHelp("Target milliseconds between blocks (50…3600000).", valueName: "n"))
    public var blockTimeMilliseconds: UInt64 = ChainParameters().blockTimeMilliseconds

    /// `params.slot_timeout_ms` (omitted from the file when not given: twice the block time).
    @Option(
        name: .customLong("slot-timeout-ms"),
        help: ArgumentHelp("Milliseconds after which the next authority takes a missed slot (50…86400000; default 2 × block time).", valueName: "n"))
    public var slotTimeoutMilliseconds: UInt64?

    /// `params.mint_per_unit`.
    @Option(name: .customLong("mint-per-unit"), help: ArgumentHelp("Base units minted per receipt unit.", valueName: "n"))
    public var mintPerUnit: UInt64 = ChainParameters().mintPerUnit

    /// `params.coordinator_ratio`.
    @Option(name: .customLong("coordinator-ratio"), help: ArgumentHelp("The coordinator's share of each mint, issued on top (0…1).", valueName: "r"))
    public var coordinatorRatio = "0.05"

    /// `params.base_fee`.
    @Option(name: .customLong("base-fee"), help: ArgumentHelp("Fee floor of every transaction.", valueName: "n"))
    public var baseFee: UInt64 = ChainParameters().baseFee

    /// `params.fee_per_byte`.
    @Option(name: .customLong("fee-per-byte"), help: ArgumentHelp("Fee per byte of a transaction's canonical payload.", valueName: "n"))
    public var feePerByte: UInt64 = ChainParameters().feePerByte

    /// `params.max_block_txs`.
    @Option(name: .customLong("max-block-txs"), help: ArgumentHelp("Most transactions in one block (1…100000).", valueName: "n"))
    public var maxBlockTransactions = UInt64(ChainParameters().maxBlockTransactions)

    /// `params.max_block_bytes`.
    @Option(name: .customLong("max-block-bytes"), help: ArgumentHelp("Most bytes of transactions in one block.", valueName: "n"))
    public var maxBlockBytes = UInt64(ChainParameters().maxBlockBytes)

    /// Creates the command with default option values (ArgumentParser fills them in).
    public init() {}

    /// - Throws: `ValidationError` (usage, exit 64) without an authority, or with only one of
    ///   the two faucet flags.
    public func validate() throws {
        guard !authorityKeys.isEmpty else { throw ValidationError("give at least one --authority-key HEX") }
        guard (faucetAddress == nil) == (faucetBalance == nil) else {
            throw ValidationError("--faucet-address and --faucet-balance go together: give both or neither")
        }
    }

    /// Runs the command.
    /// - Throws: `ExitCode` 2 for a flag value the genesis rules refuse, 1 for an existing file.
    public func run() async throws {
        try await CommandIO.reportingServiceFailures { () throws(ServiceFailure) -> ServiceExit in
            let document = try self.document()
            let bytes = document.fileBytes
            // The file must be one the node reads back as this very document.
            guard (try? GenesisDocument(bytes: bytes))?.fileBytes == bytes else {
                throw ServiceFailure(.usage, "the genesis document does not read back as written (a bug: please report it)")
            }
            try OutputFile.create(bytes, at: output, force: force, option: "--output")
            let header = document.genesisHeader
            let lines = TextTable.fields([
                ("genesis", output), ("chain_id", document.chainID), ("block_0", Hash32(bytes: header.hash).rawValue),
                ("authorities", String(document.authorities.count)), ("accounts", String(document.accounts.count)),
                ("supply", String(document.supply)),
            ])
            for line in lines { CommandIO.printOut(line) }
            return .ok
        }
    }

    /// The document the flags describe, checked by the node's rules.
    /// - Throws: `ServiceFailure` (exit 2) naming the flag.
    func document() throws(ServiceFailure) -> GenesisDocument {
        var authorities: [GenesisDocument.Authority] = []
        for hex in authorityKeys { authorities.append(GenesisDocument.Authority(publicKey: try Self.publicKey(hex, option: "--authority-key"))) }
        var coordinators: [Ed25519.PublicKey] = []
        for hex in coordinatorKeys { coordinators.append(try Self.publicKey(hex, option: "--coordinator-key")) }
        var funded: [GenesisDocument.Account] = []
        if let faucetAddress, let faucetBalance {
            guard let address = Address(faucetAddress) else {
                throw ServiceFailure(.usage, "--faucet-address \(UntrustedText.display(faucetAddress)): \(Address.rule)")
            }
            funded.append(GenesisDocument.Account(address: address, balance: faucetBalance))
        }
        for entry in accounts { funded.append(try Self.account(entry)) }
        // One order for one set of accounts (the state root sorts them anyway).
        funded.sort { $0.address.rawValue < $1.address.rawValue }
        let document = GenesisDocument(
            chainID: chainID, timestamp: timestamp ?? UInt64(max(0, Date().timeIntervalSince1970)), authorities: authorities,
            accounts: funded, parameters: try parameters(), coordinatorKeys: coordinators)
        do {
            try document.validate()
        } catch {
            throw Self.flagFailure(error)
        }
        return document
    }

    /// `params`, range-checked by the parser the node uses.
    /// - Throws: `ServiceFailure` (exit 2) naming the flag.
    func parameters() throws(ServiceFailure) -> ChainParameters {
        guard let ratio = ExactDecimal(text: coordinatorRatio) else {
            throw ServiceFailure(.usage, "--coordinator-ratio \(UntrustedText.display(coordinatorRatio)): must be a decimal number in 0…1")
        }
        var members: [JSONMember] = [
            JSONMember(key: "base_fee", value: .integer(JSONInteger(baseFee))),
            JSONMember(key: "block_time_ms", value: .integer(JSONInteger(blockTimeMilliseconds))),
            JSONMember(key: "coordinator_ratio", value: ratio.json),
            JSONMember(key: "fee_per_byte", value: .integer(JSONInteger(feePerByte))),
            JSONMember(key: "max_block_bytes", value: .integer(JSONInteger(maxBlockBytes))),
            JSONMember(key: "max_block_txs", value: .integer(JSONInteger(maxBlockTransactions))),
            JSONMember(key: "mint_per_unit", value: .integer(JSONInteger(mintPerUnit))),
        ]
        if let slotTimeoutMilliseconds { members.append(JSONMember(key: "slot_timeout_ms", value: .integer(JSONInteger(slotTimeoutMilliseconds)))) }
        do {
            return try ChainParameters(json: .object(members))
        } catch {
            throw Self.flagFailure(error)
        }
    }

    /// A public key given as hex.
    /// - Throws: `ServiceFailure` (exit 2) naming `option`.
    static func publicKey(_ hex: String, option: String) throws(ServiceFailure) -> Ed25519.PublicKey {
        guard let key = try? Ed25519.PublicKey(hex: hex), key.isValidPoint else {
            throw ServiceFailure(.usage, "\(option) \(UntrustedText.display(hex)): must be 64 hex characters of a valid Ed25519 public key")
        }
        return key
    }

    /// `ADDR=BALANCE`.
    /// - Throws: `ServiceFailure` (exit 2) naming `--account`.
    static func account(_ entry: String) throws(ServiceFailure) -> GenesisDocument.Account {
        let shown = "--account \(UntrustedText.display(entry))"
        let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw ServiceFailure(.usage, "\(shown): must be ADDRESS=BALANCE") }
        guard let address = Address(String(parts[0])) else { throw ServiceFailure(.usage, "\(shown): the address \(Address.rule)") }
        guard let balance = UInt64(parts[1]), balance <= UInt64(Int64.max) else {
            throw ServiceFailure(.usage, "\(shown): the balance must be an integer in 0…\(Int64.max)")
        }
        return GenesisDocument.Account(address: address, balance: balance)
    }

    /// The flag a genesis rule's message is about, named in front of it.
    static func flagFailure(_ error: GenesisError) -> ServiceFailure {
        guard case .invalid(let message) = error else { return ServiceFailure(.usage, error.description) }
        let flags: [(member: String, flag: String)] = [
            ("params.base_fee", "--base-fee"), ("params.block_time_ms", "--block-time-ms"),
            ("params.coordinator_ratio", "--coordinator-ratio"), ("params.fee_per_byte", "--fee-per-byte"),
            ("params.max_block_bytes", "--max-block-bytes"), ("params.max_block_txs", "--max-block-txs"),
            ("params.mint_per_unit", "--mint-per-unit"), ("params.slot_timeout_ms", "--slot-timeout-ms"), ("chain_id", "--chain-id"), ("timestamp", "--timestamp"),
            ("authorities", "--authority-key"), ("coordinator_keys", "--coordinator-key"), ("accounts", "--account/--faucet-address"),
        ]
        let flag = flags.first { message.hasPrefix($0.member + ":") || message.hasPrefix($0.member + "[") }?.flag
        return ServiceFailure(.usage, flag.map { "\($0): \(message)" } ?? message)
    }
}

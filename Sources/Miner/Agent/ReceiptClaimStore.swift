public import Foundation
import Glibc
import JSON
import Ledger
import Synchronization
public import WireModels

/// Persists receipt claims as `<directory>/<receipt_id>.json`, one file per receipt, written
/// atomically like each job's `state.json` (`StateFile`).
///
/// The directory is `<workspace_root>/claims` (mode 0700): not a job id, so job scans and job
/// retention never touch it, and a claim outlives its job's folder.
public final class ReceiptClaimStore: Sendable {
    /// The folder under `workspace.root` that holds the claims.
    public static let directoryName = "claims"
    /// Largest claim file read back (a receipt is a few KiB).
    public static let maxFileBytes = 4 * 1024 * 1024

    /// The claims folder.
    public let directory: String
    // One writer at a time: `add` must see whether a file exists and create it in one step.
    private let lock = Mutex(())

    /// The claims of the miner whose workspace is `workspaceRoot`.
    public convenience init(workspaceRoot: String) {
        self.init(directory: "\(workspaceRoot)/\(Self.directoryName)")
    }

    /// A store in `directory` (created with mode 0700 on the first write).
    public init(directory: String) {
        self.directory = directory
    }

    /// The file of `receiptID` (a receipt id is 32 lowercase hex: one safe path component).
    public func path(of receiptID: ReceiptID) -> String { "\(directory)/\(receiptID.rawValue).json" }

    /// Writes `claim` unless a claim of its receipt exists already (in any state): a receipt
    /// learned twice (a report re-sent after a crash is answered with the same receipt) is
    /// claimed once, and a prepared transaction is never replaced by a fresh record.
    /// - Returns: whether it was written.
    /// - Throws: `JobStateError` for a failed system call.
    public func add(_ claim: ReceiptClaim) throws(JobStateError) -> Bool {
        let bytes = try StateFile.bytes(of: claim.json, what: "claim of \(claim.receiptID.rawValue)")
        let path = path(of: claim.receiptID)
        return try lock.withLock { _ throws(JobStateError) -> Bool in
            var info = stat()
            if lstat(path, &info) == 0 { return false }
            guard errno == ENOENT else { throw StateFile.failure("lstat", path) }
            try StateFile.replace(bytes, directory: directory, name: "\(claim.receiptID.rawValue).json")
            return true
        }
    }

    /// Replaces the claim's file atomically.
    /// - Throws: `JobStateError` for a failed system call.
    public func write(_ claim: ReceiptClaim) throws(JobStateError) {
        let bytes = try StateFile.bytes(of: claim.json, what: "claim of \(claim.receiptID.rawValue)")
        try lock.withLock { _ throws(JobStateError) in
            try StateFile.replace(bytes, directory: directory, name: "\(claim.receiptID.rawValue).json")
        }
    }

    /// The claim of `receiptID`; nil when absent or unreadable, or when its stored transaction
    /// is not what it says (its id is not `tx_hash`, or it claims another receipt).
    public func read(_ receiptID: ReceiptID) -> ReceiptClaim? {
        guard let json = StateFile.readJSON(path: path(of: receiptID), maxBytes: Self.maxFileBytes),
            let claim = ReceiptClaim(json: json), claim.receiptID == receiptID
        else { return nil }
        if let transaction = claim.transaction {
            guard (try? transaction.transactionID()) == claim.txHash, transaction.payload == .receiptClaim(receipt: claim.receipt) else {
                return nil
            }
        }
        return claim
    }

    /// Every readable claim, ordered by receipt id; names that are no `<receipt_id>.json` are skipped.
    public func scan() -> [ReceiptClaim] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.sorted().compactMap { name in
            guard name.hasSuffix(".json"), let id = ReceiptID(String(name.dropLast(5))) else { return nil }
            return read(id)
        }
    }

    /// Removes settled claims past retention, counted from their file's last change: included
    /// ones (and those claimed elsewhere) after `keepSettled`, failed ones after `keepFailed`.
    /// Pending claims are never removed. Blocking: call it off the cooperative pool.
    /// - Returns: the receipt ids removed.
    public func removeExpired(keepSettled: Duration, keepFailed: Duration, now: Date = Date()) -> [ReceiptID] {
        var removed: [ReceiptID] = []
        for claim in scan() where claim.state.isSettled {
            let keep = claim.state == .failed ? keepFailed : keepSettled
            let path = path(of: claim.receiptID)
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let changed = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
            guard now.timeIntervalSince(changed) >= TimeInterval(keep.components.seconds) else { continue }
            if unlink(path) == 0 { removed.append(claim.receiptID) }
        }
        return removed
    }
}

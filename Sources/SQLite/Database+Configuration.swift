extension Database {
    /// Settings for every connection a `Database` opens. Defaults suit a daemon on a local disk.
    public struct Configuration: Sendable {
        /// `PRAGMA synchronous` levels (https://www.sqlite.org/pragma.html#pragma_synchronous).
        public enum Synchronous: Int, Sendable {
            /// No fsync: fastest, a power loss can corrupt the database.
            case off = 0
            /// In WAL mode: consistent after power loss, the last commits may roll back.
            case normal = 1
            /// fsync on every commit: durable after power loss.
            case full = 2
            /// Like `full`, plus a directory sync of the journal.
            case extra = 3
        }

        /// How long a connection retries a locked database before failing with `SQLITE_BUSY`.
        public var busyTimeout: Duration = .milliseconds(5000)
        /// Durability against power loss; `.normal` is safe against process crashes in WAL mode.
        public var synchronous: Synchronous = .normal
        /// Enforce FOREIGN KEY constraints (`PRAGMA foreign_keys`).
        public var foreignKeys = true
        /// Prepared statements kept per connection, least recently used evicted first.
        public var statementCacheCapacity = 64
        /// Read-only connections for `Database.read`; WAL lets them read while the writer writes.
        public var readerCount = 4
        /// Most `writeBatched` bodies committed in one transaction.
        public var maxBatchSize = 256
        /// Prefix of the dispatch queue labels, to spot them in thread dumps.
        public var label = "sqlite"
        /// Bytes of the database file each connection may read through `mmap` instead of
        /// `read` (`PRAGMA mmap_size`, https://www.sqlite.org/mmap.html); 0 (the default) keeps
        /// plain reads. Saves a copy per page read; an I/O error on a mapped page then arrives as
        /// SIGBUS instead of an error code, which is why it is opt-in.
        public var mmapSize = 0
        /// WAL frames after which a commit checkpoints (`PRAGMA wal_autocheckpoint`; SQLite's
        /// default 1000). A larger value checkpoints less often, each time copying only the
        /// latest version of pages rewritten meanwhile, at the cost of a longer WAL to recover.
        public var walAutoCheckpointPages = 1000
        /// Page cache per connection in KiB (`PRAGMA cache_size = -N`,
        /// https://www.sqlite.org/pragma.html#pragma_cache_size); nil keeps SQLite's 2,000 KiB.
        /// Each connection (the writer and every reader) fills its own as pages are read, and keeps
        /// it: a small daemon sets less (the wallet's every signature appends an audit row).
        public var cacheSizeKiB: Int? = nil

        /// The defaults above.
        public init() {}

        /// The busy timeout in whole milliseconds, clamped to what `sqlite3_busy_timeout` takes.
        var busyTimeoutMilliseconds: Int32 {
            let (seconds, attoseconds) = busyTimeout.components
            guard seconds >= 0 else { return 0 }
            let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
            guard !overflow else { return Int32.max }
            return Int32(clamping: ms.addingReportingOverflow(attoseconds / 1_000_000_000_000_000).partialValue)
        }
    }
}

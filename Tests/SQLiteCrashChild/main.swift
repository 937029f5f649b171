// Writes to a database through the SQLite module until it is killed. SQLiteTests starts it,
// waits for "ready", SIGKILLs it mid-transaction and checks the file it leaves behind.
//
// Usage: sqlite-crash-child <path> <write|batched> <rows-per-transaction> [stall-after]
// Every transaction (or batched body) inserts `rows` rows sharing one `batch` number, so a
// torn transaction would show up as a batch with fewer rows. With `stall-after` N > 0, after N
// more transactions it opens one that inserts far more rows than the page cache holds (so
// uncommitted frames spill into the WAL file), prints "stalled" and waits inside it forever.
import Foundation
import SQLite

func run() async -> Int32 {
    let arguments = CommandLine.arguments
    guard arguments.count == 4 || arguments.count == 5, let rows = Int(arguments[3]), rows > 0,
        arguments[2] == "write" || arguments[2] == "batched"
    else {
        FileHandle.standardError.write(Data("usage: sqlite-crash-child <path> <write|batched> <rows> [stall-after]\n".utf8))
        return 2
    }
    let stallAfter = arguments.count == 5 ? Int(arguments[4]) ?? 0 : 0
    let batched = arguments[2] == "batched"
    do {
        let migrator = Migrator([
            Migration(
                version: 1, name: "rows",
                sql: "CREATE TABLE rows(id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, payload BLOB NOT NULL);")
        ])
        let database = try Database(path: arguments[1], migrator: migrator)
        let payload = [UInt8](repeating: 0x5A, count: 512)
        @Sendable func insertBatch(_ db: Connection) throws {
            let batch = (try db.queryOne("SELECT coalesce(max(batch), 0) + 1 FROM rows")?.get(0, as: Int.self)) ?? 1
            for _ in 0..<rows { try db.execute("INSERT INTO rows(batch, payload) VALUES (?, ?)", [batch, payload]) }
        }
        try await database.write(insertBatch)
        FileHandle.standardOutput.write(Data("ready\n".utf8))
        var transactions = 0
        while true {
            transactions += 1
            if stallAfter > 0, transactions > stallAfter {
                try await database.write { db in
                    let batch = (try db.queryOne("SELECT coalesce(max(batch), 0) + 1 FROM rows")?.get(0, as: Int.self)) ?? 1
                    // ~5 MB of rows: more than the default 2 MB page cache, so SQLite spills
                    // uncommitted pages into the WAL before the kill.
                    for _ in 0..<10_000 {
                        try db.execute("INSERT INTO rows(batch, payload) VALUES (?, ?)", [batch, payload])
                    }
                    FileHandle.standardOutput.write(Data("stalled\n".utf8))
                    while true { sleep(60) }
                }
            }
            if batched {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<16 { group.addTask { try await database.writeBatched(insertBatch) } }
                    try await group.waitForAll()
                }
            } else {
                try await database.write(insertBatch)
            }
        }
    } catch {
        FileHandle.standardError.write(Data("sqlite-crash-child: \(error)\n".utf8))
        return 1
    }
}

exit(await run())

// Core micro-benchmarks: Ed25519 through the Cryptography wrapper, receipt canonical JSON,
// SQLite commits through the SQLite wrapper. One sample per cell per run; scripts/bench-core.sh
// runs this several times interleaved with the C baselines and aggregates.
//
// Usage: CoreBench <section>... [--iterations N] [--rows N] [--tasks N] [--db PATH] [--vector PATH]
//   sections: ed25519 json sqlite all; canonicalize (only the canonical-bytes
//   loop) sqlite-sync (only the loops without the async hop), sqlite-write (only Database.write),
//   sqlite-batched (only writeBatched), for profilers
// Output: one "name wall cpu" line per cell (ops/s or rows/s by the wall clock, and by the
// process CPU time), and "check ..." lines for sanity.
import Cryptography
import Foundation
import JSON
import Receipts
import SQLite

// MARK: - arguments

struct Options {
    var sections: Set<String> = []
    var iterations = 20_000  // Ed25519, same default as CBaselineSodium
    var jsonIterations = 200_000
    var rows = 20_000  // SQLite, same default as CBaselineSQLite
    var tasks = 64
    var database = "/tmp/aitbc-bench-swift.db"
    var vector = "../protocols/receipts/vectors/v01_coordinator_receipt.json"
}

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst().makeIterator()
    while let argument = arguments.next() {
        func number() -> Int {
            guard let text = arguments.next(), let value = Int(text), value > 0 else {
                fatalError("\(argument) needs a positive integer")
            }
            return value
        }
        switch argument {
        case "--iterations": options.iterations = number()
        case "--json-iterations": options.jsonIterations = number()
        case "--rows": options.rows = number()
        case "--tasks": options.tasks = number()
        case "--db": options.database = arguments.next() ?? options.database
        case "--vector": options.vector = arguments.next() ?? options.vector
        case "all": options.sections.formUnion(["ed25519", "json", "sqlite"])
        default: options.sections.insert(argument)
        }
    }
    if options.sections.isEmpty { options.sections = ["ed25519", "json", "sqlite"] }
    return options
}

// MARK: - timing

let clock = ContinuousClock()

func seconds(_ duration: Duration) -> Double {
    let (s, atto) = duration.components
    return Double(s) + Double(atto) / 1e18
}

/// CPU time of the whole process (all threads), in seconds: unlike wall time, not inflated
/// while other processes run on the shared cores.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// A start point on both clocks.
struct Stopwatch {
    let wall = clock.now
    let cpu = cpuSeconds()
}

/// Prints "name ops/s-wall ops/s-cpu".
func report(_ name: String, _ count: Int, since start: Stopwatch) {
    let wall = seconds(clock.now - start.wall)
    let cpu = cpuSeconds() - start.cpu
    print("\(name) \(Int((Double(count) / wall).rounded())) \(Int((Double(count) / cpu).rounded()))")
}

/// Runs `body` `count / 10` times to warm up, then `count` times timed; prints ops/s, where one
/// call of `body` is `opsPerCall` operations.
@inline(never)
func measure(_ name: String, _ count: Int, opsPerCall: Int = 1, _ body: (Int) throws -> Void) rethrows {
    for i in 0..<(count / 10) { try body(i) }
    let start = Stopwatch()
    for i in 0..<count { try body(i) }
    report(name, count * opsPerCall, since: start)
}

/// Keeps a value alive and observable so the optimizer cannot drop the work that made it.
@inline(never)
func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

// MARK: - Ed25519

func benchEd25519(_ options: Options) throws {
    // Same key seed ({1, 0, …}) and message shape as CBaselineSodium: 512 random bytes, the first
    // byte changed per iteration.
    var seed = [UInt8](repeating: 0, count: 32)
    seed[0] = 1
    let key = try Ed25519.PrivateKey(seedBytes: seed)
    var message = (0..<512).map { _ in UInt8.random(in: 0...255) }
    var signature: [UInt8] = []
    measure("swift.ed25519.sign", options.iterations) { i in
        message[0] = UInt8(truncatingIfNeeded: i)
        signature = key.signature(for: message)
    }
    var valid = 0
    let publicKey = key.publicKey
    measure("swift.ed25519.verify", options.iterations) { _ in
        if publicKey.isValidSignature(signature, for: message) { valid += 1 }
    }
    guard valid == options.iterations + options.iterations / 10 else { fatalError("verify failed") }
}

// MARK: - receipts / canonical JSON

func benchJSON(_ options: Options) throws {
    let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: options.vector)))
    let vector = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(file)
    guard let payload = vector["payload"], let expected = vector["canonical"]?.stringValue,
        let seedHex = vector["private_key_hex"]?.stringValue
    else { fatalError("vector \(options.vector) lacks payload/canonical/private_key_hex") }
    let receipt = try Receipt(json: payload)
    guard try receipt.canonicalText() == expected else { fatalError("canonical form differs from the vector") }
    print("check canonical_bytes \(expected.utf8.count)")

    let n = options.jsonIterations
    // Every receipt vector's canonical bytes, before timing anything.
    try checkVectors(vectorDirectory: URL(fileURLWithPath: options.vector).deletingLastPathComponent())
    // 1. Canonical bytes of an already-parsed receipt (one pass: nulls and signature skipped,
    //    keys sorted, ASCII-escaped; formerly the prototype in CanonicalPrototype.swift).
    try measure("swift.receipt.canonicalize", n) { _ in blackHole(try receipt.canonicalBytes()) }
    // `CoreBench canonicalize` stops here: the loop to profile (valgrind --tool=callgrind).
    if options.sections.contains("canonicalize") { return }

    // 2. Parse the wire text (compact, members in producer order, null kept) then canonicalize.
    let wire = try JSONSerializer().serialize(payload)
    print("check wire_bytes \(wire.count)")
    try measure("swift.receipt.parse_canonicalize", n / 2) { _ in
        blackHole(try Receipt(parsing: wire).canonicalBytes())
    }

    // 3. Full coordinator sign: validate, canonicalize, Ed25519, base64url, attach signature.
    let signer = ReceiptSigner(key: try Ed25519.PrivateKey(seedHex: seedHex))
    try measure("swift.receipt.sign", n / 10) { _ in blackHole(try signer.sign(receipt)) }

    // 4. Signed receipt out as wire bytes (what the coordinator stores and sends).
    let signed = try signer.sign(receipt)
    try measure("swift.receipt.sign_serialize", n / 10) { _ in
        blackHole(try JSONSerializer().serialize(try signer.sign(receipt).json))
    }

    // 5. Verify a signed receipt (canonicalize + Ed25519 verify).
    let verifier = ReceiptVerifier(trustedKeys: [signer.key.publicKey])
    measure("swift.receipt.verify", n / 10) { _ in blackHole(verifier.verify(signed)) }
}

/// Fails unless every receipt vector with a `canonical` text canonicalizes to exactly it.
/// (The library's equivalence with a naive reference on random documents, doubles and strings
/// is a unit test now: Tests/JSONTests/JSONSerializerReferenceTests.swift.)
func checkVectors(vectorDirectory: URL) throws {
    var checked = 0
    let files = try FileManager.default.contentsOfDirectory(atPath: vectorDirectory.path).sorted()
    for name in files where name.hasPrefix("v") && name.hasSuffix(".json") {
        let file = try [UInt8](Data(contentsOf: vectorDirectory.appendingPathComponent(name)))
        let vector = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(file)
        guard case .object(let members)? = vector["payload"], let canonical = vector["canonical"]?.stringValue else {
            continue
        }
        guard try CanonicalJSON.receiptBytes(members: members) == Array(canonical.utf8) else {
            fatalError("canonical bytes differ from the vector \(name)")
        }
        checked += 1
    }
    print("check canonical_vectors \(checked)")
}

// MARK: - SQLite

let insertSQL = "INSERT INTO job(client, payload, ttl) VALUES (?, ?, ?)"
let schema = "CREATE TABLE job(id INTEGER PRIMARY KEY, client TEXT NOT NULL, payload TEXT NOT NULL, ttl INTEGER)"
let jobPayload = "{\"type\":\"echo\",\"input\":\"hello world\"}"

func removeDatabase(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
}

/// Same settings as CBaselineSQLite: WAL, synchronous=NORMAL, foreign keys on.
func configuration() -> Database.Configuration {
    var configuration = Database.Configuration()
    configuration.synchronous = .normal
    configuration.foreignKeys = true
    return configuration
}

func count(_ connection: Connection) throws -> Int64 {
    try connection.queryOne("SELECT count(*) FROM job")?.get(0, as: Int64.self) ?? -1
}

/// The wrapper without the async hop: one `Connection`, one IMMEDIATE transaction per row.
func benchConnection(_ options: Options) throws {
    removeDatabase(options.database)
    defer { removeDatabase(options.database) }
    let connection = try Connection(path: options.database, configuration: configuration())
    try connection.executeScript(schema)
    try measure("swift.sqlite.connection_single_row_commit", options.rows) { _ in
        try connection.transaction(.immediate) { connection in
            try connection.execute(insertSQL, ["client-01", jobPayload, 900])
        }
    }
    let rows = try count(connection)
    guard rows == options.rows + options.rows / 10 else { fatalError("connection loop wrote \(rows) rows") }
}

/// What one `writeBatched` body costs on the writer thread, without the async machinery: rows
/// inserted in transactions of `batch` rows, each row in its own SAVEPOINT as WriteBatcher
/// does (`savepoints`), or without (`plain`).
/// With `prepared`, rows go through one `Statement` held by the caller (no statement-cache lookup).
func benchConnectionBatch(_ options: Options, batch: Int, savepoints: Bool, prepared: Bool = false) throws {
    removeDatabase(options.database)
    defer { removeDatabase(options.database) }
    let connection = try Connection(path: options.database, configuration: configuration())
    try connection.executeScript(schema)
    let statement = try connection.prepare(insertSQL)
    let insert: (Connection) throws -> Void =
        prepared
        ? { _ in try statement.execute(["client-01", jobPayload, 900]) }
        : { try $0.execute(insertSQL, ["client-01", jobPayload, 900]) }
    let savepoint = try connection.prepare("SAVEPOINT bench_sp")
    let release = try connection.prepare("RELEASE SAVEPOINT bench_sp")
    let total = options.rows * 5 / batch * batch
    try measure("swift.sqlite.connection_batch\(batch)_\(savepoints ? "savepoint" : "plain")\(prepared ? "_prepared" : "")", total / batch, opsPerCall: batch) { _ in
        try connection.transaction(.immediate) { connection in
            for _ in 0..<batch {
                if savepoints && prepared {
                    // What Connection.savepoint would cost with held statements instead of
                    // interpolated SQL looked up in the statement cache.
                    try savepoint.execute()
                    try insert(connection)
                    try release.execute()
                } else if savepoints {
                    try connection.savepoint(insert)
                } else {
                    try insert(connection)
                }
            }
        }
    }
}

/// `Database.write`, awaited one at a time: one committed transaction per row.
func benchDatabaseWrite(_ options: Options) async throws {
    removeDatabase(options.database)
    defer { removeDatabase(options.database) }
    let database = try Database(path: options.database, configuration: configuration())
    try await database.writeWithoutTransaction { try $0.executeScript(schema) }
    for _ in 0..<(options.rows / 10) {
        try await database.write { try $0.execute(insertSQL, ["client-01", jobPayload, 900]) }
    }
    let start = Stopwatch()
    for _ in 0..<options.rows {
        try await database.write { try $0.execute(insertSQL, ["client-01", jobPayload, 900]) }
    }
    report("swift.sqlite.database_write_single_row_commit", options.rows, since: start)
    // The hop alone: an empty body on the writer queue, no SQL (what Database.write adds per call).
    let hop = Stopwatch()
    for _ in 0..<options.rows { _ = try await database.writeWithoutTransaction { _ in 0 } }
    report("swift.sqlite.database_empty_roundtrip", options.rows, since: hop)
    let rows = try await database.read { try count($0) }
    guard rows == options.rows + options.rows / 10 else { fatalError("write loop wrote \(rows) rows") }
}

/// `Database.writeBatched` from `tasks` concurrent tasks, each inserting its share one row per
/// call: SQLite commits once per batch.
func benchBatched(_ options: Options) async throws {
    removeDatabase(options.database)
    defer { removeDatabase(options.database) }
    let database = try Database(path: options.database, configuration: configuration())
    try await database.writeWithoutTransaction { try $0.executeScript(schema) }
    let perTask = max(1, options.rows * 5 / options.tasks)  // more rows: batches run faster
    func run(_ rowsPerTask: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<options.tasks {
                group.addTask {
                    for _ in 0..<rowsPerTask {
                        try await database.writeBatched { try $0.execute(insertSQL, ["client-01", jobPayload, 900]) }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
    try await run(max(1, perTask / 10))
    let batchesBefore = database.batchedTransactionCount
    let start = Stopwatch()
    try await run(perTask)
    report("swift.sqlite.write_batched_\(options.tasks)_tasks", perTask * options.tasks, since: start)
    let batches = database.batchedTransactionCount - batchesBefore
    print("check write_batched_rows_per_commit \(Double(perTask * options.tasks) / Double(max(1, batches)))")
    let rows = try await database.read { try count($0) }
    guard rows == (perTask + max(1, perTask / 10)) * options.tasks else { fatalError("batched wrote \(rows) rows") }
}

// MARK: - main

let options = parseOptions()
if options.sections.contains("ed25519") { try benchEd25519(options) }
if !options.sections.isDisjoint(with: ["json", "canonicalize"]) { try benchJSON(options) }
if options.sections.contains("sqlite") || options.sections.contains("sqlite-sync") {
    try benchConnection(options)
    try benchConnectionBatch(options, batch: 64, savepoints: true)
    try benchConnectionBatch(options, batch: 64, savepoints: true, prepared: true)
    try benchConnectionBatch(options, batch: 64, savepoints: false)
    try benchConnectionBatch(options, batch: 64, savepoints: false, prepared: true)
}
if options.sections.contains("sqlite") || options.sections.contains("sqlite-write") {
    try await benchDatabaseWrite(options)
}
if options.sections.contains("sqlite") || options.sections.contains("sqlite-batched") {
    try await benchBatched(options)
}

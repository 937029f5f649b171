import Foundation
import Logging
import Metrics
import ServiceRuntime
import Synchronization
import Testing

/// Collects log lines in memory so tests can assert on them.
final class LineCollector: Sendable {
    private let lines = Mutex<[String]>([])
    var sink: JSONLogHandler.Sink { { bytes in self.lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } } }
    var all: [String] { lines.withLock { $0 } }
}

@Suite struct JSONLogHandlerTests {
    @Test func writesOneJSONObjectPerLineWithStandardFields() throws {
        let collector = LineCollector()
        var logger = Logger(label: "coordinator.http") {
            JSONLogHandler(label: $0, service: "aitbc-coordinator", level: .debug, sink: collector.sink)
        }
        logger[metadataKey: "request.id"] = "req-1"
        logger.info("job submitted", metadata: ["job_id": "abc", "attempt": "\(2)", "tags": ["a", "b"]])

        let line = try #require(collector.all.first)
        #expect(line.hasSuffix("}\n"))
        #expect(line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["service"] as? String == "aitbc-coordinator")
        #expect(object["event"] as? String == "job submitted")
        #expect(object["request_id"] as? String == "req-1")
        #expect(object["job_id"] as? String == "abc")
        #expect(object["tags"] as? [String] == ["a", "b"])
        let ts = try #require(object["ts"] as? String)
        #expect(ts.count == 24 && ts.hasSuffix("Z"))
    }

    @Test func secretsAreRedactedAtAnyDepth() throws {
        let collector = LineCollector()
        let logger = Logger(label: "t") { JSONLogHandler(label: $0, service: "s", sink: collector.sink) }
        logger.warning(
            "config", metadata: ["api_key": "k-123", "headers": ["Authorization": "Bearer xyz", "accept": "json"]])
        let line = try #require(collector.all.first)
        #expect(!line.contains("k-123"))
        #expect(!line.contains("xyz"))
        #expect(line.contains("[redacted]"))
        #expect(line.contains("\"accept\":\"json\""))
    }

    @Test func controlCharactersCannotBreakTheLine() throws {
        let collector = LineCollector()
        let logger = Logger(label: "t") { JSONLogHandler(label: $0, service: "s", sink: collector.sink) }
        logger.error("evil\n{\"level\":\"fake\"}\u{0}\u{2028}")
        let line = try #require(collector.all.first)
        #expect(line.dropLast().contains("\n") == false)
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(object?["event"] as? String == "evil\n{\"level\":\"fake\"}\u{0}\u{2028}")
    }

    /// Event metadata overrides handler metadata; `request.id` wins over `request_id`, which
    /// then stays an ordinary field; many keys still come out sorted and complete.
    @Test func metadataPrecedence() throws {
        let collector = LineCollector()
        var logger = Logger(label: "l") { JSONLogHandler(label: $0, service: "s", sink: collector.sink) }
        logger[metadataKey: "a"] = "handler"
        logger[metadataKey: "request.id"] = "dot"
        logger.info("e", metadata: ["a": "event", "request_id": "underscore"])
        let line = try #require(collector.all.first)
        #expect(line.hasSuffix(#""event":"e","request_id":"dot","a":"event","request_id":"underscore"}"# + "\n"))
        var many: Logger.Metadata = [:]
        for i in 0..<40 { many["k\(i)"] = .string("v\(i)") }
        logger.info("many", metadata: many)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(collector.all[1].utf8)) as? [String: Any])
        #expect(object["a"] as? String == "handler")
        #expect((0..<40).allSatisfy { object["k\($0)"] as? String == "v\($0)" })
    }

    /// The exact escapes and member order, so a change of the line builder cannot drift.
    @Test func escapesAndOrdersExactly() throws {
        let collector = LineCollector()
        let logger = Logger(label: "l") { JSONLogHandler(label: $0, service: "s", sink: collector.sink) }
        logger.info(
            "a\"b\\c\t\r\u{1}\u{7F}\u{2029}é😀",
            metadata: ["zeta": "1", "alpha": ["k": "v"], "request_id": "r", "level": "spoof", "mid": .stringConvertible(2.5)])
        let line = try #require(collector.all.first)
        let expected =
            #"","level":"info","service":"s","logger":"l","event":"a\"b\\c\t\r\u0001\u007f\u2029é😀","request_id":"r","#
            + #""alpha":{"k":"v"},"mid":"2.5","zeta":"1"}"# + "\n"
        #expect(line.hasSuffix(expected))
        let ts = String(line.dropFirst(#"{"ts":""#.count).prefix(24))
        #expect(ts.count == 24 && ts.hasSuffix("Z") && ts.dropFirst(4).hasPrefix("-") && ts.dropFirst(10).hasPrefix("T"))
    }
}

@Suite struct MetricsRuntimeTests {
    @Test func countersAppearInPrometheusText() {
        MetricsRuntime.bootstrap()
        Counter(label: "aitbc_test_events_total", dimensions: [("kind", "unit")]).increment(by: 3)
        let text = String(decoding: MetricsRuntime.render(), as: UTF8.self)
        #expect(text.contains("aitbc_test_events_total{kind=\"unit\"} 3"))
        #expect(MetricsRuntime.bootstrap() === MetricsRuntime.bootstrap())
    }
}

@Suite struct HealthChecksTests {
    @Test func readinessFollowsChecksAndDraining() async {
        let health = HealthChecks()
        #expect(await health.readiness().ready)
        let database = Mutex<String?>(nil)
        health.register("database") { database.withLock { $0 } }
        #expect(await health.readiness().ready)
        database.withLock { $0 = "locked" }
        let failing = await health.readiness()
        #expect(!failing.ready)
        #expect(failing.results == [.init(name: "database", ok: false, error: "locked")])
        database.withLock { $0 = nil }
        health.startDraining()
        #expect(await !health.readiness().ready)
    }
}

@Suite struct ShutdownSignalTests {
    @Test func aRealSignalWakesTheWaiter() async {
        // SIGUSR2 (12): a real kill(2) to ourselves without touching the runner's SIGTERM.
        let shutdown = ShutdownSignal(signals: [12])
        async let received = shutdown.wait()
        try? await Task.sleep(for: .milliseconds(50))
        kill(getpid(), 12)
        #expect(await received == 12)
        // Later waiters see the same signal immediately.
        #expect(await shutdown.wait() == 12)
    }
}

@Suite struct RFC3339Tests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1_795_000_000_123, "2026-11-18T11:06:40.123Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
    ])
    func formatsUnixMilliseconds(milliseconds: Int64, text: String) {
        #expect(RFC3339.format(milliseconds: milliseconds) == text)
    }
}

@Suite struct SecretKeyTests {
    @Test(arguments: [
        ("api_key", true), ("X-Api-Key", true), ("client_api_key", true), ("Authorization", true),
        ("RECEIPT_SIGNING_KEY_HEX", true), ("session_token", true), ("PASSWORD", true), ("job_id", false),
        ("route", false), ("", false), ("seed", true), ("méthode", false),
    ])
    func secretKeysAreRecognisedInAnyCase(key: String, secret: Bool) {
        #expect(JSONLogHandler.isSecretKey(key) == secret)
    }
}

import Foundation
import HTTP1
import HTTPServer
import JSON
import Miner
import Synchronization
import TestSupport
import Testing
import WireModels

/// Bodies the fake Ollama received.
final class RequestLog: Sendable {
    let entries = Mutex<[JSONValue]>([])
}

@Suite("Execution: ollama.generate (spec §1, §13.10)")
struct ExecutionOllamaTests {
    /// A fake Ollama: one installed model; records generate bodies.
    static func router(bodies: RequestLog) -> Router {
        let router = Router()
        router.get("/api/tags") { _, _ in
            Response(status: .ok, headers: ["Content-Type": "application/json"], body: .bytes(Array(#"{"models":[{"name":"llama3:8b","size":1}]}"#.utf8)))
        }
        router.post("/api/generate") { request, _ in
            let body = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(request.body)
            bodies.entries.withLock { $0.append(body) }
            let text = #"{"model":"llama3:8b","response":"Hello from the fake model","done":true,"eval_count":42}"#
            return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .bytes(Array(text.utf8)))
        }
        return router
    }

    @Test("ollama with a model not in /api/tags fails E_MODEL_UNAVAILABLE; an installed model returns output and tokens_processed = eval_count")
    func ollamaModelAvailability() async throws {
        let bodies = RequestLog()
        try await withExecutionTestServer(router: Self.router(bodies: bodies)) { port in
            let sandbox = try ExecutionSandbox()
            let executor = try JobExecutor(settings: sandbox.settings(ollama: "http://127.0.0.1:\(port)"))
            #expect(await executor.installedModels() == ["llama3:8b"])

            let missing = await executor.execute(
                testJob("o1", payload: ["type": "inference", "model": "mistral", "prompt": "hi"]), context: ExecutionContext())
            #expect(missing.code == .modelUnavailable)
            #expect(bodies.entries.withLock { $0.isEmpty })

            let outcome = await executor.execute(
                testJob("o2", payload: ["model": "llama3:8b", "prompt": "hi", "options": ["temperature": 0]]), context: ExecutionContext())
            let result = try #require(outcome.result)
            #expect(result["output"] == "Hello from the fake model")
            #expect(result["tokens_processed"] == 42)
            #expect(result["model"] == "llama3:8b")
            #expect(outcome.metrics["units"] == 42)
            #expect(outcome.metrics["unit_type"] == "token_ops")
            let sent = try #require(bodies.entries.withLock { $0.first })
            #expect(sent["stream"] == false)
            #expect(sent["prompt"] == "hi")
            #expect(sent["options"]?["temperature"] == 0)
        }
    }

    @Test("cancelling a job stops waiting for a generation that is still running (drain does not wait for it)")
    func cancellationAbandonsAGeneration() async throws {
        let release = Mutex(false)
        let router = Router()
        router.get("/api/tags") { _, _ in
            Response(status: .ok, headers: ["Content-Type": "application/json"], body: .bytes(Array(#"{"models":[{"name":"slow"}]}"#.utf8)))
        }
        router.post("/api/generate") { _, _ in
            // Answers after 120 s, or as soon as the test releases it: far beyond any reasonable wait.
            for _ in 0..<1_200 where !release.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(100)) }
            return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .bytes(Array(#"{"response":"late"}"#.utf8)))
        }
        try await withExecutionTestServer(router: router) { port in
            let sandbox = try ExecutionSandbox()
            let executor = try JobExecutor(settings: sandbox.settings(ollama: "http://127.0.0.1:\(port)"))
            let job = Task {
                await executor.execute(
                    testJob("slow-gen", payload: ["model": "slow", "prompt": "hi", "timeout_s": 600]), context: ExecutionContext())
            }
            try await Task.sleep(for: .milliseconds(500))
            let cancelled = ContinuousClock.now
            job.cancel()
            let outcome = await job.value
            let waited = ContinuousClock.now - cancelled
            release.withLock { $0 = true }
            #expect(outcome.code == .shutdown)
            // Waiting for the answer would take the server's 120 s.
            #expect(waited < .seconds(60), "the job returned \(waited) after cancellation")
        }
    }

    @Test("installedModels is empty when Ollama is unreachable")
    func unreachable() async throws {
        let sandbox = try ExecutionSandbox()
        let executor = try JobExecutor(settings: sandbox.settings(ollama: "http://127.0.0.1:9"))
        #expect(await executor.installedModels().isEmpty)
        let outcome = await executor.execute(
            testJob("o3", payload: ["type": "ollama.generate", "model": "m", "prompt": "p"]), context: ExecutionContext())
        #expect(outcome.code == .runtime)
    }
}

import HTTP1
import HTTPClient
import JSON
import WebSocket
public import WireModels

extension JobsClient {
    /// Waits until the job reaches a terminal state (`COMPLETED`, `FAILED`, `CANCELED`,
    /// `EXPIRED`) and returns it.
    ///
    /// Listens on the coordinator's client channel (`/v1/ws/client?job_id=`) when it connects,
    /// and polls `GET /v1/jobs/{id}` otherwise (or when the channel closes), waiting
    /// `pollInterval.lowerBound` between reads at first and doubling up to `pollInterval.upperBound`.
    /// - Throws: `AITBCError` `.timedOut` past `timeout`; any error of `job(_:)`.
    public func waitForCompletion(
        _ id: JobID, timeout: Duration, pollInterval: ClosedRange<Duration> = .milliseconds(100) ... .seconds(2),
        useWebSocket: Bool = true
    ) async throws(AITBCError) -> JobView {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        if useWebSocket, let socket = await openClientChannel(id) {
            // Subscribed before the first read, so a transition in between is not missed.
            let current: JobView
            do {
                current = try await job(id)
            } catch {
                await socket.close()
                throw error
            }
            if current.state.isTerminal == true {
                await socket.close()
                return current
            }
            let sawTerminal = await Self.awaitTerminalEvent(on: socket, jobID: id, until: deadline)
            await socket.close()
            if sawTerminal {
                let finished = try await job(id)
                if finished.state.isTerminal == true { return finished }
            }
            if clock.now >= deadline { throw Self.timedOut(id, timeout) }
        }
        var interval = pollInterval.lowerBound
        while true {
            let view = try await job(id)
            if view.state.isTerminal == true { return view }
            let left = deadline - clock.now
            guard left > .zero else { throw Self.timedOut(id, timeout) }
            do {
                try await transport.configuration.sleep(min(interval, left))
            } catch {
                throw .cancelled
            }
            interval = min(interval * 2, pollInterval.upperBound)
        }
    }

    static func timedOut(_ id: JobID, _ timeout: Duration) -> AITBCError {
        AITBCError(kind: .timedOut, code: "TIMEOUT", message: "job \(id.rawValue) not finished within \(timeout)")
    }

    /// The client channel for `id`, or nil when it does not connect (an older coordinator, a
    /// proxy without upgrades): the caller polls instead.
    func openClientChannel(_ id: JobID) async -> WebSocketConnection? {
        let configuration = transport.configuration
        var root = configuration.apiRoot
        guard root.hasPrefix("http://") else { return nil }
        root = "ws://" + root.dropFirst("http://".count)
        var headers = HTTPHeaders()
        if let key = configuration.apiKey { headers.add(name: "X-Api-Key", value: key) }
        for (name, value) in configuration.extraHeaders { headers.replaceOrAdd(name: name, value: value) }
        let url = root + "/ws/client?job_id=" + PathSegment.encode(id.rawValue)
        let upgradeHeaders = headers
        let http = transport.http
        let result = await CoordinatorTransport.withDeadline(configuration.timeout) { () async throws(HTTPClientError) in
            try await WebSocketClient.connect(url: url, headers: upgradeHeaders, client: http)
        }
        return try? result.get()
    }

    /// Reads the channel until a `state.changed` to a terminal state of `jobID` (true), or the
    /// channel ends or `deadline` passes (false).
    static func awaitTerminalEvent(on socket: WebSocketConnection, jobID: JobID, until deadline: ContinuousClock.Instant) async -> Bool {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                while true {
                    guard case .text(let text)? = try? await socket.receive() else { return false }
                    guard let value = try? JSONParser(limits: .init(maxInputBytes: 64 * 1024)).parse(Array(text.utf8)),
                        let event = try? ClientChannelEvent(json: value)
                    else { continue }
                    if case .stateChanged(let change) = event, change.jobID == jobID, change.state.isTerminal == true { return true }
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(until: deadline, clock: ContinuousClock())
                } catch {
                    return nil
                }
                // Ends the receive above (it sees the close).
                await socket.close()
                return false
            }
            var outcome = false
            for await result in group {
                if let result {
                    outcome = result
                    break
                }
            }
            group.cancelAll()
            return outcome
        }
    }
}

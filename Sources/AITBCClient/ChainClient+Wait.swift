public import WireModels

extension ChainClient {
    /// Polls `GET /rpc/tx/{hash}` until the transaction is in a block, and returns that view.
    ///
    /// A transaction the node does not know (404 `TX_NOT_FOUND`, or status `unknown`) is
    /// polled on like a pending one: right after a send, or from a node that has not seen it
    /// yet, it may still come. Waits `pollInterval.lowerBound` between reads at first, doubling
    /// up to `pollInterval.upperBound` (a block is usually seconds away).
    /// - Throws: `AITBCError` `.timedOut` past `timeout` (naming the last status seen); any
    ///   other error of `transaction(_:)`.
    public func waitForInclusion(
        _ hash: TxHash, timeout: Duration, pollInterval: ClosedRange<Duration> = .milliseconds(200) ... .seconds(2)
    ) async throws(AITBCError) -> TxView {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var interval = pollInterval.lowerBound
        while true {
            let lastSeen: String
            do {
                let view = try await transaction(hash)
                if view.status == .included { return view }
                lastSeen = view.status.rawValue
            } catch where error.isRejection(404) {
                lastSeen = "not found"
            }
            let left = deadline - clock.now
            guard left > .zero else {
                throw AITBCError(
                    kind: .timedOut, code: "TIMEOUT", message: "transaction \(hash.rawValue) not included within \(timeout) (last seen: \(lastSeen))")
            }
            do {
                try await transport.configuration.sleep(min(interval, left))
            } catch {
                throw .cancelled
            }
            interval = min(interval * 2, pollInterval.upperBound)
        }
    }
}

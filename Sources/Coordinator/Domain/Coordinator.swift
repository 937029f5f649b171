public import Logging
import WireModels

/// The coordinator's domain core, wired together: store, completions, long-poll dispatcher,
/// event hub and rate limiter. It is the one way in for both transports: the HTTP routes and
/// WebSocket channels authenticate with `authenticate` and call its operations
/// (`Coordinator+Operations`, `poll`, `complete`), never the store; the service runs
/// `runSweeper()` beside the server.
public final class Coordinator: Sendable {
    /// The settings.
    public let configuration: CoordinatorConfiguration
    /// Storage and every job/miner operation.
    public let store: CoordinatorStore
    /// Long-poll wake-ups.
    public let dispatcher: JobDispatcher
    /// Job state change fan-out (client WebSocket channel).
    public let events: JobEventHub
    /// Per-principal token buckets.
    public let rateLimiter: RateLimiter
    /// Prometheus series.
    public let metrics: CoordinatorMetrics
    /// Decides results: claim check, billing, receipt signing (the store only persists).
    public let completions: JobCompletion
    private let logger: Logger

    /// Wires a store: every committed QUEUED transition (submit, requeue) wakes one poller
    /// and every change goes to the event hub.
    public init(
        store: CoordinatorStore, metrics: CoordinatorMetrics = CoordinatorMetrics(), logger: Logger = Logger(label: "coordinator")
    ) {
        self.metrics = metrics
        self.configuration = store.configuration
        self.store = store
        self.logger = logger
        completions = JobCompletion(store: store)
        let dispatcher = JobDispatcher()
        let events = JobEventHub()
        self.dispatcher = dispatcher
        self.events = events
        rateLimiter = RateLimiter(
            requests: store.configuration.rateLimitRequests, windowSeconds: store.configuration.rateLimitWindowSeconds,
            clock: store.clock)
        store.setObserver { change in
            if change.to == .queued { dispatcher.notify(constraints: change.constraints ?? JobConstraints()) }
            if change.from == .running, let minerID = change.minerID { dispatcher.notifyCapacity(minerID: minerID) }
            events.publish(change)
            metrics.record(change)
        }
    }

    /// Opens the database named by `configuration` and wires everything.
    /// - Throws: `CoordinatorError.storage`.
    public static func open(
        configuration: CoordinatorConfiguration, clock: any CoordinatorClock = SystemClock(),
        logger: Logger = Logger(label: "coordinator")
    ) async throws(CoordinatorError) -> Coordinator {
        Coordinator(store: try await CoordinatorStore.open(configuration: configuration, clock: clock, logger: logger), logger: logger)
    }

    /// Largest `max_wait_seconds` honoured (spec §8: clamp to 0…60).
    public static let maxPollWaitSeconds = 60

    /// Long poll (POST /v1/miners/poll): claims the oldest matching job, or waits — without
    /// spinning — until a job is submitted/requeued or `maxWaitSeconds` (clamped 0…60)
    /// passes. nil means 204. Cancelling the calling task ends the wait; so does `abandoned`
    /// turning true (the poller hung up), checked before every claim, so no job is assigned
    /// to an answer nobody will read.
    /// - Throws: `CoordinatorError.minerNotRegistered`, `.storage`.
    public func poll(
        minerID: String, maxWaitSeconds: Int, abandoned: @Sendable () -> Bool = { false }
    ) async throws(CoordinatorError) -> ClaimedJob? {
        let wait = min(max(maxWaitSeconds, 0), Self.maxPollWaitSeconds)
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started.advanced(by: .seconds(wait))
        defer { metrics.recordPoll(started.duration(to: clock.now)) }
        while true {
            if abandoned() { return nil }
            let ticket = dispatcher.ticket(minerID: minerID)
            let interest: JobDispatcher.Interest
            switch try await store.claim(minerID: minerID) {
            case .claimed(let job): return job
            case .nothingMatched(let matcher): interest = .jobs(matcher)
            case .minerUnavailable: interest = .capacity
            }
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero || Task.isCancelled { return nil }
            _ = await dispatcher.wait(ticket, minerID: minerID, interest: interest, timeout: remaining)
        }
    }

    /// `CoordinatorStore.registerMiner`, then wakes that miner's pending poll (its status,
    /// capabilities or concurrency may now admit work). Routes should call this, not the store.
    /// - Throws: as `CoordinatorStore.registerMiner`.
    public func registerMiner(minerID: String, _ registration: MinerRegistration) async throws(CoordinatorError) -> String {
        let token = try await store.registerMiner(minerID: minerID, registration)
        dispatcher.notifyCapacity(minerID: minerID)
        return token
    }

    /// `CoordinatorStore.heartbeat`, then wakes that miner's pending poll (a DRAINING miner
    /// going ONLINE takes work at once).
    /// - Returns: what the store did, with the held jobs the miner must stop.
    /// - Throws: as `CoordinatorStore.heartbeat`.
    @discardableResult
    public func heartbeat(minerID: String, _ heartbeat: MinerHeartbeat) async throws(CoordinatorError) -> HeartbeatOutcome {
        let outcome = try await store.heartbeat(minerID: minerID, heartbeat)
        dispatcher.notifyCapacity(minerID: minerID)
        return outcome
    }

    /// Jobs pushed to a WebSocket-connected miner (`job.assigned`, spec §13): long-polls in a
    /// loop, yielding each claimed job, and claims only while the miner has free concurrency
    /// (a full miner waits until one of its jobs leaves RUNNING). Ends when the consuming task
    /// cancels or drops the stream; finishes with an error for an unregistered miner.
    public func assignments(minerID: String) -> AsyncThrowingStream<ClaimedJob, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ClaimedJob, any Error>.makeStream(bufferingPolicy: .unbounded)
        let task = Task {
            do {
                while !Task.isCancelled {
                    if let job = try await poll(minerID: minerID, maxWaitSeconds: Self.maxPollWaitSeconds) {
                        continuation.yield(job)
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Runs a sweeper step every `sweepIntervalSeconds` until the task is cancelled; errors
    /// are logged and the next step retries.
    public func runSweeper() async {
        let interval = Duration.seconds(configuration.sweepIntervalSeconds)
        while !Task.isCancelled {
            do {
                let report = try await store.sweep()
                metrics.update(from: try await store.liveCounts())
                if report != SweepReport() {
                    logger.info(
                        "sweep",
                        metadata: [
                            "expired": "\(report.expiredJobs)", "offline_miners": "\(report.offlineMiners)",
                            "requeued": "\(report.requeuedJobs)", "failed": "\(report.failedJobs)",
                        ])
                }
            } catch {
                logger.error("sweep failed", metadata: ["error": "\(error)"])
            }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }
}

import Coordinator
import JSON
import Testing
import WireModels

/// Waits (yielding, bounded) until `condition` holds; for observing another task's progress.
func eventually(_ condition: @Sendable () async throws -> Bool) async rethrows -> Bool {
    for _ in 0..<5_000 {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return false
}

@Suite struct JobDispatcherTests {
    @Test func notifyBeforeWaitIsNotLost() async {
        let dispatcher = JobDispatcher()
        let seen = dispatcher.generation
        dispatcher.notify(count: 1)
        #expect(await dispatcher.wait(since: seen, timeout: .seconds(30)))
    }

    @Test func waitTimesOut() async {
        let dispatcher = JobDispatcher()
        #expect(await dispatcher.wait(since: dispatcher.generation, timeout: .milliseconds(20)) == false)
        #expect(dispatcher.waiterCount == 0)
        #expect(await dispatcher.wait(since: dispatcher.generation, timeout: .zero) == false)
    }

    @Test func wakesOnlyAsManyWaitersAsJobsArrived() async throws {
        let dispatcher = JobDispatcher()
        let start = dispatcher.generation
        let waiters = (0..<3).map { _ in Task { await dispatcher.wait(since: start, timeout: .seconds(30)) } }
        #expect(await eventually { dispatcher.waiterCount == 3 })
        dispatcher.notify(count: 1)
        #expect(await eventually { dispatcher.waiterCount == 2 })
        dispatcher.notify(count: 2)
        for waiter in waiters { #expect(await waiter.value) }
        #expect(dispatcher.waiterCount == 0)
    }

    @Test func capacityWakesOnlyThatMiner() async throws {
        let dispatcher = JobDispatcher()
        let ticketA = dispatcher.ticket(minerID: "a")
        let ticketB = dispatcher.ticket(minerID: "b")
        let waitA = Task { await dispatcher.wait(ticketA, minerID: "a", timeout: .seconds(30)) }
        let waitB = Task { await dispatcher.wait(ticketB, minerID: "b", timeout: .seconds(30)) }
        #expect(await eventually { dispatcher.waiterCount == 2 })
        dispatcher.notifyCapacity(minerID: "b")
        #expect(await waitB.value)
        #expect(dispatcher.waiterCount == 1)
        dispatcher.notifyCapacity(minerID: "a")
        #expect(await waitA.value)
        // A capacity change before the wait is not lost either.
        let stale = dispatcher.ticket(minerID: "a")
        dispatcher.notifyCapacity(minerID: "a")
        #expect(await dispatcher.wait(stale, minerID: "a", timeout: .seconds(30)))
    }

    /// Timeouts, cancellations and wake-ups racing each other: every wait ends, nothing leaks.
    @Test func racingWaitsAllEnd() async throws {
        let dispatcher = JobDispatcher()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<400 {
                group.addTask {
                    let ticket = dispatcher.ticket(minerID: "m\(index % 7)")
                    let waiter = Task {
                        await dispatcher.wait(ticket, minerID: "m\(index % 7)", timeout: .microseconds(Int64(50 + index % 500)))
                    }
                    if index % 3 == 0 { waiter.cancel() }
                    _ = await waiter.value
                }
                if index % 5 == 0 { group.addTask { dispatcher.notify(count: 2) } }
                if index % 11 == 0 { group.addTask { dispatcher.notifyCapacity(minerID: "m\(index % 7)") } }
                if index % 13 == 0 { group.addTask { dispatcher.notify(constraints: JobConstraints()) } }
            }
        }
        #expect(dispatcher.waiterCount == 0)
    }

    @Test func cancellationEndsTheWait() async throws {
        let dispatcher = JobDispatcher()
        let waiter = Task { await dispatcher.wait(since: dispatcher.generation, timeout: .seconds(60)) }
        #expect(await eventually { dispatcher.waiterCount == 1 })
        waiter.cancel()
        #expect(await waiter.value == false)
        #expect(dispatcher.waiterCount == 0)
    }
}

@Suite struct LongPollTests {
    @Test func emptyPollWithZeroWaitAnswersAtOnce() async throws {
        let harness = try await CoordinatorHarness.make()
        let coordinator = Coordinator(store: harness.store)
        try await harness.register("miner-1")
        #expect(try await coordinator.poll(minerID: "miner-1", maxWaitSeconds: 0) == nil)
        #expect(try await coordinator.poll(minerID: "miner-1", maxWaitSeconds: -10) == nil)
        await #expect(throws: CoordinatorError.minerNotRegistered) {
            try await coordinator.poll(minerID: "ghost", maxWaitSeconds: 5)
        }
    }

    @Test func waitingPollGetsTheJobSubmittedLater() async throws {
        let harness = try await CoordinatorHarness.make()
        let coordinator = Coordinator(store: harness.store)
        try await harness.register("miner-1")
        let poll = Task { try await coordinator.poll(minerID: "miner-1", maxWaitSeconds: 60) }
        #expect(await eventually { coordinator.dispatcher.waiterCount == 1 })
        let job = try await harness.submit()
        #expect(try await poll.value?.jobID == job.id)
        #expect(coordinator.dispatcher.waiterCount == 0)
    }

    @Test func pollTimesOutWithNothingToDo() async throws {
        let harness = try await CoordinatorHarness.make()
        let coordinator = Coordinator(store: harness.store)
        try await harness.register("miner-1")
        #expect(try await coordinator.poll(minerID: "miner-1", maxWaitSeconds: 1) == nil)
        #expect(coordinator.dispatcher.waiterCount == 0)
    }

    @Test func cancelledPollStopsWaiting() async throws {
        let harness = try await CoordinatorHarness.make()
        let coordinator = Coordinator(store: harness.store)
        try await harness.register("miner-1")
        let poll = Task { try await coordinator.poll(minerID: "miner-1", maxWaitSeconds: 10_000) }
        #expect(await eventually { coordinator.dispatcher.waiterCount == 1 })
        poll.cancel()
        #expect(try await poll.value == nil)
        #expect(coordinator.dispatcher.waiterCount == 0)
        // The job submitted afterwards is still there for the next poll.
        let job = try await harness.submit()
        #expect(try await coordinator.poll(minerID: "miner-1", maxWaitSeconds: 0)?.jobID == job.id)
    }

    @Test func requeueWakesAWaitingPoller() async throws {
        let harness = try await CoordinatorHarness.make()
        let coordinator = Coordinator(store: harness.store)
        try await harness.register("miner-1")
        let jobID = try await harness.running(miner: "miner-1")
        harness.clock.advance(seconds: 20)
        try await harness.register("miner-2")
        let poll = Task { try await coordinator.poll(minerID: "miner-2", maxWaitSeconds: 60) }
        #expect(await eventually { coordinator.dispatcher.waiterCount == 1 })
        harness.clock.advance(seconds: 11)
        #expect(try await harness.store.sweep().requeuedJobs == 1)
        #expect(try await poll.value?.jobID == jobID)
    }

    @Test func freedSlotWakesTheFullMinersPoll() async throws {
        let harness = try await CoordinatorHarness.make()
        let coordinator = Coordinator(store: harness.store)
        try await harness.register("miner-1")
        let first = try await harness.running(miner: "miner-1")
        let queued = try await harness.submit()
        let poll = Task { try await coordinator.poll(minerID: "miner-1", maxWaitSeconds: 60) }
        #expect(await eventually { coordinator.dispatcher.waiterCount == 1 })
        _ = try await harness.store.complete(jobID: first, minerID: "miner-1", result: .object([]))
        #expect(try await poll.value?.jobID == queued.id)
    }

    @Test func assignmentStreamPushesWhileCapacityAllows() async throws {
        let harness = try await CoordinatorHarness.make()
        let coordinator = Coordinator(store: harness.store)
        try await harness.register("miner-1")
        let stream = coordinator.assignments(minerID: "miner-1")
        let a = try await harness.submit()
        let b = try await harness.submit()
        var iterator = stream.makeAsyncIterator()
        #expect(try await iterator.next()?.jobID == a.id)
        #expect(await eventually { coordinator.dispatcher.waiterCount == 1 })
        #expect(try await harness.store.job(id: b.id, clientID: nil).state == .queued)
        _ = try await harness.store.complete(jobID: a.id, minerID: "miner-1", result: .object([]))
        #expect(try await iterator.next()?.jobID == b.id)
    }

    @Test func assignmentStreamFailsForUnknownMiner() async throws {
        let harness = try await CoordinatorHarness.make()
        let coordinator = Coordinator(store: harness.store)
        var iterator = coordinator.assignments(minerID: "ghost").makeAsyncIterator()
        await #expect(throws: CoordinatorError.minerNotRegistered) { try await iterator.next() }
    }

    /// A job's single wake-up goes to a poller that can take it, not to the oldest waiter.
    @Test func wakeUpSkipsPollersThatCannotTakeTheJob() async throws {
        let harness = try await CoordinatorHarness.make()
        let coordinator = Coordinator(store: harness.store)
        try await harness.register("cpu")
        try await harness.register("draining")
        try await harness.store.drain(minerID: "draining")
        try await harness.register("gpu", capabilities: ["gpus": [["name": "A100", "memory_mb": 40_960]]])
        let cpuPoll = Task { try await coordinator.poll(minerID: "cpu", maxWaitSeconds: 60) }
        #expect(await eventually { coordinator.dispatcher.waiterCount == 1 })
        let drainingPoll = Task { try await coordinator.poll(minerID: "draining", maxWaitSeconds: 60) }
        #expect(await eventually { coordinator.dispatcher.waiterCount == 2 })
        let gpuPoll = Task { try await coordinator.poll(minerID: "gpu", maxWaitSeconds: 60) }
        #expect(await eventually { coordinator.dispatcher.waiterCount == 3 })
        let job = try await harness.submit(constraints: JobConstraints(gpu: "A100"))
        #expect(try await gpuPoll.value?.jobID == job.id)
        #expect(coordinator.dispatcher.waiterCount == 2)
        // The draining miner wakes when it goes back ONLINE, and takes the next job.
        try await coordinator.heartbeat(minerID: "draining", MinerHeartbeat(status: .online))
        #expect(await eventually { coordinator.dispatcher.waiterCount == 2 })
        let next = try await harness.submit()
        #expect(await eventually { coordinator.dispatcher.waiterCount == 1 })
        cpuPoll.cancel()
        drainingPoll.cancel()
        let results = [try await cpuPoll.value?.jobID, try await drainingPoll.value?.jobID]
        #expect(results.compactMap { $0 } == [next.id])
    }

    @Test func manyPollersEachGetOneJob() async throws {
        let harness = try await CoordinatorHarness.make()
        let coordinator = Coordinator(store: harness.store)
        for index in 0..<8 { try await harness.register("miner-\(index)") }
        let polls = (0..<8).map { index in
            Task { try await coordinator.poll(minerID: "miner-\(index)", maxWaitSeconds: 60) }
        }
        #expect(await eventually { coordinator.dispatcher.waiterCount == 8 })
        var submitted = Set<String>()
        for _ in 0..<8 { submitted.insert(try await harness.submit().id) }
        var claimed = Set<String>()
        for poll in polls { if let id = try await poll.value?.jobID { claimed.insert(id) } }
        #expect(claimed == submitted)
    }
}

@Suite struct JobEventHubTests {
    @Test func subscribersSeeTheirOwnJobsInOrder() async throws {
        let harness = try await CoordinatorHarness.make()
        let coordinator = Coordinator(store: harness.store)
        let mine = coordinator.events.subscribe(clientID: "client-a")
        let theirs = coordinator.events.subscribe(clientID: "client-b")
        try await harness.register("miner-1")
        let jobID = try await harness.running()
        _ = try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: .object([]))
        var iterator = mine.events.makeAsyncIterator()
        var states: [JobState] = []
        for _ in 0..<3 { if let change = await iterator.next() { states.append(change.to) } }
        #expect(states == [.queued, .running, .completed])
        theirs.cancel()
        var other = theirs.events.makeAsyncIterator()
        #expect(await other.next() == nil)
        #expect(coordinator.events.subscriberCount == 1)
    }

    @Test func slowSubscriberIsCutOff() async throws {
        let hub = JobEventHub()
        let subscription = hub.subscribe(clientID: "c", bufferSize: 2)
        for index in 0..<5 {
            hub.publish(JobStateChange(jobID: "j\(index)", clientID: "c", from: nil, to: .queued, at: 0, receiptID: nil))
        }
        #expect(subscription.overflowed)
        var received = 0
        for await _ in subscription.events { received += 1 }
        #expect(received == 2)
        #expect(hub.subscriberCount == 0)
    }
}

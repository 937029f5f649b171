import Cryptography
import Synchronization
import Testing
import Wallet
import WireModels

/// `NonceAllocator` on its own, with a scripted node: what each outcome does to the next nonce.
@Suite struct NonceAllocatorTests {
    /// A node whose `next_nonce` is whatever the test sets; counts its reads.
    final class ScriptedNonces: Sendable {
        let next = Mutex<UInt64>(1)
        let reads = Mutex(0)

        func read() -> UInt64 {
            reads.withLock { $0 += 1 }
            return next.withLock { $0 }
        }
    }

    /// Records whether two attempts ever ran at once.
    final class Turns: Sendable {
        private let state = Mutex((inside: 0, overlapped: false))

        func enter() { state.withLock { $0.inside += 1; if $0.inside > 1 { $0.overlapped = true } } }
        func leave() { state.withLock { $0.inside -= 1 } }
        var overlapped: Bool { state.withLock { $0.overlapped } }
    }

    let sender: Address
    let other: Address

    init() throws {
        sender = Address(publicKey: try testKey(3).publicKey)
        other = Address(publicKey: try testKey(4).publicKey)
    }

    static func allocator(_ node: ScriptedNonces) -> NonceAllocator {
        NonceAllocator { _ throws(ChainAdapterError) in node.read() }
    }

    @Test func concurrentSubmissionsFromOneSenderGetConsecutiveNoncesWithOneRead() async throws {
        let node = ScriptedNonces()
        node.next.withLock { $0 = 41 }
        let allocator = Self.allocator(node)
        let turns = Turns()
        let sender = sender
        let nonces = try await withThrowingTaskGroup(of: UInt64.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    try await allocator.submit(from: sender) { nonce in
                        turns.enter()
                        await Task.yield()
                        turns.leave()
                        return .used(nonce)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(nonces.sorted() == Array(41...140))
        #expect(!turns.overlapped)
        #expect(node.reads.withLock { $0 } == 1)
        #expect(allocator.cachedNextNonce(of: sender) == 141)
    }

    @Test func anUnusedNonceIsGivenToTheNextSubmission() async throws {
        let allocator = Self.allocator(ScriptedNonces())
        #expect(try await allocator.submit(from: sender) { .used($0) } == 1)
        await #expect(throws: ChainAdapterError.insufficientFunds("x")) {
            try await allocator.submit(from: sender) { _ -> NonceAllocator.Outcome<UInt64> in .unused(.insufficientFunds("x")) }
        }
        #expect(try await allocator.submit(from: sender) { .used($0) } == 2)
    }

    @Test func aConflictReadsTheNodeAgainAndRetriesOnce() async throws {
        let node = ScriptedNonces()
        let allocator = Self.allocator(node)
        #expect(try await allocator.submit(from: sender) { .used($0) } == 1)
        node.next.withLock { $0 = 7 }
        let tried = Mutex<[UInt64]>([])
        let used = try await allocator.submit(from: sender) { nonce -> NonceAllocator.Outcome<UInt64> in
            tried.withLock { $0.append(nonce) }
            return nonce == 2 ? .conflict(.rejected(code: "NONCE_GAP", message: "", status: 400)) : .used(nonce)
        }
        #expect(used == 7)
        #expect(tried.withLock { $0 } == [2, 7])
        // A conflict with what the node has just said is not retried again.
        await #expect(throws: ChainAdapterError.self) {
            try await allocator.submit(from: other) { _ -> NonceAllocator.Outcome<UInt64> in
                .conflict(.rejected(code: "NONCE_TOO_LOW", message: "", status: 409))
            }
        }
        #expect(allocator.cachedNextNonce(of: other) == nil)
    }

    @Test func anUnknownOutcomeForgetsTheNonceAndTheNextSubmissionAsksTheNode() async throws {
        let node = ScriptedNonces()
        let allocator = Self.allocator(node)
        #expect(try await allocator.submit(from: sender) { .used($0) } == 1)
        await #expect(throws: ChainAdapterError.unavailable("timeout")) {
            try await allocator.submit(from: sender) { _ -> NonceAllocator.Outcome<UInt64> in .unavailableOutcome }
        }
        #expect(allocator.cachedNextNonce(of: sender) == nil)
        node.next.withLock { $0 = 3 }  // the node did take nonce 2
        #expect(try await allocator.submit(from: sender) { .used($0) } == 3)
        #expect(node.reads.withLock { $0 } == 2)
    }

    @Test func sendersDoNotWaitForEachOther() async throws {
        let allocator = Self.allocator(ScriptedNonces())
        let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        async let held: UInt64 = allocator.submit(from: sender) { nonce in
            enteredContinuation.yield()
            for await _ in release { break }
            return .used(nonce)
        }
        for await _ in entered { break }
        // While the first sender's turn is open, another sender goes through.
        #expect(try await allocator.submit(from: other) { .used($0) } == 1)
        releaseContinuation.yield()
        #expect(try await held == 1)
    }

    @Test func aFailingNodeReadFailsTheSubmissionAndReleasesTheTurn() async throws {
        let allocator = NonceAllocator { _ throws(ChainAdapterError) in throw .unavailable("down") }
        for _ in 0..<3 {
            await #expect(throws: ChainAdapterError.unavailable("down")) {
                try await allocator.submit(from: sender) { .used($0) }
            }
        }
    }
}

extension NonceAllocator.Outcome {
    /// What a send without an answer reports.
    static var unavailableOutcome: Self { .unknown(.unavailable("timeout")) }
}

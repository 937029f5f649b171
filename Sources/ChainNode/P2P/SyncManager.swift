import JSON
import Logging
import Synchronization
import WireModels

/// Range sync: while a peer announces a head above ours, fetch `SYNC_BATCH`-block ranges from
/// up to `SYNC_PARALLEL` peers at once (a different range each) and import them strictly in
/// height order. A request that times out (−10 score) or comes back empty goes to another
/// peer; a bad block bans its sender, and what it still owed is fetched elsewhere. Nothing is
/// persisted: after a crash sync starts again from the database's head.
struct SyncManager: Sendable {
    /// What `/rpc/syncStatus` and the gauges read.
    struct Progress: Sendable {
        var active = false
    }

    /// Blocks `start ..< start + count`.
    struct Range: Sendable, Equatable {
        var start: UInt64
        var count: Int
    }

    enum Fetched: Sendable {
        case blocks(Range, Peer, [FullBlock])
        case failed(Range, Peer, String, timedOut: Bool)
    }

    let node: P2PNode

    func run() async {
        // One block behind is the normal state between a peer's status and its block frame:
        // sync only when that lasts (the block frame was lost) or the gap is wider.
        var oneBehind: (head: UInt64, since: ContinuousClock.Instant)?
        while !Task.isCancelled {
            let head = node.chain.head.height
            guard let best = node.bestPeerHead, best.height > head else {
                node.syncState.withLock { $0.active = false }
                oneBehind = nil
                await node.syncWake.wait(timeout: .seconds(1))
                continue
            }
            if best.height == head + 1 {
                if oneBehind?.head != head { oneBehind = (head, .now) }
                if let since = oneBehind?.since, ContinuousClock.now - since < .seconds(1) {
                    await node.syncWake.wait(timeout: .milliseconds(200))
                    continue
                }
            }
            oneBehind = nil
            await catchUp()
            node.syncState.withLock { $0.active = false }
            // A pass that could not finish (no peer could serve) waits for a change.
            if let best = node.bestPeerHead, best.height > node.chain.head.height { await node.syncWake.wait(timeout: .milliseconds(500)) }
        }
    }

    /// One catch-up pass, until our head reaches the best peer head or no peer can help.
    func catchUp() async {
        node.syncState.withLock { $0.active = true }
        let settings = node.settings
        let startHead = node.chain.head.height
        node.logger.info("sync started", metadata: ["head": "\(startHead)", "best_peer": "\(node.bestPeerHead?.height ?? 0)"])
        var next = startHead + 1
        var retry: [Range] = []
        var inflight: [UInt64: String] = [:]
        var ready: [UInt64: (peer: Peer, blocks: [FullBlock])] = [:]
        var refusedBy: [UInt64: Set<String>] = [:]
        var idle = 0
        await withTaskGroup(of: Fetched.self) { group in
            while !Task.isCancelled {
                let head = node.chain.head.height
                let target = node.bestPeerHead?.height ?? head
                next = max(next, head + 1)
                retry.removeAll { $0.start + UInt64($0.count) <= head + 1 }
                // Schedule: retries first, then fresh ranges, one request per peer.
                while inflight.count < settings.syncParallel {
                    let fresh = retry.isEmpty
                    guard let range = retry.first ?? (next <= target ? Range(start: next, count: Int(min(UInt64(settings.syncBatch), target - next + 1))) : nil)
                    else { break }
                    guard let peer = choosePeer(for: range, busy: Set(inflight.values), refused: refusedBy[range.start] ?? []) else {
                        if (refusedBy[range.start] ?? []).count >= node.connectedPeers.count { refusedBy[range.start] = nil }
                        break
                    }
                    if fresh { next += UInt64(range.count) } else { retry.removeFirst() }
                    inflight[range.start] = peer.keyHex
                    let timeout = settings.requestTimeout
                    group.addTask { await fetch(range, from: peer, timeout: timeout) }
                }
                if inflight.isEmpty {
                    if head >= target && ready.isEmpty { break }
                    idle += 1
                    if idle > 20 { break }
                    await node.syncWake.wait(timeout: .milliseconds(250))
                    if await importReady(&ready, retry: &retry) { next = node.chain.head.height + 1 }
                    continue
                }
                idle = 0
                guard let result = await group.next() else { continue }
                switch result {
                case .blocks(let range, let peer, let blocks):
                    inflight.removeValue(forKey: range.start)
                    if blocks.isEmpty {
                        // It does not have them, whatever it announced: its head is below the range.
                        if peer.head.height >= range.start { peer.update(head: PeerHead(height: range.start - 1, hash: [])) }
                        refusedBy[range.start, default: []].insert(peer.keyHex)
                        retry.insert(range, at: 0)
                    } else {
                        ready[range.start] = (peer, blocks)
                        if blocks.count < range.count {
                            retry.append(Range(start: range.start + UInt64(blocks.count), count: range.count - blocks.count))
                        }
                    }
                case .failed(let range, let peer, let reason, let timedOut):
                    inflight.removeValue(forKey: range.start)
                    if timedOut {
                        node.logger.warning("sync request timed out", metadata: ["peer": "\(peer.keyHex.prefix(16))", "start": "\(range.start)"])
                        if peer.timedOut() >= Self.maxTimeoutsInARow { await node.dropUnresponsive(peer) }
                    } else {
                        node.logger.info("sync request failed", metadata: ["peer": "\(peer.keyHex.prefix(16))", "start": "\(range.start)", "error": "\(reason)"])
                    }
                    refusedBy[range.start, default: []].insert(peer.keyHex)
                    retry.insert(range, at: 0)
                }
                if await importReady(&ready, retry: &retry) { next = node.chain.head.height + 1 }
            }
            // Outstanding requests end by answer or timeout; their blocks are not needed now.
            await group.waitForAll()
        }
        node.logger.info("sync pass ended", metadata: ["from": "\(startHead)", "head": "\(node.chain.head.height)"])
    }

    /// Imports every ready range that starts at or below our head + 1, in order. A refused
    /// block banned its sender: its other ranges are dropped and fetched again elsewhere.
    /// - Returns: true when fork choice took over and the ranges must be planned again from our head.
    @discardableResult
    private func importReady(_ ready: inout [UInt64: (peer: Peer, blocks: [FullBlock])], retry: inout [Range]) async -> Bool {
        while true {
            let head = node.chain.head.height
            for (start, entry) in ready where start + UInt64(entry.blocks.count) <= head + 1 { ready.removeValue(forKey: start) }
            guard let start = ready.keys.filter({ $0 <= head + 1 }).min(), let entry = ready.removeValue(forKey: start) else { return false }
            let blocks = entry.blocks.filter { $0.height > head }
            let result = await node.importLock.withLock {
                await node.importFromPeer(blocks, peer: entry.peer, origin: .sync)
            }
            let imported = result.count
            switch result {
            case .imported:
                continue
            case .refused:
                // The peer is banned: what it still owed, and its other ranges, come from others.
                retry.insert(Range(start: head + 1 + UInt64(imported), count: blocks.count - imported), at: 0)
                for (otherStart, other) in ready where other.peer === entry.peer {
                    ready.removeValue(forKey: otherStart)
                    retry.append(Range(start: otherStart, count: other.blocks.count))
                }
            case .deferred:
                // Not the peer's fault (our producer was busy, a time ahead of our clock): later.
                ready[head + 1 + UInt64(imported)] = (entry.peer, Array(blocks.dropFirst(imported)))
            case .unlinked:
                // Another branch: fork choice has it; what we fetched beyond it may not apply.
                ready.removeAll()
                retry.removeAll()
                return true
            }
            return false
        }
    }

    /// The best-scored connected peer whose head covers the range's start, not busy, that has
    /// not failed this range.
    private func choosePeer(for range: Range, busy: Set<String>, refused: Set<String>) -> Peer? {
        node.syncablePeers
            .filter { $0.head.height >= range.start && !busy.contains($0.keyHex) && !refused.contains($0.keyHex) && !$0.isClosed }
            .max { ($0.score, $0.head.height) < ($1.score, $1.head.height) }
    }

    /// One `get_blocks`; the answer is checked to be consecutive blocks from the range's start.
    /// Timeouts in a row after which a peer is dropped (it claims blocks it does not serve).
    static let maxTimeoutsInARow = 3

    private func fetch(_ range: Range, from peer: Peer, timeout: Duration) async -> Fetched {
        let values: [JSONValue]
        do {
            values = try await peer.requestBlocks(start: range.start, count: range.count, timeout: timeout)
        } catch {
            let timedOut = (error as? PeerRequestError).map { if case .timeout = $0 { true } else { false } } ?? false
            return .failed(range, peer, "\(error)", timedOut: timedOut)
        }
        peer.answered()
        var blocks: [FullBlock] = []
        for (index, value) in values.prefix(range.count).enumerated() {
            guard let block = try? FullBlock(json: value), block.height == range.start + UInt64(index) else {
                await node.ban(peer, reason: "bad_range")
                return .failed(range, peer, "the answer is not consecutive blocks from \(range.start)", timedOut: false)
            }
            blocks.append(block)
        }
        return .blocks(range, peer, blocks)
    }
}

import Cryptography
import JSON
import Ledger
import Logging
import Synchronization
import WireModels

/// What importing a peer's blocks did.
enum PeerImport: Sendable, Equatable {
    /// All committed.
    case imported(Int)
    /// A block was refused on its merits: the peer is banned.
    case refused(imported: Int)
    /// A block could not be taken now, through no fault of the peer (our producer busy, a
    /// time ahead of our clock, storage): try again later.
    case deferred(imported: Int)
    /// A block does not link to our head: the peer is on another branch (fork choice decides).
    case unlinked(imported: Int)

    var count: Int {
        switch self {
        case .imported(let count), .refused(let count), .deferred(let count), .unlinked(let count): count
        }
    }
}

/// Blocks arriving by gossip: dedupe, then import the one that extends our head, leave gaps to
/// range sync, and hand everything else to `handleUnlinked`.
extension P2PNode {
    /// A gossiped `block` frame from `peer`.
    func receiveBlock(_ json: JSONValue, from peer: Peer) async {
        let block: FullBlock
        do throws(WireDecodingError) {
            block = try FullBlock(json: json)
        } catch {
            logger.warning("p2p: undecodable block", metadata: ["peer": "\(peer.keyHex.prefix(16))", "error": "\(error)"])
            await ban(peer, reason: "malformed_block")
            return
        }
        // The hash is only recorded as seen once a block with it is committed: a forged copy
        // claiming an honest block's hash must not make the honest one look like a duplicate.
        guard !state.withLock({ $0.seen.contains(block.hash.bytes) }) else {
            metrics.duplicate("blocks")
            return
        }
        await importLock.withLock {
            let head = chain.head
            if block.height == head.height + 1, block.parentHash == head.hash {
                _ = await importFromPeer([block], peer: peer, origin: .peer(peer.serial))
            } else if !Self.isGenuineHeader(block, genesis: chain.genesis) {
                // A block that does not link makes this node fetch from its sender: only for
                // one an authority really signed (one signature check), never for made-up ones.
                await ban(peer, reason: "forged_header")
            } else if block.height > head.height + 1 {
                // A gap: range sync fetches what is missing (the peer holds this block at least).
                peer.saw(height: block.height, hash: block.hash.bytes)
                syncWake.signal()
            } else {
                await handleUnlinked(block, from: peer)
            }
        }
    }

    /// Whether `block`'s fields hash to its hash and a genesis authority signed it (what can be
    /// checked without its parent).
    static func isGenuineHeader(_ block: FullBlock, genesis: GenesisDocument) -> Bool {
        guard let (header, signature) = try? block.header(), header.chainID == genesis.chainID,
            let key = try? Ed25519.PublicKey(rawRepresentation: header.proposerKey),
            genesis.authorities.contains(where: { $0.publicKey == key })
        else { return false }
        return header.isValidSignature(signature)
    }

    /// Imports consecutive blocks `peer` sent, in order (the caller holds `importLock`). A block
    /// refused on its merits bans the peer; one that does not link to our head goes to fork
    /// resolution.
    func importFromPeer(_ blocks: [FullBlock], peer: Peer, origin: GossipOrigin) async -> PeerImport {
        let outcome = await GossipOrigin.$current.withValue(origin) { await chain.importBlocks(blocks) }
        let now = clock.nowMilliseconds()
        for block in outcome.imported {
            peer.adjustScore(1)
            // Propagation is a gossip measure: synced blocks are old by design.
            if origin != .sync { metrics.propagated(milliseconds: Int64(clamping: now) - Int64(clamping: block.header.timeMilliseconds)) }
        }
        if origin == .sync { metrics.syncImported(outcome.imported.count) }
        let imported = outcome.imported.count
        guard let failure = outcome.failure else { return .imported(imported) }
        guard let rejection = failure.error as? BlockRejection else {
            logger.debug("p2p: block import deferred", metadata: ["height": "\(failure.height)", "error": "\(failure.error)"])
            return .deferred(imported: imported)
        }
        switch rejection {
        case .wrongParent, .wrongHeight:
            // Another branch, or our head moved while the block was on its way (our producer
            // committed the same height meanwhile): fork choice decides, the sender is not at fault.
            if let block = blocks.first(where: { $0.height == failure.height }) { await handleUnlinked(block, from: peer) }
            return .unlinked(imported: imported)
        case .timeInFuture:
            // Ahead of our clock (within the peer's drift): offered again later, not a fault.
            return .deferred(imported: imported)
        default:
            logger.warning(
                "p2p: peer sent a bad block",
                metadata: ["peer": "\(peer.keyHex.prefix(16))", "height": "\(failure.height)", "reason": "\(rejection.reason)"])
            await ban(peer, reason: "bad_block")
            return .refused(imported: imported)
        }
    }

    /// A block that does not extend our head: its parent is not our head, or it conflicts with
    /// a block we hold at its height. Counted, then fork choice (`Chain.offerBranch`) decides:
    /// a block whose parent we hold is offered at once; otherwise the peer's branch back to a
    /// block we hold is fetched first (in the background: the peer's frames are read by the
    /// task that called this).
    func handleUnlinked(_ block: FullBlock, from peer: Peer) async {
        if block.height <= chain.head.height, let ours = try? await chain.store.block(height: block.height), ours.0.hash == block.hash {
            // One we already hold (after a restart the seen set is empty).
            metrics.duplicate("blocks")
            return
        }
        metrics.unlinkedBlock()
        // A peer already found on a divergent branch: nothing to fetch until its cooldown ends.
        if isDivergent(peer) { return }
        logger.warning(
            "p2p: block does not extend our chain",
            metadata: [
                "peer": "\(peer.keyHex.prefix(16))", "height": "\(block.height)", "hash": "\(block.hash)", "parent": "\(block.parentHash)",
                "head": "\(chain.head.height)",
            ])
        if block.height >= 1, block.height <= chain.head.height + 1, let parent = try? await chain.store.block(height: block.height - 1),
            parent.0.hash == block.parentHash
        {
            await offer([block], from: peer)
            return
        }
        let start = state.withLock { state -> Bool in
            guard !state.resolvingFork else { return false }
            state.resolvingFork = true
            return true
        }
        guard start else { return }
        peer.saw(height: block.height, hash: block.hash.bytes)
        Task { [weak self] in
            await self?.fetchBranch(from: peer, through: block.height)
            self?.state.withLock { $0.resolvingFork = false }
        }
    }

    /// Asks `peer` for its blocks from below our fork window up to `height`, and offers the part
    /// that differs from ours.
    private func fetchBranch(from peer: Peer, through height: UInt64) async {
        let head = chain.head.height
        let depth = min(chain.forkChoice.maxReorgDepth + 1, UInt64(P2PMessage.maxBlocksPerMessage - 1))
        let top = min(height, head + 1)
        let start = max(1, top > depth ? top - depth : 1)
        let values: [JSONValue]
        do {
            values = try await peer.requestBlocks(start: start, count: Int(top - start + 1), timeout: settings.requestTimeout)
        } catch {
            logger.info("p2p: could not fetch a peer's branch", metadata: ["peer": "\(peer.keyHex.prefix(16))", "error": "\(error)"])
            return
        }
        var blocks: [FullBlock] = []
        for (index, value) in values.enumerated() {
            guard let block = try? FullBlock(json: value), block.height == start + UInt64(index) else {
                await ban(peer, reason: "bad_range")
                return
            }
            blocks.append(block)
        }
        await importLock.withLock {
            // The first block that is not ours; everything before it we hold.
            var first = 0
            while first < blocks.count, let ours = try? await chain.store.block(height: blocks[first].height), ours.0.hash == blocks[first].hash {
                first += 1
            }
            guard first < blocks.count else { return }
            // Not even the oldest block fetched links to ours: the fork point is below the
            // window fork choice may reach back to. Report it once per cooldown instead of
            // fetching the same range again on every block the peer sends.
            if first == 0, blocks[0].height > 1 {
                let parent = try? await chain.store.block(height: blocks[0].height - 1)
                if parent?.0.hash != blocks[0].parentHash {
                    let ours = try? await chain.store.block(height: blocks[0].height)
                    chain.reportDivergence(belowHeight: blocks[0].height, ours: ours?.0.hash, theirs: blocks[0].hash, peer: String(peer.keyHex.prefix(16)))
                    markDivergent(peer)
                    return
                }
            }
            await offer(Array(blocks[first...]), from: peer)
        }
        syncWake.signal()
    }

    /// Offers a branch to fork choice (the caller holds `importLock`); a bad block bans the peer.
    private func offer(_ blocks: [FullBlock], from peer: Peer) async {
        var offered: [Chain.OfferedBlock] = []
        for block in blocks {
            guard let (header, signature) = try? block.header() else {
                await ban(peer, reason: "bad_block")
                return
            }
            offered.append((header, signature, block.txs))
        }
        do {
            let outcome = try await GossipOrigin.$current.withValue(.peer(peer.serial)) { try await chain.offerBranch(offered) }
            if case .divergent = outcome { markDivergent(peer) }
            logger.info("p2p: fork choice", metadata: ["peer": "\(peer.keyHex.prefix(16))", "outcome": "\(outcome)"])
        } catch let rejection as BlockRejection {
            guard rejection.blamesSender else { return }
            logger.warning("p2p: peer's branch has a bad block", metadata: ["peer": "\(peer.keyHex.prefix(16))", "reason": "\(rejection.reason)"])
            await ban(peer, reason: "bad_block")
        } catch {
            logger.warning("p2p: fork choice failed", metadata: ["error": "\(error)"])
        }
    }
}

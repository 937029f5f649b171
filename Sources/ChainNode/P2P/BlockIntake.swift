import JSON
import Ledger
import Logging
import Synchronization
import WireModels

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
                await importFromPeer([block], peer: peer, origin: .peer(peer.serial))
            } else if block.height > head.height + 1 {
                // A gap: range sync fetches what is missing (the peer holds this block at least).
                peer.saw(height: block.height, hash: block.hash.bytes)
                syncWake.signal()
            } else {
                await handleUnlinked(block, from: peer)
            }
        }
    }

    /// Imports consecutive blocks `peer` sent, in order (the caller holds `importLock`); a
    /// refused block bans the peer. Returns how many were committed and whether one was refused.
    @discardableResult
    func importFromPeer(_ blocks: [FullBlock], peer: Peer, origin: GossipOrigin) async -> (imported: Int, refused: Bool) {
        let outcome = await GossipOrigin.$current.withValue(origin) { await chain.importBlocks(blocks) }
        let now = clock.nowMilliseconds()
        for block in outcome.imported {
            peer.adjustScore(1)
            // Propagation is a gossip measure: synced blocks are old by design.
            if origin != .sync { metrics.propagated(milliseconds: Int64(clamping: now) - Int64(clamping: block.header.timeMilliseconds)) }
        }
        if origin == .sync { metrics.syncImported(outcome.imported.count) }
        guard let failure = outcome.failure else { return (outcome.imported.count, false) }
        if let rejection = failure.error as? BlockRejection {
            logger.warning(
                "p2p: peer sent a bad block",
                metadata: ["peer": "\(peer.keyHex.prefix(16))", "height": "\(failure.height)", "reason": "\(rejection.reason)"])
            await ban(peer, reason: "bad_block")
            return (outcome.imported.count, true)
        }
        // Storage trouble or our own producer busy: not the peer's fault; sync retries.
        logger.debug("p2p: block import deferred", metadata: ["height": "\(failure.height)", "error": "\(failure.error)"])
        return (outcome.imported.count, false)
    }

    /// A block that does not extend our head: its parent is not our head, or it conflicts with
    /// a block we hold at its height. The one place fork choice plugs in (H3); until then it
    /// is logged and counted, and our chain is kept.
    func handleUnlinked(_ block: FullBlock, from peer: Peer) async {
        if block.height <= chain.head.height, let ours = try? await chain.store.block(height: block.height), ours.0.hash == block.hash {
            // One we already hold (after a restart the seen set is empty).
            metrics.duplicate("blocks")
            return
        }
        metrics.unlinkedBlock()
        logger.warning(
            "p2p: block does not extend our chain",
            metadata: [
                "peer": "\(peer.keyHex.prefix(16))", "height": "\(block.height)", "hash": "\(block.hash)", "parent": "\(block.parentHash)",
                "head": "\(chain.head.height)",
            ])
    }
}

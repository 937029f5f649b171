internal import CZlib

/// Raw DEFLATE compressor for permessage-deflate (RFC 7692 §7.2.1). Owns one `z_stream`,
/// allocated at a fixed address because zlib keeps a pointer back to it, and freed in `deinit`.
/// Not thread-safe: the connection confines it behind its send lock.
final class DeflateCompressor {
    private let stream: UnsafeMutablePointer<z_stream>
    private let resetAfterMessage: Bool
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)

    /// Starts a compressor with a `windowBits` window (9–15).
    /// - Throws: `WebSocketError.compressionFailed` when zlib refuses the parameters or memory.
    init(windowBits: Int, level: Int32, memoryLevel: Int32, noContextTakeover: Bool) throws(WebSocketError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        resetAfterMessage = noContextTakeover
        // Negative windowBits selects raw DEFLATE, no zlib header or trailer (RFC 7692 §7.2.1).
        let rc = czlib_deflate_init2(stream, level, -Int32(min(15, max(9, windowBits))), memoryLevel)
        guard rc == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw .compressionFailed(code: rc)
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses one whole message and strips the trailing `00 00 ff ff` of the sync flush
    /// (RFC 7692 §7.2.1). With no context takeover the window is reset afterwards.
    /// - Throws: `WebSocketError.compressionFailed` on a zlib error or an input over 4 GiB.
    func compress(_ input: [UInt8]) throws(WebSocketError) -> [UInt8] {
        guard let inputCount = UInt32(exactly: input.count) else { throw .compressionFailed(code: Z_BUF_ERROR) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 2 + 16)
        var failure: Int32?
        input.withUnsafeBufferPointer { inBuffer in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.pointee.avail_in = inputCount
            repeat {
                let produced = scratch.withUnsafeMutableBufferPointer { outBuffer -> Int in
                    stream.pointee.next_out = outBuffer.baseAddress
                    stream.pointee.avail_out = UInt32(outBuffer.count)
                    let rc = deflate(stream, Z_SYNC_FLUSH)
                    if rc != Z_OK && rc != Z_BUF_ERROR { failure = rc }
                    return outBuffer.count - Int(stream.pointee.avail_out)
                }
                output.append(contentsOf: scratch[0..<produced])
                // A full output buffer means zlib may hold more; anything less means the flush is done.
            } while failure == nil && stream.pointee.avail_out == 0
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
        }
        if let failure { throw .compressionFailed(code: failure) }
        if output.count >= 4 && output[(output.count - 4)...].elementsEqual([0x00, 0x00, 0xFF, 0xFF]) {
            output.removeLast(4)
        }
        // zlib emits nothing for a flush right after a flush (an empty message with context
        // takeover); the payload then needs the empty stored block's header, 0x00 (§7.2.3.6).
        if output.isEmpty { output = [0x00] }
        if resetAfterMessage { deflateReset(stream) }
        return output
    }
}

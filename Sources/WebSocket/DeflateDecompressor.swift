internal import CZlib

/// Raw DEFLATE decompressor for permessage-deflate (RFC 7692 §7.2.2) with an output budget,
/// so a small compressed frame cannot expand past the message limit (zip-bomb defence → 1009).
/// Owns one `z_stream` at a fixed address, freed in `deinit`; confined to the receiving side.
final class DeflateDecompressor {
    private let stream: UnsafeMutablePointer<z_stream>
    private let resetAfterMessage: Bool
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)
    private static let tail: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]

    /// Starts a decompressor. It always uses a 15-bit window, which decodes any smaller
    /// window the peer compresses with. `noContextTakeover` mirrors the peer's parameter.
    /// - Throws: `WebSocketError.compressionFailed` when zlib cannot allocate.
    init(noContextTakeover: Bool) throws(WebSocketError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        resetAfterMessage = noContextTakeover
        let rc = czlib_inflate_init2(stream, -15)
        guard rc == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw .compressionFailed(code: rc)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates one fragment of a compressed message. On the last fragment the `00 00 ff ff`
    /// tail the sender stripped is appended (RFC 7692 §7.2.2).
    /// - Parameter budget: bytes this fragment may produce before the message limit is hit.
    /// - Throws: `WebSocketError.messageTooLarge(limit:)` past the budget (checked every 16 KiB
    ///   of output, so memory stays bounded), `.decompressionFailed` for corrupt data.
    func decompress(_ input: [UInt8], isFinal: Bool, budget: Int, limit: Int) throws(WebSocketError) -> [UInt8] {
        var output: [UInt8] = []
        try inflate(input, into: &output, budget: budget, limit: limit)
        if isFinal {
            try inflate(Self.tail, into: &output, budget: budget, limit: limit)
            if resetAfterMessage { inflateReset(stream) }
        }
        return output
    }

    private func inflate(_ input: [UInt8], into output: inout [UInt8], budget: Int, limit: Int) throws(WebSocketError) {
        guard !input.isEmpty else { return }
        guard let inputCount = UInt32(exactly: input.count) else { throw .messageTooLarge(limit: limit) }
        var failure: WebSocketError?
        input.withUnsafeBufferPointer { inBuffer in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.pointee.avail_in = inputCount
            while failure == nil {
                var rc: Int32 = Z_OK
                let produced = scratch.withUnsafeMutableBufferPointer { outBuffer -> Int in
                    stream.pointee.next_out = outBuffer.baseAddress
                    stream.pointee.avail_out = UInt32(outBuffer.count)
                    rc = CZlib.inflate(stream, Z_SYNC_FLUSH)
                    return outBuffer.count - Int(stream.pointee.avail_out)
                }
                if output.count + produced > budget {
                    failure = .messageTooLarge(limit: limit)
                    break
                }
                output.append(contentsOf: scratch[0..<produced])
                switch rc {
                case Z_OK:
                    if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { break }
                    continue
                case Z_BUF_ERROR:
                    // No progress possible: input exhausted (a later fragment continues it).
                    break
                case Z_STREAM_END:
                    // The peer set BFINAL; the next bytes (if any) start a fresh stream.
                    inflateReset(stream)
                    if stream.pointee.avail_in == 0 { break }
                    continue
                default:
                    failure = .decompressionFailed(code: rc)
                }
                break
            }
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
        }
        if let failure { throw failure }
    }
}

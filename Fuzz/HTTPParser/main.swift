// libFuzzer target for HTTPRequestParser: any input must produce events or a typed error,
// never a crash, hang or unbounded buffer. Built by `scripts/fuzz.sh http`.

/// Feeds the input whole and again split at a point taken from its first byte, and checks
/// that both feeds agree on the requests parsed (incremental parsing is split-invariant).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = HTTPParserLimits(maxRequestLineLength: 256, maxHeaderBytes: 1024, maxHeaderCount: 16, maxBodySize: 4096)
    let whole = run([bytes], limits: limits)
    let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    let pieces = [Array(bytes[0..<split]), Array(bytes[split...])]
    let halves = run(pieces, limits: limits)
    let drip = run(bytes.map { [$0] }, limits: limits)
    if whole != halves || whole != drip {
        fatalError("split changed the outcome")
    }
    return 0
}

/// Events until the first error, rendered for comparison.
func run(_ pieces: [[UInt8]], limits: HTTPParserLimits) -> [String] {
    var parser = HTTPRequestParser(limits: limits)
    var log: [String] = []
    var body: [UInt8] = []
    for piece in pieces {
        parser.feed(piece)
        do {
            while let event = try parser.next() {
                switch event {
                case .head(let head): log.append("head \(head.method) \(head.target) \(head.headers.count) \(head.bodyFraming)")
                case .body(let part):
                    body.append(contentsOf: part)
                    precondition(body.count <= limits.maxBodySize, "body over limit")
                case .end(let trailers):
                    log.append("end \(body.count) \(trailers.count)")
                    body = []
                }
            }
        } catch {
            log.append("error \(error)")
            return log
        }
        precondition(parser.bufferedByteCount <= piece.count + limits.maxHeaderBytes + 8192, "unbounded buffer")
    }
    return log
}

import HTTP1

/// One fully parsed request, for comparisons.
struct ParsedRequest: Equatable {
    var head: HTTPRequestHead
    var body: [UInt8]
    var trailers: HTTPHeaders
}

/// Feeds `pieces` in order and collects every complete request, stopping at the first error.
func parse(
    _ pieces: [[UInt8]], limits: HTTPParserLimits = HTTPParserLimits()
) -> (requests: [ParsedRequest], error: HTTPParserError?, parser: HTTPRequestParser) {
    var parser = HTTPRequestParser(limits: limits)
    var requests: [ParsedRequest] = []
    var current: ParsedRequest?
    for piece in pieces {
        parser.feed(piece)
        do {
            while let event = try parser.next() {
                switch event {
                case .head(let head): current = ParsedRequest(head: head, body: [], trailers: HTTPHeaders())
                case .body(let bytes): current?.body.append(contentsOf: bytes)
                case .end(let trailers):
                    if var request = current {
                        request.trailers = trailers
                        requests.append(request)
                    }
                    current = nil
                }
            }
        } catch {
            return (requests, error, parser)
        }
    }
    return (requests, nil, parser)
}

/// Parses one string fed whole.
func parse(_ text: String, limits: HTTPParserLimits = HTTPParserLimits()) -> (requests: [ParsedRequest], error: HTTPParserError?) {
    let result = parse([Array(text.utf8)], limits: limits)
    return (result.requests, result.error)
}

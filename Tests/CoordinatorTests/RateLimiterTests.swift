import Coordinator
import Cryptography
import Testing

@Suite struct RateLimiterTests {
    @Test func tokenBucketRefillsOverTheWindow() {
        let clock = ManualClock()
        let limiter = RateLimiter(requests: 3, windowSeconds: 3, clock: clock)
        #expect(limiter.acquire("a") == .allowed(remaining: 2))
        #expect(limiter.acquire("a") == .allowed(remaining: 1))
        #expect(limiter.acquire("a") == .allowed(remaining: 0))
        #expect(limiter.acquire("a") == .limited(retryAfterSeconds: 1))
        #expect(limiter.acquire("b") == .allowed(remaining: 2))
        #expect(throws: CoordinatorError.rateLimited(retryAfterSeconds: 1)) { try limiter.check("a") }
        clock.advance(milliseconds: 1_000)
        #expect(limiter.acquire("a") == .allowed(remaining: 0))
        clock.advance(seconds: 3_600)
        #expect(limiter.acquire("a") == .allowed(remaining: 2))
    }

    @Test func retryAfterReflectsTheRefillRate() {
        let clock = ManualClock()
        let limiter = RateLimiter(requests: 1, windowSeconds: 60, clock: clock)
        #expect(limiter.acquire("a") == .allowed(remaining: 0))
        #expect(limiter.acquire("a") == .limited(retryAfterSeconds: 60))
        clock.advance(seconds: 30)
        #expect(limiter.acquire("a") == .limited(retryAfterSeconds: 30))
    }
}

@Suite struct BodySignatureTests {
    @Test func verifyAcceptsOnlyTheRightSignature() throws {
        let secret = Array("s3cret".utf8)
        let body = Array(#"{"payload":{}}"#.utf8)
        let good = Hex.encode(BodySignature.hmacSHA256(key: secret, message: body))
        try BodySignature.verify(body: body, signatureHex: good, secret: secret)
        try BodySignature.verify(body: body, signatureHex: good.uppercased(), secret: secret)
        for bad in [nil, "", "zz", String(good.dropLast()), String(repeating: "0", count: 64)] as [String?] {
            #expect(throws: CoordinatorError.invalidSignature) {
                try BodySignature.verify(body: body, signatureHex: bad, secret: secret)
            }
        }
        #expect(throws: CoordinatorError.invalidSignature) {
            try BodySignature.verify(body: body + [0x20], signatureHex: good, secret: secret)
        }
    }
}

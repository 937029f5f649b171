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
    /// RFC 4231 §4.2, §4.3 and §4.7.
    @Test(arguments: [
        (Array(repeating: UInt8(0x0b), count: 20), Array("Hi There".utf8),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (Array(repeating: UInt8(0xaa), count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ])
    func rfc4231Vectors(key: [UInt8], message: [UInt8], expected: String) {
        #expect(Hex.encode(BodySignature.hmacSHA256(key: key, message: message)) == expected)
    }

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

import JSON
import Testing

/// `hasSameUTF8(as:)`: exact byte equality, the comparison JSON keys use.
@Suite struct ExactUTF8Tests {
    @Test(arguments: [
        ("", "", true), ("a", "a", true), ("signature", "signature", true), ("a", "b", false), ("ab", "a", false),
        ("é", "e\u{301}", false), ("😀 long enough to live on the heap, not inline", "😀 long enough to live on the heap, not inline", true),
        ("😀 long enough to live on the heap, not inline", "😀 long enough to live on the heap, not inlinE", false),
    ])
    func comparesBytes(left: String, right: String, equal: Bool) {
        #expect(left.hasSameUTF8(as: right) == equal)
        #expect(right.hasSameUTF8(as: left) == equal)
        #expect(left.hasSameUTF8(as: right) == left.utf8.elementsEqual(right.utf8))
    }

    /// Canonically equivalent keys are distinct JSON members (Swift's `==` would merge them).
    @Test func canonicallyEquivalentKeysStayDistinct() throws {
        let value = try JSONParser(limits: .init(maxInputBytes: 1 << 10)).parse(Array(#"{"é":1,"e\#u{301}":2}"#.utf8))
        #expect(value["é"] == 1)
        #expect(value["e\u{301}"] == 2)
    }
}

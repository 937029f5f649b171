import Testing

// Replaced by real tests as the module lands.
@Test func HTTPClientModuleBuilds() { #expect(Bool(true)) }

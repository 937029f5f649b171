import Testing

// Replaced by real tests as the module lands.
@Test func HTTPServerModuleBuilds() { #expect(Bool(true)) }

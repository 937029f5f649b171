import Testing

// Replaced by real tests as the module lands.
@Test func JSONModuleBuilds() { #expect(Bool(true)) }

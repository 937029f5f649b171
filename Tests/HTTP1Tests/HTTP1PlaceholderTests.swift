import Testing

// Replaced by real tests as the module lands.
@Test func HTTP1ModuleBuilds() { #expect(Bool(true)) }

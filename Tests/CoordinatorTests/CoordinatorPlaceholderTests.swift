import Testing

// Replaced by real tests as the module lands.
@Test func CoordinatorModuleBuilds() { #expect(Bool(true)) }

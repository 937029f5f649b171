import Testing

// Replaced by real tests as the module lands.
@Test func SQLiteModuleBuilds() { #expect(Bool(true)) }

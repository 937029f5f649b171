import Testing

// Replaced by real tests as the module lands.
@Test func AITBCCLIModuleBuilds() { #expect(Bool(true)) }

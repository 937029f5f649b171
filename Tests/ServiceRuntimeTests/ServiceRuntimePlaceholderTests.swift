import Testing

// Replaced by real tests as the module lands.
@Test func ServiceRuntimeModuleBuilds() { #expect(Bool(true)) }

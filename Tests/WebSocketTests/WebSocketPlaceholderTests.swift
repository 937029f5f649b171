import Testing

// Replaced by real tests as the module lands.
@Test func WebSocketModuleBuilds() { #expect(Bool(true)) }

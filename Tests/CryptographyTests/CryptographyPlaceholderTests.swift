import Testing

// Replaced by real tests as the module lands.
@Test func CryptographyModuleBuilds() { #expect(Bool(true)) }

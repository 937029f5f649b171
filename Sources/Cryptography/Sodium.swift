import CSodium

/// One-time libsodium initialization, shared by every entry point of the module.
enum Sodium {
    /// `sodium_init()` runs exactly once (Swift initializes a static `let` lazily and
    /// thread-safely); it returns 0 the first time, 1 if already initialized, -1 on failure.
    private static let initStatus: Int32 = sodium_init()

    /// Makes sure libsodium is initialized before any other call into it.
    ///
    /// Failure means the process cannot get randomness or CPU feature data at all — an
    /// environment failure no input can cause — so it stops the process.
    static func ensureInitialized() {
        precondition(initStatus >= 0, "libsodium failed to initialize")
    }
}

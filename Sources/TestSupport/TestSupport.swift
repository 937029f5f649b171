// TestSupport module; see ARCHITECTURE.md.
enum TestSupportModule {}

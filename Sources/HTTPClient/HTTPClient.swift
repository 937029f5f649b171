// HTTPClient module; see ARCHITECTURE.md.
enum HTTPClientModule {}

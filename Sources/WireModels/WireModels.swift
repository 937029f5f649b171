// WireModels module; see ARCHITECTURE.md.
enum WireModelsModule {}

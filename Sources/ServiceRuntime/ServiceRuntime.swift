// ServiceRuntime module; see ARCHITECTURE.md.
enum ServiceRuntimeModule {}

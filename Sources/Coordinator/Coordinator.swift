// Coordinator service library; see docs/coordinator.md.
enum CoordinatorModule {}

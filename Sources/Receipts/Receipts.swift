// Receipts module; see ARCHITECTURE.md.
enum ReceiptsModule {}

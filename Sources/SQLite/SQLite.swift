// SQLite module; see ARCHITECTURE.md.
enum SQLiteModule {}

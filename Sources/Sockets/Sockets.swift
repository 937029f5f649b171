// Sockets module; see ARCHITECTURE.md.
enum SocketsModule {}

// HTTPServer module; see ARCHITECTURE.md.
enum HTTPServerModule {}

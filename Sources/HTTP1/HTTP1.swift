// HTTP1 module; see ARCHITECTURE.md.
enum HTTP1Module {}

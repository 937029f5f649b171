// Cryptography module; see ARCHITECTURE.md.
enum CryptographyModule {}

// Thin entry point; the service lives in the Coordinator library.
print("aitbc-coordinator: not yet implemented")

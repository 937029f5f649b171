// Placeholder until the examples land.
print("aitbc-sdk-examples")

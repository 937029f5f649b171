// Placeholder until the miner daemon's command line lands (issue #5).
print("aitbc-miner: not built yet")

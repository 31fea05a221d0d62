"""What the tests and the benchmarks share: a fake Discord held to Discord's published contract,
its rate limits, and `patch_discord`, which points discord.py at it."""

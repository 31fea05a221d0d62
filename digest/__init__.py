"""The pure core of arxiv-digest: corpus parsing, profile learning, feed parsing, ranking, rendering.

Nothing here touches the network, files, the clock, the environment or Discord.
"""

"""Named random streams: one independent numpy Generator per concern.

Starsim-style common random numbers: each concern (onsets, choices, costs, each policy)
draws from its own stream derived from the master seed and the stream's name, so that
switching a policy on does not reshuffle anybody else's draws.
"""

from __future__ import annotations

import zlib

import numpy as np


class Streams:
    """Factory of reproducible, independent generators keyed by name."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._cache: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        """The generator for `name` (created on first use, then reused)."""
        gen = self._cache.get(name)
        if gen is None:
            # crc32, not hash(): stable across processes and PYTHONHASHSEED
            key = zlib.crc32(name.encode("utf-8"))
            gen = np.random.default_rng(np.random.SeedSequence([self.seed, key]))
            self._cache[name] = gen
        return gen

"""Identity adapters (DESIGN §5): normalization, Jaro-Winkler, the nickname table, the matching
config, the in-memory and SQLite identity indexes and the HTML waterfall.

>>> from splitbrain.engine.adapters.identity import build_index
>>> index = build_index("memory")
>>> len(index)
0
"""

from __future__ import annotations

from splitbrain.engine.adapters.identity.config import MatchingConfig, load_matching_config
from splitbrain.engine.adapters.identity.factory import MatchingParts, build_index
from splitbrain.engine.adapters.identity.index_memory import MemoryIdentityIndex
from splitbrain.engine.adapters.identity.index_sqlite import SqliteIdentityIndex
from splitbrain.engine.adapters.identity.normalize import Normalizer

__all__ = [
    "MatchingConfig",
    "MatchingParts",
    "MemoryIdentityIndex",
    "Normalizer",
    "SqliteIdentityIndex",
    "build_index",
    "load_matching_config",
]

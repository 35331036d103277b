"""Config into working parts: the normalizer, the matcher, the blocking keys, the index.

``build_index("memory", config)`` or ``build_index("sqlite:out/identity.sqlite", config)``
give an :class:`~splitbrain.engine.domain.identity.ports.IdentityIndex`; both share one
:class:`~splitbrain.engine.domain.identity.matcher.Matcher`, so ingest and bulk dedupe score
alike.

Example::

    config = load_matching_config()
    parts = MatchingParts.from_config(config)
    index = build_index("memory", config)
    decision = index.match_and_insert(parts.normalizer.record("ehr", "e-1", given="Ana"), ids)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from splitbrain.engine.adapters.identity.config import MatchingConfig, load_matching_config
from splitbrain.engine.adapters.identity.errors import UnknownStore
from splitbrain.engine.adapters.identity.index_memory import MemoryIdentityIndex
from splitbrain.engine.adapters.identity.index_sqlite import SqliteIdentityIndex
from splitbrain.engine.adapters.identity.nicknames import NicknameTable
from splitbrain.engine.adapters.identity.normalize import Normalizer
from splitbrain.engine.adapters.identity.similarity import jaro_winkler, one_edit
from splitbrain.engine.domain.identity.bands import (
    EligibilityGate,
    Guard,
    Placeholders,
    Thresholds,
)
from splitbrain.engine.domain.identity.blocking import BlockingKeys
from splitbrain.engine.domain.identity.comparisons import Comparison, build_comparison
from splitbrain.engine.domain.identity.matcher import Matcher
from splitbrain.engine.domain.identity.model import ComparisonModel, FellegiSunter, Level
from splitbrain.engine.domain.identity.ports import IdentityIndex

__all__ = ["MatchingParts", "build_index", "fellegi_sunter", "placeholders_of"]


@dataclass(frozen=True, slots=True)
class MatchingParts:
    """Everything a config makes, built once."""

    config: MatchingConfig
    normalizer: Normalizer
    matcher: Matcher
    blocking: BlockingKeys
    nicknames: NicknameTable

    @classmethod
    def from_config(cls, config: MatchingConfig | None = None) -> MatchingParts:
        config = config or load_matching_config()
        normalizer = Normalizer(
            config.normalization.default_region, config.normalization.date_order
        )
        nicknames = NicknameTable.default()
        comparisons: list[Comparison] = [
            build_comparison(
                c.name,
                c.kind,
                c.field,
                thresholds=c.thresholds,
                similarity=jaro_winkler,
                nicknames=nicknames,
                edits=one_edit,
            )
            for c in config.comparisons
        ]
        t, b = config.thresholds, config.blocking
        gate = EligibilityGate(
            placeholders_of(config, normalizer),
            config.gate.min_evidence,
            config.gate.required_any,
        )
        matcher = Matcher(
            comparisons,
            fellegi_sunter(config),
            Thresholds(t.high, t.medium, t.low, t.on_threshold),
            gate=gate,
            guards=tuple(
                Guard(g.name, g.disagree, g.agree, g.differ, g.unless_exact) for g in config.guards
            ),
            max_candidates=config.max_candidates,
        )
        return cls(
            config,
            normalizer,
            matcher,
            BlockingKeys(b.keys, b.max_scored, b.max_lone_block),
            nicknames,
        )


def fellegi_sunter(config: MatchingConfig) -> FellegiSunter:
    """The config's model, levels in each comparison's label order."""
    models = []
    for c in config.comparisons:
        levels = tuple(Level(label, c.levels[label].m, c.levels[label].u) for label in c.labels())
        tf = c.tf
        models.append(
            ComparisonModel(
                c.name,
                levels,
                dict(tf.values) if tf else {},
                tf.other if tf else None,
                tf.minimum if tf else 1e-6,
            )
        )
    return FellegiSunter(config.prior, tuple(models))


def placeholders_of(config: MatchingConfig, normalizer: Normalizer) -> Placeholders:
    """The config's placeholder values, normalized like the records they must catch."""
    p = config.placeholders
    pairs: list[tuple[str, tuple[str, ...], Callable[[str | None], str | None]]] = [
        ("given", p.given, normalizer.name),
        ("family", p.family, normalizer.name),
        ("date_of_birth", p.date_of_birth, normalizer.date),
        ("phone", p.phone, normalizer.phone),
        ("email", p.email, normalizer.email),
        ("identifier", p.identifier, normalizer.identifier),
        ("address_line", p.address_line, normalizer.address_line),
    ]
    values: dict[str, frozenset[str]] = {}
    for field, raws, normalize in pairs:
        normalized = {normalize(raw) for raw in raws}
        values[field] = frozenset(v for v in normalized if isinstance(v, str))
    names = frozenset(n for raw in p.names if (n := normalizer.name(raw)) is not None)
    return Placeholders(values, names)


def build_index(store: str, config: MatchingConfig | None = None) -> IdentityIndex:
    """An identity index: ``"memory"`` or ``"sqlite:PATH"`` (``sqlite::memory:`` works too)."""
    parts = MatchingParts.from_config(config)
    limits = (parts.config.blocking.max_block_size, parts.config.blocking.max_exact_block_size)
    if store == "memory":
        return MemoryIdentityIndex(parts.matcher, parts.blocking, *limits)
    if store.startswith("sqlite:"):
        return SqliteIdentityIndex.open(
            store[len("sqlite:") :], parts.matcher, parts.blocking, *limits
        )
    raise UnknownStore(f"identity store {store!r} is unknown; use 'memory' or 'sqlite:PATH'")

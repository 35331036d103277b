"""The matching config (``scenarios/identity/matching.yaml``), validated with pydantic.

It holds everything a team may tune without code: normalization (default phone region, the
order of slashed dates), the prior, the band thresholds and tie rule, the high-band guards,
blocking keys and their limit, the eligibility gate, placeholder values, and per comparison
its kind, field, Jaro-Winkler thresholds, m and u per level and term frequencies. Loading goes
through :func:`splitbrain.matrix.source.load_yaml_model`, so a mistake names the file and line::

    scenarios/identity/matching.yaml:41: comparisons[1].levels: found levels ['exact', 'else'];
    expected exactly ['exact', 'nickname', 'jw>=0.92', 'jw>=0.8', 'part', 'else']

Example::

    config = load_matching_config()                  # the shipped default
    config = load_matching_config("my/matching.yaml")
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from splitbrain.engine.adapters.identity.nicknames import NicknameTable
from splitbrain.engine.adapters.identity.similarity import jaro_winkler
from splitbrain.engine.domain.identity.blocking import DEFAULT_MAX_LONE_BLOCK, DEFAULT_MAX_SCORED
from splitbrain.engine.domain.identity.comparisons import build_comparison
from splitbrain.matrix.source import load_yaml_model

__all__ = [
    "DEFAULT_CONFIG",
    "ComparisonConfig",
    "LevelConfig",
    "MatchingConfig",
    "default_config_path",
    "load_matching_config",
]

IdentityField = Literal[
    "identifier", "given", "family", "date_of_birth", "sex", "phone", "email",
    "address_line", "city", "postcode", "state",
]  # fmt: skip
BlockingKey = Literal[
    "identifier",
    "phone",
    "email",
    "family_dob",
    "dob_given",
    "names_year",
    "postcode_family",
    "given_family",
]
ComparisonKind = Literal[
    "exact", "one_edit", "email", "date", "text", "given_name", "family_name", "address"
]

_REPO = Path(__file__).resolve().parents[5]
DEFAULT_CONFIG = Path("scenarios") / "identity" / "matching.yaml"


def default_config_path() -> Path:
    """``./scenarios/identity/matching.yaml`` if present, else the checkout's."""
    local = Path.cwd() / DEFAULT_CONFIG
    return local if local.is_file() else _REPO / DEFAULT_CONFIG


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Probability = Field(gt=0.0, lt=1.0)


class LevelConfig(_Model):
    m: float = Probability
    u: float = Probability


class TermFrequencies(_Model):
    values: dict[str, float] = {}
    other: float | None = Field(default=None, gt=0.0, lt=1.0)
    minimum: float = Field(default=1e-6, gt=0.0, lt=1.0)

    @model_validator(mode="after")
    def _frequencies(self) -> TermFrequencies:
        bad = [k for k, v in self.values.items() if not 0.0 < v < 1.0]
        if bad:
            raise ValueError(f"term frequencies of {bad} must be within (0, 1)")
        return self


class ComparisonConfig(_Model):
    name: str
    kind: ComparisonKind
    field: IdentityField
    thresholds: tuple[float, ...] = ()
    levels: dict[str, LevelConfig]
    tf: TermFrequencies | None = None

    def labels(self) -> tuple[str, ...]:
        """The level labels this kind and these thresholds make, best first."""
        nicknames = NicknameTable(())
        comparison = build_comparison(
            self.name,
            self.kind,
            self.field,
            thresholds=self.thresholds,
            similarity=jaro_winkler,
            nicknames=nicknames,
        )
        return comparison.labels

    @model_validator(mode="after")
    def _levels_match(self) -> ComparisonConfig:
        if any(not 0.0 < t <= 1.0 for t in self.thresholds):
            raise ValueError("Jaro-Winkler thresholds are similarities within (0, 1]")
        if self.kind == "address" and len(self.thresholds) > 1:
            raise ValueError("an address comparison takes one threshold (the line's)")
        expected = list(self.labels())
        if sorted(self.levels) != sorted(expected):
            raise ValueError(
                f"found levels {sorted(self.levels)}; expected exactly {expected} "
                "(one m and u per level of this kind and these thresholds)"
            )
        return self


class GuardConfig(_Model):
    name: str
    disagree: tuple[str, ...] = ()
    agree: tuple[str, ...] = ()
    differ: tuple[str, ...] = ()
    unless_exact: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _something(self) -> GuardConfig:
        if not (self.disagree or self.agree or self.differ):
            raise ValueError("a guard names comparisons in disagree, differ or agree")
        return self

    def names(self) -> tuple[str, ...]:
        return (*self.disagree, *self.agree, *self.differ, *self.unless_exact)


class Normalization(_Model):
    default_region: str = Field(default="US", min_length=2, max_length=2)
    date_order: Literal["MDY", "DMY"] = "MDY"


class ThresholdConfig(_Model):
    high: float
    medium: float
    low: float
    on_threshold: Literal["lower", "upper"] = "lower"

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdConfig:
        if not self.high > self.medium > self.low:
            raise ValueError("thresholds must satisfy high > medium > low")
        return self


class BlockingConfig(_Model):
    keys: tuple[BlockingKey, ...] = (
        "identifier", "phone", "email", "family_dob", "dob_given", "names_year",
        "postcode_family", "given_family",
    )  # fmt: skip
    max_block_size: int = Field(default=50, ge=1)
    max_exact_block_size: int = Field(default=2000, ge=1)
    max_scored: int = Field(default=DEFAULT_MAX_SCORED, ge=1)
    max_lone_block: int = Field(default=DEFAULT_MAX_LONE_BLOCK, ge=1)


class GateConfig(_Model):
    min_evidence: int = Field(default=2, ge=0)
    required_any: tuple[IdentityField, ...] = ("identifier", "date_of_birth", "phone", "email")


class PlaceholderConfig(_Model):
    """Raw placeholder values per field (normalized on load), and whole names."""

    given: tuple[str, ...] = ()
    family: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    date_of_birth: tuple[str, ...] = ()
    phone: tuple[str, ...] = ()
    email: tuple[str, ...] = ()
    identifier: tuple[str, ...] = ()
    address_line: tuple[str, ...] = ()


class MatchingConfig(_Model):
    version: Literal[1] = 1
    normalization: Normalization = Normalization()
    prior: float = Probability
    thresholds: ThresholdConfig
    guards: tuple[GuardConfig, ...] = ()
    max_candidates: int = Field(default=10, ge=1)
    blocking: BlockingConfig = BlockingConfig()
    gate: GateConfig = GateConfig()
    placeholders: PlaceholderConfig = PlaceholderConfig()
    comparisons: tuple[ComparisonConfig, ...]

    @model_validator(mode="after")
    def _names(self) -> MatchingConfig:
        names = [c.name for c in self.comparisons]
        if len(set(names)) != len(names):
            raise ValueError(f"comparison names must be unique; found {names}")
        unknown = [n for g in self.guards for n in g.names() if n not in names]
        if unknown:
            raise ValueError(f"guards {unknown} name no comparison; use some of {names}")
        return self


def load_matching_config(path: str | PathLike[str] | None = None) -> MatchingConfig:
    """The config at ``path`` (default: :func:`default_config_path`)."""
    return load_yaml_model(path if path is not None else default_config_path(), MatchingConfig)

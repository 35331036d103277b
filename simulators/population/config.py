"""How much the systems' copies diverge, and what the population looks like.

Divergence rates are per copy and *where applicable*: ``nickname=0.15`` means 15% of the
copies of persons whose name has a nickname use it; ``married_name`` applies only to persons
whose family name changed, ``date_swap`` only to dates with day <= 12 and day != month,
``romanized`` only to names in a non-Latin script, ``ascii_fold`` only to names with accents,
apostrophes or hyphens. ``*_duplicates`` is the share of the persons a system holds that it
holds more than once (one extra record each, itself a diverged copy with at least one forced
divergence). Presets: :meth:`DivergenceConfig.preset` ``low``, ``medium`` (default), ``high``.

>>> DivergenceConfig.preset("high").crm_duplicates
0.25
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

from simulators.population.errors import PopulationConfigError
from simulators.population.model import STAGES

__all__ = ["CORRUPTION_LEVELS", "DivergenceConfig", "PopulationConfig"]

CORRUPTION_LEVELS: tuple[str, ...] = ("low", "medium", "high")


def _check_rate(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise PopulationConfigError(f"{name} is a rate and must be within [0, 1]; fix it")


@dataclass(frozen=True, slots=True)
class DivergenceConfig:
    phone_format: float = 0.5
    nickname: float = 0.15
    typo: float = 0.05
    date_swap: float = 0.02
    moved: float = 0.3
    married_name: float = 0.3
    missing: float = 0.1
    ascii_fold: float = 0.5
    romanized: float = 0.6
    name_case: float = 0.05
    ehr_duplicates: float = 0.02
    crm_duplicates: float = 0.12
    portal_duplicates: float = 0.04

    def __post_init__(self) -> None:
        for f in fields(self):
            _check_rate(f"DivergenceConfig.{f.name}", getattr(self, f.name))

    @classmethod
    def preset(cls, level: str) -> DivergenceConfig:
        """The named corruption level: ``low``, ``medium`` or ``high``."""
        try:
            return _PRESETS[level]
        except KeyError:
            raise PopulationConfigError(
                f"corruption level {level!r} is unknown; use one of {CORRUPTION_LEVELS}"
            ) from None

    def duplicates(self, system: str) -> float:
        rate: float = getattr(self, f"{system}_duplicates")
        return rate


_PRESETS = {
    "low": DivergenceConfig(
        phone_format=0.2,
        nickname=0.05,
        typo=0.02,
        date_swap=0.005,
        moved=0.1,
        married_name=0.1,
        missing=0.05,
        ascii_fold=0.2,
        romanized=0.3,
        name_case=0.02,
        ehr_duplicates=0.005,
        crm_duplicates=0.03,
        portal_duplicates=0.01,
    ),
    "medium": DivergenceConfig(),
    "high": DivergenceConfig(
        phone_format=0.8,
        nickname=0.3,
        typo=0.15,
        date_swap=0.05,
        moved=0.6,
        married_name=0.6,
        missing=0.25,
        ascii_fold=0.8,
        romanized=0.9,
        name_case=0.1,
        ehr_duplicates=0.05,
        crm_duplicates=0.25,
        portal_duplicates=0.1,
    ),
}


def _default_stage_mix() -> tuple[tuple[str, float], ...]:
    return (
        ("lead", 0.2),
        ("intake", 0.15),
        ("qualified", 0.1),
        ("in_care", 0.45),
        ("discharged", 0.1),
    )


@dataclass(frozen=True, slots=True)
class PopulationConfig:
    """The shape of the population.

    ``twin_rate`` and ``household_rate`` are shares of *persons* (a twin pair is two);
    ``household_shared_phone`` is the share of households that also share one phone.
    ``name_change_rate`` and ``moved_rate`` are shares of persons with a former family name
    or a previous address. ``portal_adoption`` is the share of persons in care or discharged
    who have a portal account (intake and qualified always have one; leads never do).
    ``as_of`` anchors ages and message timestamps, so output never depends on the wall clock.
    """

    divergence: DivergenceConfig = field(default_factory=DivergenceConfig)
    stage_mix: tuple[tuple[str, float], ...] = field(default_factory=_default_stage_mix)
    twin_rate: float = 0.02
    household_rate: float = 0.12
    household_shared_phone: float = 0.5
    name_change_rate: float = 0.08
    moved_rate: float = 0.15
    portal_adoption: float = 0.85
    as_of: date = date(2025, 1, 1)

    def __post_init__(self) -> None:
        for name in (
            "twin_rate",
            "household_rate",
            "household_shared_phone",
            "name_change_rate",
            "moved_rate",
            "portal_adoption",
        ):
            _check_rate(f"PopulationConfig.{name}", getattr(self, name))
        if self.twin_rate + self.household_rate > 0.9:
            raise PopulationConfigError(
                "PopulationConfig.twin_rate + household_rate must be at most 0.9 "
                "so that single persons remain; lower one of them"
            )
        stages = [s for s, _ in self.stage_mix]
        if sorted(stages) != sorted(STAGES) or any(w < 0 for _, w in self.stage_mix):
            raise PopulationConfigError(
                f"PopulationConfig.stage_mix must give a weight >= 0 to each of {STAGES}"
            )
        if sum(w for _, w in self.stage_mix) <= 0:
            raise PopulationConfigError("PopulationConfig.stage_mix weights must not all be 0")

    @classmethod
    def with_corruption(cls, level: str) -> PopulationConfig:
        return cls(divergence=DivergenceConfig.preset(level))

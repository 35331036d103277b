"""Where the shipped scenarios live: ``./scenarios`` when run from a checkout, else the repo's."""

from __future__ import annotations

from pathlib import Path

_REPO = Path(__file__).resolve().parents[3]


def scenarios_dir() -> Path:
    """``./scenarios`` if the working directory has one, else the checkout this package is in."""
    local = Path.cwd() / "scenarios"
    return local if local.is_dir() else _REPO / "scenarios"


def default_matrix() -> Path:
    return scenarios_dir() / "matrices" / "telehealth.yaml"


def default_cases() -> Path:
    return scenarios_dir() / "conflicts"

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulators.population import FORMATS, PopulationConfig, generate, write_population


def _digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_same_seed_and_config_yield_equal_entries() -> None:
    config = PopulationConfig.with_corruption("high")

    first = list(generate(400, 3, config))
    second = list(generate(400, 3, config))

    assert first == second


def test_another_seed_yields_another_population() -> None:
    first = [e.person.email for e in generate(50, 3)]
    second = [e.person.email for e in generate(50, 4)]

    assert first != second


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_seed_writes_byte_identical_files(tmp_path: Path, fmt: str) -> None:
    write_population(generate(250, 9), tmp_path / "a", fmt)
    write_population(generate(250, 9), tmp_path / "b", fmt)

    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


@pytest.mark.slow
def test_output_does_not_depend_on_the_interpreters_hash_seed(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; "
        "from simulators.population import generate, write_population; "
        "write_population(generate(150, 21), Path(sys.argv[1]), 'csv')"
    )
    for name, hash_seed in (("a", "1"), ("b", "2")):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", script, str(tmp_path / name)], env=env, check=True)

    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_a_larger_population_begins_with_the_smaller_one() -> None:
    big = list(generate(120, 8))
    small = list(generate(100, 8))

    # Only the last household unit (at most 4 persons) may be cut short at 100.
    assert big[:96] == small[:96]

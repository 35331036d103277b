"""The examples in the population's docstrings are true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import simulators.population as population

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(population.__path__, prefix="simulators.population.")
)


@pytest.mark.parametrize("name", ["simulators.population", *MODULES])
def test_docstring_examples_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))

    assert result.failed == 0

"""The portal stands on ``simulators._shared``, not on the CRM: neither imports the other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import simulators

ROOT = Path(simulators.__file__).parent


def _imports(package: str) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add((path.name, node.module))
            elif isinstance(node, ast.Import):
                found.update((path.name, alias.name) for alias in node.names)
    return found


@pytest.mark.parametrize(("package", "other"), [("portal", "crm"), ("crm", "portal")])
def test_a_record_simulator_never_imports_the_other(package: str, other: str) -> None:
    imports = _imports(package)

    crossing = sorted(
        f"{name}: {module}" for name, module in imports if module.startswith(f"simulators.{other}")
    )

    assert crossing == []


def test_the_shared_machinery_imports_no_simulator() -> None:
    imports = _imports("_shared")

    crossing = sorted(
        f"{name}: {module}"
        for name, module in imports
        if module.startswith(("simulators.crm", "simulators.portal", "simulators.ehr"))
    )

    assert crossing == []

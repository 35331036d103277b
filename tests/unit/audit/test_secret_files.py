"""Key files are created once with mode 0600 and replaced atomically, never world-readable."""

from __future__ import annotations

import stat
from pathlib import Path

from splitbrain.engine.adapters.secret_files import create_secret_file, replace_secret_file


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_secret_file_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"

    created = create_secret_file(path, b"{}")

    assert created is True
    assert _mode(path) == 0o600
    assert path.read_bytes() == b"{}"


def test_an_existing_secret_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    create_secret_file(path, b"first")

    created = create_secret_file(path, b"second")

    assert created is False
    assert path.read_bytes() == b"first"


def test_a_replaced_secret_file_keeps_mode_0600_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    create_secret_file(path, b"old")
    path.chmod(0o644)

    replace_secret_file(path, b"new")

    assert path.read_bytes() == b"new"
    assert _mode(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]

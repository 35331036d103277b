"""Audit files on disk: JSONL exports of the chain, the checkpoint file and the keys file.

Beside an engine database ``engine.sqlite`` live, by default:

- ``engine.sqlite.checkpoints.jsonl``: signed checkpoints, one JSON line each, appended and
  fsynced. Keep a copy apart from the database (another disk or host): that is what catches a
  truncated or recomputed log.
- ``engine.sqlite.keys.json``: the fingerprint key and the checkpoint key, generated at first
  use with mode 0600. Never logged or printed (``AuditKeys`` shows only key ids). In production
  the checkpoint key belongs in a secret store, not beside the database it protects.

Example::

    store = JsonlCheckpointStore(checkpoint_path_for(db))
    keys = load_or_create_keys(keys_path_for(db))
    write_jsonl(log.entries(), Path("audit.jsonl"))
    verify(read_jsonl(Path("audit.jsonl")), store.all(), keys.checkpoint_key)
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from splitbrain.engine.adapters.secret_files import create_secret_file, fsync_dir
from splitbrain.engine.domain.audit import (
    AuditEntry,
    AuditKeyError,
    AuditKeys,
    Checkpoint,
    CheckpointStore,
    checkpoint_from_json,
    checkpoint_to_json,
    entry_from_json,
    entry_to_json,
)

KEYS_FORMAT = "splitbrain.audit-keys/1"


def checkpoint_path_for(db_path: Path) -> Path:
    """``<db>.checkpoints.jsonl``: where a database's checkpoints go by default."""
    return db_path.with_name(db_path.name + ".checkpoints.jsonl")


def keys_path_for(db_path: Path) -> Path:
    """``<db>.keys.json``: where a database's audit keys go by default."""
    return db_path.with_name(db_path.name + ".keys.json")


def write_jsonl(entries: Iterable[AuditEntry], path: Path) -> int:
    """Write ``entries`` as canonical JSON lines (streamed), fsync, and return the count."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for entry in entries:
            out.write(entry_to_json(entry))
            out.write("\n")
            count += 1
        out.flush()
        os.fsync(out.fileno())
    return count


def read_jsonl(path: Path) -> Iterator[AuditEntry]:
    """Stream entries from a ``write_jsonl`` file; a bad line raises ``MalformedEntryError``."""
    with path.open("rb") as lines:
        yield from entries_from_lines(lines)


def entries_from_lines(lines: Iterable[bytes]) -> Iterator[AuditEntry]:
    """Parse JSONL lines (as a binary file yields them, split at b"\\n" only)."""
    for line in lines:
        yield entry_from_json(line[:-1] if line.endswith(b"\n") else line)


class JsonlCheckpointStore(CheckpointStore):
    """Checkpoints as JSON lines in their own file, each appended and fsynced."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._latest: Checkpoint | None = None

    def append(self, checkpoint: Checkpoint) -> None:
        created = not self.path.exists()
        with self.path.open("a", encoding="utf-8", newline="\n") as out:
            out.write(checkpoint_to_json(checkpoint) + "\n")
            out.flush()
            os.fsync(out.fileno())
        if created:
            fsync_dir(self.path.parent)
        if self._latest is None or checkpoint.seq >= self._latest.seq:
            self._latest = checkpoint

    def all(self) -> Sequence[Checkpoint]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as lines:
            return [
                checkpoint_from_json(line.rstrip(b"\n"), number)
                for number, line in enumerate(lines, start=1)
            ]

    def latest(self) -> Checkpoint | None:
        if self._latest is None:
            self._latest = super().latest()
        return self._latest


class InMemoryCheckpointStore(CheckpointStore):
    """The fake: checkpoints in a list."""

    def __init__(self, checkpoints: Iterable[Checkpoint] = ()) -> None:
        self.items = list(checkpoints)

    def append(self, checkpoint: Checkpoint) -> None:
        self.items.append(checkpoint)

    def all(self) -> Sequence[Checkpoint]:
        return list(self.items)


def load_keys(path: Path) -> AuditKeys:
    """Read a keys file written by ``load_or_create_keys``; errors name the file, never a key."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise AuditKeyError(
            f"audit keys file {path} does not exist; pass --key-file or create it"
        ) from None
    except ValueError as exc:
        raise AuditKeyError(f"audit keys file {path} is not JSON") from exc
    if not isinstance(data, dict) or data.get("format") != KEYS_FORMAT:
        raise AuditKeyError(f'audit keys file {path} lacks "format": {KEYS_FORMAT!r}')
    try:
        return AuditKeys(
            fingerprint_key=_hex_key(data, "fingerprint_key", path),
            checkpoint_key=_hex_key(data, "checkpoint_key", path),
        )
    except AuditKeyError as exc:
        raise AuditKeyError(f"audit keys file {path}: {exc}") from exc


def load_or_create_keys(path: Path) -> AuditKeys:
    """Load the keys file, or create it with two fresh 32-byte keys (mode 0600)."""
    if path.exists():
        return load_keys(path)
    body = json.dumps(
        {
            "format": KEYS_FORMAT,
            "fingerprint_key": secrets.token_hex(32),
            "checkpoint_key": secrets.token_hex(32),
        }
    ).encode("utf-8")
    create_secret_file(path, body)
    return load_keys(path)  # ours, or the one another process created first


def _hex_key(data: dict[str, object], name: str, path: Path) -> bytes:
    value = data.get(name)
    if not isinstance(value, str):
        raise AuditKeyError(f"audit keys file {path} has no {name}")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise AuditKeyError(f"audit keys file {path}: {name} is not hex") from None

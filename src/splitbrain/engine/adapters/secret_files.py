"""Key files on disk: created once with mode 0600, replaced atomically, always fsynced.

The audit keys (``audit_files``) and the vault's token keyring (``vault_keys``) both live in
small JSON files beside their store. Secrets are written here and nowhere else, so the rules
(never world-readable, never half-written, the directory entry made durable) hold for both.

Example::

    if not create_secret_file(path, body):   # someone else created it first: read theirs
        ...
    replace_secret_file(path, new_body)       # a crash leaves the old file or the new one
"""

from __future__ import annotations

import os
from pathlib import Path

_MODE = 0o600


def create_secret_file(path: Path, body: bytes) -> bool:
    """Create ``path`` with ``body`` (mode 0600) unless it exists; False when it already did."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _MODE)
    except FileExistsError:
        return False
    _write(fd, body)
    fsync_dir(path.parent)
    return True


def replace_secret_file(path: Path, body: bytes) -> None:
    """Replace ``path`` with ``body`` atomically: a 0600 temporary file, fsync, rename."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    _write(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _MODE), body)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a directory entry (a created or renamed file) durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(fd: int, body: bytes) -> None:
    with os.fdopen(fd, "wb") as out:
        out.write(body)
        out.flush()
        os.fsync(out.fileno())

"""The vault's token keyring on disk: ``<db>.token-keys.json`` beside the store, mode 0600.

Like the audit keys file (``audit_files``), it is generated at first use and never printed
(``Keyring`` shows key ids only). Rotation rewrites it atomically (a 0600 temporary file, fsync,
rename, fsync of the directory), so a crash leaves the old keyring or the new one, never half.
In production the keyring belongs in a secret store, not beside the store it protects.

Example::

    ring = load_or_create_keyring(keyring_path_for(Path("out/vault.sqlite")))
    save_keyring(path, ring.rotated(secrets.token_bytes(32)))
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from splitbrain.engine.adapters.secret_files import create_secret_file, replace_secret_file
from splitbrain.engine.domain.tokens import Keyring, KeyringInvalid

KEYRING_FORMAT = "splitbrain.vault-keys/1"


def keyring_path_for(db_path: Path) -> Path:
    """``<db>.token-keys.json``: where a vault's token keys go by default."""
    return db_path.with_name(db_path.name + ".token-keys.json")


def load_keyring(path: Path) -> Keyring:
    """Read a keyring file; errors name the file and the key id, never a secret."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise KeyringInvalid(f"vault keyring file {path} does not exist") from None
    except ValueError as exc:
        raise KeyringInvalid(f"vault keyring file {path} is not JSON") from exc
    if not isinstance(data, dict) or data.get("format") != KEYRING_FORMAT:
        raise KeyringInvalid(f'vault keyring file {path} lacks "format": {KEYRING_FORMAT!r}')
    keys = data.get("keys")
    current = data.get("current")
    if not isinstance(keys, dict) or not isinstance(current, str):
        raise KeyringInvalid(f"vault keyring file {path} needs keys (an object) and current")
    try:
        return Keyring({str(k): _hex(v, str(k), path) for k, v in keys.items()}, current)
    except KeyringInvalid as exc:
        raise KeyringInvalid(f"vault keyring file {path}: {exc}") from exc


def load_or_create_keyring(path: Path) -> Keyring:
    """Load the keyring file, or create it with one fresh key ``k1`` (mode 0600)."""
    if not path.exists():
        create_secret_file(path, _body(Keyring.generate(secrets.token_bytes)))
    return load_keyring(path)  # ours, or the one another process created first


def save_keyring(path: Path, keyring: Keyring) -> None:
    """Replace the keyring file atomically with ``keyring`` (mode 0600)."""
    replace_secret_file(path, _body(keyring))


def _body(keyring: Keyring) -> bytes:
    keys = {key_id: secret.hex() for key_id, secret in keyring.keys.items()}
    data = {"format": KEYRING_FORMAT, "current": keyring.current, "keys": keys}
    return json.dumps(data).encode("utf-8")


def _hex(value: object, key_id: str, path: Path) -> bytes:
    if not isinstance(value, str):
        raise KeyringInvalid(f"vault keyring file {path}: key {key_id} is not hex text")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise KeyringInvalid(f"vault keyring file {path}: key {key_id} is not hex") from None

"""``splitbrain audit ...``: verify and export the engine's tamper-evident audit log.

PATH is an engine database (SQLite, table ``audit_log``) or a JSONL export of it. Beside a
database ``engine.sqlite`` the engine keeps ``engine.sqlite.checkpoints.jsonl`` (signed
checkpoints) and ``engine.sqlite.keys.json`` (the audit keys, created at first use, mode 0600);
both are found there by default. Key bytes are never printed.

``verify`` also takes a PostgreSQL store's DSN (``postgresql://...``): its checkpoints and keys
are found in the store's default audit directory on this host (``adapters.postgres_store``), or
where ``--checkpoints`` and ``--key-file`` say. Messages name the DSN without its password.

Example::

    splitbrain audit verify out/demo/engine.sqlite
    # audit log out/demo/engine.sqlite: intact: 41 entries (seq 1..41), 1 checkpoints matched...
    splitbrain audit verify postgresql://engine@db1/splitbrain --checkpoints cp.jsonl
    splitbrain audit export out/demo/engine.sqlite --format fhir --out audit.ndjson

``verify`` reads database rows without parsing them (the hash covers the stored bytes);
``--deep`` also parses and validates every event, as ``export`` always does.

Exit codes: 0 intact, 1 broken (naming the first bad seq and the reason), 2 unusable input.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from splitbrain.engine.adapters.audit_fhir import write_fhir_ndjson
from splitbrain.engine.adapters.audit_files import (
    JsonlCheckpointStore,
    checkpoint_path_for,
    keys_path_for,
    load_keys,
    read_jsonl,
    write_jsonl,
)
from splitbrain.engine.adapters.audit_log import sqlite_entries, sqlite_stored_entries
from splitbrain.engine.adapters.postgres_audit import postgres_stored_entries
from splitbrain.engine.adapters.postgres_connection import PgConnection, dsn_label
from splitbrain.engine.adapters.postgres_store import (
    DEFAULT_SCHEMA,
    POSTGRES_PREFIXES,
    audit_files,
    default_audit_dir,
)
from splitbrain.engine.domain.audit import (
    AuditEntry,
    AuditKeyError,
    ChainLink,
    Checkpoint,
    MalformedCheckpointError,
    MalformedEntryError,
    VerifyResult,
    verify,
)
from splitbrain.engine.service_layer.errors import StoreError

app = typer.Typer(
    help="Verify and export the engine's tamper-evident audit log.", no_args_is_help=True
)

_SQLITE_MAGIC = b"SQLite format 3\x00"


class VerifyFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    FHIR = "fhir"


@app.command("verify")
def verify_command(
    path: Annotated[
        str, typer.Argument(help="Engine database (SQLite file or postgresql:// DSN) or JSONL.")
    ],
    checkpoints: Annotated[
        Path | None,
        typer.Option("--checkpoints", help="Checkpoint file [<PATH>.checkpoints.jsonl]"),
    ] = None,
    key_file: Annotated[
        Path | None, typer.Option("--key-file", help="Audit keys file [<PATH>.keys.json]")
    ] = None,
    fmt: Annotated[VerifyFormat, typer.Option("--format")] = VerifyFormat.TEXT,
    deep: Annotated[
        bool, typer.Option("--deep", help="Also parse and validate every event (slower).")
    ] = False,
) -> None:
    """Check the hash chain and the signed checkpoints; name the first bad seq."""
    postgres = path.startswith(POSTGRES_PREFIXES)
    label, default_cps, default_keys = _audit_files_of(path, postgres=postgres)
    warnings: list[str] = []
    cps = _load_checkpoints(default_cps, checkpoints, warnings)
    if isinstance(cps, MalformedCheckpointError):
        _report_malformed_checkpoint(label, cps, fmt)
        raise typer.Exit(1)
    keys = _checkpoint_keys(key_file or default_keys) if cps else []
    links_of = _postgres_links(path, deep=deep) if postgres else _links(Path(path), deep=deep)
    with links_of as links:
        result = verify(links, cps, keys)
    _report(label, result, warnings, fmt)
    raise typer.Exit(0 if result.ok else 1)


@app.command("export")
def export_command(
    path: Annotated[Path, typer.Argument(help="Engine database or JSONL export.")],
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.JSONL,
) -> None:
    """Export entries as canonical JSONL or as FHIR R4 AuditEvent NDJSON (validated)."""
    try:
        with _entries(path) as entries:
            if fmt is ExportFormat.FHIR:
                count = write_fhir_ndjson(entries, out)
            else:
                count = write_jsonl(entries, out)
    except MalformedEntryError as exc:
        typer.echo(f"{path}: {exc}; run `splitbrain audit verify {path}`", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {count} audit entries from {path} to {out} ({fmt.value})")


@contextmanager
def _entries(path: Path) -> Iterator[Iterator[AuditEntry]]:
    """Parsed entries from a database or a JSONL export."""
    with _database(path) as conn:
        yield read_jsonl(path) if conn is None else sqlite_entries(conn)


@contextmanager
def _links(path: Path, *, deep: bool) -> Iterator[Iterator[ChainLink]]:
    """What verify reads: database rows unparsed unless ``deep``; JSONL is always parsed."""
    with _database(path) as conn:
        if conn is not None and not deep:
            yield sqlite_stored_entries(conn)
        else:
            yield read_jsonl(path) if conn is None else sqlite_entries(conn)


def _audit_files_of(path: str, *, postgres: bool) -> tuple[str, Path, Path]:
    """``(label, default checkpoint file, default keys file)`` of a database or a DSN."""
    if postgres:
        return dsn_label(path), *audit_files(default_audit_dir(path))
    return path, checkpoint_path_for(Path(path)), keys_path_for(Path(path))


@contextmanager
def _postgres_links(dsn: str, *, deep: bool) -> Iterator[Iterator[ChainLink]]:
    """A PostgreSQL store's rows, read in one read-only transaction."""
    try:
        conn = PgConnection.connect(dsn, schema=DEFAULT_SCHEMA)
    except StoreError as exc:
        _fail(str(exc))
    try:
        conn.execute("BEGIN READ ONLY")
        stored = postgres_stored_entries(conn)
        yield (entry.parse() for entry in stored) if deep else stored
    except StoreError as exc:
        _fail(f"{exc}; is it an engine store (schema {DEFAULT_SCHEMA})?")
    finally:
        conn.close()


@contextmanager
def _database(path: Path) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection when ``path`` is a SQLite database, else None (a JSONL file)."""
    if not path.is_file():
        _fail(f"{path} does not exist or is not a file; pass an engine database or a JSONL export")
    with path.open("rb") as probe:
        is_sqlite = probe.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    if not is_sqlite:
        yield None
        return
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'audit_log'").fetchone() is None:
            _fail(f"{path} has no audit_log table; is it an engine database?")
        yield conn
    finally:
        conn.close()


def _load_checkpoints(
    default: Path, given: Path | None, warnings: list[str]
) -> Sequence[Checkpoint] | MalformedCheckpointError:
    if given is not None and not given.is_file():
        _fail(f"checkpoint file {given} does not exist")
    source = given if given is not None else default
    try:
        cps = JsonlCheckpointStore(source).all()
    except MalformedCheckpointError as exc:
        return exc
    if not cps:
        warnings.append(
            f"no checkpoints ({source} is missing or empty): truncation and a recomputed "
            "chain cannot be detected; pass --checkpoints"
        )
    return cps


def _checkpoint_keys(key_file: Path) -> list[bytes]:
    try:
        return [load_keys(key_file).checkpoint_key]
    except AuditKeyError as exc:
        _fail(f"{exc}; the checkpoint key is needed to check checkpoint signatures")


def _report(path: str, result: VerifyResult, warnings: list[str], fmt: VerifyFormat) -> None:
    if fmt is VerifyFormat.JSON:
        typer.echo(json.dumps(_as_json(path, result, warnings), sort_keys=True))
        return
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(f"audit log {path}: {result.message}")


def _as_json(path: str, result: VerifyResult, warnings: list[str]) -> dict[str, object]:
    return {
        "path": path,
        "ok": result.ok,
        "entries_checked": result.entries_checked,
        "checkpoints_matched": result.checkpoints_matched,
        "last_seq": result.last_seq,
        "last_hash": result.last_hash,
        "last_checkpoint_seq": result.last_checkpoint_seq,
        "first_bad_seq": result.first_bad_seq,
        "reason": None if result.failure is None else result.failure.value,
        "detail": result.detail,
        "warnings": warnings,
    }


def _report_malformed_checkpoint(
    path: str, exc: MalformedCheckpointError, fmt: VerifyFormat
) -> None:
    detail = f"{exc}: the checkpoint file was altered or damaged"
    if fmt is VerifyFormat.JSON:
        typer.echo(
            json.dumps(
                {
                    "path": path,
                    "ok": False,
                    "reason": "malformed_checkpoint",
                    "first_bad_seq": None,
                    "checkpoint_line": exc.line,
                    "detail": detail,
                },
                sort_keys=True,
            )
        )
    else:
        typer.echo(f"audit log {path}: checkpoints unusable: {detail}")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)

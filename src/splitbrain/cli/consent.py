"""``splitbrain consent ...``: import and export consents as FHIR R4 Consent on the engine's store.

    splitbrain consent import consents.json [--store sqlite:out/engine.sqlite]
    splitbrain consent export tok_ana [--store ...] [--out FILE] [--history]

``import`` reads a Consent, a Bundle of Consents or a JSON array of them, checks every resource
first (R4 structure, then what the engine supports) and refuses the whole file at the first bad
one, naming the element and why (exit 1). Then each Consent becomes the next version of its
slot (a grant or a revoke, audited like any change), and the expiry job runs, so an imported
Consent whose period has ended is recorded as expired. ``export`` writes a collection Bundle of
the person's current consents (``--history``: every version). Exit 2: a file or store cannot be
read.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from splitbrain.engine.adapters.consent_fhir import consents_to_bundle
from splitbrain.engine.adapters.consent_fhir_read import read_consents
from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.consent import Consent, ConsentChanged, ConsentError
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.service_layer.consent_service import ConsentService
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.errors import StoreError
from splitbrain.harness.paths import default_matrix
from splitbrain.matrix import MatrixError

app = typer.Typer(help="Import and export consents (FHIR R4 Consent) on the engine's store.")

DEFAULT_STORE = "sqlite:out/engine.sqlite"
StoreOption = Annotated[str, typer.Option("--store", help="Engine store: sqlite:PATH or memory.")]
MatrixOption = Annotated[
    Path | None, typer.Option("--matrix", help="Ownership matrix the engine runs with.")
]


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="FHIR JSON: a Consent, Bundle or array.")],
    store: StoreOption = DEFAULT_STORE,
    matrix: MatrixOption = None,
) -> None:
    """Import FHIR R4 Consents: each becomes the next version of its person/purpose/channel."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        _fail(f"cannot read {file} as JSON: {type(exc).__name__}", code=2)
    try:
        changes = read_consents(data, source=file.name)
    except ConsentError as exc:
        _fail(f"refused, nothing imported: {exc}", code=1)
    counts: Counter[str] = Counter()
    with _engine(store, matrix) as engine:
        service = ConsentService(engine)
        for index, change in enumerate(changes):
            try:
                events = engine.handle(change.command())
            except ConsentError as exc:
                _fail(f"refused after {index} of {len(changes)} were imported: {exc}", code=1)
            kinds = [type(e).__name__ for e in events if isinstance(e, ConsentChanged)]
            counts.update(kinds or ["unchanged"])
        counts.update(["ConsentExpired"] * len(service.expire_due()))
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items()))
    typer.echo(f"imported {len(changes)} Consents from {file} into {store}: {summary or 'none'}")


@app.command("export")
def export_command(
    person: Annotated[str, typer.Argument(help="The person token.")],
    store: StoreOption = DEFAULT_STORE,
    matrix: MatrixOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="File to write [stdout].")] = None,
    history: Annotated[bool, typer.Option("--history", help="Every version.")] = False,
) -> None:
    """Export a person's consents as a FHIR R4 collection Bundle of Consents (validated)."""
    with _engine(store, matrix) as engine:
        service = ConsentService(engine)
        consents: list[Consent] = service.of_person(person)
        if history:
            consents = [v for c in consents for v in service.history(c.ref)]
    if not consents:
        _fail(f"no consents for person {person} in {store}", code=1)
    text = json.dumps(consents_to_bundle(consents), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {len(consents)} Consents of person {person} to {out}", err=True)


def _engine(store: str, matrix: Path | None) -> Engine:
    policy = _policy(matrix)
    try:
        return bootstrap(store=store, policy=policy)
    except (StoreError, ValueError, OSError) as exc:
        _fail(f"cannot open the store {store}: {exc}", code=2)


def _policy(matrix: Path | None) -> Policy:
    path = matrix or default_matrix()
    try:
        return load_policy(path)
    except (MatrixError, OSError) as exc:
        _fail(f"cannot load the matrix {path}: {exc}", code=2)


def _fail(message: str, *, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)

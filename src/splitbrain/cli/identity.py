"""``splitbrain identity ...``: dedupe and link CSV exports before go-live; estimate the model.

Every command runs the same normalizer, identity index and scorer as ingest
(``scenarios/identity/matching.yaml`` unless ``--config`` names another).

Example::

    splitbrain identity dedupe patients.csv \\
        --map id=mrn,given_name=first,family_name=last,date_of_birth=dob,phone=phone \\
        --out out/dedupe
    # out/dedupe/pairs.csv (left_id,right_id,band,score), clusters.csv (id,person_id),
    # report.html (band counts, score histogram, sample waterfalls per band)
    splitbrain identity link ehr.csv crm.csv --map ... --out out/link
    splitbrain identity estimate patients.csv --map ... --out my-matching.yaml
    splitbrain identity link-record ehr/e-1 --person per_000002 --actor usr_3 \
        --reason misfiled_record [--store sqlite:out/engine.sqlite]
    splitbrain identity unlink-record ehr/e-1 --actor usr_3 --reason shared_contact_details

``link-record`` / ``unlink-record`` are a data steward's manual link on the engine's store (role
merge_owner, a reason from the manual-link taxonomy, audited); ``link`` stays the bulk linkage
of two exports.

Exit codes: 0 done, 1 refused (the message names the ids, the rule and the fix), 2 unusable
input (a bad --map, a missing column, a config error, an unknown record or person, a store).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from splitbrain.engine.adapters.identity.bulk import (
    BulkResult,
    FieldMap,
    dedupe,
    link,
    read_rows,
    write_clusters,
    write_pairs,
)
from splitbrain.engine.adapters.identity.config import load_matching_config
from splitbrain.engine.adapters.identity.estimate import config_yaml, estimate
from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.adapters.identity.report_html import bulk_report_html
from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.identity.errors import IdentityError
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.errors import LinkageError
from splitbrain.engine.domain.linkage.manual import LinkRefused, RecordLinked, RecordUnlinked
from splitbrain.engine.domain.linkage.merge import MERGE_ROLE
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.errors import StoreError
from splitbrain.harness.paths import default_matrix
from splitbrain.matrix.errors import MatrixError

app = typer.Typer(
    help="Dedupe and link patient exports with the ingest matcher; estimate its model.",
    no_args_is_help=True,
)
_console = Console(stderr=True)

MapOption = Annotated[
    str,
    typer.Option(
        "--map",
        help="FIELD=COLUMN,... with FIELD one of id, given_name, family_name, date_of_birth, "
        "sex, phone, email, address_line, city, postcode, state, identifier (id is required)",
    ),
]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="matching config (default: the shipped one)")
]


def _fail(message: str) -> NoReturn:
    _console.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
    raise typer.Exit(2)


@contextmanager
def _usable_input() -> Iterator[None]:
    try:
        yield
    except (IdentityError, MatrixError) as exc:
        _fail(str(exc))
    except FileNotFoundError as exc:
        _fail(f"{exc.filename}: no such file")
    except UnicodeDecodeError:
        _fail("the file is not UTF-8 text")


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[], None]]:
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=_console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


def _write(result: BulkResult, out: Path, title: str, with_source: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_pairs(result, out / "pairs.csv")
    write_clusters(result, out / "clusters.csv", with_source)
    (out / "report.html").write_text(bulk_report_html(result, title), encoding="utf-8")
    bands = ", ".join(f"{b} {n}" for b, n in sorted(result.decisions.items()))
    persons = len(set(result.persons.values()))
    typer.echo(
        f"{len(result.persons)} records -> {persons} persons; {len(result.pairs)} pairs at low "
        f"or above; decisions: {bands or 'none'}; wrote {out}/pairs.csv, clusters.csv, "
        "report.html"
    )


@app.command("dedupe")
def dedupe_command(
    file: Annotated[Path, typer.Argument(help="CSV export with a header row")],
    mapping: MapOption,
    out: Annotated[Path, typer.Option("--out", help="output directory")],
    config: ConfigOption = None,
) -> None:
    """Find duplicate records within one file."""
    with _usable_input():
        fields = FieldMap.parse(mapping)
        parts = MatchingParts.from_config(load_matching_config(config))
        rows = read_rows(file, fields)
        with _progress(len(rows), "matching") as advance:
            result = dedupe(rows, fields, parts, advance)
        _write(result, out, f"Dedupe of {file.name}", with_source=False)


@app.command("link")
def link_command(
    left: Annotated[Path, typer.Argument(help="first CSV export (source a)")],
    right: Annotated[Path, typer.Argument(help="second CSV export (source b)")],
    mapping: MapOption,
    out: Annotated[Path, typer.Option("--out", help="output directory")],
    config: ConfigOption = None,
) -> None:
    """Find the records of the second file that are persons of the first."""
    with _usable_input():
        fields = FieldMap.parse(mapping)
        parts = MatchingParts.from_config(load_matching_config(config))
        rows_a, rows_b = read_rows(left, fields), read_rows(right, fields)
        with _progress(len(rows_a) + len(rows_b), "linking") as advance:
            result = link(rows_a, rows_b, fields, parts, advance)
        _write(result, out, f"Link of {left.name} and {right.name}", with_source=True)


@app.command("estimate")
def estimate_command(
    file: Annotated[Path, typer.Argument(help="CSV export with a header row (unlabelled)")],
    mapping: MapOption,
    out: Annotated[Path, typer.Option("--out", help="the config YAML to write")],
    *,
    config: ConfigOption = None,
    seed: Annotated[int, typer.Option(help="seed of the random pair sample")] = 0,
    random_pairs: Annotated[int, typer.Option(help="random pairs for u")] = 200_000,
) -> None:
    """Fit m, u, the prior and name frequencies by EM; write a matching config."""
    with _usable_input():
        fields = FieldMap.parse(mapping)
        parts = MatchingParts.from_config(load_matching_config(config))
        records = [fields.record(row, "file", parts) for row in read_rows(file, fields)]
        fitted, report = estimate(records, parts, seed=seed, random_pairs=random_pairs)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(config_yaml(fitted), encoding="utf-8")
        load_matching_config(out)  # what we wrote must load
    sessions = ", ".join(f"{k} {n}" for k, n in report.session_pairs.items())
    typer.echo(
        f"{report.records} records; u from {report.random_pairs} random pairs; EM sessions: "
        f"{sessions}; prior {report.prior:.5f} over {report.candidate_pairs} candidate pairs; "
        f"wrote {out}"
    )


StoreOption = Annotated[
    str, typer.Option("--store", help="engine store: sqlite:PATH (or postgresql://...)")
]
ActorOption = Annotated[str, typer.Option("--actor", help="who decides (a user id, no name)")]
RoleOption = Annotated[str, typer.Option("--role", help=f"the actor's role ({MERGE_ROLE})")]
ReasonOption = Annotated[
    str | None,
    typer.Option("--reason", help="a code of the manual-link taxonomy (misfiled_record, ...)"),
]
MatrixOption = Annotated[
    Path | None, typer.Option("--matrix", help="ownership matrix the engine runs with")
]
_STORE = "sqlite:out/engine.sqlite"


@app.command("link-record")
def link_record_command(
    record: Annotated[str, typer.Argument(help="the record to link: SYSTEM/RECORD_ID")],
    *,
    actor: ActorOption,
    person: Annotated[str | None, typer.Option("--person", help="the target person id")] = None,
    to_record: Annotated[
        str | None, typer.Option("--to-record", help="or: the target's record, SYSTEM/ID")
    ] = None,
    role: RoleOption = MERGE_ROLE,
    reason: ReasonOption = None,
    store: StoreOption = _STORE,
    matrix: MatrixOption = None,
) -> None:
    """Link a record to a person by hand (a data steward's decision, audited)."""
    key = _record_key(record)
    target = None if to_record is None else _record_key(to_record)
    with _engine(store, matrix) as engine, _known_ids():
        result = engine.link_record(
            key, person, actor=actor, role=role, reason=reason, to_record=target
        )
    _report(result)


@app.command("unlink-record")
def unlink_record_command(
    record: Annotated[str, typer.Argument(help="the record to unlink: SYSTEM/RECORD_ID")],
    *,
    actor: ActorOption,
    role: RoleOption = MERGE_ROLE,
    reason: ReasonOption = None,
    store: StoreOption = _STORE,
    matrix: MatrixOption = None,
) -> None:
    """Take a record out of its person into a new person of its own (audited)."""
    key = _record_key(record)
    with _engine(store, matrix) as engine, _known_ids():
        result = engine.unlink_record(key, actor=actor, role=role, reason=reason)
    _report(result)


def _record_key(text: str) -> RecordKey:
    system, _, record_id = text.partition("/")
    if not system.strip() or not record_id.strip():
        _fail(f"record {text!r} is not SYSTEM/RECORD_ID (e.g. ehr/e-1)")
    return RecordKey(system, record_id)


def _engine(store: str, matrix: Path | None) -> Engine:
    path = matrix or default_matrix()
    try:
        policy = load_policy(path)
    except (MatrixError, OSError) as exc:
        _fail(f"cannot load the matrix {path}: {exc}")
    try:
        return bootstrap(store=store, policy=policy)
    except (StoreError, ValueError, OSError) as exc:
        _fail(f"cannot open the store {store}: {exc}")


@contextmanager
def _known_ids() -> Iterator[None]:
    try:
        yield
    except LinkageError as exc:
        _fail(str(exc))


def _report(result: RecordLinked | RecordUnlinked | LinkRefused) -> None:
    if isinstance(result, LinkRefused):
        _console.print(f"[red]refused:[/red] {result.explanation}", highlight=False)
        raise typer.Exit(1)
    verb = "linked to" if isinstance(result, RecordLinked) else "unlinked into new person"
    typer.echo(
        f"record {result.record} {verb} {result.person} (was {result.previous}); "
        f"reason {result.reason.value}, audited"
    )

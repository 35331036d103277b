"""Lint a disclosure paths file against its matrix: the SB2xx codes (``PATH_CODES``).

========  =======  ===========================================================================
code      level    catches
========  =======  ===========================================================================
SB201     error    a phi_restricted or highly_restricted field on a path to the CRM that
                   leaves raw (no tokenize, summarize or drop transform)
SB202     error    the path's purpose needs the person's consent (HMARKT, HRESCH) and the path
                   does not require consent for that purpose
SB203     error    an allowed field or a transform names a field the matrix does not list
SB204     error    a source, destination or audit location the matrix does not declare
                   (``engine`` names the engine's own audit log)
SB205     error    a transform for a field that is not among the path's allowed fields
SB206     error    a purpose or consent purpose that is not a known ActReason code
SB207     error    a field passes raw where the matrix's sync direction does not carry it from
                   the source to the destination, or carries only a summary (a restricted
                   field to the CRM is SB201 instead)
SB208     error    a path to the CRM names the person by an identifier, or by a random token
                   the CRM cannot correlate: the subject must be a correlating token
SB209     error    two paths for one (source, destination, purpose)
SB210     error    the paths file names another matrix than the one it is linted with
SB211     warning  a path without a description
========  =======  ===========================================================================

Example::

    findings = lint_paths(load_paths("telehealth.paths.yaml"), load_matrix("telehealth.yaml"))
"""

from __future__ import annotations

from splitbrain.matrix.checks.flows import BIDIRECTIONAL, CRM, ONE_WAY, sync_targets
from splitbrain.matrix.checks.report import did_you_mean, listing
from splitbrain.matrix.checks.writers import writer_systems
from splitbrain.matrix.errors import MatrixLintError
from splitbrain.matrix.findings import PATH_CODES, Finding, Severity
from splitbrain.matrix.marks import Loc, path_text
from splitbrain.matrix.model import FieldSpec, Matrix
from splitbrain.matrix.paths import ENGINE_AUDIT, PathsFile, PathSpec, Transform
from splitbrain.matrix.purposes import COMMON, PURPOSES
from splitbrain.matrix.vocabulary import DisclosureClass, SyncDirection

_RESTRICTED = frozenset({DisclosureClass.PHI_RESTRICTED, DisclosureClass.HIGHLY_RESTRICTED})
_SUMMARY_ONLY = frozenset({SyncDirection.EHR_TO_CRM_SUMMARY, SyncDirection.CRM_TO_EHR_SUMMARY})


class _Report:
    """Findings for one paths file; ``add`` fills in the YAML path and line."""

    def __init__(self, paths: PathsFile) -> None:
        self.paths = paths
        self.findings: list[Finding] = []

    def add(self, code: str, loc: Loc, message: str, fix: str, *, field: str | None = None) -> None:
        if code not in PATH_CODES:
            raise KeyError(f"paths lint code {code!r} is not in splitbrain.matrix PATH_CODES")
        line = self.paths.source.line_of(loc)
        self.findings.append(Finding(code, field, path_text(loc), message, fix, line))


def lint_paths(paths: PathsFile, matrix: Matrix) -> list[Finding]:
    """Every finding for ``paths`` read against ``matrix``, in file order (line, then code)."""
    report = _Report(paths)
    if paths.matrix != matrix.name:
        report.add(
            "SB210",
            ("matrix",),
            f"the paths file is for matrix {paths.matrix!r}, linted with {matrix.label}",
            f"lint it with the {paths.matrix!r} matrix, or set matrix: {matrix.name}",
        )
    first: dict[tuple[str, str, str], str] = {}
    for name, spec in paths.paths.items():
        _check_path(report, matrix, name, spec)
        earlier = first.setdefault(spec.key, name)
        if earlier != name:
            report.add(
                "SB209",
                ("paths", name),
                f"path {name!r} repeats ({', '.join(spec.key)}) of path {earlier!r}: the engine "
                "could not tell which entry applies",
                f"merge the two entries, or give one another purpose than {spec.purpose}",
            )
    return sorted(report.findings, key=lambda f: (f.line or 0, f.code))


def require_clean_paths(paths: PathsFile, matrix: Matrix) -> list[Finding]:
    """Raise ``MatrixLintError`` when ``paths`` has error findings; return its warnings."""
    findings = lint_paths(paths, matrix)
    errors = [finding for finding in findings if finding.is_error]
    if errors:
        raise MatrixLintError(paths.label, errors)
    return [finding for finding in findings if finding.severity is Severity.WARNING]


def _check_path(report: _Report, matrix: Matrix, name: str, spec: PathSpec) -> None:
    loc: Loc = ("paths", name)
    for key in ("source", "destination"):
        _system(report, matrix, (*loc, key), getattr(spec, key), key)
    for index, where in enumerate(spec.audit):
        if where != ENGINE_AUDIT:
            _system(report, matrix, (*loc, "audit", index), where, "audit location")
    _check_purpose(report, loc, spec)
    _check_subject(report, loc, spec)
    for index, field in enumerate(spec.allowed_fields):
        _check_allowed(report, matrix, (*loc, "allowed_fields", index), spec, field)
    for field in spec.transforms:
        _check_transform(report, matrix, (*loc, "transforms", field), spec, field)
    if not spec.description.strip():
        report.add(
            "SB211",
            loc,
            f"path {name!r} has no description, so a reviewer cannot tell why it exists",
            "add description: one sentence saying who needs these fields and what for",
        )


def _system(report: _Report, matrix: Matrix, loc: Loc, system: str, what: str) -> None:
    if system in matrix.systems:
        return
    choices = [*matrix.systems, ENGINE_AUDIT] if what == "audit location" else list(matrix.systems)
    report.add(
        "SB204",
        loc,
        f"the {what} {system!r} is not a system of {report.paths.matrix!r}",
        f"use one of {listing(choices)}{did_you_mean(system, choices)}",
    )


def _check_purpose(report: _Report, loc: Loc, spec: PathSpec) -> None:
    for key in ("purpose", "consent"):
        code = getattr(spec, key)
        if code is not None and code not in PURPOSES:
            report.add(
                "SB206",
                (*loc, key),
                f"{code!r} is not a known purpose of use (HL7 v3 ActReason)",
                f"use an ActReason purpose such as {listing(COMMON)}"
                f"{did_you_mean(code, PURPOSES)} (splitbrain.matrix.purposes lists them all)",
            )
    purpose = PURPOSES.get(spec.purpose)
    if purpose is None or not purpose.needs_consent or spec.consent == spec.purpose:
        return
    found = "requires no consent" if spec.consent is None else f"requires {spec.consent} consent"
    report.add(
        "SB202",
        (*loc, "consent") if spec.consent is not None else loc,
        f"{spec.purpose} ({purpose.display}) needs the person's consent, but the path {found}",
        f"set consent: {spec.purpose}, so the engine checks that consent at each disclosure",
    )


def _check_subject(report: _Report, loc: Loc, spec: PathSpec) -> None:
    subject = spec.subject
    if spec.destination != CRM:
        return
    if subject.transform is Transform.TOKENIZE and subject.correlates:
        return
    found = "a random token" if subject.transform is Transform.TOKENIZE else "its identifier"
    report.add(
        "SB208",
        (*loc, "subject"),
        f"the path names the person to the CRM by {found}; the CRM receives correlating "
        "tokens, never identity, and must find the same contact every time",
        "set subject: {transform: tokenize, domain: patient}",
    )


def _check_allowed(report: _Report, matrix: Matrix, loc: Loc, spec: PathSpec, field: str) -> None:
    row = matrix.fields.get(field)
    if row is None:
        _unknown_field(report, matrix, loc, field)
        return
    if spec.transform_of(field).transform is not Transform.PASS:
        return
    where = ("paths", loc[1], "transforms", field) if field in spec.transforms else loc
    if spec.destination == CRM and row.disclosure in _RESTRICTED:
        report.add(
            "SB201",
            where,
            f"{row.disclosure.value} field {field!r} would reach the CRM raw",
            "give it a transform: drop (or summarize / tokenize), or remove it from allowed_fields",
            field=field,
        )
    elif _known(matrix, spec) and not _carries_raw(matrix, row, spec):
        report.add(
            "SB207",
            where,
            f"{field!r} would leave {spec.source} for {spec.destination} raw, but its sync "
            f"({row.sync.value}) {_sync_says(matrix, row, spec)}",
            "summarize, tokenize or drop it on this path, or change the matrix row first",
            field=field,
        )


def _check_transform(report: _Report, matrix: Matrix, loc: Loc, spec: PathSpec, field: str) -> None:
    if field not in matrix.fields:
        _unknown_field(report, matrix, loc, field)
    elif field not in spec.allowed_fields:
        report.add(
            "SB205",
            loc,
            f"a transform for {field!r}, which is not among the path's allowed fields: it "
            "would never apply",
            f"add {field!r} to allowed_fields, or remove its transform",
            field=field,
        )


def _unknown_field(report: _Report, matrix: Matrix, loc: Loc, field: str) -> None:
    report.add(
        "SB203",
        loc,
        f"{field!r} is not a field of the matrix {matrix.label}",
        f"use a field the matrix lists{did_you_mean(field, matrix.fields)}, or add its row "
        "to the matrix first",
        field=field,
    )


def _known(matrix: Matrix, spec: PathSpec) -> bool:
    return spec.source in matrix.systems and spec.destination in matrix.systems


def _carries_raw(matrix: Matrix, row: FieldSpec, spec: PathSpec) -> bool:
    """Does the matrix carry the field's raw value from the path's source to its destination?"""
    if row.sync in _SUMMARY_ONLY:
        return False
    if row.sync in BIDIRECTIONAL:
        from_source = spec.source in writer_systems(matrix, row)
    elif row.sync in ONE_WAY:
        from_source = ONE_WAY[row.sync][0] == spec.source
    else:
        return False
    return from_source and spec.destination in sync_targets(matrix, row)


def _sync_says(matrix: Matrix, row: FieldSpec, spec: PathSpec) -> str:
    if row.sync in _SUMMARY_ONLY and _summary_route(row, spec):
        return f"sends {spec.destination} only a summary"
    return f"never carries it from {spec.source} to {spec.destination}"


def _summary_route(row: FieldSpec, spec: PathSpec) -> bool:
    source, targets = ONE_WAY[row.sync]
    return source == spec.source and spec.destination in (targets or ())

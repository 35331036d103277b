"""Names that must be declared: systems (SB104), roles (SB105), stages (SB106), the escalation
owner (SB112); and fields that say what they are (SB118)."""

from __future__ import annotations

from splitbrain.matrix.checks.flows import named_systems
from splitbrain.matrix.checks.report import Report, did_you_mean, listing
from splitbrain.matrix.marks import Loc
from splitbrain.matrix.model import FieldSpec, Matrix


def check_references(matrix: Matrix, report: Report) -> None:
    for name, field in matrix.fields.items():
        _check_field(matrix, report, ("fields", name), field)
    for table_name, table in matrix.enums.items():
        for system in table.systems:
            _system(
                matrix,
                report,
                ("enums", table_name, "systems", system),
                system,
                f"enum table {table_name!r} maps values for",
            )


def check_descriptions(matrix: Matrix, report: Report) -> None:
    for name, field in matrix.fields.items():
        if not field.description.strip():
            report.add(
                "SB118",
                ("fields", name),
                f"field {name!r} has no description, so the rendered matrix cannot say "
                "what it holds",
                "add description: one sentence an ops lead understands",
            )


def _check_field(matrix: Matrix, report: Report, loc: Loc, field: FieldSpec) -> None:
    for index, span in enumerate(field.owner):
        span_loc = (*loc, "owner", index)
        _system(matrix, report, (*span_loc, "system"), span.system, f"owner[{index}] names")
        for key in ("from_stage", "before_stage"):
            stage = getattr(span, key)
            if stage is not None:
                _stage(matrix, report, (*span_loc, key), stage)
        for pos, stage in enumerate(span.stages or []):
            _stage(matrix, report, (*span_loc, "stages", pos), stage)
    for pos, role in enumerate(field.owner_roles or []):
        _role(matrix, report, (*loc, "owner_roles", pos), role)
    for index, writer in enumerate(field.secondary_writers):
        writer_loc = (*loc, "secondary_writers", index)
        if writer.system is not None:
            _system(
                matrix,
                report,
                (*writer_loc, "system"),
                writer.system,
                f"secondary_writers[{index}] names",
            )
        if writer.role is not None:
            _role(matrix, report, (*writer_loc, "role"), writer.role)
        for pos, stage in enumerate(writer.stages or []):
            _stage(matrix, report, (*writer_loc, "stages", pos), stage)
    for system in sorted(named_systems(field.sync)):
        _system(matrix, report, (*loc, "sync"), system, f"sync {field.sync.value} names")
    _escalation(matrix, report, loc, field.escalation_owner)


def _system(matrix: Matrix, report: Report, loc: Loc, system: str, context: str) -> None:
    if system not in matrix.systems:
        report.add(
            "SB104",
            loc,
            f"{context} the system {system!r}, which the matrix does not declare",
            f"declare it under systems:, or use one of {listing(matrix.systems)}"
            f"{did_you_mean(system, matrix.systems)}",
        )


def _role(matrix: Matrix, report: Report, loc: Loc, role: str) -> None:
    if role not in matrix.roles:
        report.add(
            "SB105",
            loc,
            f"the role {role!r} is not declared under roles:",
            f"declare it under roles:, or use one of {listing(matrix.roles)}"
            f"{did_you_mean(role, matrix.roles)}",
        )


def _stage(matrix: Matrix, report: Report, loc: Loc, stage: str) -> None:
    if stage not in matrix.stages:
        report.add(
            "SB106",
            loc,
            f"the stage {stage!r} is not one of the declared stages",
            f"use one of {listing(matrix.stages)}{did_you_mean(stage, matrix.stages)}, "
            "or add it to stages: in lifecycle order",
        )


def _escalation(matrix: Matrix, report: Report, loc: Loc, owner: str) -> None:
    if owner in matrix.roles:
        return
    what = "a system" if owner in matrix.systems else "not a declared role"
    report.add(
        "SB112",
        (*loc, "escalation_owner"),
        f"the escalation owner {owner!r} is {what}: unresolved conflicts must go to the "
        "people in a role, who work the queue within the SLA",
        f"name a role from roles: ({listing(matrix.roles)}){did_you_mean(owner, matrix.roles)}",
    )

"""Enum tables: unmapped values (SB109), unknown tables (SB113), value limits (SB114) and the
stage field (SB115).

A system with no table for an enum uses the canonical values themselves. A system with a table
must map each local value to a canonical one, and must be able to express every canonical
value of a field it writes or receives.
"""

from __future__ import annotations

from splitbrain.matrix.checks.flows import sync_targets
from splitbrain.matrix.checks.report import Report, did_you_mean, listing
from splitbrain.matrix.checks.writers import writer_systems
from splitbrain.matrix.model import EnumTable, Matrix
from splitbrain.matrix.vocabulary import ValueKind

_BOOLEAN_VALUES = ("true", "false")


def check_enum_tables(matrix: Matrix, report: Report) -> None:
    for table_name, table in matrix.enums.items():
        for system, mapping in table.systems.items():
            for local, canonical in mapping.items():
                if canonical not in table.canonical:
                    report.add(
                        "SB109",
                        ("enums", table_name, "systems", system, local),
                        f"{system} value {local!r} maps to {canonical!r}, which is not a "
                        f"canonical value of {table_name!r}",
                        f"map it to one of {listing(table.canonical)}"
                        f"{did_you_mean(canonical, table.canonical)}, or add "
                        f"{canonical!r} to canonical",
                    )


def check_enum_fields(matrix: Matrix, report: Report) -> None:
    for name, field in matrix.fields.items():
        if field.enum is None:
            continue
        table = matrix.enums.get(field.enum)
        if table is None:
            report.add(
                "SB113",
                ("fields", name, "enum"),
                f"enum table {field.enum!r} is not declared under enums:",
                f"declare it, or use one of {listing(matrix.enums)}"
                f"{did_you_mean(field.enum, matrix.enums)}",
            )
            continue
        for system in sorted(writer_systems(matrix, field) | sync_targets(matrix, field)):
            _check_coverage(report, name, field.enum, table, system)


def check_value_limits(matrix: Matrix, report: Report) -> None:
    for name, field in matrix.fields.items():
        allowed = _canonical_values(matrix, field.kind, field.enum)
        for index, writer in enumerate(field.secondary_writers):
            if writer.values is None or allowed is None:
                continue
            loc = ("fields", name, "secondary_writers", index, "values")
            if not allowed:
                report.add(
                    "SB114",
                    loc,
                    f"a value limit on a {field.kind.value} field: only enum and boolean "
                    "fields have a fixed set of values to limit to",
                    "make the field kind: enum with an enum table, or drop values:",
                )
                continue
            unknown = [value for value in writer.values if value not in allowed]
            if unknown:
                report.add(
                    "SB114",
                    loc,
                    f"value limit names {listing(unknown)}, not canonical values of {name!r}",
                    f"use values from {listing(allowed)}{did_you_mean(unknown[0], allowed)}",
                )


def check_stage_field(matrix: Matrix, report: Report) -> None:
    name = matrix.stage_field
    field = matrix.fields.get(name)
    if field is None:
        report.add(
            "SB115",
            ("stage_field",),
            f"stage_field names {name!r}, but there is no such field",
            "add the field that holds a person's stage, or point stage_field at it",
        )
    elif field.kind is not ValueKind.ENUM:
        report.add(
            "SB115",
            ("fields", name, "kind"),
            f"the stage field {name!r} is a {field.kind.value}, not an enum",
            "make it kind: enum with a table whose canonical values are the stages",
        )
    elif field.enum in matrix.enums and matrix.enums[field.enum].canonical != matrix.stages:
        report.add(
            "SB115",
            ("enums", field.enum, "canonical"),
            f"the stage field's canonical values ({listing(matrix.enums[field.enum].canonical)}) "
            f"are not the stages in order ({listing(matrix.stages)})",
            f"make enums.{field.enum}.canonical exactly the stages, in the same order",
        )


def _check_coverage(
    report: Report, field: str, table_name: str, table: EnumTable, system: str
) -> None:
    mapping = table.systems.get(system)
    if mapping is None:
        return
    missing = [value for value in table.canonical if value not in mapping.values()]
    if missing:
        report.add(
            "SB109",
            ("enums", table_name, "systems", system),
            f"{system} writes or receives {field!r}, but its {table_name!r} table has no "
            f"local value for {listing(missing)}: such a value cannot be expressed in "
            f"{system}",
            f'add a local value for each, e.g. "<{system} name>": {missing[0]}',
            field=field,
        )


def _canonical_values(matrix: Matrix, kind: ValueKind, enum: str | None) -> tuple[str, ...] | None:
    """The values a limit may name; () when the kind has none; None when unknowable (SB113)."""
    if kind is ValueKind.BOOLEAN:
        return _BOOLEAN_VALUES
    if kind is not ValueKind.ENUM:
        return ()
    table = matrix.enums.get(enum or "")
    return tuple(table.canonical) if table is not None else None

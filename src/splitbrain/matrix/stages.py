"""Stage arithmetic: which stages an owner span or a secondary writer covers.

Stages are ordered, so "CRM before in_care, EHR from in_care" is two runs of the stage list:
``from_stage`` inclusive, ``before_stage`` exclusive.

Example::

    span_stages(OwnerSpan(system="crm", before_stage="in_care"), matrix.stages)
    # -> ("lead", "intake", "qualified")
"""

from __future__ import annotations

from collections.abc import Sequence

from splitbrain.matrix.model import FieldSpec, OwnerSpan, SecondaryWriterSpec


def span_stages(span: OwnerSpan, stages: Sequence[str]) -> tuple[str, ...] | None:
    """The stages ``span`` covers, in matrix order; None when it names an undeclared stage."""
    if span.stages is not None:
        if any(stage not in stages for stage in span.stages):
            return None
        return tuple(stage for stage in stages if stage in span.stages)
    bounds = (span.from_stage, span.before_stage)
    if any(bound is not None and bound not in stages for bound in bounds):
        return None
    start = stages.index(span.from_stage) if span.from_stage else 0
    end = stages.index(span.before_stage) if span.before_stage else len(stages)
    return tuple(stages[start:end])


def owners_by_stage(field: FieldSpec, stages: Sequence[str]) -> dict[str, list[str]] | None:
    """Each stage's owning systems (none = a gap, several = an overlap).

    None when an owner span names an undeclared stage: then nothing can be said per stage.
    """
    owners: dict[str, list[str]] = {stage: [] for stage in stages}
    for span in field.owner:
        covered = span_stages(span, stages)
        if covered is None:
            return None
        for stage in covered:
            owners[stage].append(span.system)
    return owners


def owner_at(field: FieldSpec, stage: str, stages: Sequence[str]) -> str | None:
    """The one system owning ``field`` at ``stage``; None on a gap, an overlap or bad stages."""
    owners = owners_by_stage(field, stages)
    found = owners.get(stage, []) if owners is not None else []
    return found[0] if len(found) == 1 else None


def owner_systems(field: FieldSpec) -> list[str]:
    """Every system that owns ``field`` at some stage, in the order the row names them."""
    return list(dict.fromkeys(span.system for span in field.owner))


def writer_stages(writer: SecondaryWriterSpec, stages: Sequence[str]) -> tuple[str, ...]:
    """The declared stages a secondary writer may write at (all of them without a limit)."""
    if writer.stages is None:
        return tuple(stages)
    return tuple(stage for stage in stages if stage in writer.stages)


def owned_by_stage(field: FieldSpec) -> bool:
    """Does ownership change with the stage (more than one owning system)?"""
    return len(owner_systems(field)) > 1

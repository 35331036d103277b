"""Every stage has exactly one owner: gaps (SB102) and overlaps (SB103)."""

from __future__ import annotations

from splitbrain.matrix.checks.report import Report, listing
from splitbrain.matrix.model import Matrix
from splitbrain.matrix.stages import owners_by_stage, span_stages


def check_stage_coverage(matrix: Matrix, report: Report) -> None:
    for name, field in matrix.fields.items():
        owners = owners_by_stage(field, matrix.stages)
        if owners is None:  # an undeclared stage (SB106) leaves nothing to measure
            continue
        loc = ("fields", name, "owner")
        for index, span in enumerate(field.owner):
            if span_stages(span, matrix.stages) == ():
                report.add(
                    "SB102",
                    (*loc, index),
                    f"owner[{index}] ({span.system}) covers no stage: from_stage must come "
                    "before before_stage",
                    "fix the bounds (from_stage inclusive, before_stage exclusive) or "
                    "remove the span",
                )
        gaps = [stage for stage, systems in owners.items() if not systems]
        if gaps:
            report.add(
                "SB102",
                loc,
                f"no system owns {name!r} at {_stages(gaps)}: a write there has no owner "
                "to check against",
                f"extend an owner span to cover {listing(gaps)}, or add a span there",
            )
        overlaps = {stage: systems for stage, systems in owners.items() if len(systems) > 1}
        if overlaps:
            detail = "; ".join(
                f"{stage}: {' and '.join(systems)}" for stage, systems in overlaps.items()
            )
            report.add(
                "SB103",
                loc,
                f"owner spans overlap ({detail}): two owners at one stage cannot both be the truth",
                "make the spans meet without overlapping: before_stage: X on one, "
                "from_stage: X on the next",
            )


def _stages(stages: list[str]) -> str:
    return f"stage{'s' if len(stages) > 1 else ''} {listing(stages)}"

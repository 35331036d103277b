"""Writers and rules: two active writers with no stage rule (SB101), rules that cannot decide
(SB110), immutability contradicted (SB111), unprotected critical fields (SB117).

See ``splitbrain.matrix.checks.writers`` for how each conflict rule is read.
"""

from __future__ import annotations

from splitbrain.matrix.checks.report import Report, listing
from splitbrain.matrix.checks.writers import (
    AUTOMATION,
    OWNERSHIP_RULES,
    PATIENT,
    PROVIDER,
    Writer,
    describe_writer,
    first_ranking_rule,
    names_role,
    unranked_pairs,
)
from splitbrain.matrix.model import FieldSpec, Matrix
from splitbrain.matrix.stages import owned_by_stage, owner_at, owner_systems, writer_stages
from splitbrain.matrix.vocabulary import ConflictRule

_NEEDS_ROLE = {
    ConflictRule.PROVIDER_VERIFIED_OVERRIDES: (PROVIDER, "provider-verified update"),
    ConflictRule.MOST_RECENT_PATIENT_CONFIRMED: (PATIENT, "patient-confirmed value"),
}
_RANKING_FIX = (
    "add a fallback rule that ranks them (precedence_ladder or most_recent_validated), end the "
    "chain with manual_review to send such conflicts to {owner}, or limit one writer to other "
    "stages or to the owner system"
)


def check_shared_without_stage_rule(matrix: Matrix, report: Report) -> None:
    for name, field in matrix.fields.items():
        if owned_by_stage(field):
            continue
        owner = owner_systems(field)[0]
        owner_roles = frozenset(field.owner_roles) if field.owner_roles else None
        owner_writer = Writer("owner", owner, owner_roles, True)
        for index, spec in enumerate(field.secondary_writers):
            if spec.stages or spec.values or spec.system == owner:
                continue
            roles = frozenset({spec.role}) if spec.role else None
            rule = first_ranking_rule(
                field.rules, owner_writer, Writer("", spec.system, roles, False)
            )
            if rule in OWNERSHIP_RULES:
                who = describe_writer(spec.system, spec.role)
                report.add(
                    "SB101",
                    ("fields", name, "secondary_writers", index),
                    f"{owner} owns {name!r} at every stage and {who} may also write any "
                    f"value at every stage; only ownership ({rule}) settles their "
                    "conflicts, so one side's edits are silently lost: two active writers "
                    "with no stage rule",
                    "give this writer stages: or values:, make ownership change by stage, "
                    "or rank the writers with a rule such as most_recent_validated or "
                    "precedence_ladder",
                )


def check_decidable(matrix: Matrix, report: Report) -> None:
    for name, field in matrix.fields.items():
        loc = ("fields", name, "conflict_rule")
        for rule, (role, what) in _NEEDS_ROLE.items():
            if rule in field.rules and not names_role(field, role):
                report.add(
                    "SB110",
                    loc,
                    f"{rule.value} decides by the {what}, but the row lets no {role!r} "
                    "write it: the rule can never apply and the row is incomplete",
                    f"allow the {role} role (owner_roles or a secondary writer), or "
                    "choose another rule",
                )
        unranked = unranked_pairs(matrix, field)
        if unranked:
            (first, second), stages = next(iter(unranked.items()))
            more = f" (and {len(unranked) - 1} more pair(s))" if len(unranked) > 1 else ""
            report.add(
                "SB110",
                loc,
                f"at {listing(stages)}, {first} and {second} may both write it, and none "
                f"of {listing(field.rules)} ranks one over the other{more}: whichever "
                "write lands first would stand, so the row is incomplete",
                _RANKING_FIX.format(owner=field.escalation_owner),
            )


def check_immutable(matrix: Matrix, report: Report) -> None:
    for name, field in matrix.fields.items():
        if not field.immutable_outside_owner:
            continue
        for index, spec in enumerate(field.secondary_writers):
            outside = _outside_owner_stages(matrix, field, spec.system, index)
            if outside:
                report.add(
                    "SB111",
                    ("fields", name, "secondary_writers", index),
                    f"immutable_outside_owner refuses every system but the owner, yet "
                    f"secondary_writers[{index}] ({describe_writer(spec.system, spec.role)}) "
                    f"is allowed at {listing(outside)}, where another system owns it",
                    "limit the writer to the owner system, or drop "
                    "immutable_outside_owner if other systems really may write it",
                )


def check_critical(matrix: Matrix, report: Report) -> None:
    for name, field in matrix.fields.items():
        if not field.critical:
            continue
        if names_role(field, AUTOMATION):
            report.add(
                "SB117",
                ("fields", name, "critical"),
                "critical field that an automation may write: the override reason a "
                "critical field demands assumes a person",
                "remove automation from owner_roles and secondary_writers",
            )
        elif not field.immutable_outside_owner and not _writes_outside_owner(matrix, field):
            report.add(
                "SB117",
                ("fields", name, "immutable_outside_owner"),
                "critical field that only its owner writes, yet not "
                "immutable_outside_owner: nothing stops a future writer elsewhere",
                "set immutable_outside_owner: true",
            )


def _outside_owner_stages(
    matrix: Matrix, field: FieldSpec, system: str | None, index: int
) -> list[str]:
    spec = field.secondary_writers[index]
    return [
        stage
        for stage in writer_stages(spec, matrix.stages)
        if (owner := owner_at(field, stage, matrix.stages)) is not None
        and (system is None or system != owner)
    ]


def _writes_outside_owner(matrix: Matrix, field: FieldSpec) -> bool:
    return any(
        _outside_owner_stages(matrix, field, spec.system, index)
        for index, spec in enumerate(field.secondary_writers)
    )

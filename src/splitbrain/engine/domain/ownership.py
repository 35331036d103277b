"""Who may write a field at a person's stage: step 3 of ``decide()`` (DESIGN §4).

The owner is the system the row names for the stage (``FieldPolicy.owner_at``), limited to
``owner_roles`` where the row sets them. Anyone else needs a secondary-writer entry that allows
their system, role, the stage and the canonical value, unless the row is
``immutable_outside_owner``: then every system but the owner is refused outright.

Example::

    authority(policy.fields["medication_plan"], "in_care", "crm", "growth_ops", None)  # -> None
"""

from __future__ import annotations

from splitbrain.engine.domain.gates import Gate
from splitbrain.engine.domain.policy import FieldPolicy, Policy

__all__ = ["authority", "is_stage_owner", "not_owner_explanation"]


def is_stage_owner(field: FieldPolicy, stage: str, system: str | None, role: str | None) -> bool:
    """Does (system, role) own ``field`` at ``stage``?"""
    owner = field.owner_at(stage)
    return (
        owner is not None
        and system == owner
        and (field.owner_roles is None or role in field.owner_roles)
    )


def authority(
    field: FieldPolicy, stage: str, system: str, role: str, value: str | None
) -> Gate | None:
    """``Gate.OWNER``, ``Gate.SECONDARY_WRITER``, or None when the writer may not write."""
    owner = field.owner_at(stage)
    if system == owner:
        if field.owner_roles is None or role in field.owner_roles:
            return Gate.OWNER
    elif field.immutable_outside_owner:
        return None
    for writer in field.secondary:
        if writer.allows(system, role, stage, value):
            return Gate.SECONDARY_WRITER
    return None


def not_owner_explanation(
    field: FieldPolicy, policy: Policy, person: str, stage: str, *, system: str, role: str
) -> str:
    """Why (system, role) may not write ``field`` at ``stage``, naming the row and the matrix.

    ``field 'medication_plan' of person per_0001 is owned by ehr at stage in_care; crm may not
    write it (matrix telehealth v3, row medication_plan)``
    """
    where = f"(matrix {policy.label}, row {field.name})"
    subject = f"field {field.name!r} of person {person}"
    owner = field.owner_at(stage)
    if owner is None:
        return (
            f"{subject} has no owner at stage {stage}; {system} may not write it until the "
            f"matrix names one {where}"
        )
    roles = "" if field.owner_roles is None else f" (roles: {', '.join(sorted(field.owner_roles))})"
    writer = f"{owner} as {role}" if system == owner else system
    tail = ""
    if system != owner and field.immutable_outside_owner:
        tail = ": the row is immutable outside its owner"
    elif any(w.system in (None, system) and w.role in (None, role) for w in field.secondary):
        tail = f": {system} as {role} may write it only at other stages or to other values"
    return (
        f"{subject} is owned by {owner}{roles} at stage {stage}; {writer} may not write it"
        f"{tail} {where}"
    )

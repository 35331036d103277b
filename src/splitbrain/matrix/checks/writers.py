"""Who may write a row at a stage, and whether the row's rules can rank two such writers.

A *writer* is the owner at a stage (its system, limited to ``owner_roles``) or a secondary
writer active at that stage. Two writers in different systems can produce concurrent writes;
inside one system, that system's own version check orders them, so only cross-system pairs
need a rule.

How the linter reads each rule (it knows systems and roles, not the provenance of a future
write, so it takes the provider role as the source of provider-verified values and the
patient role as the source of patient-confirmed ones):

- ``owner_authoritative``, ``stage_owner_wins``: rank the stage owner above anyone else; two
  writers neither of which owns the field are not ranked (the first write to land would stand).
- ``provider_verified_overrides``: ranks a provider-only writer above a writer that is not a
  provider; a writer with no role limit counts as not a provider.
- ``most_recent_patient_confirmed``: ranks when one side is the patient.
- ``most_recent_validated``, ``precedence_ladder``: rank any two writers (by provenance and
  time; an exact tie escalates by design).
- ``manual_review``: a person decides every conflict, so the row is complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations_with_replacement

from splitbrain.matrix.model import FieldSpec, Matrix
from splitbrain.matrix.stages import owner_at, owner_systems, writer_stages
from splitbrain.matrix.vocabulary import ConflictRule

PROVIDER = "provider"
PATIENT = "patient"
AUTOMATION = "automation"

OWNERSHIP_RULES = frozenset({ConflictRule.OWNER_AUTHORITATIVE, ConflictRule.STAGE_OWNER_WINS})
_RANK_ANYONE = frozenset(
    {ConflictRule.MOST_RECENT_VALIDATED, ConflictRule.PRECEDENCE_LADDER, ConflictRule.MANUAL_REVIEW}
)


@dataclass(frozen=True, slots=True)
class Writer:
    """Someone the row lets write at a stage. ``None`` system or roles means "any"."""

    name: str
    system: str | None
    roles: frozenset[str] | None
    owner: bool

    def only(self, role: str) -> bool:
        return self.roles == frozenset({role})

    def never(self, role: str) -> bool:
        return self.roles is None or role not in self.roles

    def apart_from(self, other: Writer) -> bool:
        """Could these two write from different systems (so no one system orders them)?"""
        return self.system is None or other.system is None or self.system != other.system


def describe_writer(system: str | None, role: str | None) -> str:
    """``intake_ops in crm``, ``any role in ehr``, ``clinical_ops in any system``."""
    return f"{role or 'any role'} in {system or 'any system'}"


def writers_at(matrix: Matrix, field: FieldSpec, stage: str) -> list[Writer]:
    """The owner at ``stage`` (if exactly one) and the secondary writers active there."""
    owner = owner_at(field, stage, matrix.stages)
    owner_roles = frozenset(field.owner_roles) if field.owner_roles is not None else None
    writers: list[Writer] = []
    if owner is not None:
        roles_text = "/".join(field.owner_roles) if field.owner_roles else "any role"
        writers.append(Writer(f"the owner ({roles_text} in {owner})", owner, owner_roles, True))
    for index, spec in enumerate(field.secondary_writers):
        if stage not in writer_stages(spec, matrix.stages):
            continue
        roles = frozenset({spec.role}) if spec.role is not None else None
        is_owner = owner is not None and spec.system == owner and _within(roles, owner_roles)
        label = f"secondary_writers[{index}] ({describe_writer(spec.system, spec.role)})"
        writers.append(Writer(label, spec.system, roles, is_owner))
    return writers


def _within(roles: frozenset[str] | None, allowed: frozenset[str] | None) -> bool:
    return allowed is None or (roles is not None and roles <= allowed)


def rule_ranks(rule: ConflictRule, a: Writer, b: Writer) -> bool:
    """Can ``rule`` rank a write from ``a`` against one from ``b``?"""
    if rule in _RANK_ANYONE:
        return True
    if rule in OWNERSHIP_RULES:
        return a.owner != b.owner
    if rule is ConflictRule.PROVIDER_VERIFIED_OVERRIDES:
        return (a.only(PROVIDER) and b.never(PROVIDER)) or (b.only(PROVIDER) and a.never(PROVIDER))
    return a.only(PATIENT) or b.only(PATIENT)


def first_ranking_rule(rules: Sequence[ConflictRule], a: Writer, b: Writer) -> ConflictRule | None:
    """The first rule of the chain that ranks ``a`` against ``b``, or None."""
    return next((rule for rule in rules if rule_ranks(rule, a, b)), None)


def unranked_pairs(matrix: Matrix, field: FieldSpec) -> dict[tuple[str, str], list[str]]:
    """Cross-system writer pairs no rule of the chain ranks, with the stages where they meet."""
    found: dict[tuple[str, str], list[str]] = {}
    for stage in matrix.stages:
        for a, b in combinations_with_replacement(writers_at(matrix, field, stage), 2):
            if a.apart_from(b) and first_ranking_rule(field.rules, a, b) is None:
                found.setdefault((a.name, b.name), []).append(stage)
    return found


def names_role(field: FieldSpec, role: str) -> bool:
    """Does the row explicitly let ``role`` write (as an owner role or a secondary writer)?"""
    in_owner = field.owner_roles is not None and role in field.owner_roles
    return in_owner or any(writer.role == role for writer in field.secondary_writers)


def writer_systems(matrix: Matrix, field: FieldSpec) -> set[str]:
    """Every declared system that may write the field at some stage."""
    systems = set(owner_systems(field))
    for writer in field.secondary_writers:
        systems |= set(matrix.systems) if writer.system is None else {writer.system}
    return systems & set(matrix.systems)

"""Compile the operator-facing ownership matrix into the domain's ``Policy``.

The matrix (``splitbrain.matrix``, YAML + pydantic) says "CRM before in_care, EHR from in_care";
the domain wants concrete stage sets (``StageOwner("crm", {lead, intake, qualified})``). This
adapter is the one place that translation happens. It refuses a matrix with lint errors: a
policy with a stage gap or an undecidable rule would make ``decide()`` answer wrongly, not fail.

Example::

    policy = load_policy("scenarios/matrices/telehealth.yaml")
    policy.fields["legal_name"].owner_at("intake")    # -> "crm"
    policy.fields["legal_name"].owner_at("in_care")   # -> "ehr"
"""

from __future__ import annotations

from os import PathLike

from splitbrain.engine.domain import policy as domain
from splitbrain.matrix import model
from splitbrain.matrix.lint import require_clean
from splitbrain.matrix.loader import load_matrix
from splitbrain.matrix.stages import span_stages, writer_stages


def load_policy(path: str | PathLike[str]) -> domain.Policy:
    """Load, lint and compile the matrix at ``path``.

    Raises ``MatrixLoadError`` when the file cannot be loaded and ``MatrixLintError`` when it has
    lint errors (both from ``splitbrain.matrix``).
    """
    return compile_policy(load_matrix(path))


def compile_policy(matrix: model.Matrix) -> domain.Policy:
    """The domain ``Policy`` for ``matrix``; raises ``MatrixLintError`` on lint errors."""
    require_clean(matrix)
    stages = tuple(matrix.stages)
    return domain.Policy(
        name=matrix.name,
        version=matrix.version,
        systems=tuple(matrix.systems),
        roles=tuple(matrix.roles),
        stages=stages,
        fields={name: _field(name, spec, stages) for name, spec in matrix.fields.items()},
        enums={name: _enum(name, table) for name, table in matrix.enums.items()},
        stage_field=matrix.stage_field,
    )


def _field(name: str, spec: model.FieldSpec, stages: tuple[str, ...]) -> domain.FieldPolicy:
    return domain.FieldPolicy(
        name=name,
        disclosure=domain.DisclosureClass(spec.disclosure.value),
        owners=_owners(spec, stages),
        sync=domain.SyncDirection(spec.sync.value),
        rule=domain.ConflictRule(spec.conflict_rule.value),
        fallback_rules=tuple(domain.ConflictRule(rule.value) for rule in spec.fallback_rules),
        escalation_owner=spec.escalation_owner,
        sla=spec.sla,
        secondary=tuple(_secondary(writer, stages) for writer in spec.secondary_writers),
        owner_roles=frozenset(spec.owner_roles) if spec.owner_roles is not None else None,
        critical=spec.critical,
        immutable_outside_owner=spec.immutable_outside_owner,
        kind=domain.ValueKind(spec.kind.value),
        enum=spec.enum,
        description=spec.description,
    )


def _owners(spec: model.FieldSpec, stages: tuple[str, ...]) -> tuple[domain.StageOwner, ...]:
    """One ``StageOwner`` per owning system, with every stage its spans cover."""
    by_system: dict[str, set[str]] = {}
    for span in spec.owner:
        by_system.setdefault(span.system, set()).update(span_stages(span, stages) or ())
    return tuple(domain.StageOwner(system, frozenset(owned)) for system, owned in by_system.items())


def _secondary(
    writer: model.SecondaryWriterSpec, stages: tuple[str, ...]
) -> domain.SecondaryWriter:
    return domain.SecondaryWriter(
        system=writer.system,
        role=writer.role,
        stages=frozenset(writer_stages(writer, stages)) if writer.stages is not None else None,
        values=frozenset(writer.values) if writer.values is not None else None,
    )


def _enum(name: str, table: model.EnumTable) -> domain.EnumMapping:
    return domain.EnumMapping(
        name=name,
        canonical=tuple(table.canonical),
        by_system={system: dict(mapping) for system, mapping in table.systems.items()},
    )

"""The ownership matrix as pydantic models: the shape of ``scenarios/matrices/*.yaml``.

Every model forbids unknown keys, so a typo (``ownr:``) is a loading error, not a silently
ignored row. Cross-references (does ``owner`` name a declared system? is ``from_stage`` a
declared stage?) are *not* checked here: the linter reports all of them at once, each with a
code and a fix (``splitbrain.matrix.lint``).

Example::

    matrix = load_matrix("scenarios/matrices/telehealth.yaml")
    matrix.fields["legal_name"].owner[1].from_stage   # -> "in_care"
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from splitbrain.matrix.marks import SourceMap
from splitbrain.matrix.vocabulary import ConflictRule, DisclosureClass, SyncDirection, ValueKind

_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
Name = Annotated[str, StringConstraints(pattern=_NAME_PATTERN)]
"""A snake_case identifier: systems, roles, stages, fields and enum tables."""

_SLA = re.compile(r"^(\d+)([mhdw])$")
_SLA_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
SLA_FORMAT = "a duration like 30m, 4h, 2d or 1w (a whole number and one unit: m, h, d, w)"


def parse_sla(raw: object) -> timedelta:
    """``"4h"`` -> 4 hours. Only the matrix's own short form is accepted, never bare numbers."""
    if isinstance(raw, timedelta) and raw > timedelta(0):
        return raw
    match = _SLA.match(raw) if isinstance(raw, str) else None
    if match is None or int(match.group(1)) == 0:
        raise PydanticCustomError("sla_format", "expected {expected}", {"expected": SLA_FORMAT})
    return timedelta(**{_SLA_UNIT[match.group(2)]: int(match.group(1))})


def format_sla(sla: timedelta) -> str:
    """4 hours -> ``"4h"``: the largest unit that divides it (so a dumped matrix reloads)."""
    for unit, name in (("w", "weeks"), ("d", "days"), ("h", "hours"), ("m", "minutes")):
        size = timedelta(**{name: 1})
        if sla % size == timedelta(0):
            return f"{sla // size}{unit}"
    raise ValueError(f"an SLA of {sla} is not a whole number of minutes")


def _version_text(raw: object) -> object:
    """``version: 3`` reads as "3"; a float is refused because YAML turns 3.10 into 3.1."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        raise PydanticCustomError(
            "version_float",
            "expected {expected}",
            {"expected": 'a string: quote the version, e.g. version: "3.10"'},
        )
    return raw


def _owner_list(raw: object) -> object:
    """``owner: ehr`` is shorthand for ``owner: [{system: ehr}]`` (one owner at every stage)."""
    return [{"system": raw}] if isinstance(raw, str) else raw


def _unique(values: list[str], what: str) -> list[str]:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise PydanticCustomError(
            "repeated",
            "expected each {what} once; repeated: {repeated}",
            {"what": what, "repeated": ", ".join(repeated), "expected": f"each {what} once"},
        )
    return values


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SystemSpec(_Model):
    """A system the integration connects (``ehr``, ``crm``, ``portal``)."""

    label: str | None = None
    description: str = ""


class RoleSpec(_Model):
    """A kind of actor: people (``provider``, ``clinical_ops``) or ``automation``."""

    label: str | None = None
    description: str = ""


class EnumTable(_Model):
    """Canonical values and, per system, the system's own values mapped to canonical ones."""

    description: str = ""
    canonical: list[str] = Field(min_length=1)
    systems: dict[Name, dict[str, str]] = Field(default_factory=dict)

    @field_validator("canonical")
    @classmethod
    def _canonical_once(cls, values: list[str]) -> list[str]:
        return _unique(values, "canonical value")


class OwnerSpan(_Model):
    """``system`` owns the field over a run of stages.

    ``from_stage`` is inclusive, ``before_stage`` exclusive; either may be left out (from the
    first stage, up to the last). ``stages`` lists stages explicitly instead.
    """

    system: Name
    from_stage: Name | None = None
    before_stage: Name | None = None
    stages: list[Name] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_way_to_say_stages(self) -> OwnerSpan:
        if self.stages is not None and (self.from_stage or self.before_stage):
            raise PydanticCustomError(
                "span_form",
                "expected {expected}",
                {"expected": "either stages: [...] or from_stage/before_stage, not both"},
            )
        return self


class SecondaryWriterSpec(_Model):
    """Who else may write: a system, a role, or both; optionally only some stages or values."""

    system: Name | None = None
    role: Name | None = None
    stages: list[Name] | None = Field(default=None, min_length=1)
    values: list[str] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _names_someone(self) -> SecondaryWriterSpec:
        if self.system is None and self.role is None:
            raise PydanticCustomError(
                "writer_nobody",
                "expected {expected}",
                {"expected": "a system, a role, or both (a writer must name someone)"},
            )
        return self


class FieldSpec(_Model):
    """One row of the matrix: who owns a field, who else may write it, what happens on conflict."""

    label: str | None = None
    description: str = ""
    kind: ValueKind = ValueKind.STRING
    enum: Name | None = None
    disclosure: DisclosureClass
    owner: Annotated[list[OwnerSpan], BeforeValidator(_owner_list), Field(min_length=1)]
    owner_roles: list[Name] | None = Field(default=None, min_length=1)
    secondary_writers: list[SecondaryWriterSpec] = Field(default_factory=list)
    sync: SyncDirection
    conflict_rule: ConflictRule
    fallback_rules: list[ConflictRule] = Field(default_factory=list)
    escalation_owner: Name
    sla: Annotated[timedelta, BeforeValidator(parse_sla), PlainSerializer(format_sla)]
    critical: StrictBool = False
    immutable_outside_owner: StrictBool = False

    @property
    def rules(self) -> tuple[ConflictRule, ...]:
        """The rule chain: ``conflict_rule`` first, then each fallback in order."""
        return (self.conflict_rule, *self.fallback_rules)

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        if (self.kind is ValueKind.ENUM) != (self.enum is not None):
            raise PydanticCustomError(
                "enum_kind",
                "expected {expected}",
                {"expected": "kind: enum together with enum: <table name>, or neither"},
            )
        chain = [rule.value for rule in self.rules]
        _unique(chain, "rule in conflict_rule and fallback_rules")
        if ConflictRule.MANUAL_REVIEW in chain[:-1]:
            raise PydanticCustomError(
                "manual_review_last",
                "expected {expected}",
                {"expected": "manual_review last: no rule after it is ever asked"},
            )
        return self


class Matrix(_Model):
    """The whole ownership matrix: one document ops, clinical and engineering share."""

    name: Name
    version: Annotated[str, BeforeValidator(_version_text), Field(min_length=1)]
    description: str = ""
    stage_field: Name = "care_stage"
    systems: dict[Name, SystemSpec] = Field(min_length=1)
    roles: dict[Name, RoleSpec] = Field(min_length=1)
    stages: list[Name] = Field(min_length=1)
    enums: dict[Name, EnumTable] = Field(default_factory=dict)
    fields: dict[Name, FieldSpec] = Field(min_length=1)

    _source: SourceMap = PrivateAttr(default_factory=SourceMap.empty)

    @field_validator("stages")
    @classmethod
    def _stages_once(cls, values: list[str]) -> list[str]:
        return _unique(values, "stage")

    @property
    def label(self) -> str:
        """``telehealth v3``: how messages name the matrix."""
        return f"{self.name} v{self.version}"

    @property
    def source(self) -> SourceMap:
        """Where each YAML path was written (file and lines); empty for a matrix built in code."""
        return self._source

    def with_source(self, source: SourceMap) -> Matrix:
        """This matrix, remembering the file and line marks it was loaded from."""
        self._source = source
        return self

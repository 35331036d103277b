"""The disclosure paths file: the minimum-necessary entry of every integration path (DESIGN §6).

It sits beside the ownership matrix (``telehealth.yaml`` -> ``telehealth.paths.yaml``) and is
linted with it (``splitbrain matrix lint FILE``; codes SB2xx in ``checks/paths.py``). Each path
is one (source, destination, purpose): the fields it may carry, the consent it needs, what
becomes of each field on the way out (``pass``, ``summarize``, ``tokenize``, ``drop``), how long
the destination keeps it and where the disclosure decision is audited.

Like the matrix, every mapping forbids unknown keys; cross-references (a field the matrix does
not list, a system it does not declare, an unknown purpose code) are lint findings, not loading
errors, so one run reports all of them with their fixes.

Example::

    paths = load_paths("scenarios/matrices/telehealth.paths.yaml")
    spec = paths.paths["ehr_to_crm_care_coordination"]
    spec.transform_of("medication_plan").transform     # -> Transform.SUMMARIZE
    spec.transform_of("phone").transform               # -> Transform.PASS (the default)
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from os import PathLike
from pathlib import Path
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
    model_validator,
)
from pydantic_core import PydanticCustomError

from splitbrain.matrix.marks import SourceMap
from splitbrain.matrix.model import Name, _version_text
from splitbrain.matrix.source import parse_yaml_model, read_text

PurposeCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*$")]
"""An HL7 v3 ActReason code, upper case (``TREAT``, ``HMARKT``); the lint checks it is known."""
TokenDomain = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
"""A token domain (``patient``, ``phone``): tokens of one domain correlate with each other."""

_RETENTION = re.compile(r"^(\d+)([dwy])$")
_RETENTION_DAYS = {"d": 1, "w": 7, "y": 365}
RETENTION_FORMAT = "a duration like 30d, 12w or 6y (a whole number and one unit: d, w, y)"
ENGINE_AUDIT = "engine"
"""The audit location naming the engine's own hash-chained log; systems name their own logs."""
_DOCUMENT = "a mapping with matrix, version and paths"


def parse_retention(raw: object) -> timedelta:
    """``"6y"`` -> 6 x 365 days. Only the short form is accepted."""
    if isinstance(raw, timedelta) and raw > timedelta(0):
        return raw
    match = _RETENTION.match(raw) if isinstance(raw, str) else None
    if match is None or int(match.group(1)) == 0:
        raise PydanticCustomError(
            "retention_format", "expected {expected}", {"expected": RETENTION_FORMAT}
        )
    return timedelta(days=int(match.group(1)) * _RETENTION_DAYS[match.group(2)])


def format_retention(retention: timedelta) -> str:
    """6 x 365 days -> ``"6y"``: the largest unit that divides it (so a dumped file reloads)."""
    days = retention.days
    for unit in ("y", "w", "d"):
        if days % _RETENTION_DAYS[unit] == 0:
            return f"{days // _RETENTION_DAYS[unit]}{unit}"
    raise ValueError(f"a retention of {retention} is not a whole number of days")


class Transform(StrEnum):
    """What becomes of a field's value on the way out."""

    PASS = "pass"
    """The value leaves as it is."""
    SUMMARIZE = "summarize"
    """A registered summary function replaces it (``medication_plan`` -> "on GLP-1 therapy")."""
    TOKENIZE = "tokenize"
    """A vault token replaces it; only the vault resolves it back."""
    DROP = "drop"
    """Nothing leaves: the field is known on the path and withheld on purpose."""


def _transform_shorthand(raw: object) -> object:
    """``medication_plan: summarize`` is shorthand for ``{transform: summarize}``."""
    return {"transform": raw} if isinstance(raw, str) else raw


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TransformSpec(_Model):
    """A field's transform and its options.

    ``summary`` (summarize only) names the registered summary, default: the field's name.
    ``domain`` (tokenize only) names the token domain, default: the field's name; ``correlate``
    (tokenize only, default true) asks for a keyed HMAC token, stable per key version, so one
    value always gets one token; false asks for a random token, fresh at every disclosure.
    """

    transform: Transform
    summary: Name | None = None
    domain: TokenDomain | None = None
    correlate: StrictBool | None = None

    @model_validator(mode="after")
    def _options_fit(self) -> TransformSpec:
        if self.summary is not None and self.transform is not Transform.SUMMARIZE:
            _refuse("summary: only with transform: summarize")
        tokenizing = self.transform is Transform.TOKENIZE
        if (self.domain is not None or self.correlate is not None) and not tokenizing:
            _refuse("domain: and correlate: only with transform: tokenize")
        return self

    def summary_name(self, field: str) -> str:
        return self.summary or field

    def token_domain(self, field: str) -> str:
        return self.domain or field

    @property
    def correlates(self) -> bool:
        return self.correlate is not False


Spec = Annotated[TransformSpec, BeforeValidator(_transform_shorthand)]
PASS = TransformSpec(transform=Transform.PASS)


class PathSpec(_Model):
    """One integration path: (source, destination, purpose) and its minimum-necessary entry."""

    description: str = ""
    source: Name
    destination: Name
    purpose: PurposeCode
    consent: PurposeCode | None = None
    subject: Spec = PASS
    allowed_fields: list[Name] = Field(min_length=1)
    transforms: dict[Name, Spec] = Field(default_factory=dict)
    retention: Annotated[
        timedelta, BeforeValidator(parse_retention), PlainSerializer(format_retention)
    ]
    audit: list[Name] = Field(min_length=1)

    @model_validator(mode="after")
    def _subject_form(self) -> PathSpec:
        if self.subject.transform not in {Transform.PASS, Transform.TOKENIZE}:
            _refuse("subject: pass (the destination's own id) or tokenize (a vault token)")
        repeated = sorted({f for f in self.allowed_fields if self.allowed_fields.count(f) > 1})
        if repeated:
            _refuse(f"each allowed field once; repeated: {', '.join(repeated)}")
        return self

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.destination, self.purpose)

    def transform_of(self, field: str) -> TransformSpec:
        """The field's transform: its entry under ``transforms``, else ``pass``."""
        return self.transforms.get(field, PASS)


class PathsFile(_Model):
    """Every integration path of one matrix."""

    matrix: Name
    version: Annotated[str, BeforeValidator(_version_text), Field(min_length=1)]
    description: str = ""
    paths: dict[Name, PathSpec] = Field(min_length=1)

    _source: SourceMap = PrivateAttr(default_factory=SourceMap.empty)

    @property
    def label(self) -> str:
        """``telehealth paths v1``: how messages name the file."""
        return f"{self.matrix} paths v{self.version}"

    @property
    def source(self) -> SourceMap:
        return self._source

    def with_source(self, source: SourceMap) -> PathsFile:
        self._source = source
        return self


def load_paths(path: str | PathLike[str]) -> PathsFile:
    """Read, parse and validate a paths file; raise a ``MatrixLoadError`` naming the line."""
    return parse_paths(read_text(path), file=str(path))


def parse_paths(text: str, *, file: str = "<paths>") -> PathsFile:
    paths, source = parse_yaml_model(text, PathsFile, file=file, document=_DOCUMENT)
    return paths.with_source(source)


def default_paths_for(matrix_file: str | PathLike[str]) -> Path:
    """``telehealth.yaml`` -> ``telehealth.paths.yaml`` beside it."""
    matrix_path = Path(matrix_file)
    return matrix_path.with_name(f"{matrix_path.stem}.paths.yaml")


def _refuse(expected: str) -> None:
    raise PydanticCustomError("paths_form", "expected {expected}", {"expected": expected})

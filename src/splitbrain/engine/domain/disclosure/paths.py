"""A disclosure path as the domain sees it: (source, destination, purpose) and its field rules.

The operator-facing paths file (``splitbrain.matrix.paths``, YAML) is loaded elsewhere and
compiled into these; ``apply_path`` and the outbound builder read only this shape.

Example::

    path.key                                     # -> PathKey("ehr", "crm", "TREAT")
    path.fields["medication_plan"].transform     # -> Transform.SUMMARIZE
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

Summary = Callable[[str], str | None]
"""A field-specific summary: the value in, the summary out (None: nothing to say)."""


class Transform(StrEnum):
    PASS = "pass"
    SUMMARIZE = "summarize"
    TOKENIZE = "tokenize"
    DROP = "drop"


@dataclass(frozen=True, slots=True)
class PathKey:
    source: str
    destination: str
    purpose: str

    def __str__(self) -> str:
        return f"{self.source}->{self.destination}:{self.purpose}"


@dataclass(frozen=True, slots=True)
class FieldRule:
    """What becomes of one allowed field (or of the subject) on a path."""

    field: str
    transform: Transform = Transform.PASS
    summary: str | None = None
    """summarize: the registered summary's name."""
    token_domain: str | None = None
    """tokenize: the token domain."""
    correlate: bool = True
    """tokenize: a keyed HMAC token (True) or a random one (False)."""
    summarizer: Summary | None = dataclasses.field(default=None, compare=False, repr=False)
    """summarize: the summary function, bound when the path is compiled."""


@dataclass(frozen=True, slots=True)
class DisclosurePath:
    """One path's minimum-necessary entry. ``fields`` holds the allowed fields only."""

    name: str
    key: PathKey
    fields: Mapping[str, FieldRule]
    subject: FieldRule = FieldRule("subject")
    consent: str | None = None
    """The purpose the person must have consented to; None when the path needs no consent."""
    retention: timedelta = timedelta(0)
    audit: tuple[str, ...] = ("engine",)
    description: str = ""

    @property
    def leaving(self) -> tuple[str, ...]:
        """The allowed fields whose transform lets something leave (all but drop)."""
        return tuple(n for n, rule in self.fields.items() if rule.transform is not Transform.DROP)

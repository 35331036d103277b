"""Apply a path to one outbound payload: only the allowed fields leave, each transformed.

``apply_path`` is total over its input: a field the path does not allow is withheld (named in
``withheld``, its value never copied), a dropped field too, and every other field goes through
its transform. A value that is None (cleared at the source) leaves as None. A summary that has
nothing to say withholds the field.

Example::

    out = apply_path(path, "per_000123", {"medication_plan": "semaglutide 1 mg weekly",
                                          "diagnosis": "E66.9"}, tokens=vault)
    out.subject                 # -> "tok_patient_k1_..."
    dict(out.fields)            # -> {"medication_plan": "on GLP-1 therapy"}
    out.withheld                # -> ("diagnosis",)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from splitbrain.engine.domain.disclosure.errors import (
    TokenPortMissing,
    UnknownSummary,
    UnsafePath,
)
from splitbrain.engine.domain.disclosure.paths import DisclosurePath, FieldRule, PathKey, Transform


class TokenPort(Protocol):
    """Issues tokens (the vault implements it); the domain never sees a key."""

    def tokenize(self, domain: str, value: str, *, correlate: bool) -> str:
        """A token for ``value`` in ``domain``: keyed and stable if ``correlate``, else random."""
        ...


@dataclass(frozen=True, slots=True)
class OutboundPayload:
    """What may leave on ``path``: the subject as the destination knows it and the fields."""

    path: str
    key: PathKey
    subject: str
    fields: Mapping[str, str | None]
    transforms: tuple[tuple[str, Transform], ...]
    """(field, transform) of every field that left, in payload order."""
    withheld: tuple[str, ...]
    """Names of the input fields that did not leave: not allowed, dropped, or not summarizable."""


def apply_path(
    path: DisclosurePath,
    subject: str,
    payload: Mapping[str, str | None],
    *,
    tokens: TokenPort | None = None,
) -> OutboundPayload:
    """The outbound payload of ``payload`` on ``path``; nothing outside its allowed fields."""
    fields: dict[str, str | None] = {}
    applied: list[tuple[str, Transform]] = []
    withheld: list[str] = []
    for name, value in payload.items():
        rule = path.fields.get(name)
        if rule is None or rule.transform is Transform.DROP:
            withheld.append(name)
            continue
        out = None if value is None else _transform(rule, value, tokens)
        if value is not None and out is None:
            withheld.append(name)
            continue
        fields[name] = out
        applied.append((name, rule.transform))
    sent_subject = _transform(path.subject, subject, tokens)
    if sent_subject is None:
        raise UnsafePath(f"path {path.name}: the subject must pass or be tokenized")
    return OutboundPayload(
        path.name, path.key, sent_subject, fields, tuple(applied), tuple(withheld)
    )


def _transform(rule: FieldRule, value: str, tokens: TokenPort | None) -> str | None:
    if rule.transform is Transform.PASS:
        return value
    if rule.transform is Transform.DROP:
        return None
    if rule.transform is Transform.SUMMARIZE:
        if rule.summarizer is None:
            raise UnknownSummary(
                f"field {rule.field!r}: summary {rule.summary!r} is not bound; compile the "
                "paths with compile_disclosure before applying them"
            )
        return rule.summarizer(value)
    if tokens is None:
        raise TokenPortMissing(
            f"field {rule.field!r} is tokenized on this path; pass tokens=<the vault>"
        )
    return tokens.tokenize(rule.token_domain or rule.field, value, correlate=rule.correlate)

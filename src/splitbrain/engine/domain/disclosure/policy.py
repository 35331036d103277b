"""``DisclosurePolicy``: every path of a matrix, compiled, checked and ready to apply.

``compile_disclosure`` binds each summarize transform to its summary function and refuses a
path set the engine must not run, whatever the linter said: a restricted value raw to the CRM,
a highly restricted value raw out of its owner, a person named to the CRM by anything but a
correlating token, a field the policy does not list, or two entries for one key.

Example::

    disclosure = compile_disclosure(policy, paths, version="1")
    path = disclosure.path("ehr", "crm", "TREAT")
    disclosure.classify("diagnosis")            # -> DisclosureClass.PHI_RESTRICTED
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from types import MappingProxyType

from splitbrain.engine.domain.disclosure.classes import CRM, HANDLING, Handling
from splitbrain.engine.domain.disclosure.errors import (
    PathInvalid,
    UnknownField,
    UnknownSummary,
    UnsafePath,
)
from splitbrain.engine.domain.disclosure.paths import (
    DisclosurePath,
    FieldRule,
    PathKey,
    Summary,
    Transform,
)
from splitbrain.engine.domain.disclosure.summaries import DEFAULT_SUMMARIES, code_summary
from splitbrain.engine.domain.policy import DisclosureClass, Policy, StageOwner


@dataclass(frozen=True, slots=True)
class DisclosurePolicy:
    """The compiled paths of one matrix; ``version`` is the paths file's."""

    matrix: str
    matrix_version: str
    version: str
    classes: Mapping[str, DisclosureClass]
    paths: Mapping[PathKey, DisclosurePath]

    def path(self, source: str, destination: str, purpose: str) -> DisclosurePath | None:
        return self.paths.get(PathKey(source, destination, purpose))

    def classify(self, field: str) -> DisclosureClass:
        """The field's disclosure class, from the matrix."""
        try:
            return self.classes[field]
        except KeyError:
            raise UnknownField(
                f"field {field!r} is not in matrix {self.matrix} v{self.matrix_version}; "
                "classify only matrix fields"
            ) from None

    def handling(self, field: str) -> Handling:
        """What the field's class means for routing, display, logging and retention."""
        return HANDLING[self.classify(field)]

    def retention(self, path: DisclosurePath, field: str) -> timedelta | None:
        """How long ``path``'s destination may keep ``field``; None: not at all."""
        rule = path.fields.get(field)
        if rule is None or rule.transform is Transform.DROP:
            return None
        keeps = self.handling(field).kept_outside_owner or rule.transform is not Transform.PASS
        return path.retention if keeps else None


def compile_disclosure(
    policy: Policy,
    paths: Iterable[DisclosurePath],
    *,
    version: str,
    summaries: Mapping[str, Summary] = DEFAULT_SUMMARIES,
) -> DisclosurePolicy:
    """Check ``paths`` against ``policy`` and bind their summaries."""
    bound: dict[PathKey, DisclosurePath] = {}
    for path in paths:
        if path.key in bound:
            raise PathInvalid(
                f"paths {bound[path.key].name!r} and {path.name!r} share the key {path.key}; "
                "keep one entry per (source, destination, purpose)"
            )
        bound[path.key] = _compiled(policy, path, summaries)
    classes = {name: row.disclosure for name, row in policy.fields.items()}
    return DisclosurePolicy(
        matrix=policy.name,
        matrix_version=policy.version,
        version=version,
        classes=MappingProxyType(classes),
        paths=MappingProxyType(bound),
    )


def _compiled(
    policy: Policy, path: DisclosurePath, summaries: Mapping[str, Summary]
) -> DisclosurePath:
    _check_subject(path)
    rules = {name: _rule(policy, path, rule, summaries) for name, rule in path.fields.items()}
    return replace(path, fields=MappingProxyType(rules))


def _check_subject(path: DisclosurePath) -> None:
    subject = path.subject
    if subject.transform not in {Transform.PASS, Transform.TOKENIZE}:
        raise UnsafePath(f"path {path.name}: the subject must pass or be tokenized")
    to_crm = path.key.destination == CRM
    if to_crm and not (subject.transform is Transform.TOKENIZE and subject.correlate):
        raise UnsafePath(
            f"path {path.name} names the person to the CRM without a correlating token; "
            "set its subject to tokenize (correlate)"
        )


def _rule(
    policy: Policy, path: DisclosurePath, rule: FieldRule, summaries: Mapping[str, Summary]
) -> FieldRule:
    row = policy.fields.get(rule.field)
    if row is None:
        raise PathInvalid(
            f"path {path.name} allows field {rule.field!r}, which matrix {policy.label} "
            "does not list"
        )
    handling = HANDLING[row.disclosure]
    if rule.transform is Transform.PASS:
        _check_raw(path, rule.field, row.disclosure, handling, row.owners)
    if rule.transform is not Transform.SUMMARIZE:
        return rule
    name = rule.summary or rule.field
    return replace(rule, summary=name, summarizer=_summary(policy, path, name, summaries))


def _check_raw(
    path: DisclosurePath,
    field: str,
    disclosure: DisclosureClass,
    handling: Handling,
    owners: Iterable[StageOwner],
) -> None:
    if path.key.destination == CRM and not handling.crm_raw:
        raise UnsafePath(
            f"path {path.name} would send {disclosure.value} field {field!r} raw to the CRM; "
            "drop, summarize or tokenize it"
        )
    owner_systems = {owner.system for owner in owners}
    if not handling.leaves_owner_raw and path.key.destination not in owner_systems:
        raise UnsafePath(
            f"path {path.name} would send {disclosure.value} field {field!r} raw out of its "
            "owner system; keep it there"
        )


def _summary(
    policy: Policy, path: DisclosurePath, name: str, summaries: Mapping[str, Summary]
) -> Summary:
    if name in summaries:
        return summaries[name]
    if name in policy.enums:
        return code_summary(policy.enums[name].canonical)
    known = sorted({*summaries, *policy.enums})
    raise UnknownSummary(
        f"path {path.name} names the summary {name!r}, which is not registered; use one of "
        f"{', '.join(known)} or register it"
    )

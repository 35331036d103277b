"""The outbound-payload builder: the one door through which a person's data leaves the engine.

For each request (person, source, destination, purpose, payload), in order:

1. find the path (source, destination, purpose); none: deny (``no_path``), nothing leaves;
2. when the path requires consent, ask the consent decision point *now*, at the moment of
   disclosure (never at enqueue); a deny is final (``consent_denied``);
3. apply the path: only the allowed fields leave, each through its transform (summaries,
   vault tokens); the subject becomes a token where the path says so;
4. audit the decision, allow or deny (action ``disclose.decide``): path, purpose, consent
   reference and version, policy versions, the names of the fields that left and keyed
   fingerprints of what left; never a value. A failed audit write fails the disclosure
   (``AuditWriteFailed``): nothing is returned, so nothing is sent.

Permits and denials are outcomes (``DisclosurePermitted`` / ``DisclosureDenied``), not errors.

Example::

    builder = OutboundBuilder(disclosure, tokens=vault, consent=consent_service,
                              audit=audit_log, clock=clock)
    outcome = builder.build(DisclosureRequest("per_0001", "ehr", "crm", "HMARKT",
                                              {"medication_plan": "semaglutide 1 mg weekly"}))
    if isinstance(outcome, DisclosurePermitted):
        crm.upsert(outcome.payload.subject, outcome.payload.fields)
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from splitbrain.engine.domain.audit import AuditEvent, AuditOutcome, AuditSink, AuditWriteError
from splitbrain.engine.domain.audit.event import CODE_PATTERN
from splitbrain.engine.domain.consent import EnforcementPoint
from splitbrain.engine.domain.disclosure import (
    DisclosurePath,
    DisclosurePolicy,
    OutboundPayload,
    TokenPort,
    apply_path,
)
from splitbrain.engine.service_layer.clock import Clock
from splitbrain.engine.service_layer.errors import AuditWriteFailed

ACTION = "disclose.decide"
SERVICE = "engine"
_CODE = re.compile(CODE_PATTERN)


class ConsentVerdict(Protocol):
    """What the disclosure point reads from a consent decision (``ConsentDecision`` fits)."""

    @property
    def permitted(self) -> bool: ...
    @property
    def reason(self) -> str: ...
    @property
    def consent_ref(self) -> str | None: ...
    @property
    def consent_version(self) -> int | None: ...
    @property
    def policy_version(self) -> str: ...


class ConsentCheck(Protocol):
    """The consent decision point, asked at the moment of disclosure (``ConsentService`` fits)."""

    def decide(
        self,
        person: str,
        purpose: str,
        channel: str | None,
        *,
        point: EnforcementPoint = ...,
        actor: str = ...,
        role: str = ...,
        correlation_id: str | None = ...,
    ) -> ConsentVerdict: ...


class DenyReason(StrEnum):
    NO_PATH = "no_path"
    CONSENT_DENIED = "consent_denied"


@dataclass(frozen=True, slots=True)
class DisclosureRequest:
    """Send ``payload`` of ``person`` (an engine id) from ``source`` to ``destination``."""

    person: str
    source: str
    destination: str
    purpose: str
    payload: Mapping[str, str | None] = dataclasses.field(repr=False)
    channel: str | None = None
    correlation_id: str | None = None
    actor: str = "engine"
    role: str = "automation"


@dataclass(frozen=True, slots=True)
class DisclosurePermitted:
    request: DisclosureRequest
    payload: OutboundPayload = dataclasses.field(repr=False)
    consent: ConsentVerdict | None = None


@dataclass(frozen=True, slots=True)
class DisclosureDenied:
    request: DisclosureRequest
    reason: DenyReason
    path: str | None = None
    consent: ConsentVerdict | None = None


DisclosureOutcome = DisclosurePermitted | DisclosureDenied
Outcome = TypeVar("Outcome", DisclosurePermitted, DisclosureDenied)


class OutboundBuilder:
    """Builds every outbound payload; see the module docstring for the steps."""

    def __init__(
        self,
        policy: DisclosurePolicy,
        *,
        tokens: TokenPort,
        consent: ConsentCheck,
        audit: AuditSink,
        clock: Clock,
        transaction: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> None:
        self.policy = policy
        self._tokens = tokens
        self._consent = consent
        self._audit = audit
        self._clock = clock
        self._transaction = transaction

    def build(self, request: DisclosureRequest) -> DisclosureOutcome:
        """Permit (with the payload that may leave) or deny ``request``; audited either way."""
        path = self.policy.path(request.source, request.destination, request.purpose)
        if path is None:
            return self._record(DisclosureDenied(request, DenyReason.NO_PATH))
        verdict = self._consent_for(path, request)
        if verdict is not None and not verdict.permitted:
            denied = DisclosureDenied(request, DenyReason.CONSENT_DENIED, path.name, verdict)
            return self._record(denied)
        payload = apply_path(path, request.person, request.payload, tokens=self._tokens)
        return self._record(DisclosurePermitted(request, payload, verdict))

    def _consent_for(
        self, path: DisclosurePath, request: DisclosureRequest
    ) -> ConsentVerdict | None:
        if path.consent is None:
            return None
        return self._consent.decide(
            request.person,
            path.consent,
            request.channel,
            point=EnforcementPoint.DISCLOSURE,
            actor=request.actor,
            role=request.role,
            correlation_id=request.correlation_id,
        )

    def _record(self, outcome: Outcome) -> Outcome:
        event = self._event(outcome, self._clock.now())
        try:
            with self._transaction():
                self._audit.append(event)
        except AuditWriteError as exc:
            request = outcome.request
            raise AuditWriteFailed(ACTION, request.correlation_id or request.person) from exc
        self._audit.checkpoint_if_due()
        return outcome

    def _event(self, outcome: DisclosureOutcome, now: datetime) -> AuditEvent:
        request, verdict = outcome.request, outcome.consent
        permitted = isinstance(outcome, DisclosurePermitted)
        extra = [
            ("source", self._code(request.source)),
            ("destination", self._code(request.destination)),
            ("paths_version", self._code(self.policy.version)),
            *self._consent_extra(verdict),
            *self._outcome_extra(outcome),
        ]
        if request.channel is not None:
            extra.append(("channel", self._code(request.channel)))
        names, prints = self._fields(outcome)
        return AuditEvent(
            actor=self._code(request.actor),
            role=self._code(request.role),
            service=SERVICE,
            action=ACTION,
            outcome=AuditOutcome.PERMIT if permitted else AuditOutcome.DENY,
            at=now,
            reason=None if isinstance(outcome, DisclosurePermitted) else outcome.reason.value,
            matrix_version=self._code(self.policy.matrix_version),
            policy_version=None if verdict is None else self._code(verdict.policy_version),
            purpose=self._code(request.purpose),
            consent_ref=None if verdict is None else self._optional(verdict.consent_ref),
            person=self._code(request.person),
            correlation_id=self._optional(request.correlation_id),
            field_names=names,
            fingerprints=prints,
            extra=tuple(extra),
        )

    def _consent_extra(self, verdict: ConsentVerdict | None) -> list[tuple[str, str]]:
        if verdict is None:
            return [("consent", "not_required")]
        found = [("consent", "permit" if verdict.permitted else "deny")]
        found.append(("consent_reason", self._code(str(verdict.reason))))
        if verdict.consent_version is not None:
            found.append(("consent_version", str(verdict.consent_version)))
        return found

    def _outcome_extra(self, outcome: DisclosureOutcome) -> list[tuple[str, str]]:
        request = outcome.request
        path = self.policy.path(request.source, request.destination, request.purpose)
        found = [] if path is None else [("path", path.name), ("audit", "/".join(path.audit))]
        if isinstance(outcome, DisclosureDenied):
            return found
        payload = outcome.payload
        found.append(("subject", self._code(payload.subject)))
        found += [(f"transform.{name}", kind.value) for name, kind in payload.transforms]
        if payload.withheld:
            found.append(("withheld", str(len(payload.withheld))))
        return found

    def _fields(
        self, outcome: DisclosureOutcome
    ) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        if isinstance(outcome, DisclosureDenied):
            return _names(outcome.request.payload), ()
        sent = outcome.payload.fields
        prints = tuple(
            (name, self._audit.fingerprint(value))
            for name, value in sent.items()
            if value is not None and self._fingerprinted(name)
        )
        return tuple(sent), prints

    def _fingerprinted(self, field: str) -> bool:
        return field in self.policy.classes and self.policy.handling(field).fingerprint_in_logs

    def _code(self, text: str) -> str:
        return text if _CODE.fullmatch(text) else self._audit.fingerprint(text)

    def _optional(self, text: str | None) -> str | None:
        return None if text is None else self._code(text)


_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,99}")


def _names(payload: Mapping[str, str | None]) -> tuple[str, ...]:
    """The requested field names that look like field names (a garbled key is left out)."""
    return tuple(name for name in payload if _FIELD.fullmatch(name))

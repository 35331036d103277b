"""CRM and portal change events (JSON webhooks) into the engine's facts.

Both simulators send ``{type, resource, id, version, changed, actor, occurred_at, record}``.
An event's inbox id is ``{system}:{resource}/{id}@{version}``: one id per record version, so a
redelivery (or the same change announced twice) is recognised. The actor's role comes from the
configured directory (``actor_roles``: the client names and roles the systems hand out); events
caused by the engine's own writes (``engine_actors``) are echoes and change nothing.

Events of a type the engine does not sync (the CRM's ``message.sent`` / ``message.refused``
outreach log, leads, cases) are ``Ignored`` by their ``type`` before anything else is checked,
under an id made from the type and the body's digest: an expected outcome, counted, never a
dead letter. Only a malformed event of a synced type (or one without a ``type``) is poison.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Final

import orjson

from splitbrain.engine.adapters.sync_fields import crm_fields, identity_of, portal_fields
from splitbrain.engine.domain.policy import Policy, Provenance
from splitbrain.engine.service_layer.sync.inbound import (
    ConsentChanged,
    Ignored,
    Inbound,
    PoisonEventError,
    RecordChanged,
    SourceRecord,
    WorkflowEvent,
    WorkflowKind,
)
from splitbrain.engine.service_layer.sync.model import InboxItem

_PROVENANCE = {
    "automation": Provenance.AUTOMATION,
    "provider": Provenance.PROVIDER_VERIFIED,
}
FieldReader = Callable[[Mapping[str, Any], Policy | None], dict[str, str | None]]
"""A system's record into matrix fields (``sync_fields.crm_fields``, ``portal_fields``)."""
_REQUIRED = ("type", "resource", "id", "version", "actor", "occurred_at")
SYNCED_TYPES: Final[Mapping[str, tuple[str, ...]]] = {
    "crm": ("contact.",),
    "portal": ("account.", "preferences.", "consent.", "intake."),
}
"""Per system, the event type prefixes the engine syncs; every other type is ignored by type."""


def unsynced_type(system: str, body: bytes) -> str | None:
    """The event's ``type`` when it is one the engine does not sync, else None (a synced type,
    or a body too broken to say: those are validated and may be poison)."""
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    kind = event.get("type") if isinstance(event, dict) else None
    if not isinstance(kind, str) or not kind or kind.startswith(SYNCED_TYPES.get(system, ())):
        return None
    return kind


def event_id(system: str, body: bytes) -> str:
    """The inbox id of a webhook body; raises ``PoisonEventError`` when it is not an event."""
    kind = unsynced_type(system, body)
    if kind is not None:  # a redelivery of the same body gets the same id
        return f"{system}:{kind[:64]}:{hashlib.sha256(body).hexdigest()[:24]}"
    event = _event(f"{system}:?", body)
    return f"{system}:{event['resource']}/{event['id']}@{event['version']}"


def _ignored_type(system: str, item: InboxItem) -> list[Inbound] | None:
    kind = unsynced_type(system, item.payload)
    if kind is None:
        return None
    return [Ignored(f"{kind[:64]} is not a type the engine syncs", kind=f"unsynced:{kind[:64]}")]


def _event(ident: str, body: bytes) -> dict[str, Any]:
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PoisonEventError(
            ident, f"body is not JSON ({exc.msg}); send a change event"
        ) from None
    if not isinstance(event, dict):
        raise PoisonEventError(ident, "body is not a JSON object; send a change event")
    missing = [name for name in _REQUIRED if name not in event]
    if missing:
        raise PoisonEventError(ident, f"change event lacks {', '.join(missing)}; send every key")
    return event


def _when(ident: str, text: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        raise PoisonEventError(
            ident, "occurred_at is not an ISO 8601 time with an offset"
        ) from None


@dataclass(frozen=True, slots=True)
class _Webhooks:
    policy: Policy
    actor_roles: Mapping[str, str] = field(default_factory=dict)
    engine_actors: frozenset[str] = frozenset({"engine"})
    system: ClassVar[str] = ""

    def settled(self, body: bytes) -> Ignored | None:
        """What ``translate`` would make of ``body`` when the door can tell on receipt: an echo
        of the engine's own write (a synced event whose actor is the engine's) is ``Ignored``;
        anything else (and any body it cannot read) is None, for the worker to translate."""
        if unsynced_type(self.system, body) is not None:
            return None
        try:
            event = _event(f"{self.system}:?", body)
        except PoisonEventError:
            return None
        if event["actor"] in self.engine_actors:
            return Ignored("echo of the engine's own write")
        return None

    def _role(self, actor: str) -> str:
        return self.actor_roles.get(actor, actor)

    def _changed(
        self, *, system: str, event: Mapping[str, Any], record: Mapping[str, Any],
        read: FieldReader, ident: str,
    ) -> RecordChanged:  # fmt: skip
        """The fields ``record`` carries that the event says changed (all of them on a create),
        attributed to the person record (the record itself, or the account/contact it names)."""
        created = str(event["type"]).endswith(".created")
        fields = read(record, self.policy)
        names = fields if created else read(
            {c: record.get(c) for c in event.get("changed") or []}, self.policy
        )  # fmt: skip
        own = event["resource"] in ("Contact", "Account")
        record_id = str(
            event["id"] if own else record.get("account_id") or record.get("contact_id") or ""
        )
        if not record_id:
            raise PoisonEventError(ident, f"{event['resource']} event names no person record")
        role = self._role(str(event["actor"]))
        custom = record.get("custom")
        return RecordChanged(
            record=SourceRecord(
                system, record_id, str(event["version"]) if own else None,
                # only the record's own events say who it is (an update re-files its changed
                # identity values): a part (the portal's preferences) names the account but
                # carries none of its identity
                identity_of(system, record_id, fields, record) if own else None,
            ),
            changes={name: fields[name] for name in names},
            actor=str(event["actor"]),
            role=role,
            occurred_at=_when(ident, event["occurred_at"]),
            provenance=_PROVENANCE.get(role, Provenance.USER_ENTERED),
            created=created,
            manual=role not in ("automation", "sync_engine"),
            override_reason=custom.get("override_reason") if isinstance(custom, dict) else None,
            part=None if own else SourceRecord(
                system, f"{record_id}/{str(event['resource']).lower()}", str(event["version"])
            ),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class CrmWebhooks(_Webhooks):
    system: ClassVar[str] = "crm"

    def translate(self, item: InboxItem) -> list[Inbound]:
        ignored = _ignored_type("crm", item)
        if ignored is not None:
            return ignored
        event = _event(item.event_id, item.payload)
        if event["actor"] in self.engine_actors:
            return [Ignored("echo of the engine's own write")]
        if event["resource"] != "Contact" or event["type"] == "contact.deleted":
            return [Ignored(f"{event['type']} carries no matrix field")]
        record = event.get("record") or {}
        return [self._changed(system="crm", event=event, record=record, read=crm_fields,
                              ident=item.event_id)]  # fmt: skip


@dataclass(frozen=True, slots=True)
class PortalWebhooks(_Webhooks):
    system: ClassVar[str] = "portal"

    def translate(self, item: InboxItem) -> list[Inbound]:
        ignored = _ignored_type("portal", item)
        if ignored is not None:
            return ignored
        event = _event(item.event_id, item.payload)
        if event["actor"] in self.engine_actors:
            return [Ignored("echo of the engine's own write")]
        kind, record = str(event["type"]), event.get("record") or {}
        if kind.startswith("consent."):
            return [self._consent(item.event_id, event, record)]
        if kind.startswith("intake."):
            return [self._intake(item.event_id, event, record)]
        if kind.startswith(("account.", "preferences.")) and not kind.endswith(".deleted"):
            return [self._changed(system="portal", event=event, record=record,
                                  read=portal_fields, ident=item.event_id)]  # fmt: skip
        return [Ignored(f"{kind} carries no matrix field")]

    def _consent(self, ident: str, event: Mapping[str, Any], record: Mapping[str, Any]) -> Inbound:
        try:
            account, purpose, channel = record["account_id"], record["purpose"], record["channel"]
        except KeyError as missing:
            raise PoisonEventError(ident, f"consent event lacks record.{missing.args[0]}") from None
        period = record.get("period") or {}
        end = period.get("end")
        return ConsentChanged(
            record=SourceRecord("portal", str(account), None),
            purpose=str(purpose), channel=str(channel),
            granted=event["type"] == "consent.granted",
            occurred_at=_when(ident, event["occurred_at"]),
            consent_ref=f"portal/Consent/{event['id']}",
            period_end=_when(ident, end) if end else None,
        )  # fmt: skip

    def _intake(self, ident: str, event: Mapping[str, Any], record: Mapping[str, Any]) -> Inbound:
        account = record.get("account_id")
        if not account:
            raise PoisonEventError(ident, "intake event lacks record.account_id")
        kind = (
            WorkflowKind.INTAKE_SUBMITTED
            if event["type"].endswith(".created")
            else WorkflowKind.INTAKE_UPDATED
        )
        return WorkflowEvent(
            record=SourceRecord("portal", str(account), None), kind=kind,
            reference=f"Intake/{event['id']}", actor=str(event["actor"]),
            role=self._role(str(event["actor"])), occurred_at=_when(ident, event["occurred_at"]),
        )  # fmt: skip

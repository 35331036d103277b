"""Every consent event, send and consent-flag write of a person, per purpose and channel.

Three sources meet here, keyed by (person, ``PURPOSE:channel``):

- the consent system's ``consent.grant`` / ``consent.revoke`` / ``consent.expire`` operations
  (field ``PURPOSE:channel``): what the patient decided, and when it was acknowledged;
- every ``send_message`` (field ``PURPOSE:channel``): what a consumer did;
- consumer flag writes (the CRM's ``consents.PURPOSE.channel`` = true/false): when a consumer
  learned of the decision.

The message-after-revocation detector and the revocation timing both read this log at the end,
when every operation (including grants still in flight at a send) is known.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from splitbrain.harness.checker.bindings import Bindings
from splitbrain.harness.checker.enums import FALSE_ID, TRUE_ID
from splitbrain.harness.checker.model import OK, Operation
from splitbrain.harness.checker.state import RecordState

__all__ = ["ConsentLog", "ConsentTrail"]

_REVOKES = frozenset(("consent.revoke", "consent.expire"))
_GRANT = "consent.grant"
SEND = "send_message"


@dataclass(slots=True)
class ConsentTrail:
    """One person's consent history for one purpose and channel (each list in stream order)."""

    revokes: list[Operation] = field(default_factory=list)
    grants: list[Operation] = field(default_factory=list)
    sends: list[Operation] = field(default_factory=list)
    flags_off: list[Operation] = field(default_factory=list)
    flags_on: list[Operation] = field(default_factory=list)


class ConsentLog:
    def __init__(self, bindings: Bindings) -> None:
        self._consent_system = bindings.consent_system
        self._prefixes = {
            system: b.consent_flags for system, b in bindings.systems.items() if b.consent_flags
        }
        self.trails: dict[tuple[str, str], ConsentTrail] = {}

    def items(self) -> Iterator[tuple[tuple[str, str], ConsentTrail]]:
        return iter(self.trails.items())

    def on_consent(self, op: Operation, rec: RecordState | None) -> None:
        if op.system != self._consent_system or op.field is None or op.type == "fail":
            return
        person = rec.person if rec is not None else None
        if person is None:
            return
        trail = self._trail(person, op.field)
        if op.f in _REVOKES:
            if op.type == OK:
                trail.revokes.append(op)
        elif op.f == _GRANT:
            trail.grants.append(op)

    def on_send(self, op: Operation, rec: RecordState | None) -> None:
        if op.type != OK or op.field is None or rec is None or rec.person is None:
            return
        self._trail(rec.person, op.field).sends.append(op)

    def on_write(self, op: Operation, rec: RecordState | None) -> None:
        prefix = self._prefixes.get(op.system)
        if prefix is None or rec is None or rec.person is None or op.type != OK or not op.fields:
            return
        for local, v in op.fields.items():
            if not local.startswith(prefix):
                continue
            purpose, _, channel = local[len(prefix) :].partition(".")
            trail = self._trail(rec.person, f"{purpose}:{channel}")
            if v == FALSE_ID:
                trail.flags_off.append(op)
            elif v == TRUE_ID:
                trail.flags_on.append(op)

    def _trail(self, person: str, purpose_channel: str) -> ConsentTrail:
        key = (person, purpose_channel)
        trail = self.trails.get(key)
        if trail is None:
            trail = self.trails[key] = ConsentTrail()
        return trail

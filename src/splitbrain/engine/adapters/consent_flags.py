"""The CRM's local consent flags, kept in process: the fake ``ConsentFlagSink``.

Until the runtime wires the real CRM (``bootstrap(consent_flags=...)``), the stores hand consent
changes to this sink, so tests and benchmarks can see what the CRM would now believe. Like a real
consumer it ignores a version older than one it already applied (events can arrive twice).

Example::

    flags = InMemoryConsentFlags()
    flags.set_flag(v2_revoked, allowed=False)
    flags.allows("tok_ana", "HMARKT", "sms")        # False
"""

from __future__ import annotations

from dataclasses import dataclass

from splitbrain.engine.domain.consent import Consent, Slot
from splitbrain.engine.service_layer.consent_ports import ConsentFlagSink

__all__ = ["FlagChange", "InMemoryConsentFlags"]


@dataclass(frozen=True, slots=True)
class FlagChange:
    slot: Slot
    allowed: bool
    consent_ref: str
    version: int


class InMemoryConsentFlags(ConsentFlagSink):
    def __init__(self) -> None:
        self._flags: dict[Slot, FlagChange] = {}
        self.received: list[FlagChange] = []
        """Every change handed to the sink, in order (duplicates and stale ones included)."""

    def set_flag(self, consent: Consent, *, allowed: bool) -> None:
        change = FlagChange(consent.slot, allowed, consent.ref, consent.version)
        self.received.append(change)
        seen = self._flags.get(consent.slot)
        if seen is None or seen.version < consent.version:
            self._flags[consent.slot] = change

    def allows(self, person: str, purpose: str, channel: str) -> bool:
        """The CRM's flag for the slot; absent means no (the CRM sends only on a true flag)."""
        change = self._flags.get((person, purpose, channel))
        return change is not None and change.allowed

    def flag(self, person: str, purpose: str, channel: str) -> FlagChange | None:
        return self._flags.get((person, purpose, channel))

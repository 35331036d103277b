# ruff: noqa: N818 -- STYLE §4 names errors for what happened (UnknownPurpose, ConsentRefused)
"""Errors of the consent domain: broken input, never an expected outcome (STYLE §3).

"No consent for marketing by SMS" is a *decision* (``decision.ConsentDecision``), not an error.
These are raised only when a request cannot be carried out as asked::

    ConsentError
     ├── UnknownPurpose          a purpose code not in the shipped HL7 v3 ActReason list
     ├── UnknownChannel          a channel other than sms, email, phone, portal, mail
     ├── InvalidPeriod           a naive time, or a period that ends before it starts
     ├── ConsentRefMismatch      a consent reference that belongs to another slot
     ├── SlotMismatch            a prior version of another slot handed to grant/revoke
     ├── ConsentRefused          an imported FHIR Consent that is invalid or unsupported
     │                           (``.path`` names the element, FHIRPath-like)
     └── OutreachRefused         an outreach message that cannot be queued or sent as asked
          ├── UnknownOutreach         no queued message has this id
          ├── OutreachIdReused        one message id queued twice for different messages
          └── OutreachAlreadyDecided  the message was already sent or blocked

Messages name person tokens, consent references, codes and element paths, never a PHI value.
"""

from __future__ import annotations


class ConsentError(Exception):
    """Root of every error the consent domain raises."""


class UnknownPurpose(ConsentError, ValueError):
    def __init__(self, code: str, where: str = "purpose") -> None:
        super().__init__(
            f"{where} {code!r} is not an HL7 v3 ActReason purpose this engine knows; use one of "
            "splitbrain.engine.domain.consent.PURPOSES (TREAT, CAREMGT, HMARKT, HRESCH, ...)"
        )
        self.code = code


class UnknownChannel(ConsentError, ValueError):
    def __init__(self, value: str, where: str = "channel") -> None:
        super().__init__(
            f"{where} {value!r} is not a consent channel; use one of sms, email, phone, portal, "
            "mail"
        )
        self.value = value


class InvalidPeriod(ConsentError, ValueError):
    """A period whose times are naive, or whose end is not after its start."""


class ConsentRefMismatch(ConsentError, ValueError):
    def __init__(self, given: str, existing: str, slot: str) -> None:
        super().__init__(
            f"consent reference {given} was given for {slot}, which already has consent "
            f"reference {existing}; one slot keeps one reference: send {existing} or none"
        )


class SlotMismatch(ConsentError, ValueError):
    def __init__(self, ref: str, slot: str) -> None:
        super().__init__(
            f"the prior version of consent {ref} belongs to another slot than {slot}; pass the "
            "current version of the same person, purpose and channel"
        )


class ConsentRefused(ConsentError, ValueError):
    """An imported FHIR Consent the engine cannot take: ``path`` names the element."""

    def __init__(self, path: str, why: str, *, resource: str | None = None) -> None:
        where = f"{resource}: " if resource else ""
        super().__init__(f"{where}{path}: {why}")
        self.path = path
        self.why = why
        self.resource = resource


class OutreachRefused(ConsentError):
    """An outreach message cannot be queued or sent as asked."""


class UnknownOutreach(OutreachRefused, LookupError):
    def __init__(self, message_id: str) -> None:
        super().__init__(
            f"no queued outreach message {message_id!r}; queue it first with QueueOutreach"
        )
        self.message_id = message_id


class OutreachIdReused(OutreachRefused, ValueError):
    def __init__(self, message_id: str) -> None:
        super().__init__(
            f"outreach message id {message_id} is already queued for another person, purpose "
            "or channel; give every message its own id"
        )
        self.message_id = message_id


class OutreachAlreadyDecided(OutreachRefused, ValueError):
    def __init__(self, message_id: str, status: str) -> None:
        super().__init__(
            f"outreach message {message_id} is already {status}; a message is decided once, at "
            "its send (queue a new message to try again)"
        )
        self.message_id = message_id

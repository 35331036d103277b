"""Builders for audit tests: keys, events, chains, and value-preserving bit flips."""

from __future__ import annotations

import string
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from splitbrain.engine.domain.audit import (
    AuditEntry,
    AuditEvent,
    AuditKeys,
    AuditOutcome,
    Checkpoint,
    chain,
    fingerprint,
    sign_checkpoint,
)

FINGERPRINT_KEY = bytes(range(32))
CHECKPOINT_KEY = bytes(range(100, 132))
KEYS = AuditKeys(fingerprint_key=FINGERPRINT_KEY, checkpoint_key=CHECKPOINT_KEY)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

CANARY_NAME = "Zorblax Quennefield"
CANARY_EMAIL = "zorblax.canary@example.org"
CANARY_PHONE = "+15550100199"
CANARY_VALUES = (CANARY_NAME, CANARY_EMAIL, CANARY_PHONE)

_CODE_CHARS = set(string.ascii_letters + string.digits + "_.:/#=-")
_HEX_CHARS = set("0123456789abcdef")


def make_event(i: int = 0, **changes: object) -> AuditEvent:
    """A full event (every optional field set) for write number ``i``."""
    event = AuditEvent(
        actor=f"usr_{i % 7}",
        role="intake_ops",
        service="engine",
        action="write.decide",
        outcome=AuditOutcome.APPLIED,
        at=START + timedelta(seconds=i),
        reason="owner",
        matrix_version="3",
        policy_version="consent-7",
        purpose="TREAT",
        consent_ref="consent-0001",
        person=f"per_{i:04d}",
        correlation_id=f"corr-{i}",
        match_grade="high",
        field_names=("legal_name", "phone"),
        fingerprints=(("legal_name", fingerprint(FINGERPRINT_KEY, f"{CANARY_NAME} {i}")),),
        extra=(("rule", "stage_owner_wins"), ("source_system", "crm")),
    )
    return replace(event, **changes) if changes else event


def build_chain(n: int, start: int = 0) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for i in range(start, start + n):
        entries.append(chain(entries[-1] if entries else None, make_event(i)))
    return entries


def rechain(entries: list[AuditEntry], from_index: int) -> list[AuditEntry]:
    """Recompute every hash from ``from_index`` on, as a forger with no key would."""
    out = entries[:from_index]
    for entry in entries[from_index:]:
        out.append(chain(out[-1] if out else None, entry.event))
    return out


def checkpoints_every(
    entries: list[AuditEntry], every: int, key: bytes = CHECKPOINT_KEY
) -> list[Checkpoint]:
    return [sign_checkpoint(e, key) for e in entries if e.seq % every == 0]


def flip_char(text: str, allowed: set[str], index: int = -1) -> str:
    """Flip the lowest bit of one character that keeps it in ``allowed``."""
    chars = list(text)
    original = chars[index]
    for bit in range(7):
        candidate = chr(ord(original) ^ (1 << bit))
        if candidate in allowed:
            chars[index] = candidate
            return "".join(chars)
    raise AssertionError("no single-bit flip stays in the allowed characters")


def flip_code(text: str) -> str:
    return flip_char(text, _CODE_CHARS)


def flip_hex(text: str) -> str:
    return flip_char(text, _HEX_CHARS)

"""Builders for token, vault and disclosure tests: fixed keys, a clock, seeded entropy, vaults."""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from datetime import UTC, datetime

from splitbrain.engine.adapters.audit_files import InMemoryCheckpointStore
from splitbrain.engine.adapters.audit_log import InMemoryAuditLog
from splitbrain.engine.adapters.vault import Vault
from splitbrain.engine.adapters.vault_store import InMemoryVaultStore
from splitbrain.engine.domain.audit import AuditKeys
from splitbrain.engine.domain.tokens import Credential, Keyring
from splitbrain.engine.domain.tokens.format import ALPHABET
from splitbrain.engine.service_layer.clock import FixedClock

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
KEY_1 = bytes(range(32))
KEY_2 = bytes(range(50, 82))
RING = Keyring({"k1": KEY_1}, "k1")
AUDIT_KEYS = AuditKeys(fingerprint_key=bytes(range(1, 33)), checkpoint_key=bytes(range(99, 131)))

CARE_TEAM = Credential.of("svc_care", "care_coordinator", "engine", ["resolve:patient"])
CRM_WITH_SCOPE = Credential.of("svc_crm", "automation", "crm", ["resolve:patient"])


def seeded_entropy(seed: int = 7) -> Callable[[int], bytes]:
    """Deterministic stand-in for ``secrets.token_bytes``."""
    return random.Random(seed).randbytes


def body_bytes(body: str) -> bytes:
    """The 20 bytes that encode to the 32-character token ``body``."""
    rfc = body.translate(str.maketrans(ALPHABET, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"))
    return base64.b32decode(rfc)


def memory_vault(
    keyring: Keyring = RING, *, clock: FixedClock | None = None, seed: int = 7
) -> Vault:
    audit = InMemoryAuditLog(InMemoryCheckpointStore(), AUDIT_KEYS)
    return Vault(
        InMemoryVaultStore(),
        keyring,
        audit,
        clock or FixedClock(START),
        entropy=seeded_entropy(seed),
    )

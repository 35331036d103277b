"""The vault: the only resolver of tokens, behind a narrow, scoped, audited interface (DESIGN §6).

- ``tokenize(domain, value, correlate=...)`` issues a token (the ``TokenPort`` of the
  disclosure domain): a keyed HMAC token under the current key when correlation is needed, a
  random one otherwise, and remembers what it stands for.
- ``resolve(token, credential)`` returns the value, only for a credential with the scope
  ``resolve:<domain>`` that was not issued to the CRM. Every resolution, allow and deny, is an
  audit event (action ``token.resolve``) holding the token, the scope and the reason, never the
  value; if the audit entry cannot be written the resolution fails (fail closed). A denial
  raises ``ResolutionDenied`` after it is audited.
- ``rotate()`` makes a new key current (new tokens use it; old tokens still resolve) and
  ``reindex()`` issues, for every token of an older key, its token under the current key:
  idempotent, it returns the (old, new) pairs so the CRM's references can be moved.

Example::

    vault = open_sqlite_vault(Path("out/vault.sqlite"), clock)
    token = vault.tokenize("patient", "per_000123", correlate=True)
    vault.resolve(token, Credential.of("svc_care", "care_coordinator", "engine",
                                       ["resolve:patient"]))       # -> "per_000123"
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from splitbrain.engine.adapters.audit_files import (
    JsonlCheckpointStore,
    checkpoint_path_for,
    keys_path_for,
    load_or_create_keys,
)
from splitbrain.engine.adapters.audit_log import SqliteAuditLog
from splitbrain.engine.adapters.vault_keys import (
    keyring_path_for,
    load_or_create_keyring,
    save_keyring,
)
from splitbrain.engine.adapters.vault_store import SqliteVaultStore, TokenEntry, VaultStore
from splitbrain.engine.domain.audit import AuditEvent, AuditOutcome, AuditSink, AuditWriteError
from splitbrain.engine.domain.audit.event import CODE_PATTERN
from splitbrain.engine.domain.tokens import (
    REFUSED_HOLDERS,
    Credential,
    DenyReason,
    Keyring,
    MalformedToken,
    ResolutionDenied,
    TokenParts,
    deny_message,
    hmac_token,
    parse_token,
    random_token,
    refusal,
    resolve_scope,
)
from splitbrain.engine.service_layer.clock import Clock
from splitbrain.engine.service_layer.errors import AuditWriteFailed

SERVICE = "vault"
RESOLVE_ACTION = "token.resolve"
_CODE = re.compile(CODE_PATTERN)


@dataclass(frozen=True, slots=True)
class ReindexReport:
    """What a re-index did: (old token, current-key token) per entry, and how many were new."""

    key_id: str
    pairs: tuple[tuple[str, str], ...]
    created: int


class Vault:
    """Issues tokens, resolves them for scoped credentials, rotates keys. See the module doc."""

    def __init__(
        self,
        store: VaultStore,
        keyring: Keyring,
        audit: AuditSink,
        clock: Clock,
        *,
        refused: frozenset[str] = REFUSED_HOLDERS,
        entropy: Callable[[int], bytes] = secrets.token_bytes,
        on_rotate: Callable[[Keyring], None] | None = None,
    ) -> None:
        self.store = store
        self.audit = audit
        self._keyring = keyring
        self._clock = clock
        self._refused = refused
        self._entropy = entropy
        self._on_rotate = on_rotate

    @property
    def key_id(self) -> str:
        """The current key's id (``k1``, ``k2``...)."""
        return self._keyring.current

    def tokenize(self, domain: str, value: str, *, correlate: bool = True) -> str:
        """A token for ``value`` in ``domain``, remembered so it can be resolved."""
        if correlate:
            token = hmac_token(self._keyring, domain, value)
        else:
            token = random_token(domain, value, self._entropy)
        parts = parse_token(token)
        self.store.put(TokenEntry(token, domain, parts.key_id, value, self._clock.now()))
        return token

    def resolve(self, token: str, credential: Credential) -> str:
        """The value ``token`` stands for; ``ResolutionDenied`` (audited) when refused."""
        parts = _parts(token)
        reason = DenyReason.MALFORMED_TOKEN if parts is None else self._refusal(credential, parts)
        entry = None if reason is not None else self.store.get(token)
        if reason is None and entry is None:
            reason = DenyReason.UNKNOWN_TOKEN
        self._audit(token, parts, credential, reason)
        if reason is not None or entry is None:
            shown = token if parts is not None else "(not a token)"
            denied = reason or DenyReason.UNKNOWN_TOKEN
            domain = parts.domain if parts is not None else None
            raise ResolutionDenied(shown, denied.value, deny_message(shown, denied, domain))
        return entry.value

    def rotate(self, secret: bytes | None = None) -> str:
        """Make a new key current (persisted through ``on_rotate``); return its id."""
        rotated = self._keyring.rotated(secret or self._entropy(32))
        if self._on_rotate is not None:
            self._on_rotate(rotated)
        self._keyring = rotated
        return rotated.current

    def reindex(self) -> ReindexReport:
        """Issue every older key's tokens under the current key. Idempotent."""
        pairs: list[tuple[str, str]] = []
        created = 0
        now = self._clock.now()
        for key_id in self._keyring.older():
            for entry in list(self.store.issued_under(key_id)):
                token = hmac_token(self._keyring, entry.domain, entry.value)
                new = TokenEntry(token, entry.domain, self.key_id, entry.value, now)
                created += self.store.put(new)
                pairs.append((entry.token, token))
        return ReindexReport(self.key_id, tuple(pairs), created)

    def _refusal(self, credential: Credential, parts: TokenParts) -> DenyReason | None:
        return refusal(credential, parts.domain, self._clock.now(), self._refused)

    def _audit(
        self,
        token: str,
        parts: TokenParts | None,
        credential: Credential,
        reason: DenyReason | None,
    ) -> None:
        event = AuditEvent(
            actor=self._code(credential.principal),
            role=self._code(credential.role),
            service=SERVICE,
            action=RESOLVE_ACTION,
            outcome=AuditOutcome.DENY if reason is not None else AuditOutcome.PERMIT,
            at=self._clock.now(),
            reason=None if reason is None else reason.value,
            extra=(
                ("token", token if parts is not None else self.audit.fingerprint(token)),
                ("scope", resolve_scope(parts.domain) if parts is not None else "none"),
                ("credential_system", self._code(credential.system)),
            ),
        )
        try:
            with self.store.transaction():
                self.audit.append(event)
        except AuditWriteError as exc:
            raise AuditWriteFailed(RESOLVE_ACTION, token if parts else "(not a token)") from exc
        self.audit.checkpoint_if_due()

    def _code(self, text: str) -> str:
        return text if _CODE.fullmatch(text) else self.audit.fingerprint(text)


def open_sqlite_vault(path: Path, clock: Clock, *, checkpoint_every: int = 1000) -> Vault:
    """The vault at ``path`` (created if needed), with its files beside it.

    ``<db>.token-keys.json`` (the token keyring), ``<db>.keys.json`` (the audit keys) and
    ``<db>.checkpoints.jsonl`` (the audit checkpoints), keys files with mode 0600. The vault's
    audit chain lives in the same database, so each resolution commits with its entry.
    """
    store = SqliteVaultStore.open(path)
    audit = SqliteAuditLog(
        store.conn,
        JsonlCheckpointStore(checkpoint_path_for(path)),
        load_or_create_keys(keys_path_for(path)),
        checkpoint_every=checkpoint_every,
    )
    keyring_path = keyring_path_for(path)
    return Vault(
        store,
        load_or_create_keyring(keyring_path),
        audit,
        clock,
        on_rotate=lambda ring: save_keyring(keyring_path, ring),
    )


def _parts(token: str) -> TokenParts | None:
    try:
        return parse_token(token)
    except MalformedToken:
        return None

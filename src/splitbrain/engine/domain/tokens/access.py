"""Who may resolve a token: scoped credentials, checked before the vault looks anything up.

A credential names its principal, role and the system it was issued to, and carries scopes;
``resolve:<domain>`` lets it resolve tokens of that domain (``resolve:patient_identity``). A
credential issued to the CRM (system or role ``crm``) never resolves anything, whatever its
scopes: the CRM works on tokens. Checks run before the lookup, so a caller without the right
cannot even learn whether a token exists.

Example::

    cred = Credential("usr_7", "clinical_ops", "engine", frozenset({"resolve:patient"}))
    refusal(cred, "patient", now)      # -> None (allowed)
    refusal(crm_cred, "patient", now)  # -> DenyReason.CRM_CREDENTIAL
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

RESOLVE = "resolve:"
CRM = "crm"
REFUSED_HOLDERS = frozenset({CRM})
"""Systems and roles whose credentials are refused outright."""


def resolve_scope(domain: str) -> str:
    """The scope that lets a credential resolve tokens of ``domain``: ``resolve:<domain>``."""
    return f"{RESOLVE}{domain}"


class DenyReason(StrEnum):
    """Why a resolution was refused (the audit event's reason)."""

    MALFORMED_TOKEN = "malformed_token"
    CRM_CREDENTIAL = "crm_credential"
    CREDENTIAL_EXPIRED = "credential_expired"
    SCOPE_MISSING = "scope_missing"
    UNKNOWN_TOKEN = "unknown_token"


@dataclass(frozen=True, slots=True)
class Credential:
    """A caller of the vault: ``principal`` (an id), its ``role``, the ``system`` it was issued
    to, its ``scopes`` and, optionally, when it stops being valid."""

    principal: str
    role: str
    system: str
    scopes: frozenset[str]
    expires_at: datetime | None = None

    @classmethod
    def of(
        cls,
        principal: str,
        role: str,
        system: str,
        scopes: Iterable[str],
        expires_at: datetime | None = None,
    ) -> Credential:
        return cls(principal, role, system, frozenset(scopes), expires_at)


def refusal(
    credential: Credential,
    domain: str,
    at: datetime,
    refused: frozenset[str] = REFUSED_HOLDERS,
) -> DenyReason | None:
    """Why ``credential`` may not resolve a token of ``domain`` at ``at``; None when it may."""
    if credential.system in refused or credential.role in refused:
        return DenyReason.CRM_CREDENTIAL
    if credential.expires_at is not None and at >= credential.expires_at:
        return DenyReason.CREDENTIAL_EXPIRED
    if resolve_scope(domain) not in credential.scopes:
        return DenyReason.SCOPE_MISSING
    return None


def deny_message(token: str, reason: DenyReason, domain: str | None) -> str:
    """What a refused caller is told: the token, the rule and the fix; never a value."""
    scope = resolve_scope(domain) if domain else "resolve:<domain>"
    return {
        DenyReason.MALFORMED_TOKEN: "not a token; pass the tok_... reference the CRM holds",
        DenyReason.CRM_CREDENTIAL: f"token {token}: credentials issued to the CRM never resolve "
        "tokens (the CRM works on tokens); ask a care-team service to resolve it",
        DenyReason.CREDENTIAL_EXPIRED: f"token {token}: the credential has expired; obtain a "
        "fresh one",
        DenyReason.SCOPE_MISSING: f"token {token}: the credential lacks the scope {scope}; "
        "request a credential with that scope",
        DenyReason.UNKNOWN_TOKEN: f"token {token} is not in the vault; it was never issued here",
    }[reason]

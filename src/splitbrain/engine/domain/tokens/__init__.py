"""Tokens (DESIGN §6): the CRM receives tokens, not identity. Pure, standard library only.

``tok_<domain>_<key id>_<body>``: keyed HMAC tokens (``hmac_token``) where correlation is needed,
stable per key version; random tokens (``random_token``) where it is not. Keys are versioned
(``Keyring``): rotation makes a new key current, and tokens of older keys still resolve. A token
never shares a 4-character run with the value it stands for. Only the vault
(``splitbrain.engine.adapters.vault``) resolves a token, for a scoped ``Credential``.

Example::

    ring = Keyring.generate(secrets.token_bytes)
    token = hmac_token(ring, "patient", "per_000123")
    parse_token(token).key_id                          # -> "k1"
    refusal(crm_credential, "patient", now)            # -> DenyReason.CRM_CREDENTIAL

Modules: ``format`` (shape, parse), ``keys`` (Keyring), ``mint`` (making tokens), ``access``
(credentials and scopes), ``errors``.
"""

from __future__ import annotations

from splitbrain.engine.domain.tokens.access import (
    CRM,
    REFUSED_HOLDERS,
    Credential,
    DenyReason,
    deny_message,
    refusal,
    resolve_scope,
)
from splitbrain.engine.domain.tokens.errors import (
    KeyringInvalid,
    MalformedToken,
    ResolutionDenied,
    TokenDomainInvalid,
    TokenError,
    TokenizeRefused,
    UnknownKeyVersion,
)
from splitbrain.engine.domain.tokens.format import (
    RANDOM_KEY_ID,
    TOKEN_PATTERN,
    TokenParts,
    check_domain,
    is_token,
    parse_token,
)
from splitbrain.engine.domain.tokens.keys import MIN_SECRET_BYTES, Keyring, key_number
from splitbrain.engine.domain.tokens.mint import RUN, hmac_token, random_token, shares_run

__all__ = [
    "CRM",
    "MIN_SECRET_BYTES",
    "RANDOM_KEY_ID",
    "REFUSED_HOLDERS",
    "RUN",
    "TOKEN_PATTERN",
    "Credential",
    "DenyReason",
    "Keyring",
    "KeyringInvalid",
    "MalformedToken",
    "ResolutionDenied",
    "TokenDomainInvalid",
    "TokenError",
    "TokenParts",
    "TokenizeRefused",
    "UnknownKeyVersion",
    "check_domain",
    "deny_message",
    "hmac_token",
    "is_token",
    "key_number",
    "parse_token",
    "random_token",
    "refusal",
    "resolve_scope",
    "shares_run",
]

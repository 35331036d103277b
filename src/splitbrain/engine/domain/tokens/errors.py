# ruff: noqa: N818 -- STYLE §4 names errors for what happened (MalformedToken, UnknownKeyVersion)
"""Errors of the token domain: broken input, never an expected outcome.

A refused resolution is audited and raised by the vault as ``ResolutionDenied``; a malformed
token or an unknown key version is broken input::

    TokenError
     ├── MalformedToken         text that is not a token (the message never repeats it)
     ├── UnknownKeyVersion      a key id the keyring does not hold
     ├── KeyringInvalid         a keyring with short secrets, bad ids, or no current key
     ├── TokenDomainInvalid     a token domain that is not a lower-case name
     ├── TokenizeRefused        no token could be made that shares nothing with the value
     └── ResolutionDenied       (also a PermissionError) the vault refused to resolve a token;
                                ``reason`` says why (crm_credential, scope_missing, ...)

Messages name token domains, key ids, tokens and scopes, never a value (no PHI).
"""

from __future__ import annotations


class TokenError(Exception):
    """Root of every token error."""


class MalformedToken(TokenError, ValueError):
    """Not a ``tok_<domain>_<key id>_<body>`` token."""


class UnknownKeyVersion(TokenError, LookupError):
    """The keyring holds no key with this id."""


class KeyringInvalid(TokenError, ValueError):
    """The keyring cannot be used as given."""


class TokenDomainInvalid(TokenError, ValueError):
    """A token domain must be a lower-case name like ``patient``."""


class TokenizeRefused(TokenError, ValueError):
    """No token body could be found that shares no 4-character run with the value."""


class ResolutionDenied(TokenError, PermissionError):
    """The vault refused to resolve ``token``; ``reason`` is a ``DenyReason`` code."""

    def __init__(self, token: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.token = token
        self.reason = reason

"""Making tokens: keyed HMAC tokens where correlation is needed, random ones where it is not.

- ``hmac_token``: HMAC-SHA256 under the keyring's current key (or a named version) over the
  domain and the value: one value always gets one token per domain and key version, so the CRM
  can match a contact without ever seeing who it is; nobody without the key can test a guess.
- ``random_token``: fresh randomness each time; nothing links two tokens of one value.

Neither ever shares a 4-character run with the value it stands for (compared case-folded): a
body that would is re-drawn (HMAC: with the next counter, so still deterministic). The prefix
``tok_<domain>_<key id>_`` is public structure and carries nothing of the value.

Example::

    hmac_token(ring, "patient", "per_000123")      # -> "tok_patient_k1_..." (stable)
    random_token("outreach", "msg-88", secrets.token_bytes)   # fresh every call
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from splitbrain.engine.domain.tokens.errors import TokenizeRefused
from splitbrain.engine.domain.tokens.format import (
    BODY_BYTES,
    PREFIX,
    RANDOM_KEY_ID,
    check_domain,
    encode_body,
)
from splitbrain.engine.domain.tokens.keys import Keyring

RUN = 4
"""The shortest run of a value that must never appear in its token's body."""
MAX_DRAWS = 64
_LABEL = b"splitbrain.token/1\x00"


def hmac_token(keyring: Keyring, domain: str, value: str, *, key_id: str | None = None) -> str:
    """The keyed token of ``value`` in ``domain`` under ``key_id`` (default: the current key)."""
    check_domain(domain)
    version = key_id or keyring.current
    secret = keyring.secret(version)
    message = domain.encode("utf-8") + b"\x00" + value.encode("utf-8")
    for counter in range(MAX_DRAWS):
        digest = hmac.new(
            secret, _LABEL + counter.to_bytes(4, "big") + message, hashlib.sha256
        ).digest()
        body = encode_body(digest)
        if not shares_run(body, value):
            return f"{PREFIX}{domain}_{version}_{body}"
    raise _refused(domain, value)


def random_token(domain: str, value: str, entropy: Callable[[int], bytes]) -> str:
    """A fresh random token for ``value`` in ``domain`` (``entropy``: ``secrets.token_bytes``)."""
    check_domain(domain)
    for _ in range(MAX_DRAWS):
        body = encode_body(entropy(BODY_BYTES))
        if not shares_run(body, value):
            return f"{PREFIX}{domain}_{RANDOM_KEY_ID}_{body}"
    raise _refused(domain, value)


def shares_run(text: str, value: str, run: int = RUN) -> bool:
    """Does ``text`` contain any ``run``-character substring of ``value`` (case-folded)?"""
    folded_value = value.casefold()
    if len(folded_value) < run:
        return False
    folded = text.casefold()
    runs = {folded_value[i : i + run] for i in range(len(folded_value) - run + 1)}
    return any(folded[i : i + run] in runs for i in range(len(folded) - run + 1))


def _refused(domain: str, value: str) -> TokenizeRefused:
    return TokenizeRefused(
        f"no {domain!r} token body in {MAX_DRAWS} draws shares nothing with the value "
        f"({len(value)} characters); tokenize identifiers, not documents"
    )

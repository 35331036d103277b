"""What a token looks like: ``tok_<domain>_<key id>_<body>``.

- ``domain``: what the token stands for (``patient``, ``phone``); tokens correlate only within
  one domain, and a resolver needs the scope ``resolve:<domain>``.
- ``key id``: ``k1``, ``k2``... for a keyed HMAC token (the key version that made it), ``rnd``
  for a random token.
- ``body``: 32 characters of base32 over an alphabet without ``i``, ``l``, ``o`` (easily misread)
  and ``n`` (so no token ever spells an MRN marker such as ``MRN`` or ``SYN``, which the CRM
  refuses in a patient reference).

Example::

    parse_token("tok_patient_k2_3fz9...")   # -> TokenParts("patient", "k2", "3fz9...")
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from splitbrain.engine.domain.tokens.errors import MalformedToken, TokenDomainInvalid

PREFIX = "tok_"
RANDOM_KEY_ID = "rnd"
ALPHABET = "0123456789abcdefghjkmpqrstuvwxyz"
BODY_BYTES = 20
BODY_LENGTH = 32
DOMAIN_PATTERN = r"[a-z](?:[a-z0-9_]{0,38}[a-z0-9])?"
KEY_ID_PATTERN = r"k[1-9][0-9]{0,5}"
TOKEN_PATTERN = (
    f"tok_(?P<domain>{DOMAIN_PATTERN})_(?P<key_id>{KEY_ID_PATTERN}|{RANDOM_KEY_ID})"
    f"_(?P<body>[{ALPHABET}]{{{BODY_LENGTH}}})"
)
_TOKEN = re.compile(TOKEN_PATTERN)
_DOMAIN = re.compile(DOMAIN_PATTERN)
_FROM_RFC4648 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)


@dataclass(frozen=True, slots=True)
class TokenParts:
    domain: str
    key_id: str
    body: str

    @property
    def is_random(self) -> bool:
        return self.key_id == RANDOM_KEY_ID

    def __str__(self) -> str:
        return f"{PREFIX}{self.domain}_{self.key_id}_{self.body}"


def encode_body(raw: bytes) -> str:
    """The first ``BODY_BYTES`` of ``raw`` as ``BODY_LENGTH`` characters of the alphabet."""
    if len(raw) < BODY_BYTES:
        raise ValueError(f"a token body needs {BODY_BYTES} bytes; got {len(raw)}")
    return base64.b32encode(raw[:BODY_BYTES]).decode("ascii").translate(_FROM_RFC4648)


def is_token(text: object) -> bool:
    return isinstance(text, str) and _TOKEN.fullmatch(text) is not None


def parse_token(text: str) -> TokenParts:
    """The parts of ``text``; ``MalformedToken`` (never quoting the text) when it is none."""
    match = _TOKEN.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise MalformedToken(
            "not a token: expected tok_<domain>_<key id>_<32 base32 characters> "
            "(the text is not repeated here, in case it is a value)"
        )
    return TokenParts(match["domain"], match["key_id"], match["body"])


def check_domain(domain: str) -> str:
    if not isinstance(domain, str) or _DOMAIN.fullmatch(domain) is None:
        raise TokenDomainInvalid(
            f"token domain {domain!r} is not a lower-case name (letters, digits, _; "
            "at most 40) like 'patient'"
        )
    return domain

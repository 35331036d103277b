"""Rules the CRM enforces on content: patient references are tokens, never MRNs.

>>> check_patient_ref("tok_8f3a91c2", TOKEN)          # fine
>>> check_patient_ref("SYN-00412345", TOKEN)          # raises MrnNotAllowed (422)
Traceback (most recent call last):
...
simulators.crm.errors.MrnNotAllowed: field 'patient_ref' looks like a medical record number; ...
"""

from __future__ import annotations

import re
from typing import Final

from simulators.crm.errors import MrnNotAllowed, NotAToken
from simulators.crm.options import DEFAULT_TOKEN_PATTERN

__all__ = ["TOKEN", "check_patient_ref", "has_mrn_marker", "looks_like_mrn"]

TOKEN: Final = re.compile(DEFAULT_TOKEN_PATTERN)

_MRN_SHAPES: Final = (
    re.compile(r"(?i)(mrn|syn)[-:_ ]?\d{4,}"),  # SYN-00412345, MRN:123456, mrn1234
    re.compile(r"(?i)(?!tok_)[a-z]{0,3}[-_]?\d{5,}"),  # 00412345, E123456, HSP-1234567
)


def has_mrn_marker(value: str) -> bool:
    """True when ``value`` carries an MRN marker anywhere (``SYN-00412345``, ``MRN:123456``)."""
    return _MRN_SHAPES[0].search(value) is not None


def looks_like_mrn(value: str) -> bool:
    """True for identifiers shaped like a medical record number."""
    return any(
        shape.fullmatch(value) or (i == 0 and shape.search(value))
        for i, shape in enumerate(_MRN_SHAPES)
    )


def check_patient_ref(value: str, token: re.Pattern[str], field: str = "patient_ref") -> None:
    """Raise unless ``value`` is a token; an MRN-shaped value gets its own code."""
    if looks_like_mrn(value):
        raise MrnNotAllowed(
            field,
            f"field '{field}' looks like a medical record number; the CRM holds tokens, never "
            "MRNs: send the person's token from the vault (tok_...)",
        )
    if token.fullmatch(value) is None:
        raise NotAToken(
            field,
            f"field '{field}' is not a patient token (expected the form {token.pattern}); send "
            "the token the vault issued for the person",
        )

"""Disclosure (DESIGN §6): classes, minimum-necessary paths and their transforms. Pure.

Each integration path (source, destination, purpose) allows some fields, each with a transform
(pass, summarize, tokenize, drop); ``apply_path`` makes sure nothing else leaves. A field's
class (``classify``) says where its raw value may go, how screens show it, whether logs may
fingerprint it and whether a destination may keep it (``Handling``).

Example::

    disclosure = compile_disclosure(policy, paths, version="1")
    path = disclosure.path("ehr", "crm", "TREAT")
    out = apply_path(path, "per_000123", {"medication_plan": "semaglutide 1 mg"}, tokens=vault)

Modules: ``classes`` (Handling), ``paths`` (DisclosurePath, FieldRule, Transform), ``summaries``,
``apply`` (apply_path, OutboundPayload, TokenPort), ``policy`` (DisclosurePolicy, compile),
``errors``.
"""

from __future__ import annotations

from splitbrain.engine.domain.disclosure.apply import OutboundPayload, TokenPort, apply_path
from splitbrain.engine.domain.disclosure.classes import CRM, HANDLING, Display, Handling
from splitbrain.engine.domain.disclosure.errors import (
    DisclosureError,
    PathInvalid,
    TokenPortMissing,
    UnknownField,
    UnknownSummary,
    UnsafePath,
)
from splitbrain.engine.domain.disclosure.paths import (
    DisclosurePath,
    FieldRule,
    PathKey,
    Summary,
    Transform,
)
from splitbrain.engine.domain.disclosure.policy import DisclosurePolicy, compile_disclosure
from splitbrain.engine.domain.disclosure.summaries import (
    DEFAULT_SUMMARIES,
    code_summary,
    glp1_therapy,
    lead_channel,
)

__all__ = [
    "CRM",
    "DEFAULT_SUMMARIES",
    "HANDLING",
    "DisclosureError",
    "DisclosurePath",
    "DisclosurePolicy",
    "Display",
    "FieldRule",
    "Handling",
    "OutboundPayload",
    "PathInvalid",
    "PathKey",
    "Summary",
    "TokenPort",
    "TokenPortMissing",
    "Transform",
    "UnknownField",
    "UnknownSummary",
    "UnsafePath",
    "apply_path",
    "code_summary",
    "compile_disclosure",
    "glp1_therapy",
    "lead_channel",
]

"""Summaries: field-specific functions that say what a destination needs and nothing more.

A summary is registered by name and named by a path's ``summarize`` transform. It answers from
a fixed vocabulary, never by copying text, so no free text (and no canary) can ride along.
Besides the registered ones, every enum table of the policy is a summary of its own name:
the canonical code when the value is one, else nothing (``clinical_status``, ``care_stage``).

Example::

    glp1_therapy("semaglutide 0.5 mg weekly")     # -> "on GLP-1 therapy"
    lead_channel("partner_clinic:SYN-CLINIC-12")  # -> "partner_clinic"
    code_summary(("active", "paused"))("active")  # -> "active"
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from splitbrain.engine.domain.disclosure.paths import Summary

ON_GLP1 = "on GLP-1 therapy"
ON_THERAPY = "on therapy"
_GLP1 = re.compile(
    r"\b(semaglutide|tirzepatide|liraglutide|dulaglutide|exenatide|lixisenatide|"
    r"wegovy|ozempic|rybelsus|mounjaro|zepbound|saxenda|victoza|trulicity|byetta|bydureon)\b",
    re.IGNORECASE,
)
_CHANNEL = re.compile(r"[a-z][a-z0-9_]{0,39}")


def glp1_therapy(plan: str) -> str | None:
    """``medication_plan`` -> "on GLP-1 therapy" / "on therapy"; no drug, dose or schedule."""
    if not plan.strip():
        return None
    return ON_GLP1 if _GLP1.search(plan) else ON_THERAPY


def lead_channel(source: str) -> str | None:
    """``lead_source`` ("channel:partner") -> the channel code only; nothing for free text."""
    channel = re.split(r"[:/]", source.strip(), maxsplit=1)[0]
    return channel if _CHANNEL.fullmatch(channel) else None


def code_summary(codes: Iterable[str]) -> Summary:
    """A summary that lets through exactly ``codes`` and nothing else."""
    allowed = frozenset(codes)

    def summarize(value: str) -> str | None:
        return value if value in allowed else None

    return summarize


DEFAULT_SUMMARIES: Mapping[str, Summary] = MappingProxyType(
    {"glp1_therapy": glp1_therapy, "lead_channel": lead_channel}
)
"""The registered summaries; pass your own mapping to ``compile_disclosure`` to add more."""

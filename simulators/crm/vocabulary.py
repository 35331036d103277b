"""The CRM's words: consent purposes and channels, pipeline stages, task and case states.

The purposes (HL7 v3 ActReason PurposeOfUse codes) and channels are the shared lists of
``simulators._shared.vocabulary``: the portal validates against the same ones. The pipeline
stage names are the CRM's own (an ownership matrix maps them to canonical stages); they match
the names the synthetic population gives CRM records.

>>> PURPOSES["HMARKT"]
'healthcare marketing'
>>> PIPELINE_STAGES[0]
'New Lead'
"""

from __future__ import annotations

from typing import Final

from simulators._shared.vocabulary import CHANNELS, PURPOSES

__all__ = [
    "CASE_PRIORITIES",
    "CASE_STATUSES",
    "CHANNELS",
    "LEAD_STATUSES",
    "OUTREACH_CHANNELS",
    "PIPELINE_STAGES",
    "PURPOSES",
    "TASK_STATUSES",
]

#: Channels the outreach engine can send on.
OUTREACH_CHANNELS: Final[tuple[str, ...]] = ("sms", "email")

#: The CRM's own pipeline stage names, in order.
PIPELINE_STAGES: Final[tuple[str, ...]] = (
    "New Lead",
    "Intake Started",
    "Qualified - Awaiting Visit",
    "Active Patient",
    "Closed - Program Complete",
)

LEAD_STATUSES: Final[tuple[str, ...]] = ("open", "converted", "disqualified")
CASE_STATUSES: Final[tuple[str, ...]] = ("new", "working", "escalated", "closed")
CASE_PRIORITIES: Final[tuple[str, ...]] = ("low", "normal", "high", "urgent")
TASK_STATUSES: Final[tuple[str, ...]] = ("open", "done")

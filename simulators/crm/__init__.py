"""The CRM simulator (DESIGN §8): ``create_app(settings) -> FastAPI``; see README.md here.

Never imports ``splitbrain``.
"""

from __future__ import annotations

from simulators._shared.api_options import RateLimit
from simulators.crm.app import create_app
from simulators.crm.options import CrmOptions
from simulators.crm.outreach import AUTOMATION
from simulators.crm.store import CrmStore
from simulators.crm.vocabulary import CHANNELS, OUTREACH_CHANNELS, PIPELINE_STAGES, PURPOSES

__all__ = [
    "AUTOMATION",
    "CHANNELS",
    "OUTREACH_CHANNELS",
    "PIPELINE_STAGES",
    "PURPOSES",
    "CrmOptions",
    "CrmStore",
    "RateLimit",
    "create_app",
]

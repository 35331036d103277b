"""The patient-portal simulator (DESIGN §8): ``create_app(settings) -> FastAPI``.

Never imports ``splitbrain``. See README.md here.
"""

from __future__ import annotations

from simulators.portal.app import create_app
from simulators.portal.consents import EXPIRY, effective
from simulators.portal.store import PortalStore
from simulators.portal.vocabulary import PORTAL_STATUSES

__all__ = ["EXPIRY", "PORTAL_STATUSES", "PortalStore", "create_app", "effective"]

"""``/leads``: prospects moving through the CRM's pipeline before they are patients."""

from __future__ import annotations

from fastapi import APIRouter

from simulators.crm.routers.records import record_router
from simulators.crm.schemas import LEAD_DEFAULTS, LeadFields
from simulators.crm.store import CrmStore

__all__ = ["router"]


def router(store: CrmStore) -> APIRouter:
    return record_router(
        "leads", store.leads, LeadFields, LEAD_DEFAULTS,
        filters=("contact_id", "status", "stage"),
    )  # fmt: skip

"""``/cases``: service cases about a contact (questions, complaints, escalations)."""

from __future__ import annotations

from fastapi import APIRouter

from simulators.crm.routers.records import record_router
from simulators.crm.schemas import CASE_DEFAULTS, CaseFields
from simulators.crm.store import CrmStore

__all__ = ["router"]


def router(store: CrmStore) -> APIRouter:
    return record_router(
        "cases", store.cases, CaseFields, CASE_DEFAULTS,
        filters=("contact_id", "status", "priority"),
    )  # fmt: skip

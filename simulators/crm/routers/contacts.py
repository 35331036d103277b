"""``/contacts``: CRUD, search, upsert by external id, merge, and the local consent flags."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from simulators._shared import request_state
from simulators._shared.errors import InvalidField, RecordNotFound
from simulators._shared.gate import GatedRoute
from simulators._shared.if_match import IfMatch
from simulators._shared.record_responses import record_response
from simulators._shared.records import Record
from simulators.crm.contacts import (
    CONTACT_DEFAULTS,
    consent_change,
    matching,
    merge_contact,
    upsert,
)
from simulators.crm.errors import MultipleMatches
from simulators.crm.merging import merge_contacts
from simulators.crm.schemas import ContactFields
from simulators.crm.store import CrmStore

__all__ = ["router"]

System = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_.-]{0,31}$")]
ExternalValue = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")]
_FILTERS = ("patient_ref", "email", "phone", "stage", "campaign", "owner_role")


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retired_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]


class ConsentFlag(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allowed: bool


def router(store: CrmStore) -> APIRouter:
    r = APIRouter(prefix="/contacts", tags=["contacts"], route_class=GatedRoute)
    _crud(r, store)
    _by_external_id(r, store)
    _consents(r, store)
    _merge(r, store)
    return r


def _crud(r: APIRouter, store: CrmStore) -> None:
    @r.post("", status_code=201)
    async def create_contact(body: ContactFields, request: Request) -> JSONResponse:
        ctx = request_state(request).context
        record = store.contacts.create(ctx, {**CONTACT_DEFAULTS, **body.fields()})
        return record_response(record, 201, location=f"/contacts/{record['id']}")

    @r.get("")
    async def search_contacts(
        request: Request,
        *,
        patient_ref: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        stage: str | None = None,
        campaign: str | None = None,
        owner_role: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        values = (patient_ref, email, phone, stage, campaign, owner_role)
        wanted = {k: v for k, v in zip(_FILTERS, values, strict=True) if v is not None}
        found = store.contacts.search(
            request_state(request).context,
            lambda c: all(c.get(k) == v for k, v in wanted.items()),
            criteria=",".join(sorted(wanted)),
        )
        return {"total": len(found), "items": found[offset : offset + limit]}

    @r.get("/{contact_id}")
    async def read_contact(contact_id: str, request: Request) -> JSONResponse:
        return record_response(store.contacts.get(request_state(request).context, contact_id))

    @r.patch("/{contact_id}")
    async def patch_contact(
        contact_id: str, body: ContactFields, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        record = store.contacts.update(
            request_state(request).context,
            contact_id,
            body.fields(),
            if_match=if_match,
            merge=merge_contact,
        )
        return record_response(record)

    @r.delete("/{contact_id}")
    async def delete_contact(contact_id: str, if_match: IfMatch, request: Request) -> JSONResponse:
        ctx = request_state(request).context
        tombstone = store.contacts.delete(ctx, contact_id, if_match=if_match)
        return JSONResponse({"id": contact_id, "deleted": True, "version": tombstone["version"]})


def _by_external_id(r: APIRouter, store: CrmStore) -> None:
    @r.get("/by-external-id/{system}/{value}")
    async def read_by_external_id(
        system: System, value: ExternalValue, request: Request
    ) -> JSONResponse:
        ctx = request_state(request).context
        wanted = {c["id"] for c in matching(store, system, value)}
        found: list[Record] = store.contacts.search(
            ctx, lambda c: c["id"] in wanted, criteria="external_ids"
        )
        if len(found) > 1:
            ids = sorted(c["id"] for c in found)
            raise MultipleMatches(
                f"{len(ids)} contacts carry external id {system}|{value}; pick one by id",
                candidates=ids,
            )
        if not found:
            raise RecordNotFound(
                f"no contact carries external id {system}|{value}; PUT to this path creates one"
            )
        return record_response(found[0])

    @r.put("/by-external-id/{system}/{value}")
    async def upsert_by_external_id(
        *,
        system: System,
        value: ExternalValue,
        body: ContactFields,
        if_match: IfMatch,
        request: Request,
    ) -> JSONResponse:
        ctx = request_state(request).context
        record, created = upsert(store, ctx, system, value, body.fields(), if_match=if_match)
        status = 201 if created else 200
        location = f"/contacts/{record['id']}" if created else None
        return record_response(record, status, location=location)


def _merge(r: APIRouter, store: CrmStore) -> None:
    @r.post("/{contact_id}/merge")
    async def merge_contact_into(
        contact_id: str, body: MergeRequest, if_match: IfMatch, request: Request
    ) -> JSONResponse:
        """Merge ``retired_id`` into this contact (see ``simulators.crm.merging``)."""
        ctx = request_state(request).context
        record = merge_contacts(store, ctx, contact_id, body.retired_id, if_match=if_match)
        return record_response(record)


def _consents(r: APIRouter, store: CrmStore) -> None:
    @r.get("/{contact_id}/consents")
    async def read_consents(contact_id: str, request: Request) -> JSONResponse:
        record = store.contacts.get(request_state(request).context, contact_id)
        consents = record.get("consents") or {}
        body = {"id": contact_id, "version": record["version"], "consents": consents}
        return JSONResponse(body, headers={"ETag": f'"{record["version"]}"'})

    @r.put("/{contact_id}/consents/{purpose}/{channel}")
    async def set_consent_flag(
        *,
        contact_id: str,
        purpose: str,
        channel: str,
        body: ConsentFlag,
        if_match: IfMatch,
        request: Request,
    ) -> JSONResponse:
        change = _flag(purpose, channel, body.allowed)
        record = store.contacts.update(
            request_state(request).context,
            contact_id,
            change,
            if_match=if_match,
            merge=merge_contact,
        )
        return record_response(record)


def _flag(purpose: str, channel: str, allowed: bool) -> dict[str, Any]:
    try:
        return consent_change(purpose, channel, allowed)
    except ValueError as exc:
        raise InvalidField(f"consents.{purpose}.{channel}", str(exc)) from None

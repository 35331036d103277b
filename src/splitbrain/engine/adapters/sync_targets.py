"""Deliver outbox effects to the EHR (FHIR R4), the CRM and the portal over their public APIs.

Every mutating request carries the effect's ``Idempotency-Key`` and, where it updates a record
the engine knows, ``If-Match`` with the version the engine last saw (a 412 means someone wrote
since). Read-modify-write where the API needs the whole thing: a FHIR Patient is read, changed
and PUT back (``meta.source`` marks the engine, so its own notification is an echo); a CRM
contact's ``custom`` map is read and merged. Answers are classified, never raised:
2xx done, 412 stale, 409 in-flight / 429 / 5xx / network failure retry (with Retry-After),
other 4xx refused.
"""

from __future__ import annotations

import functools
import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from splitbrain.engine.adapters.crm_upserts import stray, upserted
from splitbrain.engine.adapters.inbound_fhir import ENGINE_SOURCE
from splitbrain.engine.adapters.portal_preferences import write_preferences
from splitbrain.engine.adapters.sync_fields import crm_patch, patient_patch, portal_patch
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.service_layer.sync.model import OutboxEffect
from splitbrain.engine.service_layer.sync.ports import SyncStore
from splitbrain.engine.service_layer.sync.targets import Delivery, Outcome

EXTERNAL_SYSTEM = "splitbrain"
"""The external-id system under which the engine names the contacts it creates (a token)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    base_url: str
    key: str


def classify(response: httpx.Response, what: str) -> Delivery:
    status = response.status_code
    if 200 <= status < 300:
        return Delivery(Outcome.DONE, status, what)
    code = _code(response)
    detail = f"{what}: HTTP {status}{f' {code}' if code else ''}"
    if status == 412:
        return Delivery(Outcome.STALE, status, detail)
    if status in (408, 409, 425, 429) or status >= 500:
        return Delivery(Outcome.RETRY, status, detail, retry_after=_retry_after(response))
    return Delivery(Outcome.REFUSED, status, detail)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every target client: building one loads the CA bundle,
    about 0.1-0.3 s of CPU, which each new ``httpx.Client`` would otherwise pay again."""
    return httpx.create_ssl_context()


def _ident(reference: str) -> str:
    """A reference as the CRM's identifiers allow it (no ``/``): ``Task/7`` -> ``Task:7``."""
    return reference.replace("/", ":")


def _code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            return str(error["code"])
        for issue in body.get("issue") or []:
            return str(issue.get("code"))
    return None


def _retry_after(response: httpx.Response) -> float | None:
    value: str | None = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _version(response: httpx.Response) -> str | None:
    etag: str | None = response.headers.get("ETag")
    if etag:
        return etag.removeprefix("W/").strip('"')
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(body, dict):
        version = body.get("version") or (body.get("meta") or {}).get("versionId")
        return None if version is None else str(version)
    return None


class HttpTarget:
    """One target system over HTTP; ``deliver`` dispatches on the effect's op."""

    system: str

    def __init__(self, endpoint: Endpoint, store: SyncStore, policy: Policy,
                 client: httpx.Client | None = None, timeout: float = 5.0) -> None:  # fmt: skip
        self.endpoint = endpoint
        self.store = store
        self.policy = policy
        self.http = client or httpx.Client(
            base_url=endpoint.base_url, timeout=timeout, verify=tls_context(),
            headers={"Authorization": f"Bearer {endpoint.key}"},
        )  # fmt: skip

    def deliver(self, effect: OutboxEffect) -> Delivery:
        body = json.loads(effect.body or b"{}")
        handler = getattr(self, f"_{body.get('op')}", None)
        if handler is None:
            return Delivery(Outcome.REFUSED, None, f"{self.system} cannot do op {body.get('op')!r}")
        try:
            result: Delivery = handler(effect, body)
        except httpx.TransportError as exc:
            return Delivery(Outcome.RETRY, None, f"{self.system} unreachable: {type(exc).__name__}")
        return result

    def reread(self, effect: OutboxEffect) -> Delivery:
        body = json.loads(effect.body or b"{}")
        person = str(body.get("person"))
        known = self.store.record_of(self.system, person)
        if known is None:
            return Delivery(Outcome.SKIPPED, None, "no record to re-read")
        try:
            response = self.http.get(self._record_path(known[0]))
        except httpx.TransportError as exc:
            return Delivery(Outcome.RETRY, None, f"{self.system} unreachable: {type(exc).__name__}")
        result = classify(response, f"re-read {known[0]}")
        if result.outcome is Outcome.DONE:
            self.store.remember_record(self.system, known[0], person=person,
                                       version=_version(response))  # fmt: skip
        return result

    def close(self) -> None:
        self.http.close()

    # -- helpers ------------------------------------------------------------------------------
    def _record_path(self, record_id: str) -> str:
        raise NotImplementedError

    def _headers(
        self, effect: OutboxEffect, version: str | None = None, *, weak: bool = False
    ) -> dict[str, str]:
        """The effect's headers. A conditional request's key names the version it is based on:
        a retry on the same version replays the first answer, while the retry after a 412 and
        a re-read is a new request (the systems refuse one key with two If-Match values)."""
        headers = {"Idempotency-Key": effect.idempotency_key, **effect.headers}
        if version is not None:
            headers["Idempotency-Key"] = f"{effect.idempotency_key}@v{version}"
            headers["If-Match"] = f'W/"{version}"' if weak else f'"{version}"'
        return headers

    def _done(self, response: httpx.Response, what: str, record: str | None) -> Delivery:
        result = classify(response, what)
        if result.outcome is not Outcome.DONE:
            return result
        if record is None:
            try:
                record = str(response.json().get("id"))
            except (json.JSONDecodeError, AttributeError):
                record = None
        return Delivery(
            Outcome.DONE, result.status, what, record=record, version=_version(response)
        )


class CrmTarget(HttpTarget):
    system = "crm"

    def _record_path(self, record_id: str) -> str:
        return f"/contacts/{quote(record_id)}"

    def _update(self, effect: OutboxEffect, body: Mapping[str, Any]) -> Delivery:
        patch = crm_patch(body["fields"], self.policy)
        known = self.store.record_of("crm", str(body["person"]))
        if known is None:
            subject = str(body["subject"])
            create = {**patch, "patient_ref": subject,
                      "external_ids": [{"system": EXTERNAL_SYSTEM, "value": subject}]}  # fmt: skip
            path = f"/contacts/by-external-id/{EXTERNAL_SYSTEM}/{quote(subject)}"
            response = self.http.put(path, json=create, headers=self._headers(effect))
            return upserted(self, effect, str(body["person"]), response)
        record, version = known
        strayed = stray(self, effect, str(body.get("subject") or ""), record)
        if strayed is not None:  # a resend: an upsert of it had crossed the person's contact
            if strayed.outcome is not Outcome.DONE:
                return strayed
            version = strayed.version
        if "custom" in patch:
            current = self.http.get(self._record_path(record))
            read = classify(current, f"read {record}")
            if read.outcome is not Outcome.DONE:
                return read
            patch["custom"] = {**(current.json().get("custom") or {}), **patch["custom"]}
            version = _version(current)
        response = self.http.patch(self._record_path(record), json=patch,
                                   headers=self._headers(effect, version))  # fmt: skip
        return self._done(response, f"contact {record} update", record)

    def _workflow(self, effect: OutboxEffect, body: Mapping[str, Any]) -> Delivery:
        fields = {"workflow_state": body["state"]}
        return self._update(effect, {**body, "fields": fields, "subject": body.get("subject", "")})

    def _consent(self, effect: OutboxEffect, body: Mapping[str, Any]) -> Delivery:
        known = self.store.record_of("crm", str(body["person"]))
        if known is None:
            return Delivery(Outcome.SKIPPED, None, "no CRM contact holds the person")
        path = f"{self._record_path(known[0])}/consents/{body['purpose']}/{body['channel']}"
        response = self.http.put(path, json={"allowed": bool(body["allowed"])},
                                 headers=self._headers(effect))  # fmt: skip
        return self._done(response, f"contact {known[0]} consent flag", known[0])

    def _task(self, effect: OutboxEffect, body: Mapping[str, Any]) -> Delivery:
        known = self.store.record_of("crm", str(body["person"]))
        task = {
            "subject": body["subject"], "owner_queue": body["queue"], "kind": body["kind"],
            "reference": _ident(str(body["reference"])), "sla_minutes": body["sla_minutes"],
        }  # fmt: skip
        if known is not None:
            task["contact_id"] = known[0]
        response = self.http.post("/tasks", json=task, headers=self._headers(effect))
        result = classify(response, "task create")
        return Delivery(result.outcome, result.status, result.detail, result.retry_after)

    def _link(self, effect: OutboxEffect, body: Mapping[str, Any]) -> Delivery:
        fields = {"merged_into": f"{body['system']}:{body['survivor']}"}
        return self._update(effect, {**body, "fields": fields, "subject": body.get("subject", "")})

    def _merge(self, effect: OutboxEffect, body: Mapping[str, Any]) -> Delivery:
        """Merge a second contact of the person into the one the engine made (idempotent in
        the CRM: merging again answers the survivor unchanged)."""
        survivor, retired = str(body["survivor"]), str(body["retired"])
        known = self.store.record_of("crm", str(body["person"]))
        version = known[1] if known is not None and known[0] == survivor else None
        response = self.http.post(f"{self._record_path(survivor)}/merge",
                                  json={"retired_id": retired},
                                  headers=self._headers(effect, version))  # fmt: skip
        return self._done(response, f"contact {retired} merge into {survivor}", survivor)


class PortalTarget(HttpTarget):
    system = "portal"

    def _record_path(self, record_id: str) -> str:
        return f"/accounts/{quote(record_id)}"

    def _update(self, effect: OutboxEffect, body: Mapping[str, Any]) -> Delivery:
        known = self.store.record_of("portal", str(body["person"]))
        if known is None:
            return Delivery(Outcome.SKIPPED, None, "no portal account holds the person")
        record, version = known
        fields = dict(body["fields"])
        preference = fields.pop("contact_preference", None)
        if preference is not None:
            row = self.policy.fields["contact_preference"]
            local = self.policy.enums[row.enum].to_local("portal", preference) if row.enum else None
            result = write_preferences(self, effect, record, local or preference)
            if result.outcome is not Outcome.DONE or not fields:
                return Delivery(result.outcome, result.status, result.detail, result.retry_after,
                                record=record, version=version)  # fmt: skip
        patch = portal_patch(fields, self.policy)
        if not patch:
            return Delivery(Outcome.SKIPPED, None, "no portal column for these fields")
        response = self.http.patch(self._record_path(record), json=patch,
                                   headers=self._headers(effect, version))  # fmt: skip
        return self._done(response, f"account {record} update", record)

    def _status(self, effect: OutboxEffect, body: Mapping[str, Any]) -> Delivery:
        known = self.store.record_of("portal", str(body["person"]))
        if known is None:
            return Delivery(Outcome.SKIPPED, None, "no portal account holds the person")
        response = self.http.put(f"{self._record_path(known[0])}/status",
                                 json={"status": body["status"]},
                                 headers=self._headers(effect))  # fmt: skip
        return self._done(response, f"account {known[0]} status", known[0])


class EhrTarget(HttpTarget):
    system = "ehr"

    def _record_path(self, record_id: str) -> str:
        return f"/{record_id}"

    def _update(self, effect: OutboxEffect, body: Mapping[str, Any]) -> Delivery:
        known = self.store.record_of("ehr", str(body["person"]))
        if known is None:
            return Delivery(Outcome.SKIPPED, None, "no EHR patient holds the person")
        record = known[0]
        current = self.http.get(self._record_path(record))
        read = classify(current, f"read {record}")
        if read.outcome is not Outcome.DONE:
            return read
        resource = patient_patch(current.json(), body["fields"])
        meta = dict(resource.get("meta") or {})
        meta["source"] = ENGINE_SOURCE
        resource["meta"] = meta
        headers = self._headers(effect, _version(current), weak=True)
        response = self.http.put(self._record_path(record), json=resource, headers=headers)
        return self._done(response, f"{record} update", record)

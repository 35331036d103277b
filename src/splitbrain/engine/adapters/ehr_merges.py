"""The EHR target, with merges: ``merge`` as ADT^A40 over MLLP (or FHIR ``Patient/$merge``),
``unmerge`` as FHIR Patient updates that take the links back (DESIGN §5).

Idempotent by reading first: the retired Patient already ``replaced-by`` the survivor needs no
merge (a merge the EHR made itself, or a retry after a lost ACK), and one without that link
needs no unmerge. The A40's MSH-10 comes from the effect id, so every attempt of one effect is
the same message. Answers are classified like HTTP ones: AA done, AE or no answer retry, AR
refused (dead-lettered with an incident).

The A40 needs an identifier on both Patients (the EHR matches merges by them); a Patient
without one is merged over FHIR instead. With no MLLP address configured, FHIR is used.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

import httpx

from splitbrain.engine.adapters.hl7_messages import compose_a40, control_id_for, read_ack_code
from splitbrain.engine.adapters.hl7_wire import FrameDecoder, frame
from splitbrain.engine.adapters.inbound_fhir import ENGINE_SOURCE
from splitbrain.engine.adapters.inbound_hl7 import LookupUnavailable
from splitbrain.engine.adapters.sync_targets import EhrTarget, _version, classify
from splitbrain.engine.service_layer.sync.model import OutboxEffect
from splitbrain.engine.service_layer.sync.targets import Delivery, Outcome

MllpAddress = tuple[str, int]


def _linked(patient: Mapping[str, Any], other: str, kind: str) -> bool:
    return any(
        link.get("type") == kind and (link.get("other") or {}).get("reference") == other
        for link in patient.get("link") or []
    )


class EhrMergeTarget(EhrTarget):
    """``EhrTarget`` plus the ``merge`` and ``unmerge`` ops; ``mllp`` is the EHR's listener."""

    mllp: MllpAddress | None = None
    mllp_timeout: float = 5.0

    def patient_with(self, system: str, value: str) -> str | None:
        """``Patient/{id}`` of the one EHR patient with this identifier (FHIR search), or None;
        raises ``LookupUnavailable`` when the EHR cannot answer (the event is retried)."""
        try:
            response = self.http.get("/Patient", params={"identifier": f"{system}|{value}"})
        except httpx.TransportError as exc:
            raise LookupUnavailable(f"EHR search unreachable ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise LookupUnavailable(f"EHR search answered HTTP {response.status_code}")
        entries = response.json().get("entry") or []
        ids = [e["resource"]["id"] for e in entries if (e.get("resource") or {}).get("id")]
        return f"Patient/{ids[0]}" if len(ids) == 1 else None

    def _merge(self, effect: OutboxEffect, body: Mapping[str, Any]) -> Delivery:
        survivor_id, retired_id = str(body["survivor"]), str(body["retired"])
        retired = self.http.get(self._record_path(retired_id))
        read = classify(retired, f"read {retired_id}")
        if read.outcome is not Outcome.DONE:
            return read
        if _linked(retired.json(), survivor_id, "replaced-by"):
            return Delivery(Outcome.DONE, 200, f"{retired_id} already merged into {survivor_id}")
        survivor = self.http.get(self._record_path(survivor_id))
        read = classify(survivor, f"read {survivor_id}")
        if read.outcome is not Outcome.DONE:
            return read
        if self.mllp is not None:
            try:
                payload = compose_a40(
                    survivor.json(), retired.json(), control_id=control_id_for(effect.effect_id),
                    at=effect.created_at,
                )  # fmt: skip
            except ValueError:
                payload = None  # a Patient without identifiers: FHIR can still merge it
            if payload is not None:
                return self._send_a40(payload, control_id_for(effect.effect_id))
        parameters = {"resourceType": "Parameters", "parameter": [
            {"name": "source-patient", "valueReference": {"reference": retired_id}},
            {"name": "target-patient", "valueReference": {"reference": survivor_id}},
        ]}  # fmt: skip
        response = self.http.post("/Patient/$merge", json=parameters, headers=self._headers(effect))
        return self._done(response, f"{retired_id} merged into {survivor_id}", survivor_id)

    def _send_a40(self, payload: bytes, control_id: str) -> Delivery:
        assert self.mllp is not None
        what = f"A40 {control_id}"
        try:
            with socket.create_connection(self.mllp, timeout=self.mllp_timeout) as conn:
                conn.sendall(frame(payload))
                ack = _read_frame(conn)
        except OSError as exc:
            unreachable = f"{what}: EHR MLLP unreachable ({type(exc).__name__})"
            return Delivery(Outcome.RETRY, None, unreachable)
        if ack is None:
            return Delivery(Outcome.RETRY, None, f"{what}: no ACK before the connection closed")
        code, acked, errors = read_ack_code(ack)
        if acked != control_id:
            return Delivery(Outcome.RETRY, None, f"{what}: the ACK names {acked or 'nothing'}")
        if code in ("AA", "CA"):
            return Delivery(Outcome.DONE, 200, f"{what}: AA")
        detail = f"{what}: {code or 'no MSA-1'} ({errors or 'no ERR'})"
        return Delivery(Outcome.REFUSED if code in ("AR", "CR") else Outcome.RETRY, None, detail)

    def _unmerge(self, effect: OutboxEffect, body: Mapping[str, Any]) -> Delivery:
        survivor_id, retired_id = str(body["survivor"]), str(body["retired"])
        steps = ((retired_id, survivor_id, "replaced-by", "retired"),
                 (survivor_id, retired_id, "replaces", "survivor"))  # fmt: skip
        for record, other, kind, part in steps:
            result = self._unlink(effect, record, other, kind, part)
            if result.outcome is not Outcome.DONE:
                return result
        return Delivery(Outcome.DONE, 200, f"{retired_id} unmerged from {survivor_id}")

    def _unlink(self, effect: OutboxEffect, record: str, other: str, kind: str,
                part: str) -> Delivery:  # fmt: skip
        current = self.http.get(self._record_path(record))
        read = classify(current, f"read {record}")
        if read.outcome is not Outcome.DONE:
            return read
        resource = dict(current.json())
        if not _linked(resource, other, kind):
            return read
        links = [link for link in resource.get("link") or []
                 if not (link.get("type") == kind
                         and (link.get("other") or {}).get("reference") == other)]  # fmt: skip
        if links:
            resource["link"] = links
        else:
            resource.pop("link", None)
        if kind == "replaced-by":
            resource["active"] = True
        resource["meta"] = {**(resource.get("meta") or {}), "source": ENGINE_SOURCE}
        version = _version(current)
        headers = {"Idempotency-Key": f"{effect.idempotency_key}:{part}@v{version}",
                   "If-Match": f'W/"{version}"'}  # fmt: skip
        try:
            response = self.http.put(self._record_path(record), json=resource, headers=headers)
        except httpx.TransportError as exc:
            return Delivery(Outcome.RETRY, None, f"ehr unreachable: {type(exc).__name__}")
        result = classify(response, f"{record} unlinked from {other}")
        written = _version(response) if result.outcome is Outcome.DONE else None
        if written is not None:  # its notification is an echo of the engine's own write
            self.store.note_written("ehr", record, written)
        return result


def _read_frame(conn: socket.socket) -> bytes | None:
    decoder = FrameDecoder()
    while chunk := conn.recv(65536):
        frames = decoder.feed(chunk)
        if frames:
            return frames[0]
    return None

"""The HL7 v2 messages the engine writes: original-mode ACKs, and ADT^A40 to carry a merge.

An ACK answers one message: MSH with the parties swapped and ``ACK^<event>^ACK``, MSA-1
AA/AE/AR and MSA-2 the original MSH-10, and for a refusal one ERR (ERR-2 the location, ERR-3 the
table 0357 code, ERR-4 severity, ERR-8 the rule and the fix)::

    MSH|^~\\&|SPLITBRAIN|SPLITBRAIN|EHRSIM|EHRSIM|20260105090000+0000||ACK^A04^ACK|K1|P|2.5.1
    MSA|AE|F1
    ERR||PID^1^3|101^Required field missing^HL70357|E||||PID-3 has no identifier; ...

An A40 names the survivor in PID-3 and the retired patient in MRG-1; each identifier is a CX
whose assigning authority is the FHIR system as a URI (``value^^^&system&URI``), so any FHIR
identifier survives the trip. Its MSH-10 is derived from the effect id (deterministic).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from splitbrain.engine.adapters.hl7_wire import STANDARD, Header

APPLICATION: Final = "SPLITBRAIN"
VERSION: Final = "2.5.1"
CONDITIONS: Final = {
    "100": "Segment sequence error", "101": "Required field missing", "102": "Data type error",
    "103": "Table value not found", "200": "Unsupported message type",
    "201": "Unsupported event code", "202": "Unsupported processing id",
    "203": "Unsupported version id", "204": "Unknown key identifier",
    "207": "Application internal error",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class AckError:
    condition: str
    message: str
    location: str = ""


class AckIds:
    """MSH-10 values for ACKs: a prefix, then a counter."""

    def __init__(self, prefix: str = "SBK") -> None:
        self._prefix = prefix
        self._count = itertools.count(1)

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._count)}"


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")


def build_ack(
    original: Header | None, code: str, *, control_id: str, at: datetime,
    error: AckError | None = None,
) -> bytes:  # fmt: skip
    """The ACK payload (UTF-8, unframed); ``original`` None when not even MSH could be read."""
    d = STANDARD
    event = original.trigger_event if original is not None else ""
    processing = original.processing_id if original is not None else ""
    msh = [
        "MSH", d.encoding,
        (original.receiving_application if original else "") or APPLICATION,
        (original.receiving_facility if original else "") or APPLICATION,
        original.sending_application if original else "",
        original.sending_facility if original else "",
        _stamp(at), "", f"ACK^{d.escaped(event)}^ACK" if event else "ACK",
        d.escaped(control_id),
        processing if processing in ("P", "T", "D") else "P",
        VERSION,
    ]  # fmt: skip
    acked = d.escaped(original.control_id) if original is not None else ""
    segments = ["|".join(msh), f"MSA|{code}|{acked}"]
    if error is not None:
        text = CONDITIONS.get(error.condition, "")
        segments.append(
            f"ERR||{error.location}|{error.condition}^{d.escaped(text)}^HL70357|E||||"
            f"{d.escaped(error.message)}"
        )
    return "\r".join(segments).encode("utf-8")


def read_ack_code(payload: bytes) -> tuple[str, str, str]:
    """``(MSA-1, MSA-2, ERR-3 codes)`` of a peer's ACK ('' where absent)."""
    text = payload.decode("utf-8", errors="replace").replace("\n", "\r")
    code = acked = ""
    errors: list[str] = []
    sep = text[3] if text.startswith("MSH") and len(text) > 3 else "|"
    for line in text.split("\r"):
        fields = line.split(sep)
        if fields[0] == "MSA":
            code = fields[1].strip().upper() if len(fields) > 1 else ""
            acked = fields[2].strip() if len(fields) > 2 else ""
        elif fields[0] == "ERR" and len(fields) > 3:
            errors.append(fields[3].split("^")[0])
    return code, acked, ",".join(errors)


def control_id_for(effect_id: str) -> str:
    """A deterministic MSH-10 (20 characters at most) for an outbound effect."""
    return "SB" + hashlib.blake2b(effect_id.encode(), digest_size=9).hexdigest()


def compose_a40(
    survivor: Mapping[str, Any], retired: Mapping[str, Any], *, control_id: str, at: datetime,
    receiver: str = "",
) -> bytes:  # fmt: skip
    """ADT^A40: merge ``retired`` (MRG-1) into ``survivor`` (PID-3); FHIR Patients as JSON.
    Raises ``ValueError`` when either has no identifier (the EHR matches merges by them)."""
    d = STANDARD
    stamp = _stamp(at)
    msh = ["MSH", d.encoding, APPLICATION, APPLICATION, receiver, receiver, stamp, "",
           "ADT^A40^ADT_A39", d.escaped(control_id), "P", VERSION]  # fmt: skip
    pid = f"PID|1||{_cx_list(survivor)}||{_names(survivor)}"
    return "\r".join(["|".join(msh), f"EVN|A40|{stamp}", pid, f"MRG|{_cx_list(retired)}"]).encode()


def _cx_list(patient: Mapping[str, Any]) -> str:
    identifiers = [i for i in patient.get("identifier") or [] if i.get("system") and i.get("value")]
    if not identifiers:
        raise ValueError(f"Patient/{patient.get('id')} has no identifier with system and value")
    d = STANDARD
    return "~".join(
        f"{d.escaped(str(i['value']))}^^^&{d.escaped(str(i['system']))}&URI" for i in identifiers
    )


def _names(patient: Mapping[str, Any]) -> str:
    d = STANDARD
    out = []
    for name in (patient.get("name") or [])[:1]:
        given = list(name.get("given") or [])
        parts = [name.get("family") or "", given[0] if given else "", " ".join(given[1:])]
        out.append("^".join(d.escaped(str(p)) for p in parts).rstrip("^"))
    return "~".join(out)

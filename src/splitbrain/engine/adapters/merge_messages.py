"""What a merge tells the other systems: the FHIR ``Patient.link`` pair and an HL7 ADT^A40.

A merge in the engine (``PersonsMerged``) reaches the EHR as either

- two FHIR R4 Patient resources: the survivor ``replaces`` the retired patient; the retired
  patient is ``active: false`` and ``replaced-by`` the survivor (``patient_link_pair``); or
- one HL7 v2.5.1 ADT^A40 (merge patient, patient identifier list): PID-3 names the survivor,
  MRG-1 the retired patient (``compose_a40``).

Both carry identifiers only, never demographics: the EHR keeps the survivor's own. The caller
(the runtime) maps engine person ids to each system's patient ids.

Example::

    survivor, retired = patient_link_pair("pat-81", "pat-93")
    text = compose_a40(Cx("MRN-81", "EHR"), Cx("MRN-93", "EHR"), control_id="SB-7",
                       at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC), operator="usr_3")
    # MSH|^~\\&|SPLITBRAIN|ENGINE|||20260105090000+0000||ADT^A40^ADT_A39|SB-7|P|2.5.1
    # EVN|A40|20260105090000+0000|||usr_3
    # PID|1||MRN-81^^^EHR^MR
    # MRG|MRN-93^^^EHR^MR
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["Cx", "compose_a40", "patient_link_pair"]

_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_ESCAPES = (("\\", "\\E\\"), ("|", "\\F\\"), ("^", "\\S\\"), ("&", "\\T\\"), ("~", "\\R\\"))


def patient_link_pair(survivor: str, retired: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The (survivor, retired) FHIR R4 Patient resources that carry a merge.

    ``survivor`` and ``retired`` are the EHR's Patient ids (FHIR ``id``: letters, digits, ``-``
    and ``.``, at most 64). Raises ``ValueError`` naming the bad id.
    """
    for name, value in (("survivor", survivor), ("retired", retired)):
        if not _FHIR_ID.fullmatch(value):
            raise ValueError(
                f"{name} Patient id {value!r} is not a FHIR id (letters, digits, '-' and '.', "
                "1 to 64 characters); pass the EHR's Patient.id, not an engine person id"
            )
    if survivor == retired:
        raise ValueError(f"Patient {survivor} cannot replace itself; name two patients")
    return (
        {
            "resourceType": "Patient",
            "id": survivor,
            "active": True,
            "link": [{"other": {"reference": f"Patient/{retired}"}, "type": "replaces"}],
        },
        {
            "resourceType": "Patient",
            "id": retired,
            "active": False,
            "link": [{"other": {"reference": f"Patient/{survivor}"}, "type": "replaced-by"}],
        },
    )


@dataclass(frozen=True, slots=True)
class Cx:
    """An HL7 v2 patient identifier (CX): ID number, assigning authority (HD), type code."""

    value: str
    authority: str = ""
    """HD.1, the namespace id (``EHR``)."""
    universal_id: str = ""
    """HD.2 (an OID, a UUID or a URI), with its type in ``universal_id_type``."""
    universal_id_type: str = ""
    type_code: str = "MR"

    def wire(self) -> str:
        hd = "&".join(map(_esc, (self.authority, self.universal_id, self.universal_id_type)))
        parts = [_esc(self.value), "", "", hd.rstrip("&"), _esc(self.type_code)]
        return "^".join(parts).rstrip("^")


def compose_a40(
    survivor: Cx,
    retired: Cx,
    *,
    control_id: str,
    at: datetime,
    operator: str | None = None,
    sending_application: str = "SPLITBRAIN",
    sending_facility: str = "ENGINE",
    receiving_application: str = "",
    receiving_facility: str = "",
    processing_id: str = "P",
) -> str:
    """An ADT^A40 (structure ADT_A39) merging ``retired`` into ``survivor``; segments joined
    by CR, as MLLP carries them. ``at`` must be timezone-aware."""
    if at.tzinfo is None:
        raise ValueError("compose_a40 needs a timezone-aware 'at' (use UTC)")
    if not survivor.value or not retired.value:
        raise ValueError("compose_a40 needs an ID number for both patients (CX.1)")
    stamp = at.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")
    msh = [
        "MSH", "^~\\&", _esc(sending_application), _esc(sending_facility),
        _esc(receiving_application), _esc(receiving_facility), stamp, "",
        "ADT^A40^ADT_A39", _esc(control_id), _esc(processing_id), "2.5.1",
    ]  # fmt: skip
    evn = ["EVN", "A40", stamp, "", "", "" if operator is None else _esc(operator)]
    pid, mrg = f"PID|1||{survivor.wire()}", f"MRG|{retired.wire()}"
    return "\r".join(["|".join(msh), "|".join(evn).rstrip("|"), pid, mrg])


def _esc(text: str) -> str:
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return text

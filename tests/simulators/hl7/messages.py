"""Synthetic ADT messages for the HL7 tests (obviously fake people, 555-01xx numbers).

``adt("A04", mrn="MRN1")`` builds a message whose PID-3 has no assigning authority, so the
patient's identifier system is the EHR's own MRN system (``MRN_SYSTEM``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulators.ehr.hl7.identifiers import DEFAULT_MRN_SYSTEM

MRN_SYSTEM = DEFAULT_MRN_SYSTEM
CORPUS_DIR = "../shared/corpora/hl7v2"
CORPUS = Path(__file__).resolve().parents[3] / CORPUS_DIR


def corpus_params() -> list[object]:
    """One pytest param per corpus file (by name), or one skipped param when it is absent."""
    files = sorted(CORPUS.glob("*.hl7")) if CORPUS.is_dir() else []
    if not files:
        reason = f"the HL7 v2 corpus is not at {CORPUS_DIR} (relative to the repository root)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-corpus")]
    return [pytest.param(path, id=path.name) for path in files]


def pid(mrn: str = "MRN0001", *, family: str = "Testperson", given: str = "Ana") -> str:
    return (
        f"PID|1||{mrn}^^^^MR||{family}^{given}^Maria^^Ms.^^L||19800214|F|||"
        "12 Example Street^Apt 3^Springfield^IL^62701^USA^H||"
        "555-0100^PRN^PH~^NET^Internet^ana.t@example.org|555-0101^WPN^PH|en^English"
    )


def adt(
    event: str = "A04",
    *,
    control_id: str = "MSG0001",
    mrn: str = "MRN0001",
    segments: tuple[str, ...] | None = None,
    message_type: str = "ADT",
    version: str = "2.5.1",
    processing: str = "P",
    sender: str = "LAB^1.2.3^ISO",
    sender_facility: str = "LABFAC",
    receiver: str = "EHR",
    receiver_facility: str = "EHRFAC",
) -> str:
    """One message, segments joined by CR; ``segments`` replaces EVN + PID."""
    msh = (
        f"MSH|^~\\&|{sender}|{sender_facility}|{receiver}|{receiver_facility}|20250106090000||"
        f"{message_type}^{event}|{control_id}|{processing}|{version}"
    )
    body = segments if segments is not None else (f"EVN|{event}|20250106090000", pid(mrn))
    return "\r".join((msh, *body))


def merge(survivor: str, retired: str, *, control_id: str = "MSG0040") -> str:
    return adt(
        "A40",
        control_id=control_id,
        segments=("EVN|A40|20250106090000", pid(survivor), f"MRG|{retired}^^^^MR"),
    )

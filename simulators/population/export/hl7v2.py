"""HL7 v2.5.1 ADT^A04 (register a patient) messages of system records.

Each record becomes one message: MSH, EVN, PID, PV1, segments ended by CR, UTF-8
(``MSH-18 = UNICODE UTF-8``). A system's file is an HL7 batch file: FHS, BHS, the messages,
BTS (message count), FTS. Values are escaped (``\\F\\ \\S\\ \\T\\ \\R\\ \\E\\`` for
``| ^ & ~ \\``, ``\\X0D\\``/``\\X0A\\`` for line breaks), so a name never breaks a field.
PID-3 carries the record id (``PI``) and, in the EHR, the MRN (``MR``); PID-19 the SSN-like.

>>> escape("Smith & Jones|Co")
'Smith \\\\T\\\\ Jones\\\\F\\\\Co'
"""

from __future__ import annotations

from simulators.population.model import SystemRecord

__all__ = ["adt_a04", "batch_header", "batch_trailer", "escape"]

_ESCAPES = str.maketrans(
    {
        "\\": "\\E\\",
        "|": "\\F\\",
        "^": "\\S\\",
        "&": "\\T\\",
        "~": "\\R\\",
        "\r": "\\X0D\\",
        "\n": "\\X0A\\",
    }
)
_SEX = {"female": "F", "male": "M"}


def escape(text: str | None) -> str:
    """A value made safe for an HL7 v2 field or component (``None`` is empty)."""
    return "" if text is None else text.translate(_ESCAPES)


def batch_header(system: str, timestamp: str) -> str:
    app = system.upper()
    return (
        f"FHS|^~\\&|{app}|SYNTH|RECEIVER|SYNTH|{timestamp}\r"
        f"BHS|^~\\&|{app}|SYNTH|RECEIVER|SYNTH|{timestamp}\r"
    )


def batch_trailer(messages: int) -> str:
    return f"BTS|{messages}\rFTS|1\r"


def _pid(r: SystemRecord) -> str:
    ids = [f"{escape(r.record_id)}^^^{r.system.upper()}^PI"]
    if r.mrn is not None:
        ids.insert(0, f"{escape(r.mrn)}^^^EHR^MR")
    names = [f"{escape(r.family)}^{escape(r.given)}^^^^^L"]
    if r.preferred_name is not None:
        names.append(f"^{escape(r.preferred_name)}^^^^^N")
    a = r.address
    address = (
        (f"{escape(a.line)}^^{escape(a.city)}^{escape(a.state)}^{escape(a.postcode)}^USA^H")
        if a
        else ""
    )
    phones = [f"{escape(r.phone)}^PRN^PH"] if r.phone else []
    if r.email is not None:
        phones.append(f"^NET^Internet^{escape(r.email)}")
    fields = [""] * 20
    fields[0], fields[1], fields[3], fields[5] = "PID", "1", "~".join(ids), "~".join(names)
    fields[7] = (r.birth_date or "").replace("-", "")
    fields[8] = _SEX.get(r.sex or "", "")
    fields[11], fields[13] = address, "~".join(phones)
    fields[15] = f"{escape(r.language)}^^ISO6391" if r.language else ""
    fields[19] = escape(r.ssn)
    return "|".join(fields).rstrip("|")


def adt_a04(r: SystemRecord, control_id: str, timestamp: str) -> str:
    """One ADT^A04 message, segments ended by CR."""
    msh = (
        f"MSH|^~\\&|{r.system.upper()}|SYNTH|RECEIVER|SYNTH|{timestamp}||ADT^A04^ADT_A01|"
        f"{control_id}|P|2.5.1|||AL|NE||UNICODE UTF-8"
    )
    return f"{msh}\rEVN|A04|{timestamp}\r{_pid(r)}\rPV1|1|O\r"

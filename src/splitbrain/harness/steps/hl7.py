"""Steps for HL7 v2: a registration system's ADT to the EHR, and the EHR's ADT feed to the SUT.

A registration desk (sending application ``REG``) sends ADT^A04 to the EHR's MLLP listener (the
world's ``mllp`` address) and reads the EHR's ACK; the EHR applies it and, for every SUT that
registered as its ADT peer (``PUT /hl7/adt-peers/{client}``), its feed sends the change on.
A ``lost_ack`` webhook rule aimed at the SUT's peer name throws the SUT's good ACK away, so the
EHR resends the same message (same MSH-10). The "Then" steps read the EHR's history: each feed
attempt is an operation ``feed.A04`` (process ``feed:{client}``, idempotency key = MSH-10).
"""

from __future__ import annotations

import itertools
import socket
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from pytest_bdd import given, parsers, then, when

from simulators.ehr.hl7.ack import read_ack
from simulators.ehr.hl7.compose import Envelope, compose_adt
from simulators.ehr.hl7.framing import Frame, MllpDecoder, encode_frame
from splitbrain.harness.steps.faults import add_rule
from splitbrain.harness.steps.people import NAME
from splitbrain.harness.steps.story import Story

MRN: Final = "https://ehr.example.org/fhir/sid/mrn"
SENDER: Final = Envelope(sending_application="REG", sending_facility="FRONTDESK")
_WHEN: Final = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_control_ids = itertools.count(1)


def _mrn(name: str) -> str:
    return f"MRN-{name.upper()}-1"


def _send(story: Story, payload: bytes) -> str:
    """Send one framed message to the EHR's MLLP listener; the ACK's MSA-1."""
    where = urlsplit(story.run.addresses["mllp"])
    with socket.create_connection((where.hostname or "127.0.0.1", where.port or 0), 10) as conn:
        conn.sendall(encode_frame(payload))
        decoder = MllpDecoder()
        while chunk := conn.recv(65536):
            for frame in decoder.feed(chunk):
                assert isinstance(frame, Frame), "the EHR's ACK frame was broken"
                return read_ack(frame.payload).code
    raise AssertionError("the EHR closed the MLLP connection without an ACK")


@when(parsers.re(rf"the registration desk sends {NAME}'s registration to the EHR over ADT$"))
def registers_over_adt(splitbrain_story: Story, name: str) -> None:
    who = splitbrain_story.person(name).identity
    patient: dict[str, Any] = {
        "resourceType": "Patient", "identifier": [{"system": MRN, "value": _mrn(name)}],
        "name": [{"family": who.family, "given": [who.given]}], "birthDate": who.birth_date,
        "telecom": [{"system": "email", "value": who.email},
                    {"system": "phone", "value": who.phone}],
    }  # fmt: skip
    control_id = f"REG{next(_control_ids)}"
    message = compose_adt("A04", patient, control_id=control_id, timestamp=_WHEN,
                          envelope=SENDER).encode()  # fmt: skip
    splitbrain_story.unsettled = True
    code = _send(splitbrain_story, message)
    assert code == "AA", f"the EHR answered registration {control_id} with {code}, not AA"
    found = splitbrain_story.read("ehr", "/Patient", identifier=f"{MRN}|{_mrn(name)}")
    ids = [entry["resource"]["id"] for entry in found.get("entry", [])]
    assert len(ids) == 1, f"the EHR holds {len(ids)} charts for registration {control_id}"
    splitbrain_story.owns(name, "ehr", str(ids[0]))


@given(parsers.re(r"the EHR's next ADT message to the engine loses its ACK$"))
def loses_ack(splitbrain_story: Story) -> None:
    rule = {"kind": "lost_ack", "endpoint": splitbrain_story.sut_client, "times": 1}
    add_rule(splitbrain_story, "ehr", "webhooks", rule)


@then(
    parsers.re(r"the EHR sent the engine (?P<count>\d+) ADT messages? twice, as the same message$")
)
def resent(splitbrain_story: Story, count: str) -> None:
    ops = _feed_ops(splitbrain_story)
    lost = [op for op in ops if op.get("outcome") == "fault:lost_ack"]
    assert len(lost) == int(count), f"the EHR lost {len(lost)} ACK(s) from the engine"
    for op in lost:
        key, attempt = op.get("idempotency_key"), op.get("attempt", 0)
        again = [o for o in ops if o.get("idempotency_key") == key and o.get("type") == "ok"
                 and o.get("attempt", 0) > attempt]  # fmt: skip
        assert len(again) == 1, (
            f"ADT message {op.get('idempotency_key')} was resent and acknowledged "
            f"{len(again)} time(s), not once"
        )


@then(parsers.re(rf"the CRM holds one contact for {NAME}'s EHR chart$"))
def one_contact_for_chart(splitbrain_story: Story, name: str) -> None:
    """Her contact as the engine makes it from a chart: her name and date of birth, a token for
    the patient (the EHR's contact points are not the CRM's to hold, so no email to look by)."""
    who = splitbrain_story.person(name).identity
    items = splitbrain_story.read("crm", "/contacts", limit=200)["items"]
    mine = [c for c in items if (c.get("first_name"), c.get("last_name"), c.get("birth_date"))
            == (who.given, who.family, who.birth_date)]  # fmt: skip
    assert len(mine) == 1, f"the CRM holds {len(mine)} contacts for {name}, expected one"
    assert str(mine[0].get("patient_ref", "")).startswith("tok_"), (
        f"{name}'s CRM contact {mine[0].get('id')} names her by something other than a token"
    )


@then(parsers.re(r"the engine created (?P<count>\d+) contacts? in the CRM$"))
def created_contacts(splitbrain_story: Story, count: str) -> None:
    sut = splitbrain_story.sut_client
    made = [op for op in splitbrain_story.histories()["crm"]
            if op.get("process") == sut and op.get("f") == "create" and op.get("type") == "ok"
            and str(op.get("key", "")).startswith("Contact/")]  # fmt: skip
    assert len(made) == int(count), f"the engine created {len(made)} CRM contact(s)"


def _feed_ops(story: Story) -> list[dict[str, Any]]:
    process = f"feed:{story.sut_client}"
    return [op for op in story.histories()["ehr"]
            if op.get("process") == process and op.get("type") != "invoke"]  # fmt: skip

"""HL7 v2 over MLLP between the served world and the engine service, on real sockets.

In: ADT from a sender (and from the EHR's own outbound feed) reaches the engine's MLLP door,
is stored before the AA, and becomes CRM contacts; a resend after a lost ACK is applied once;
a message that breaks a rule is answered AE/AR with an ERR and dead-lettered. Out: a merge the
engine makes is carried to the EHR as ADT^A40 over the EHR's MLLP listener (and an unmerge
takes the Patient.link back), once, however often it is planned. The engine's ACKs are read
with the simulator's own ACK reader, an independent oracle.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from simulators._shared import KeyRing, SimulatorSettings
from simulators.ehr.hl7.ack import Ack, read_ack
from simulators.ehr.hl7.compose import Envelope, compose_adt
from simulators.ehr.hl7.feed import AdtFeed, FeedSettings
from simulators.ehr.hl7.framing import Frame, MllpDecoder, encode_frame
from simulators.ehr.hl7.receiver import ControlIds
from splitbrain.engine.adapters.registration import register_receivers
from splitbrain.engine.adapters.sync_targets import Endpoint
from splitbrain.engine.bootstrap import bootstrap_service
from splitbrain.engine.domain.linkage.merge import PersonsMerged
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.harness.paths import default_matrix
from splitbrain.harness.world import AppServer, Ports, World

pytestmark = pytest.mark.e2e

KEYS = KeyRing.generate(
    {"admin": "admin", "engine": "sync_engine", "doc": "provider", "ops": "intake_ops"}, seed=6
)
MRN = "https://ehr.example.org/fhir/sid/mrn"
WHEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class Served:
    world: World
    service: EngineService
    loop: asyncio.AbstractEventLoop
    addresses: dict[str, str]
    engine_url: str
    door: int

    def call(self, system: str, method: str, path: str, *, client: str = "engine",
             **kwargs: Any) -> httpx.Response:  # fmt: skip
        headers = {"Authorization": f"Bearer {KEYS.by_name(client).key}"}
        with httpx.Client(base_url=self.addresses[system], headers=headers, timeout=10) as http:
            return http.request(method, path, **kwargs)

    def quiesce(self, timeout: float = 20.0) -> None:
        deadline, calm = time.monotonic() + timeout, 0
        while time.monotonic() < deadline:
            pending = any(self.world.runtime(s).webhooks.pending() for s in ("ehr", "crm"))
            calm = calm + 1 if not pending and self.service.idle() else 0
            if calm >= 3:
                return
            time.sleep(0.05)
        raise AssertionError(f"no quiescence within {timeout}s: {self.service.store.depths()}")

    def contacts(self) -> list[dict[str, Any]]:
        body = self.call("crm", "GET", "/contacts", params={"limit": 500}).json()
        return list(body["items"] if isinstance(body, dict) else body)

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)


def _serve(*, fhir_subscriptions: bool) -> Iterator[Served]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    world = World(SimulatorSettings(keys=KEYS))
    asyncio.run_coroutine_threadsafe(world.start("127.0.0.1", Ports(0, 0, 0, 0)), loop).result(30)
    addresses = world.addresses()
    ehr_mllp = urlsplit(addresses["mllp"])
    key = KEYS.by_name("engine").key
    endpoints = {s: Endpoint(addresses[s], key) for s in ("ehr", "crm", "portal")}
    service = bootstrap_service(
        matrix=default_matrix(), store="memory", endpoints=endpoints,
        actor_roles={c.name: c.role for c in KEYS.clients()}, fresh=True,
        mllp=("127.0.0.1", 0), ehr_mllp=(str(ehr_mllp.hostname), int(ehr_mllp.port or 0)),
    )  # fmt: skip
    server = AppServer("engine", service.app(), "127.0.0.1", 0)
    asyncio.run_coroutine_threadsafe(server.start(), loop).result(30)
    hooks = endpoints if fhir_subscriptions else {s: endpoints[s] for s in ("crm", "portal")}
    register_receivers(hooks, server.url)
    service.start()
    assert service.mllp is not None
    try:
        yield Served(world, service, loop, addresses, server.url, service.mllp.port)
    finally:
        service.stop()
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(15)
        asyncio.run_coroutine_threadsafe(world.stop(), loop).result(15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        service.close()


@pytest.fixture
def served() -> Iterator[Served]:
    yield from _serve(fhir_subscriptions=True)


@pytest.fixture
def feed_only() -> Iterator[Served]:
    """The EHR reaches the engine only through its ADT feed (no FHIR Subscriptions)."""
    yield from _serve(fhir_subscriptions=False)


def _patient(mrn: str, family: str, given: str, born: str, email: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient", "identifier": [{"system": MRN, "value": mrn}],
        "name": [{"family": family, "given": [given]}], "birthDate": born,
        "telecom": [{"system": "email", "value": email}],
    }  # fmt: skip


def _adt(event: str, patient: dict[str, Any], control_id: str) -> bytes:
    return compose_adt(event, patient, control_id=control_id, timestamp=WHEN,
                       envelope=Envelope(sending_application="LAB")).encode()  # fmt: skip


def _exchange(port: int, payload: bytes) -> Ack:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(encode_frame(payload))
        decoder = MllpDecoder()
        while True:
            chunk = conn.recv(65536)
            assert chunk, "the engine closed the connection without an ACK"
            for event in decoder.feed(chunk):
                assert isinstance(event, Frame)
                return read_ack(event.payload)


def test_an_adt_registration_over_mllp_is_acked_aa_and_reaches_the_crm(served: Served) -> None:
    patient = _patient("MRN-100", "Quill", "Ana", "1984-02-29", "ana.quill@example.org")

    ack = _exchange(served.door, _adt("A04", patient, "LAB1"))
    served.quiesce()

    assert (ack.code, ack.acknowledged_id) == ("AA", "LAB1")
    (contact,) = served.contacts()
    assert contact["birth_date"] == "1984-02-29"
    assert contact["patient_ref"].startswith("tok_")
    item = served.service.store.inbox_item("ehr:hl7:LAB:LAB1")
    assert item is not None and item.state.value == "applied"


def test_a_resend_after_a_lost_ack_is_applied_once(served: Served) -> None:
    message = _adt("A04", _patient("MRN-200", "Bryce", "Tom", "1971-07-04",
                                   "tom.bryce@example.org"), "LAB7")  # fmt: skip
    with socket.create_connection(("127.0.0.1", served.door), timeout=10) as conn:
        conn.sendall(encode_frame(message))  # the ACK is never read: lost on the way back
    deadline = time.monotonic() + 10
    while served.service.store.inbox_item("ehr:hl7:LAB:LAB7") is None:
        assert time.monotonic() < deadline, "the first delivery was never stored"
        time.sleep(0.02)

    ack = _exchange(served.door, message)
    served.quiesce()

    assert (ack.code, ack.acknowledged_id) == ("AA", "LAB7")
    item = served.service.store.inbox_item("ehr:hl7:LAB:LAB7")
    assert item is not None and item.deliveries == 2 and item.state.value == "applied"
    assert len(served.contacts()) == 1


def test_a_registration_without_an_identifier_is_answered_ae_and_dead_lettered(
    served: Served,
) -> None:
    message = _adt("A04", _patient("MRN-300", "Ng", "Lee", "1990-01-02", "lee.ng@example.org"),
                   "LAB9").replace(b"MRN-300^^^EHR^MR", b"")  # fmt: skip

    ack = _exchange(served.door, message)
    served.quiesce()

    assert (ack.code, ack.acknowledged_id) == ("AE", "LAB9")
    ((code, text),) = ack.errors
    assert code == "101" and "PID-3" in text and "Ng" not in text
    item = served.service.store.inbox_item("ehr:hl7:LAB:LAB9")
    assert item is not None and item.state.value == "dead_lettered"
    assert served.service.store.depths().open_incidents == 1
    assert served.contacts() == []


def test_an_event_the_engine_does_not_read_is_rejected_ar_naming_the_event(
    served: Served,
) -> None:
    message = _adt("A08", _patient("MRN-400", "Roe", "Kim", "1980-05-06", "kim.roe@example.org"),
                   "LAB11").replace(b"ADT^A08^ADT_A01", b"ADT^A02^ADT_A02")  # fmt: skip

    ack = _exchange(served.door, message)
    garbage = _exchange(served.door, b"this is not HL7")

    assert (ack.code, [c for c, _ in ack.errors]) == ("AR", ["201"])
    assert "A02" in ack.errors[0][1]
    assert garbage.code == "AR" and garbage.acknowledged_id == ""


def test_the_ehrs_own_adt_feed_brings_registrations_and_updates_to_the_crm(
    feed_only: Served,
) -> None:
    feed = AdtFeed(FeedSettings("127.0.0.1", feed_only.door, ack_timeout=2.0),
                   control_ids=ControlIds("F"))  # fmt: skip
    feed.attach(feed_only.world.apps["ehr"].state.store)
    feed_only.run(feed.start())
    try:
        created = feed_only.call("ehr", "POST", "/Patient", client="doc", json=_patient(
            "MRN-500", "Quill", "Ana", "1984-02-29", "ana.quill@example.org"))  # fmt: skip
        assert created.status_code == 201, created.text
        patient = created.json()
        feed_only.run(feed.drain())
        feed_only.quiesce()
        patient["birthDate"] = "1984-03-01"
        updated = feed_only.call("ehr", "PUT", f"/Patient/{patient['id']}", client="doc",
                                 json=patient)  # fmt: skip
        assert updated.status_code == 200, updated.text
        feed_only.run(feed.drain())
        feed_only.quiesce()
    finally:
        feed_only.run(feed.stop())

    assert [o.status for o in feed.outcomes] == ["delivered", "delivered"]
    (contact,) = feed_only.contacts()
    assert contact["birth_date"] == "1984-03-01"


def test_a_patient_announced_over_fhir_and_over_the_adt_feed_is_one_person_one_contact(
    served: Served,
) -> None:
    feed = AdtFeed(FeedSettings("127.0.0.1", served.door, ack_timeout=2.0),
                   control_ids=ControlIds("G"))  # fmt: skip
    feed.attach(served.world.apps["ehr"].state.store)
    served.run(feed.start())
    try:
        created = served.call("ehr", "POST", "/Patient", client="doc", json=_patient(
            "MRN-550", "Vance", "Iris", "1979-12-01", "iris.vance@example.org"))  # fmt: skip
        assert created.status_code == 201, created.text
        served.run(feed.drain())
        served.quiesce()
    finally:
        served.run(feed.stop())

    store = served.service.store
    channels = {i.channel for i in store.inbox() if i.source == "ehr"}
    assert channels == {"fhir-subscription", "mllp"}
    assert store.person_of("ehr", f"Patient/{created.json()['id']}") is not None
    assert store.person_of("ehr", "pid:EHR|MRN-550") is None  # the ADT named the same record
    persons = served.service.engine.read(lambda uow: uow.identity.persons.count())
    assert persons == 1 and len(served.contacts()) == 1


def _chart(served: Served, mrn: str, family: str, given: str, born: str) -> str:
    body = _patient(mrn, family, given, born, f"{given.lower()}.{family.lower()}@example.org")
    response = served.call("ehr", "POST", "/Patient", client="doc", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_a_merge_the_engine_makes_is_carried_to_the_ehr_as_an_a40_once(served: Served) -> None:
    keep = _chart(served, "MRN-600", "Okafor", "Ada", "1975-03-14")
    gone = _chart(served, "MRN-601", "Lindqvist", "Per", "1962-11-30")
    served.quiesce()
    store, engine = served.service.store, served.service.engine
    survivor, retired = store.person_of("ehr", f"Patient/{keep}"), store.person_of(
        "ehr", f"Patient/{gone}")  # fmt: skip
    assert survivor and retired and survivor != retired

    merged = engine.merge(survivor, retired, actor="usr_1", role="merge_owner",
                          reason="duplicate_intake")  # fmt: skip
    served.quiesce()
    assert isinstance(merged, PersonsMerged) and served.service.merges is not None
    again = served.service.merges.sweep(force=True)
    served.quiesce()

    retired_chart = served.call("ehr", "GET", f"/Patient/{gone}").json()
    assert {"other": {"reference": f"Patient/{keep}"}, "type": "replaced-by"} in retired_chart[
        "link"]  # fmt: skip
    assert retired_chart["active"] is False
    a40s = [op for op in served.world.runtime("ehr").history.records()
            if op["f"] == "adt.A40" and op["type"] == "ok"]  # fmt: skip
    assert len(a40s) == 1 and a40s[0]["process"] == "mllp:SPLITBRAIN"
    assert again == 0
    (sent,) = [e for e in store.outbox() if e.method == "merge"]
    assert sent.state.value == "sent" and sent.effect_id.startswith(merged.merge_id)


def test_an_unmerge_takes_the_patient_links_back_in_the_ehr(served: Served) -> None:
    keep = _chart(served, "MRN-700", "Moreau", "Lea", "1988-08-08")
    gone = _chart(served, "MRN-701", "Haddad", "Omar", "1959-01-20")
    served.quiesce()
    store, engine = served.service.store, served.service.engine
    survivor = store.person_of("ehr", f"Patient/{keep}")
    retired = store.person_of("ehr", f"Patient/{gone}")
    assert survivor and retired
    merged = engine.merge(survivor, retired, actor="usr_1", role="merge_owner",
                          reason="duplicate_intake")  # fmt: skip
    served.quiesce()
    assert isinstance(merged, PersonsMerged)

    engine.unmerge(merged.merge_id, actor="usr_1", role="merge_owner", reason="wrong_merge")
    served.quiesce()

    retired_chart = served.call("ehr", "GET", f"/Patient/{gone}").json()
    survivor_chart = served.call("ehr", "GET", f"/Patient/{keep}").json()
    assert not retired_chart.get("link") and retired_chart["active"] is True
    assert not survivor_chart.get("link")
    assert [e.state.value for e in store.outbox() if e.method == "unmerge"] == ["sent"]

"""The HL7 side against the real EHR store (``simulators.ehr.store.FhirStore``), in process."""

from __future__ import annotations

from simulators._shared.clock import SimClock
from simulators._shared.history import History
from simulators.ehr.hl7.ack import read_ack
from simulators.ehr.hl7.outbound import OutboundPlanner
from simulators.ehr.hl7.receiver import AdtReceiver
from simulators.ehr.hl7.target import AdtTarget, ChangeEvent
from simulators.ehr.store import FhirStore
from tests.simulators.hl7.messages import adt, merge


def make_store() -> tuple[FhirStore, AdtReceiver]:
    clock = SimClock()
    store = FhirStore(History(clock, system="ehr"), clock)
    return store, AdtReceiver(store, history=store.history, clock=clock)


def test_the_fhir_store_is_an_adt_target() -> None:
    store, _ = make_store()

    assert isinstance(store, AdtTarget)


def test_registration_update_and_merge_reach_the_store_with_versions() -> None:
    store, receiver = make_store()

    codes = [
        read_ack(receiver.handle(text.encode())).code
        for text in (
            adt("A04", mrn="KEEP", control_id="M1"),
            adt("A01", mrn="GONE", control_id="M2"),
            adt("A31", mrn="KEEP", control_id="M3").replace("Testperson", "Renamed"),
            merge("KEEP", "GONE", control_id="M4"),
        )
    ]

    live = {version.id: version for version in store.live("Patient")}
    assert codes == ["AA"] * 4
    assert len(live) == 2
    keep, gone = (v.resource or {} for v in sorted(live.values(), key=lambda v: v.id))
    assert keep["name"][0]["family"] == "Renamed"
    assert gone["active"] is False
    assert gone["link"][0]["type"] == "replaced-by"


def test_a_merge_with_an_unknown_identifier_is_ae_204_and_changes_nothing() -> None:
    store, receiver = make_store()
    receiver.handle(adt("A04", mrn="KEEP").encode())

    ack = read_ack(receiver.handle(merge("KEEP", "NOBODY").encode()))

    assert (ack.code, ack.errors[0][0]) == ("AE", "204")
    assert all((v.resource or {}).get("active", True) for v in store.live("Patient"))


def test_the_store_history_and_the_hl7_operations_share_one_history() -> None:
    store, receiver = make_store()

    receiver.handle(adt("A04", mrn="H1", control_id="M1").encode())

    fs = [(r["type"], r["f"]) for r in store.history.records()]
    assert fs[0] == ("invoke", "adt.A04")
    assert fs[-1] == ("ok", "adt.A04")
    assert len(fs) > 2


def test_store_merge_events_plan_an_a40_then_an_a08() -> None:
    store, receiver = make_store()
    planner = OutboundPlanner()
    plans: list[tuple[str, bool]] = []

    def listen(change: ChangeEvent) -> None:
        plans.extend((m.event, m.retired is not None) for m in planner.plan(change))

    store.on_change(listen)
    receiver.handle(adt("A04", mrn="KEEP").encode())
    receiver.handle(adt("A04", mrn="GONE", control_id="M2").encode())
    receiver.handle(merge("KEEP", "GONE").encode())

    assert plans == [("A04", False), ("A04", False), ("A40", True), ("A08", False)]

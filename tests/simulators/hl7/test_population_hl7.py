"""The synthetic population's own ADT^A04 export reaches the EHR as the same patients FHIR seeds.

``simulators.population`` writes HL7 with assigning authority ``EHR`` for the MRN (``EHR^MR``)
and the record id (``EHR^PI``); the listener must map them to the same identifier systems the
population's FHIR export uses, or one person would become two patients depending on the path.
"""

from __future__ import annotations

from simulators._shared.clock import SimClock
from simulators._shared.history import History
from simulators.ehr.hl7.ack import read_ack
from simulators.ehr.hl7.receiver import AdtReceiver
from simulators.ehr.store import FhirStore
from simulators.population import generate
from simulators.population.export import fhir, hl7v2
from simulators.population.model import SystemRecord


def ehr_records(people: int) -> list[SystemRecord]:
    entries = generate(people=people, seed=11)
    return [record for entry in entries for record in entry.records if record.system == "ehr"]


def test_population_adt_a04_messages_are_accepted_with_the_fhir_identifier_systems() -> None:
    clock = SimClock()
    store = FhirStore(History(clock, system="ehr"), clock)
    receiver = AdtReceiver(store, clock=clock)
    records = ehr_records(12)

    acks = [
        read_ack(receiver.handle(hl7v2.adt_a04(r, f"SYN{n}", "20250106090000").encode()))
        for n, r in enumerate(records)
    ]

    assert [ack.code for ack in acks] == ["AA"] * len(records)
    for record in records:
        expected = {(i["system"], i["value"]) for i in fhir.patient(record)["identifier"]}
        stored = [v.resource or {} for v in store.live("Patient")]
        assert any({(i["system"], i["value"]) for i in p["identifier"]} <= expected for p in stored)


def test_a_patient_seeded_over_fhir_is_updated_not_duplicated_by_its_hl7_registration() -> None:
    clock = SimClock()
    store = FhirStore(History(clock, system="ehr"), clock)
    receiver = AdtReceiver(store, clock=clock)
    records = ehr_records(6)
    store.seed([fhir.patient(r) for r in records], process="seed")

    codes = [
        read_ack(receiver.handle(hl7v2.adt_a04(r, f"SYN{n}", "20250106090000").encode())).code
        for n, r in enumerate(records)
    ]

    assert codes == ["AA"] * len(records)
    assert store.count("Patient") == len(records)

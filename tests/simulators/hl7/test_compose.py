"""Outbound ADT: a Patient written as PID and read back by the listener's mapping is unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from simulators.ehr.hl7.adt import PatientMerge, PatientUpsert, read_adt
from simulators.ehr.hl7.compose import Envelope, compose_adt
from simulators.ehr.hl7.identifiers import (
    DEFAULT_AUTHORITIES,
    DEFAULT_AUTHORITY_BASE,
    IdentifierSystems,
)
from simulators.ehr.hl7.parse import parse_message
from tests.simulators.hl7.messages import MRN_SYSTEM

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"

words = st.text(
    alphabet=st.sampled_from("abcXYZ019 '-.,|^~\\&éñ李"), min_size=1, max_size=12
).filter(lambda text: text == text.strip() and text != '""')
systems = st.sampled_from(
    [
        "urn:oid:1.2.840.113619.6",
        DEFAULT_AUTHORITY_BASE + "HOSP",
        "https://id.example.org/mrn",
        "urn:uuid:6b1c7c4e-2f0a-4c1e-9d7e-0a1b2c3d4e5f",
    ]
)


def typed(type_code: str) -> dict[str, Any]:
    return {"type": {"coding": [{"system": TYPE_SYSTEM, "code": type_code}]}}


def identifier(type_code: str | None) -> st.SearchStrategy[dict[str, Any]]:
    """An identifier of a free system, or of a mapped one (``EHR^MR``) with its implied type."""
    free = st.fixed_dictionaries({"system": systems, "value": words})
    if type_code is not None:
        free = free.map(lambda found: {**found, **typed(type_code)})
    mapped = st.sampled_from(sorted(DEFAULT_AUTHORITIES.items())).flatmap(
        lambda item: words.map(
            lambda value: {"system": item[1], "value": value, **typed(item[0].split("^")[1])}
        )
    )
    if type_code == "MR":
        return free | words.map(lambda value: {"system": MRN_SYSTEM, "value": value, **typed("MR")})
    return free | mapped.filter(lambda found: found["system"] != MRN_SYSTEM)


def optional(**strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=strategies)


names = optional(
    use=st.sampled_from(["official", "usual", "maiden", "nickname", "anonymous", "temp"]),
    given=st.lists(words, min_size=1, max_size=2),
    prefix=st.lists(words, min_size=1, max_size=1),
    suffix=st.lists(words, min_size=1, max_size=2),
).flatmap(lambda name: words.map(lambda family: {**name, "family": family}))
telecoms = st.one_of(
    st.fixed_dictionaries(
        {"system": st.sampled_from(["phone", "fax", "pager"]), "value": words,
         "use": st.sampled_from(["home", "work", "mobile"])}
    ),
    st.fixed_dictionaries(
        {"system": st.just("email"), "value": words, "use": st.sampled_from(["home", "work"])}
    ),
).filter(lambda point: not (point["use"] == "mobile" and point["system"] != "phone"))  # fmt: skip
addresses = optional(
    use=st.sampled_from(["home", "work", "temp", "old"]),
    line=st.lists(words, min_size=1, max_size=2),
    state=words,
    postalCode=words,
    country=words,
    district=words,
).flatmap(lambda address: words.map(lambda city: {**address, "city": city}))


def communication(code: str) -> list[dict[str, Any]]:
    language = {"coding": [{"system": "urn:ietf:bcp:47", "code": code}]}
    return [{"language": language, "preferred": True}]


patients = st.fixed_dictionaries(
    {
        "resourceType": st.just("Patient"),
        "identifier": st.tuples(
            identifier("MR") | identifier(None),
            st.lists(identifier("SS") | identifier(None), max_size=2),
        ).map(lambda pair: [pair[0], *pair[1]]),
        "name": st.lists(names, min_size=1, max_size=2),
    },
    optional={
        "gender": st.sampled_from(["female", "male", "other", "unknown"]),
        "birthDate": st.dates(date(1900, 1, 1), date(2025, 1, 1)).map(date.isoformat),
        "telecom": st.lists(telecoms, min_size=1, max_size=3),
        "address": st.lists(addresses, min_size=1, max_size=2),
        "communication": st.sampled_from(["en", "es", "zh-CN"]).map(communication),
    },
)


def read_back(text: str) -> PatientUpsert | PatientMerge:
    return read_adt(parse_message(text.encode()), IdentifierSystems())


def by_use(patient: dict[str, Any]) -> dict[str, Any]:
    """PID-13 holds home and mobile contacts, PID-14 work ones: compare telecom as a multiset."""
    telecom = sorted(patient.get("telecom", []), key=lambda point: sorted(point.items()))
    return {**patient, "telecom": telecom} if telecom else patient


@given(patients)
def test_a_patient_survives_compose_then_read(patient: dict[str, Any]) -> None:
    text = compose_adt("A08", patient, control_id="OUT1", timestamp=NOW, envelope=Envelope())

    command = read_back(text)

    assert isinstance(command, PatientUpsert)
    assert by_use(command.patient) == by_use(patient)


def test_a_merge_message_carries_the_survivor_in_pid_and_the_retired_in_mrg() -> None:
    keep = {"identifier": [{"system": MRN_SYSTEM, "value": "K1"}], "name": [{"family": "Keep"}]}
    gone = {"identifier": [{"system": "urn:oid:1.2.3", "value": "G1"}], "name": [{"family": "X"}]}

    text = compose_adt(
        "A40", keep, control_id="OUT2", timestamp=NOW, envelope=Envelope(), retired=gone
    )
    command = read_back(text)

    assert text.split("\r")[0].split("|")[8] == "ADT^A40^ADT_A39"
    assert isinstance(command, PatientMerge)
    assert [(p.survivor, p.retired) for p in command.pairs] == [
        ((MRN_SYSTEM, "K1"), ("urn:oid:1.2.3", "G1"))
    ]

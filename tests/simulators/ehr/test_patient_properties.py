"""Hypothesis: any valid Patient round-trips through create and read unchanged."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st

from simulators.ehr import create_app
from tests.simulators.ehr.conftest import ENGINE_KEY, auth, make_settings

_LETTERS = st.characters(categories=("Lu", "Ll", "Lo"))
_WORD = st.text(_LETTERS, min_size=1, max_size=12)
_NAME_PART = st.builds(
    lambda first, sep, rest: first + (sep + rest if sep else ""),
    _WORD,
    st.sampled_from(["", "-", "'", " "]),
    _WORD,
)
_PHONE = st.builds(
    lambda n, style: style.format(n=n),
    st.integers(100, 199),
    st.sampled_from(["(555) 010-0{n}", "+1-555-010-0{n}", "555.010.0{n}", "5550100{n}"]),
)
_EMAIL = st.builds(
    lambda user, domain: f"{user}@{domain}",
    st.text("abcdefghijklmnopqrstuvwxyz0123456789._", min_size=1, max_size=16).filter(
        lambda u: u[0] not in "._" and u[-1] not in "._"
    ),
    st.sampled_from(["example.com", "example.org", "example.net"]),
)
_BIRTH = st.one_of(
    st.dates(date(1900, 1, 1), date(2024, 12, 31)).map(date.isoformat),
    st.integers(1900, 2024).map(str),
    st.tuples(st.integers(1900, 2024), st.integers(1, 12)).map(lambda ym: f"{ym[0]}-{ym[1]:02d}"),
)
_HUMAN_NAME = st.fixed_dictionaries(
    {"family": _NAME_PART},
    optional={
        "given": st.lists(_NAME_PART, min_size=1, max_size=3),
        "use": st.sampled_from(["official", "usual", "nickname", "maiden", "old"]),
        "prefix": st.lists(st.sampled_from(["Dr", "Ms", "Mx", "Sr"]), min_size=1, max_size=1),
    },
)
_TELECOM = st.one_of(
    _PHONE.map(lambda v: {"system": "phone", "value": v}),
    st.tuples(_PHONE, st.sampled_from(["home", "mobile", "work"])).map(
        lambda pv: {"system": "phone", "value": pv[0], "use": pv[1]}
    ),
    _EMAIL.map(lambda v: {"system": "email", "value": v}),
)
_IDENTIFIER = st.fixed_dictionaries(
    {
        "system": st.sampled_from(
            ["urn:oid:2.999.7.1", "urn:oid:2.999.7.2", "http://ehr.example.org/mrn"]
        ),
        "value": st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=20),
    }
)

PATIENTS = st.fixed_dictionaries(
    {"resourceType": st.just("Patient")},
    optional={
        "identifier": st.lists(_IDENTIFIER, min_size=1, max_size=3),
        "active": st.booleans(),
        "name": st.lists(_HUMAN_NAME, min_size=1, max_size=3),
        "gender": st.sampled_from(["male", "female", "other", "unknown"]),
        "birthDate": _BIRTH,
        "telecom": st.lists(_TELECOM, min_size=1, max_size=4),
    },
)


@pytest.fixture(scope="module")
def shared_app() -> FastAPI:
    return create_app(make_settings())


async def _round_trip(
    app: FastAPI, body: dict[str, Any]
) -> tuple[int, dict[str, Any], int, dict[str, Any]]:
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://ehr", headers=auth(ENGINE_KEY)
    ) as client:
        created = await client.post("/fhir/Patient", json=body)
        read = await client.get(f"/fhir/Patient/{created.json().get('id')}")
    return created.status_code, created.json(), read.status_code, read.json()


@given(body=PATIENTS)
def test_any_valid_patient_round_trips_through_create_and_read(
    shared_app: FastAPI, body: dict[str, Any]
) -> None:
    created_status, created, read_status, read = asyncio.run(_round_trip(shared_app, body))

    assert created_status == 201, created
    assert read_status == 200
    assert read == created
    content = {k: v for k, v in read.items() if k not in ("id", "meta")}
    assert content == body
    assert read["meta"]["versionId"] == "1"

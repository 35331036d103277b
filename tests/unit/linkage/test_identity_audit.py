"""What the audit log says about registrations, reviews and unmerges: grades and ids, no PHI."""

from __future__ import annotations

import pytest

from splitbrain.engine.domain.audit import AuditEvent
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.merge import PersonsMerged
from tests.unit.linkage.world import IdentityWorld


def _events(world: IdentityWorld, action: str) -> list[AuditEvent]:
    return [e.event for e in world.engine.audit_entries() if e.event.action == action]


@pytest.mark.parametrize(
    ("values", "band", "grade"),
    [
        ({"identifier": "id-1"}, "high", "certain"),
        ({"identifier": "id-2", "phone": "+15550100"}, "medium", "probable"),
        ({"identifier": "id-3", "email": "ana@example.org"}, "low", "possible"),
        ({"identifier": "id-4"}, "none", "certainly-not"),
    ],
)
def test_a_registration_is_audited_with_the_fhir_match_grade_of_its_band(
    values: dict[str, str], band: str, grade: str
) -> None:
    world = IdentityWorld()
    world.register("crm", "c-1", identifier="id-1", phone="+15550100", email="ana@example.org")

    world.register("ehr", "e-1", **values)

    entry = _events(world, "identity.register")[-1]
    assert entry.match_grade == grade
    assert dict(entry.extra)["band"] == band
    assert dict(entry.extra)["record"] == "ehr/e-1"
    assert b"ana@example.org" not in entry.canonical_bytes()
    assert b"15550100" not in entry.canonical_bytes()


def test_an_opened_review_item_is_audited_as_an_escalation_to_review() -> None:
    world = IdentityWorld()
    world.register("crm", "c-1", identifier="id-1", phone="+15550100")

    world.register("ehr", "e-1", identifier="id-2", phone="+15550100")

    opened = _events(world, "identity.review.open")
    assert [(e.outcome.value, e.match_grade, dict(e.extra)["review_id"]) for e in opened] == [
        ("escalated", "probable", "rev_000001")
    ]


def test_a_refused_unmerge_is_audited_with_the_field_it_names() -> None:
    world = IdentityWorld()
    ana = world.register("crm", "c-1", identifier="id-1").person
    dup = world.register("ehr", "e-1", identifier="id-2").person
    merged = world.merge(ana, dup)
    assert isinstance(merged, PersonsMerged)
    world.register("portal", "p-1", identifier="id-1")
    world.write(RecordKey("portal", "p-1"), "contact_preference", "sms")

    world.unmerge(merged.merge_id)

    refused = _events(world, "identity.unmerge")[-1]
    assert (refused.outcome.value, refused.reason) == ("rejected", "unattributable_write")
    assert refused.field_names == ("contact_preference",)
    assert dict(refused.extra)["record"] == "portal/p-1"
    assert b"sms" not in refused.canonical_bytes()

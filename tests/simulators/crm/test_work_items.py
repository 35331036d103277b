"""Tasks in owner queues with SLAs on the simulated clock; leads, cases and the pipeline."""

from __future__ import annotations

import pytest

from simulators.population.program import CRM_STAGE_NAMES
from tests.simulators.crm.support import Rig

pytestmark = pytest.mark.anyio


async def test_pipeline_lists_the_crms_own_stage_names_in_order(rig: Rig) -> None:
    response = await rig.client().get("/pipeline")

    names = [stage["name"] for stage in response.json()["stages"]]
    assert names == list(CRM_STAGE_NAMES.values())


async def test_task_due_time_is_its_sla_from_the_simulated_clock(rig: Rig) -> None:
    crm = rig.client()

    task = (
        await crm.post(
            "/tasks",
            json={
                "subject": "Resolve conflict on phone",
                "owner_queue": "clinical_ops",
                "sla_minutes": 90,
            },
        )
    ).json()

    assert task["due_at"] == "2025-01-06T10:30:00+00:00"
    assert (task["status"], task["overdue"]) == ("open", False)


async def test_task_default_sla_follows_priority(rig: Rig) -> None:
    crm = rig.client()

    urgent = (
        await crm.post(
            "/tasks", json={"subject": "s", "owner_queue": "support", "priority": "urgent"}
        )
    ).json()

    assert urgent["due_at"] == "2025-01-06T10:00:00+00:00"


async def test_an_open_task_past_its_due_time_reads_as_overdue(rig: Rig) -> None:
    crm = rig.client()
    tid = (
        await crm.post(
            "/tasks", json={"subject": "s", "owner_queue": "clinical_ops", "sla_minutes": 30}
        )
    ).json()["id"]

    rig.clock.advance(30 * 60)

    assert (await crm.get(f"/tasks/{tid}")).json()["overdue"] is True
    overdue = (await crm.get("/tasks", params={"overdue": True})).json()
    assert [t["id"] for t in overdue["items"]] == [tid]


async def test_done_stamps_completion_and_clears_overdue(rig: Rig) -> None:
    crm = rig.client()
    tid = (
        await crm.post(
            "/tasks", json={"subject": "s", "owner_queue": "clinical_ops", "sla_minutes": 30}
        )
    ).json()["id"]
    rig.clock.advance(3600)

    done = (await crm.patch(f"/tasks/{tid}", json={"status": "done"})).json()

    assert done["completed_at"] == "2025-01-06T10:00:00+00:00"
    assert done["overdue"] is False


async def test_a_queue_lists_open_tasks_of_one_role_by_due_time(rig: Rig) -> None:
    crm = rig.client()
    for queue, sla in (("clinical_ops", 120), ("support", 10), ("clinical_ops", 60)):
        await crm.post("/tasks", json={"subject": "s", "owner_queue": queue, "sla_minutes": sla})

    queue = await crm.get("/tasks", params={"owner_queue": "clinical_ops", "status": "open"})

    assert [t["due_at"][11:16] for t in queue.json()["items"]] == ["10:00", "11:00"]


async def test_a_task_needs_an_owner_queue(rig: Rig) -> None:
    response = await rig.client().post("/tasks", json={"subject": "s"})

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "owner_queue"


async def test_a_lead_or_case_naming_an_unknown_contact_is_404_naming_the_field(rig: Rig) -> None:
    crm = rig.client()

    lead = await crm.post("/leads", json={"contact_id": "con-999999"})
    case = await crm.post("/cases", json={"contact_id": "con-999999", "subject": "billing"})

    assert (lead.status_code, case.status_code) == (404, 404)
    assert "field 'contact_id'" in lead.json()["error"]["message"]


async def test_leads_and_cases_are_versioned_records(rig: Rig) -> None:
    crm = rig.client()
    cid = (await crm.post("/contacts", json={})).json()["id"]
    lead = (await crm.post("/leads", json={"contact_id": cid, "source": "web_form"})).json()
    case = (await crm.post("/cases", json={"contact_id": cid, "subject": "billing"})).json()

    moved = await crm.patch(
        f"/leads/{lead['id']}",
        json={"stage": "Qualified - Awaiting Visit"},
        headers={"If-Match": "1"},
    )
    escalated = await crm.patch(
        f"/cases/{case['id']}", json={"status": "escalated"}, headers={"If-Match": "1"}
    )

    assert (lead["stage"], lead["status"]) == ("New Lead", "open")
    assert (case["status"], case["priority"]) == ("new", "normal")
    assert moved.json()["version"] == escalated.json()["version"] == 2
    listed = (await crm.get("/leads", params={"contact_id": cid})).json()
    assert listed["total"] == 1


async def test_each_record_table_refuses_the_other_tables_fields(rig: Rig) -> None:
    crm = rig.client()
    cid = (await crm.post("/contacts", json={})).json()["id"]

    lead = await crm.post("/leads", json={"contact_id": cid, "priority": "high"})
    case = await crm.post("/cases", json={"contact_id": cid, "stage": "Qualified"})

    assert (lead.status_code, case.status_code) == (422, 422)
    assert "priority" in lead.text
    assert "stage" in case.text


async def test_each_record_table_searches_by_its_own_filters(rig: Rig) -> None:
    crm = rig.client()
    cid = (await crm.post("/contacts", json={})).json()["id"]
    await crm.post("/cases", json={"contact_id": cid, "subject": "billing", "priority": "high"})
    await crm.post("/cases", json={"contact_id": cid, "subject": "login"})
    await crm.post("/leads", json={"contact_id": cid})

    high = (await crm.get("/cases", params={"priority": "high"})).json()
    new_leads = (await crm.get("/leads", params={"stage": "New Lead", "limit": 1})).json()

    assert [c["subject"] for c in high["items"]] == ["billing"]
    assert (new_leads["total"], len(new_leads["items"])) == (1, 1)


async def test_the_openapi_docs_list_each_tables_body_and_filters(rig: Rig) -> None:
    spec = (await rig.client().get("/openapi.json")).json()

    def query_names(path: str) -> set[str]:
        return {p["name"] for p in spec["paths"][path]["get"]["parameters"]}

    assert query_names("/leads") == {"contact_id", "status", "stage", "limit", "offset"}
    assert query_names("/cases") == {"contact_id", "status", "priority", "limit", "offset"}
    body = spec["paths"]["/cases"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["$ref"].endswith("/CaseFields")


async def test_a_record_is_deleted_only_on_its_current_version(rig: Rig) -> None:
    crm = rig.client()
    cid = (await crm.post("/contacts", json={})).json()["id"]
    lead = (await crm.post("/leads", json={"contact_id": cid})).json()

    stale = await crm.delete(f"/leads/{lead['id']}", headers={"If-Match": "7"})
    deleted = await crm.delete(f"/leads/{lead['id']}", headers={"If-Match": "1"})

    assert stale.status_code == 412
    assert deleted.json() == {"id": lead["id"], "deleted": True, "version": 2}

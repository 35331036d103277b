"""The CRM's people and automation: front desk and intake ops, campaign automation."""

from __future__ import annotations

from locust import task

from load import paths
from load.persona import CONSENT, Persona, after

__all__ = ["Campaign", "FrontDesk"]


class FrontDesk(Persona):
    """Front desk and intake ops in the CRM."""

    weight = 3
    system = "crm"
    client_name = "intake_ops"

    @task(2)
    def new_lead(self) -> None:
        person = self.ctx.people.new()
        self.call("POST", "/contacts", "POST /contacts", expect=(201,), json={
            "first_name": person.given, "last_name": person.family, "email": person.email,
            "phone": person.phone, "lead_source": "web",
        })  # fmt: skip

    @task(3)
    def edit_phone(self) -> None:
        person = None if self.ctx.draining else self.ctx.cohort.take("charted")
        if person is None:
            return
        person.phone = self.ctx.people.phone()
        body = self.edit(f"/contacts/{person.contact}", "/contacts/{id}", {"phone": person.phone})
        if body is None:
            self.ctx.cohort.give_back(person)
            return
        done = after(2, lambda: self.ctx.cohort.give_back(person))
        self.sync(paths.CRM_EHR, "ehr", value=person.phone, on_done=done)
        self.sync(paths.CRM_PORTAL, "portal", value=person.phone, on_done=done)

    @task(1)
    def look_up(self) -> None:
        person = self.ctx.people.new()
        self.call("GET", f"/contacts?email={person.email}", "GET /contacts?email=",
                  need=("items",))  # fmt: skip


class Campaign(Persona):
    """Campaign automation in the CRM: sends to people who granted and never revoked."""

    weight = 1
    system = "crm"
    client_name = "automation"

    @task
    def send(self) -> None:
        person = self.ctx.cohort.take("audience")
        if person is None:  # nobody has granted yet (early in a run, or under a slow world)
            self.call("GET", "/contacts?limit=20", "GET /contacts (audience)", need=("items",))
            return
        self.call("POST", "/outreach/send", "POST /outreach/send", expect=(201,),
                  need=("status",), json={"contact_id": person.contact, **CONSENT})  # fmt: skip
        self.ctx.cohort.give_back(person)

"""The patient in the portal: sign-ups, intake, contact details, consents."""

from __future__ import annotations

from locust import task

from load import paths
from load.people import Person
from load.persona import CONSENT, Persona, after, flag

__all__ = ["Patient"]


class Patient(Persona):
    """The patient in the portal."""

    weight = 4
    system = "portal"
    client_name = "patient"

    @task(3)
    def sign_up(self) -> None:
        if self.ctx.draining:
            return
        ctx = self.ctx
        registered = ctx.cohort.take("registered")
        person = registered or ctx.people.new()
        if registered is not None:
            person.phone = ctx.people.phone()  # the portal has a newer number than the chart
        body = self.call("POST", "/accounts", "POST /accounts", expect=(201,), json={
            "given_name": person.given, "family_name": person.family,
            "birth_date": person.birth_date, "email": person.email, "phone": person.phone,
        })  # fmt: skip
        if body is None:
            if registered is not None:
                ctx.cohort.give_back(registered)
            return
        person.account = str(body["id"])
        if registered is not None:  # already in the chart: now linked in all three systems
            done = after(2, lambda: self._settle(person, "charted"))
            self.sync(paths.PORTAL_CRM, "crm", value=person.phone, on_done=done)
            self.sync(paths.PORTAL_EHR, "ehr", value=person.phone, on_done=done)
        else:
            self.sync(paths.PORTAL_CRM, "crm", value=person.email,
                      on_visible=lambda rid: setattr(person, "contact", rid),
                      on_done=lambda: self._settle(person, "signed_up"))  # fmt: skip
        if registered is None and ctx.people.chance(0.1):
            self._duplicate(person)  # (never for people headed for the chart: see decide)

    def _settle(self, person: Person, stage: str) -> None:
        if person.contact is not None:
            person.stage = stage
            self.ctx.cohort.give_back(person)

    def _duplicate(self, person: Person) -> None:
        """The same person signs up again (a second account; the engine must link it)."""
        self.call("POST", "/accounts", "POST /accounts (again)", expect=(201,), json={
            "given_name": person.given, "family_name": person.family,
            "birth_date": person.birth_date, "email": person.email.upper(),
        })  # fmt: skip

    @task(2)
    def edit_phone(self) -> None:
        person = None if self.ctx.draining else self.ctx.cohort.take("charted")
        if person is None:
            return
        person.phone = self.ctx.people.phone()
        body = self.edit(f"/accounts/{person.account}", "/accounts/{id}", {"phone": person.phone})
        if body is None:
            self.ctx.cohort.give_back(person)
            return
        done = after(2, lambda: self.ctx.cohort.give_back(person))
        self.sync(paths.PORTAL_CRM, "crm", value=person.phone, on_done=done)
        self.sync(paths.PORTAL_EHR, "ehr", value=person.phone, on_done=done)

    @task(1)
    def intake(self) -> None:
        person = self.ctx.cohort.take("signed_up")
        if person is None:
            return
        answers = [{"link_id": "weight-kg", "value": 70 + person.serial % 40},
                   {"link_id": "prior-glp1", "value": person.serial % 2 == 0}]  # fmt: skip
        self.call("POST", f"/accounts/{person.account}/intake", "POST /accounts/{id}/intake",
                  expect=(201,), json={"questionnaire": "glp1-intake", "answers": answers,
                                       "status": "completed"})  # fmt: skip
        self.ctx.cohort.give_back(person)

    @task(1)
    def preferences(self) -> None:
        person = self.ctx.cohort.take("signed_up")
        if person is None:
            return
        channel = ("sms", "email")[person.serial % 2]
        self.edit(
            f"/accounts/{person.account}/preferences",
            "/accounts/{id}/preferences",
            {"preferred_channel": channel},
        )
        self.ctx.cohort.give_back(person)

    @task(2)
    def consent(self) -> None:
        """Grant marketing texts, or revoke a grant. One person in four is the campaign
        audience: they grant and keep it (a send racing a revoke is a true violation the
        checker names, so the automation targets only people who never revoke)."""
        ctx = self.ctx
        if ctx.draining:
            return
        person = ctx.cohort.take("consented")  # a grant seen in the CRM is revoked next
        if person is not None:
            self._revoke(person)
            return
        person = ctx.cohort.take("signed_up")
        if person is None:
            return
        body = self.call("POST", f"/accounts/{person.account}/consents/grant",
                         "POST /accounts/{id}/consents/grant", expect=(200, 201),
                         json=CONSENT)  # fmt: skip
        if body is None:
            ctx.cohort.give_back(person)
            return
        person.consent = True
        stage = "audience" if person.serial % 4 == 0 else "consented"
        self.sync(paths.GRANT_CRM, "crm", record=person.contact, predicate=flag(True),
                  on_done=lambda: self._settle(person, stage))  # fmt: skip

    def _revoke(self, person: Person) -> None:
        ctx = self.ctx
        body = self.call("POST", f"/accounts/{person.account}/consents/revoke",
                         "POST /accounts/{id}/consents/revoke", expect=(200, 201),
                         json=CONSENT)  # fmt: skip
        if body is None:
            ctx.cohort.give_back(person)
            return
        person.consent = False
        group = ctx.tracker.group(paths.REVOKE_ALL, "CONSENT", ctx.now())
        done = after(len(paths.ENFORCEMENT_POINTS), lambda: self._settle(person, "signed_up"))
        for point in paths.ENFORCEMENT_POINTS:
            self.sync(f"revoke→{point}", point, record=person.contact, on_done=done,
                      predicate=flag(False), kind="CONSENT", group=group)  # fmt: skip

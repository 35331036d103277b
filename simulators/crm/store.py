"""The CRM's state: its tables, the outreach engine, and what a reset or a seed does.

One ``CrmStore`` per app (no module globals). Every table shares one re-entrant lock, so the
campaign automation (run from whichever thread moves the simulated clock) and the routes never
interleave inside a change.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from simulators._shared import Runtime
from simulators._shared.admin import Resettable
from simulators._shared.change_events import ChangeEvents
from simulators._shared.errors import InvalidField
from simulators._shared.records import Table, Validator
from simulators.crm.options import CrmOptions
from simulators.crm.outreach import Outreach
from simulators.crm.validation import check_patient_ref, has_mrn_marker

__all__ = ["DEFAULT_SLA_MINUTES", "CrmStore"]

#: A task's SLA when neither ``due_at`` nor ``sla_minutes`` is given, by priority.
DEFAULT_SLA_MINUTES: dict[str, int] = {"urgent": 60, "high": 240, "normal": 1440, "low": 4320}


class CrmStore:
    def __init__(self, runtime: Runtime, options: CrmOptions) -> None:
        self.runtime = runtime
        self.options = options
        self.lock = threading.RLock()
        self.events = ChangeEvents(runtime)
        self._token = re.compile(options.token_pattern)
        self.contacts = self._table("Contact", "con", self._check_contact)
        self.leads = self._table("Lead", "lead", self._check_refs)
        self.cases = self._table("Case", "case", self._check_refs)
        self.tasks = self._table("Task", "task", self._check_task)
        self.campaigns = self._table("Campaign", "cmp", self._check_campaign)
        self.outreach = Outreach(
            runtime=runtime,
            contacts=self.contacts,
            campaigns=self.campaigns,
            events=self.events,
            lock=self.lock,
        )
        self._extra_resets: list[Resettable] = []

    def tables(self) -> dict[str, Table]:
        return {
            "contact": self.contacts,
            "lead": self.leads,
            "case": self.cases,
            "task": self.tasks,
            "campaign": self.campaigns,
        }

    def on_reset(self, reset: Resettable) -> None:
        """Also call ``reset()`` on ``reset`` (the idempotency cache, the rate limiter)."""
        self._extra_resets.append(reset)

    def reset(self) -> None:
        with self.lock:
            for table in self.tables().values():
                table.reset()
            self.outreach.reset()
            for extra in self._extra_resets:
                extra.reset()

    def seed(self, records: list[dict[str, Any]], *, process: str) -> Mapping[str, Any]:
        from simulators.crm.seeding import seed_records

        return seed_records(self, records, process=process)

    def task_due(self, fields: Mapping[str, Any]) -> str:
        """The SLA due time of a new task, from the simulated clock."""
        if fields.get("due_at"):
            return str(fields["due_at"])
        minutes = (
            fields.get("sla_minutes") or DEFAULT_SLA_MINUTES[fields.get("priority") or "normal"]
        )
        due: datetime = self.runtime.clock.now() + timedelta(minutes=int(minutes))
        return due.isoformat()

    def _table(self, kind: str, prefix: str, check: Validator | None) -> Table:
        return Table(
            kind,
            prefix,
            runtime=self.runtime,
            events=self.events,
            lock=self.lock,
            validate=check,
            require_if_match=self.options.require_if_match,
        )

    def _check_contact(self, record: Mapping[str, Any]) -> None:
        ref = record.get("patient_ref")
        if ref is not None:
            check_patient_ref(ref, self._token)
        for i, ext in enumerate(record.get("external_ids") or ()):
            if ext["system"].lower() == "mrn" or has_mrn_marker(ext["value"]):
                field = f"external_ids.{i}.value"
                raise InvalidField(
                    field,
                    f"field '{field}' (system {ext['system']!r}) is an MRN; the CRM keeps tokens "
                    "and opaque record ids, never MRNs",
                )

    def _check_refs(self, record: Mapping[str, Any]) -> None:
        for field, table in (("contact_id", self.contacts), ("case_id", self.cases)):
            ref = record.get(field)
            if ref is not None:
                table.require(ref, field=field)

    def _check_task(self, record: Mapping[str, Any]) -> None:
        _required(record, "Task", ("subject", "owner_queue", "due_at"))
        self._check_refs(record)

    def _check_campaign(self, record: Mapping[str, Any]) -> None:
        _required(record, "Campaign", ("name", "purpose", "channel", "every_minutes"))
        for i, member in enumerate(record.get("member_ids") or ()):
            self.contacts.require(member, field=f"member_ids.{i}")


def _required(record: Mapping[str, Any], kind: str, fields: tuple[str, ...]) -> None:
    for field in fields:
        if record.get(field) is None:
            raise InvalidField(
                field, f"{kind} {record['id']}: field '{field}' is required; send a value"
            )

"""Write small histories with the simulators' own recorder, then judge them.

Every operation goes through ``simulators._shared.history.History``: the records are exactly
what the simulators export (same keys, same value ids, the same monotonic clock across
systems), so a test of the checker is a test against the real format::

    s = Scenario()
    s.person("gt_1", ehr="p1", crm="c1", portal="a1")
    s.consent("consent.revoke", "a1", "HMARKT:sms")
    s.send("c1", "HMARKT:sms")
    verdict = s.check()
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from simulators._shared.clock import SimClock
from simulators._shared.history import History, OpContext
from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.domain.audit import AuditEntry, AuditEvent, AuditOutcome, chain
from splitbrain.engine.domain.policy import Policy
from splitbrain.harness.checker import Actors, AuditFeed, HistorySource, Truth, Verdict, check
from splitbrain.harness.paths import default_matrix

__all__ = ["KINDS", "Scenario", "audit_entries", "audit_for", "telehealth"]

KINDS = {"ehr": "Patient", "crm": "Contact", "portal": "Account"}
SUT = "engine"


@cache
def telehealth() -> Policy:
    return load_policy(default_matrix())


class Scenario:
    def __init__(self) -> None:
        self.clock = SimClock()
        self.histories = {s: History(self.clock, system=s) for s in KINDS}
        self.people: list[dict[str, Any]] = []
        self.versions: dict[tuple[str, str], int] = {}
        self._keys = itertools.count(1)
        self.sut_keys: list[str] = []
        """Idempotency keys of the SUT's effects and SUT-bound events (what an audit answers)."""

    # -- the ground truth ------------------------------------------------------------------

    def person(
        self,
        gt: str,
        records: Mapping[str, str | tuple[str, ...]] | None = None,
        *,
        stage: str = "in_care",
        clinical: Mapping[str, str] | None = None,
        canary: str | None = None,
        twin_of: str | None = None,
        **named: str | tuple[str, ...],
    ) -> None:
        """``person("gt_1", ehr="p1", crm=("c1", "c2"))``: the person and their record ids."""
        every = {**(records or {}), **named}
        self.people.append(
            {
                "gt_id": gt,
                "stage": stage,
                "clinical": dict(clinical) if clinical else None,
                "canary": canary,
                "twin_of": twin_of,
                "household_id": None,
                "records": [
                    {"system": system, "record_id": rid, "duplicate": False, "divergences": []}
                    for system, ids in every.items()
                    for rid in ((ids,) if isinstance(ids, str) else ids)
                ],
            }
        )

    def truth(self) -> Truth:
        return Truth.from_objects(self.people)

    # -- operations ------------------------------------------------------------------------

    def op(
        self,
        system: str,
        process: str,
        f: str,
        key: str,
        *,
        result: str = "ok",
        field: str | None = None,
        base: int | None = None,
        fields: Mapping[str, Any] | None = None,
        done_fields: Mapping[str, Any] | None = None,
        idem: str | None = None,
        attempt: int | None = None,
        outcome: str | None = None,
        done_key: str | None = None,
        new_version: int | None = None,
    ) -> int:
        """Invoke and complete one operation; returns the completion's history index."""
        history = self.histories[system]
        ctx = OpContext(process=process, idempotency_key=idem, attempt=attempt)
        based = None if base is None else str(base)
        op = history.invoke(ctx, f, key, field=field, base_version=based, fields=fields)
        index = len(history)
        version = None if new_version is None else str(new_version)
        if result == "ok":
            history.ok(
                op, key=done_key, new_version=version, fields=done_fields, outcome=outcome or "ok"
            )
        elif result == "info":
            history.info(op, outcome=outcome or "timeout", key=done_key, new_version=version)
        else:
            history.fail(op, outcome=outcome or "refused")
        return index

    def pending(self, system: str, process: str, f: str, key: str, **kw: Any) -> int:
        """Invoke only; complete later with ``history.ok(op)`` (concurrency)."""
        ctx = OpContext(process=process, idempotency_key=kw.pop("idem", None))
        return self.histories[system].invoke(ctx, f, key, **kw)

    def create(
        self, system: str, rid: str, fields: Mapping[str, Any], *, process: str = "admin", **kw: Any
    ) -> int:
        key = f"{KINDS[system]}/{rid}"
        self.versions[(system, key)] = 1
        return self.op(
            system,
            process,
            "create",
            KINDS[system],
            fields=fields,
            done_key=key,
            new_version=1,
            **kw,
        )

    def write(
        self,
        system: str,
        rid: str,
        fields: Mapping[str, Any],
        *,
        process: str = SUT,
        base: int | None = None,
        result: str = "ok",
        key: str | None = None,
        **kw: Any,
    ) -> int:
        key = key or f"{KINDS[system]}/{rid}"
        if process == SUT and "idem" not in kw:
            kw["idem"] = self.sut_key()
        version = self.versions.get((system, key), 0) + (1 if result != "fail" else 0)
        if result != "fail":
            self.versions[(system, key)] = version
        return self.op(
            system, process, "write", key, fields=fields, base=base, result=result,
            new_version=version if result != "fail" else None, **kw,
        )  # fmt: skip

    def read(self, system: str, rid: str, *, process: str = SUT) -> int:
        key = f"{KINDS[system]}/{rid}"
        return self.op(system, process, "read", key, new_version=self.versions[(system, key)])

    def send(
        self, rid: str, purpose_channel: str, *, process: str = "crm-automation", **kw: Any
    ) -> int:
        key = f"Contact/{rid}"
        kw.setdefault("outcome", "sent")
        return self.op("crm", process, "send_message", key, field=purpose_channel, **kw)

    def consent(
        self, f: str, rid: str, purpose_channel: str, *, process: str = "patient", **kw: Any
    ) -> int:
        return self.op("portal", process, f, f"Account/{rid}", field=purpose_channel, **kw)

    def flag(self, rid: str, purpose_channel: str, allowed: bool, **kw: Any) -> int:
        purpose, channel = purpose_channel.split(":")
        return self.write("crm", rid, {f"consents.{purpose}.{channel}": allowed}, **kw)

    def merge(self, retired: str, survivor: str, *, process: str = "merge_owner") -> int:
        return self.op(
            "ehr", process, "merge", f"Patient/{retired}", outcome=f"merged_into:Patient/{survivor}"
        )

    def notify(self, system: str, key: str, event: str, *, endpoint: str = SUT, **kw: Any) -> int:
        if endpoint == SUT and event not in self.sut_keys:
            self.sut_keys.append(event)
        return self.op(system, endpoint, "notify", key, idem=event, **kw)

    def sut_key(self) -> str:
        key = f"k-{next(self._keys):05d}"
        self.sut_keys.append(key)
        return key

    # -- judging ---------------------------------------------------------------------------

    def sources(self) -> list[HistorySource]:
        return [
            HistorySource.from_records(f"{system}.jsonl", history.records())
            for system, history in self.histories.items()
        ]

    def check(
        self,
        *,
        truth: bool = True,
        audit: AuditFeed | None = None,
        roles: Mapping[str, str] | None = None,
        workers: int = 0,
    ) -> Verdict:
        actors = Actors(roles={"crm-automation": "automation", **(roles or {})})
        return check(
            self.sources(),
            telehealth(),
            truth=self.truth() if truth else None,
            audit=audit,
            actors=actors,
            workers=workers,
        )


def audit_entries(keys: list[str], *, tamper_at: int | None = None) -> list[AuditEntry]:
    """A real hash-chained audit answering ``keys`` (one entry each); optionally tampered."""
    entries: list[AuditEntry] = []
    head: AuditEntry | None = None
    for n, key in enumerate(keys, start=1):
        event = AuditEvent(
            actor="engine",
            role="sync_engine",
            service="engine",
            action="write.decide",
            outcome=AuditOutcome.APPLIED,
            correlation_id=key,
            at=_at(n),
        )
        head = chain(head, event)
        entries.append(head)
    if tamper_at is not None:
        victim = entries[tamper_at]
        forged = AuditEvent(
            actor="intruder",
            role="sync_engine",
            service="engine",
            action="write.decide",
            outcome=AuditOutcome.APPLIED,
            correlation_id=victim.event.correlation_id,
            at=victim.event.at,
        )
        entries[tamper_at] = AuditEntry(victim.seq, forged, victim.prev_hash, victim.hash)
    return entries


def audit_for(keys: list[str], *, tamper_at: int | None = None) -> AuditFeed:
    """``audit_entries`` as the checker's feed."""
    return AuditFeed.from_entries("audit.jsonl", audit_entries(keys, tamper_at=tamper_at))


def _at(n: int) -> datetime:
    return datetime(2026, 1, 5, 9, 0, tzinfo=UTC) + timedelta(seconds=n)

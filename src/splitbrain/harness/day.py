"""A simulated telehealth day through the served world and the engine, and its weekly metrics.

What ``splitbrain demo`` runs after the conflict catalog::

    day = run_day(out / "day.sqlite", people=40, seed=7)
    for line in day.lines():            # MetricLine rows for the HTML report
        print(line.name, line.value)

The day, seeded: growth staff add leads in the CRM; people sign up in the portal (a few twice,
under a differently written email: the engine must not make two people of them); providers
register charts in the EHR and decide (approved, denied, more information); staff edit a birth
date the EHR owns (rejected and repaired); one patient grants then revokes marketing texts; the
CRM answers some of the engine's writes with 503 (injected faults, retried). Then the world
quiesces and the day is measured from what the simulators recorded (their histories, never
sleeps), from the engine's store, and by the checker, which must find zero anomalies.
"""

from __future__ import annotations

import random
import re
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

from simulators._shared import KeyRing, SimulatorSettings
from splitbrain.harness.checker import HistorySource, check, render_text
from splitbrain.harness.live import LiveRun
from splitbrain.harness.report import MetricLine
from splitbrain.harness.world import SYSTEMS, World

KEYS = KeyRing.generate(
    {"admin": "admin", "engine": "sync_engine", "pat": "patient", "growth": "growth_ops",
     "ops": "intake_ops", "doc": "provider"},
    seed=2026,
)  # fmt: skip
_EVENT = re.compile(r"^(ehr|crm|portal):([A-Za-z]+/[^@]+)@([^:>]+)")
_GIVEN = ("Ana", "Bea", "Cai", "Dov", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kit", "Lea")
_FAMILY = ("Quill", "Marsh", "Penn", "Rook", "Sable", "Thorn", "Vale", "Wren", "Oake", "Nash")
_DECISION = "urn:splitbrain:clinical-decision"
_CRM_FAULTS = {"requests": [{"kind": "error", "status": 503, "method": "PATCH",
                             "client": "engine", "probability": 0.3, "times": 6}]}  # fmt: skip


@dataclass
class DayReport:
    people: int
    latencies: Mapping[str, list[float]]
    """Milliseconds from the source system's ``ok`` to the CRM's ``ok`` of the synced write."""
    conflicts_by_field: Mapping[str, int]
    rejected_by_owner: int
    duplicates_prevented: int
    second_contacts: int
    """CRM contacts beyond one per email: a lead staff typed in and the patient's own sign-up
    are one person, so the engine merges the contact it made and the lead (whichever reached
    it first); only a match in the review band would leave two."""
    twin_contacts: int
    """Second contacts made for a person who signed up twice (0 when the engine holds)."""
    redeliveries: int
    dead_letters: int
    revocation_ms: float | None
    anomalies: int
    anomaly_codes: Mapping[str, int] = field(default_factory=dict)
    verdict_text: str = ""
    """The checker's report when it found anomalies (ids, codes and witnesses, no PHI)."""
    arrival: float = 0.0
    """Seconds between two people's arrivals (0: all at once)."""

    def lines(self) -> list[MetricLine]:
        what = "leads, sign-ups, intake, decisions, a revocation, injected CRM 503s"
        pace = f"one every {self.arrival * 1000:.0f} ms" if self.arrival > 0 else "all at once"
        out = [MetricLine("Simulated day", f"{self.people} people, {pace}", what)]
        for path, values in sorted(self.latencies.items()):
            meaning = "source ok -> CRM ok, from the simulators' histories"
            out.append(MetricLine(f"Sync latency {path}", _percentiles(values), meaning))
        conflicts = ", ".join(f"{k} {v}" for k, v in sorted(self.conflicts_by_field.items()))
        out += [
            MetricLine("Conflicts by field (day)", conflicts or "none", "escalated or refused"),
            MetricLine("Rejected by owner policy (day)", str(self.rejected_by_owner),
                       "writes refused as not_owner, then repaired"),
            MetricLine("Duplicates prevented", str(self.duplicates_prevented),
                       "second sign-ups linked to the person, not made a second contact"),
            MetricLine("Second contacts for one email", str(self.second_contacts),
                       "a lead and a sign-up not merged (0 when the engine holds)"),
            MetricLine("Redeliveries absorbed", str(self.redeliveries),
                       "webhooks delivered more than once, deduplicated by the inbox"),
            MetricLine("Dead letters", str(self.dead_letters), "events or effects given up"),
            MetricLine("Revocation propagation", _ms(self.revocation_ms),
                       "portal revoke ok -> CRM consent flag ok"),
            MetricLine("Checker anomalies", str(self.anomalies), "must be 0"),
        ]  # fmt: skip
        return out


def run_day(
    store: Path, *, matrix: Path, people: int = 40, seed: int = 7, arrival: float = 0.1
) -> DayReport:
    """Run the day on a fresh SQLite engine store at ``store``; measure it.

    People arrive on a fixed schedule, ``arrival`` seconds apart (one who is late is followed
    at once by the next one due, so a stall shows as latency, not as a slower day), so the sync
    latency is a day's latency. ``arrival=0`` sends everyone at once: a burst whose latency is
    the time to drain it, and the most races (what the correctness tests want)."""
    for suffix in ("", "-wal", "-shm", ".checkpoints.jsonl", ".vault.sqlite"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    world = World(SimulatorSettings(keys=KEYS))
    with LiveRun.start(world, matrix=matrix, store=f"sqlite:{store}") as run:
        fault = run.call("crm", "PUT", "/_admin/faults", client="admin", json=_CRM_FAULTS)
        _ok(fault)
        twins = _people(run, rng, people, arrival)
        run.quiesce(timeout=120)
        return replace(_measure(run, matrix, people, twins), arrival=arrival)


def _people(run: LiveRun, rng: random.Random, count: int, arrival: float) -> list[str]:
    twins: list[str] = []
    start = time.monotonic()
    for n in range(count):
        time.sleep(max(0.0, start + n * arrival - time.monotonic()))
        given, family = _GIVEN[n % len(_GIVEN)], _FAMILY[rng.randrange(len(_FAMILY))]
        birth = f"19{rng.randint(50, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        email = f"{given}.{family}{n}@example.org".lower()
        if rng.random() < 0.3:
            lead = {"first_name": given, "last_name": family, "email": email,
                    "lead_source": "paid_search"}  # fmt: skip
            _ok(run.call("crm", "POST", "/contacts", client="growth", json=lead))
        account = {"given_name": given, "family_name": family, "birth_date": birth,
                   "email": email}  # fmt: skip
        made = _ok(run.call("portal", "POST", "/accounts", client="pat", json=account))
        if rng.random() < 0.1:
            twins.append(email)
            again = {**account, "email": email.upper()}
            _ok(run.call("portal", "POST", "/accounts", client="pat", json=again))
        if rng.random() < 0.7:  # the provider decides at once: the decision may beat the chart
            _decide(run, rng, _chart(run, (given, family, birth, email)))
        if n == 3:
            _revocation(run, str(made["id"]))
    _edit_owned_fields(run, rng)
    return twins


def _chart(run: LiveRun, who: tuple[str, str, str, str]) -> str:
    given, family, birth, email = who
    patient = {"resourceType": "Patient", "name": [{"family": family, "given": [given]}],
               "birthDate": birth, "telecom": [{"system": "email", "value": email}]}  # fmt: skip
    return str(_ok(run.call("ehr", "POST", "/Patient", client="doc", json=patient))["id"])


def _decide(run: LiveRun, rng: random.Random, pid: str) -> None:
    code = rng.choice(["approved", "approved", "denied", "more-info"])
    task = {"resourceType": "Task", "status": "completed", "intent": "order",
            "code": {"coding": [{"system": _DECISION, "code": code}]},
            "for": {"reference": f"Patient/{pid}"}}  # fmt: skip
    _ok(run.call("ehr", "POST", "/Task", client="doc", json=task))


def _revocation(run: LiveRun, account: str) -> None:
    slot = {"purpose": "HMARKT", "channel": "sms"}
    _ok(run.call("portal", "POST", f"/accounts/{account}/consents/grant", client="pat",
                 json=slot))  # fmt: skip
    run.quiesce(timeout=60)
    _ok(run.call("portal", "POST", f"/accounts/{account}/consents/revoke", client="pat",
                 json=slot))  # fmt: skip


def _edit_owned_fields(run: LiveRun, rng: random.Random) -> None:
    run.quiesce(timeout=120)
    contacts = _ok(run.call("crm", "GET", "/contacts", params={"limit": 500}))["items"]
    charted = [c for c in contacts if c.get("birth_date")]
    for contact in rng.sample(charted, min(3, len(charted))):
        edit = {"birth_date": "1999-12-31"}
        read = {"If-Match": f'"{contact["version"]}"'}  # staff edit what they read (a 412 else)
        run.call("crm", "PATCH", f"/contacts/{contact['id']}", client="growth", json=edit,
                 headers=read)  # fmt: skip


def _measure(run: LiveRun, matrix: Path, people: int, twins: list[str]) -> DayReport:
    service = run.service
    assert service is not None, "the day runs the reference engine in this process"
    histories = {s: run.world.runtime(s).history.export_jsonl() for s in SYSTEMS}
    verdict = check([HistorySource.from_text(s, t) for s, t in histories.items()], matrix)
    ops = {s: [orjson.loads(line) for line in t.splitlines() if line.strip()]
           for s, t in histories.items()}  # fmt: skip
    items = service.store.inbox()
    depths = service.store.depths()
    metrics = service.engine.metrics()
    emails = [str(c.get("email", "")).lower() for c in
              _ok(run.call("crm", "GET", "/contacts", params={"limit": 500}))["items"]]  # fmt: skip
    second = len(emails) - len(set(emails))
    twin_second = sum(max(0, emails.count(email) - 1) for email in twins)
    return DayReport(
        people=people,
        latencies=_latencies(ops),
        conflicts_by_field=dict(metrics.conflict_events_by_field),
        rejected_by_owner=metrics.rejected_by_owner_policy,
        duplicates_prevented=len(twins) - twin_second,
        second_contacts=second,
        twin_contacts=twin_second,
        redeliveries=sum(i.deliveries - 1 for i in items),
        dead_letters=depths.inbox["dead_lettered"] + depths.outbox["dead_lettered"],
        revocation_ms=_revocation_ms(ops),
        anomalies=len(verdict.anomalies),
        anomaly_codes={str(k): v for k, v in verdict.counts().items()},
        verdict_text="" if verdict.ok else render_text(verdict),
    )


def _latencies(ops: Mapping[str, list[dict[str, Any]]]) -> dict[str, list[float]]:
    done: dict[tuple[str, str, str], int] = {}
    for system in ("ehr", "portal", "crm"):
        for op in ops[system]:
            if op["type"] == "ok" and op.get("new_version") is not None:
                done.setdefault((system, str(op["key"]), str(op["new_version"])), op["mono_ns"])
    seen: set[str] = set()
    out: dict[str, list[float]] = defaultdict(list)
    for op in ops["crm"]:
        found = _EVENT.match(op.get("idempotency_key") or "")
        if op["type"] != "ok" or found is None or found.group(0) in seen:
            continue
        seen.add(found.group(0))
        source = (found.group(1), found.group(2), found.group(3))
        if source in done and source[0] != "crm":
            out[f"{source[0]}→crm"].append((op["mono_ns"] - done[source]) / 1e6)
    return dict(out)


def _revocation_ms(ops: Mapping[str, list[dict[str, Any]]]) -> float | None:
    revoked = [op["mono_ns"] for op in ops["portal"]
               if op["type"] == "ok" and op["f"] == "consent.revoke"]  # fmt: skip
    if not revoked:
        return None
    flags = [op["mono_ns"] for op in ops["crm"] if op["type"] == "ok"
             and str(op.get("idempotency_key") or "").endswith(">crm>consent")
             and op["mono_ns"] > revoked[0]]  # fmt: skip
    return (min(flags) - revoked[0]) / 1e6 if flags else None


def _ok(response: Any) -> dict[str, Any]:
    if response.status_code >= 300:
        raise RuntimeError(
            f"the simulated day's request {response.request.method} "
            f"{response.request.url.path} answered {response.status_code}; the world or the "
            "engine is misconfigured"
        )
    body = response.json()
    return body if isinstance(body, dict) else {}


def _percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return f"p50 {at(0.5):.0f} ms · p95 {at(0.95):.0f} ms · p99 {at(0.99):.0f} ms (n={len(values)})"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"

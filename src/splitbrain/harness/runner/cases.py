"""Conflict catalog cases against any SUT: each write becomes a call on the simulators' public
API, made by a client named after the write's role, then the world quiesces and the checker
judges what it saw.

The reference engine's own decisions (``expect`` in the case) are not visible from outside, so a
case passes here when the checker finds no anomaly. The person is set up by ``admin`` (the
world's seeding process, not judged): a portal account, then the CRM contact and EHR Patient the
SUT made from it (or, if it made none, ones the setup makes). A writer reads the record and
writes with ``If-Match`` and the case's idempotency key. Writes sharing a ``base_version`` saw
the same state: each reads its own resource's version just before the first of them plays, in
whichever system it writes, so a later one is refused as stale; a reused key is a retry. Which
API call a write becomes is ``translations``' business; fields without a translation yet
(``medication_plan``, ``follow_up_completion``) make the case skipped, naming them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from simulators._shared import KeyRing, SimulatorSettings
from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.domain.policy import Policy
from splitbrain.harness.catalog import CaseWrite, ConflictCase
from splitbrain.harness.checker import Truth, check
from splitbrain.harness.history_files import save_histories, sources_of
from splitbrain.harness.live import LiveRun
from splitbrain.harness.runner.errors import CasePlayError
from splitbrain.harness.runner.results import RunResult
from splitbrain.harness.runner.translations import SUPPORTED, body_of, resource_path
from splitbrain.harness.sut import Sut
from splitbrain.harness.world import World

__all__ = ["SUPPORTED", "run_case"]

SUITE = "conflict-catalog"
_GT = "gt_case_person"
_PERSON = {"given_name": "Ana", "family_name": "Synthetica", "birth_date": "1984-02-29",
           "email": "ana.synthetica@example.org", "phone": "+1-212-555-0142"}  # fmt: skip


def run_case(case: ConflictCase, *, sut: Callable[[], Sut], matrix: Path, out: Path) -> RunResult:
    missing = _untranslatable(case)
    if missing:
        return RunResult(SUITE, _name(case), "skipped",
                         f"no API translation yet for {', '.join(missing)}")  # fmt: skip
    started = time.monotonic()
    roles = {w.role for w, _, _ in case.timeline()}
    keys = KeyRing.generate({"admin": "admin", "engine": "sync_engine", **{r: r for r in roles}})
    workdir = out / "sut" / case.id
    policy = load_policy(matrix)
    with LiveRun.start(World(SimulatorSettings(keys=keys)), matrix=matrix, sut=sut(),
                       workdir=workdir) as run:  # fmt: skip
        try:
            truth, records = _set_up(run, case)
            seen: dict[tuple[str, int], str] = {}
            for write, _, _ in case.timeline():
                _write(run, case, write, records, policy=policy, seen=seen)
            run.quiesce()
        except (CasePlayError, httpx.HTTPError) as exc:
            return RunResult(SUITE, _name(case), "error", f"the case could not be played: {exc}",
                             seconds=time.monotonic() - started)  # fmt: skip
        histories = run.histories()
    where = out / "histories" / case.id
    save_histories(histories, where)
    verdict = check(sources_of(histories), matrix, truth=truth)
    return RunResult(SUITE, _name(case), "passed", verdict=verdict.to_json(),
                     histories=str(where.relative_to(out)),
                     seconds=time.monotonic() - started)  # fmt: skip


def _name(case: ConflictCase) -> str:
    return f"{case.id} {case.title}"


def _untranslatable(case: ConflictCase) -> list[str]:
    return sorted({f"{w.field} in {w.system}" for w, _, _ in case.timeline()
                   if w.system not in SUPPORTED.get(w.field, frozenset())})  # fmt: skip


def _set_up(run: LiveRun, case: ConflictCase) -> tuple[Truth, dict[str, str]]:
    """The person in every system the case writes to, by ``admin``; the truth knows them."""
    account = _expect(run.call("portal", "POST", "/accounts", client="admin", json=_PERSON), 201)
    records = {"portal": str(account["id"])}
    run.quiesce()
    systems = {w.system for w, _, _ in case.timeline()}
    if "crm" in systems:
        records["crm"] = _found(run, "crm", "/contacts") or _create_contact(run)
    if "ehr" in systems:
        records["ehr"] = _found(run, "ehr", "/Patient") or _create_patient(run)
    stage = load_policy(run.contract.matrix).enums.get("care_stage")
    if "crm" in records and stage is not None:
        local = stage.to_local("crm", case.given.stage) or case.given.stage
        # best effort: a CRM whose pipeline lacks the matrix's local name refuses it (422)
        run.call("crm", "PATCH", f"/contacts/{records['crm']}", client="admin",
                 json={"stage": local})  # fmt: skip
    run.quiesce()
    truth = Truth()
    for system, record in records.items():
        truth.add_record(_GT, system, record)
    return truth, records


def _found(run: LiveRun, system: str, path: str) -> str | None:
    body = _expect(run.call(system, "GET", path, client="admin",
                            params={"email": _PERSON["email"]}), 200)  # fmt: skip
    items = body.get("items") or [e.get("resource", {}) for e in body.get("entry", [])]
    return str(items[0]["id"]) if items else None


def _create_contact(run: LiveRun) -> str:
    body = {"first_name": _PERSON["given_name"], "last_name": _PERSON["family_name"],
            "birth_date": _PERSON["birth_date"], "email": _PERSON["email"],
            "phone": _PERSON["phone"]}  # fmt: skip
    return str(_expect(run.call("crm", "POST", "/contacts", client="admin", json=body), 201)["id"])


def _create_patient(run: LiveRun) -> str:
    patient = {"resourceType": "Patient", "birthDate": _PERSON["birth_date"],
               "name": [{"given": [_PERSON["given_name"]], "family": _PERSON["family_name"]}],
               "telecom": [{"system": "email", "value": _PERSON["email"]},
                           {"system": "phone", "value": _PERSON["phone"]}]}  # fmt: skip
    return str(
        _expect(run.call("ehr", "POST", "/Patient", client="admin", json=patient), 201)["id"]
    )


def _write(
    run: LiveRun,
    case: ConflictCase,
    write: CaseWrite,
    records: dict[str, str],
    *,
    policy: Policy,
    seen: dict[tuple[str, int], str],
) -> None:
    """Read the resource, then write it with ``If-Match`` and the case's idempotency key."""
    path = resource_path(write.system, write.field, records[write.system])
    current = _read(run, path, write)
    version = current.headers.get("ETag", "")
    if write.base_version is not None:
        if (path, write.base_version) not in seen:
            _saw(run, case, write.base_version, records, seen)
        version = seen[(path, write.base_version)]
    headers = {"Idempotency-Key": case.key_of(write), "If-Match": version}
    method, body = body_of(write.system, write.field, write.value, current.json(), policy)
    run.call(write.system, method, path, client=write.role, headers=headers, json=body)


def _saw(
    run: LiveRun, case: ConflictCase, base: int, records: dict[str, str],
    seen: dict[tuple[str, int], str],
) -> None:  # fmt: skip
    """Every writer whose write is based on version ``base`` reads its resource now, before the
    first of those writes: they all saw the same state, in whichever system each writes, so a
    later one finds its version gone (stale), as in the case."""
    for other in case.writes:
        if other.base_version == base:
            path = resource_path(other.system, other.field, records[other.system])
            if (path, base) not in seen:
                seen[(path, base)] = _read(run, path, other).headers.get("ETag", "")


def _read(run: LiveRun, path: str, write: CaseWrite) -> httpx.Response:
    current = run.call(write.system, "GET", path, client=write.role)
    if current.status_code != 200:
        raise CasePlayError(f"GET {path} as {write.role} answered {current.status_code}")
    return current


def _expect(response: httpx.Response, status: int) -> dict[str, Any]:
    if response.status_code != status:
        raise CasePlayError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}, expected {status}"
        )
    body = response.json()
    return body if isinstance(body, dict) else {"items": body}

"""Conflict catalog cases against any SUT: each write becomes a call on the simulators' public
API, made by a client named after the write's role, then the world quiesces and both the end
state and the histories are judged.

The SUT's own decisions (``expect.decisions`` in the case) are not visible from outside, but the
end state is: when the case names a winner, every system it wrote the field in must end holding
the winner's value (``readback``), and the checker must find no anomaly. The person is set up by
``admin`` (the world's seeding process, not judged): a portal account, then the CRM contact and
EHR Patient the SUT made from it (or, if it made none, ones the setup makes). A writer reads the
record and writes with ``If-Match`` and the case's idempotency key. Writes sharing a
``base_version`` saw the same state: each reads its own resource's version just before the first
of them plays, and the systems' syncs are held back while they play (``races``), so a later one
is refused as stale only by its own system's version; a reused key is a retry. Which API call a
write becomes is ``translations``' business; fields without a translation yet
(``medication_plan``, ``follow_up_completion``) make the case skipped, naming them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
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
from splitbrain.harness.runner.races import hold_syncs, race_bounds
from splitbrain.harness.runner.readback import held
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
            answers = _play(run, case, records, policy)
            run.quiesce()
            held = _final_values(run, case, records, policy)
        except (CasePlayError, httpx.HTTPError) as exc:
            return RunResult(SUITE, _name(case), "error", f"the case could not be played: {exc}",
                             seconds=time.monotonic() - started)  # fmt: skip
        histories = run.histories()
    where = out / "histories" / case.id
    save_histories(histories, where)
    verdict = check(sources_of(histories), matrix, truth=truth)
    wrong = _not_the_winner(case, held, answers)
    return RunResult(SUITE, _name(case), "failed" if wrong else "passed", wrong,
                     verdict=verdict.to_json(),
                     histories=str(where.relative_to(out)),
                     seconds=time.monotonic() - started)  # fmt: skip


def _play(
    run: LiveRun, case: ConflictCase, records: dict[str, str], policy: Policy
) -> dict[str, int]:
    """Every write in order, each race with the systems' syncs held back; each write's status."""
    opens, closes = race_bounds(case)
    seen: dict[tuple[str, int], str] = {}
    answers: dict[str, int] = {}
    with ExitStack() as race:
        for write, _, _ in case.timeline():
            if write.id in opens:
                race.enter_context(hold_syncs(run, records))
            answers[write.id] = _write(run, case, write, records, policy=policy, seen=seen)
            if write.id in closes:
                race.close()
    return answers


def _final_values(
    run: LiveRun, case: ConflictCase, records: dict[str, str], policy: Policy
) -> dict[str, str | None]:
    """What each system the case wrote the winner's field in holds now, in canonical words.

    Nothing when the case names no winner, when its winner comes after an owner's resolution (a
    conflict task's outcome, which the runner does not play), or when it expects an escalation:
    an escalated write stays in the system that took it until its owner decides, and the case's
    instants (a tie at the same second) cannot be reproduced through live APIs."""
    escalates = any(d.decision == "escalated" for d in case.expect.decisions)
    if case.expect.winner is None or case.resolve is not None or escalates:
        return {}
    field = case.winner_field
    systems = sorted({w.system for w, _, _ in case.timeline() if w.field == field})
    found: dict[str, str | None] = {}
    for system in systems:
        path = resource_path(system, field, records[system])
        body = _expect(run.call(system, "GET", path, client="admin"), 200)
        found[system] = held(system, field, body, policy)
    return found


def _not_the_winner(
    case: ConflictCase, found: dict[str, str | None], answers: dict[str, int]
) -> str:
    """A sentence naming each system whose end value is not the expected winner's (by write
    id, never by value), or nothing."""
    if not found or case.expect.winner is None:
        return ""
    winner = case.write_named(case.expect.winner)
    status = answers.get(winner.id, 200)
    if status >= 300:
        return (f"write '{winner.id}', which the case expects to win, was refused by "
                f"{winner.system} itself ({status}) before any SUT saw it: the case could not be "
                "played as written (check the matrix's local names against the system's "
                "vocabulary and the role's access)")  # fmt: skip
    expected = winner.value
    wrong = [f"{system} holds {_whose(case, value)}" for system, value in found.items()
             if value != expected]  # fmt: skip
    if not wrong:
        return ""
    return (
        f"{case.winner_field} should end as write '{case.expect.winner}' in every "
        f"system the case wrote it in, but {'; '.join(wrong)}: the end state goes against the "
        "matrix's rule (read the SUT's decisions for these writes)"
    )


def _whose(case: ConflictCase, value: str | None) -> str:
    writes = [
        w.id for w, _, _ in case.timeline() if w.field == case.winner_field and w.value == value
    ]
    if writes:
        return f"the value of write '{writes[-1]}'"
    return "no value" if value is None else "a value no write of the case made"


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
) -> int:
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
    answer = run.call(write.system, method, path, client=write.role, headers=headers, json=body)
    return answer.status_code


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

"""What a world-level scenario knows between its steps: the session, the people, the truth.

The steps talk to a *session*: anything LiveRun-like (``call``, ``quiesce``, ``histories``,
``addresses``), whatever engine it runs (DESIGN §1: the judge reads only what the simulators
saw). A scenario's people are synthetic (555-01xx phones, example.* mail); each record an actor
creates for one of them is added to the ground truth, so the checker can tell whose record is
whose and judge duplicates, divergence, revocations and leaks::

    story = Story(run)
    story.act("portal", "POST", "/accounts", client="patient", json={...})
    story.settle()                         # quiesce once after a batch of actions
    verdict = story.verdict()
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

import httpx
import orjson

from splitbrain.harness.checker import HistorySource, Truth, Verdict, check
from splitbrain.harness.paths import default_matrix

CLIENTS: Final[Mapping[str, str]] = {
    "admin": "admin",
    "engine": "sync_engine",
    "patient": "patient",
    "growth": "growth_ops",
    "intake": "intake_ops",
    "provider": "provider",
    "coordinator": "care_coordinator",
}
"""The client names (and roles) the steps act as; the world's key ring must hold them all."""
OBSERVERS: Final[Mapping[str, str]] = {"crm": "growth", "portal": "patient", "ehr": "provider"}
"""Who reads each system for the "Then" steps (one client per system keeps a run cheap)."""


class Session(Protocol):
    """What the steps need from a run (``splitbrain.harness.live.LiveRun`` is one)."""

    addresses: dict[str, str]

    def call(
        self, system: str, method: str, path: str, *, client: str = "engine", **kwargs: Any
    ) -> httpx.Response: ...

    def quiesce(self, *, timeout: float = 20.0, settle: float = 0.05) -> None: ...

    def histories(self) -> dict[str, list[dict[str, Any]]]: ...


@dataclass(frozen=True, slots=True)
class Identity:
    """A synthetic person's demographics, as each system would first record them."""

    given: str
    family: str
    birth_date: str
    email: str
    phone: str


PEOPLE: Final[Mapping[str, Identity]] = {
    "Ana": Identity("Ana", "Quill", "1984-02-29", "ana.quill@example.org", "+1-212-555-0142"),
    "Bea": Identity("Bea", "Stone", "1979-11-03", "bea.stone@example.net", "+1-212-555-0167"),
    "Cy": Identity("Cy", "Marsh", "1991-07-15", "cy.marsh@example.com", "+1-212-555-0188"),
}


@dataclass
class Person:
    name: str
    identity: Identity
    records: dict[str, str] = field(default_factory=dict)
    """The record each system holds for her, when an actor made it: ``{"portal": "acc-1"}``."""

    @property
    def gt(self) -> str:
        return f"gt_{self.name.lower()}"


@dataclass
class Story:
    run: Session
    matrix: Path | None = None
    """The matrix the checker judges by: the run's contract's, else the default (telehealth)."""
    people: dict[str, Person] = field(default_factory=dict)
    truth: Truth = field(default_factory=Truth)
    last: httpx.Response | None = None
    intakes: dict[str, str] = field(default_factory=dict)
    """Each person's intake submission id in the portal."""
    faults: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The fault plan set on each system so far (``/_admin/faults`` JSON)."""
    unsettled: bool = True
    _verdict: Verdict | None = None

    def __post_init__(self) -> None:
        if self.matrix is None:
            contract = getattr(self.run, "contract", None)
            self.matrix = Path(getattr(contract, "matrix", None) or default_matrix())

    @property
    def sut_client(self) -> str:
        """The SUT's client name in the world (the contract's, normally ``engine``)."""
        return str(getattr(getattr(self.run, "contract", None), "client", None) or "engine")

    # -- people -------------------------------------------------------------------------------
    def person(self, name: str) -> Person:
        if name not in self.people:
            if name not in PEOPLE:
                raise KeyError(f"no synthetic person named {name!r}; use one of {sorted(PEOPLE)}")
            self.people[name] = Person(name, PEOPLE[name])
        return self.people[name]

    def record(self, name: str, system: str) -> str:
        person = self.person(name)
        if system not in person.records:
            raise AssertionError(
                f"{name} has no {system} record made by an actor in this scenario; "
                f"add a step that creates it first"
            )
        return person.records[system]

    def owns(self, name: str, system: str, record_id: str) -> None:
        """Note that ``system``'s record ``record_id`` (an actor made it) is hers."""
        person = self.person(name)
        person.records[system] = record_id
        self.truth.add_record(person.gt, system, record_id)

    # -- acting -------------------------------------------------------------------------------
    def act(
        self, system: str, method: str, path: str, *, client: str, **kwargs: Any
    ) -> httpx.Response:
        self.last = self.run.call(system, method, path, client=client, **kwargs)
        self.unsettled = True
        self._verdict = None
        return self.last

    def expect(self, response: httpx.Response, *statuses: int) -> dict[str, Any]:
        """The JSON body of an answer with one of ``statuses``; else fail, naming the request,
        the status and the system's error (its code and message, never the record)."""
        body = response.json() if response.content else {}
        if response.status_code not in statuses:
            raise AssertionError(
                f"{response.request.method} {response.request.url.path} answered "
                f"{response.status_code}, expected {statuses}: {_problem(body)}"
            )
        return body if isinstance(body, dict) else {"items": body}

    def read(self, system: str, path: str, *, client: str | None = None, **params: Any) -> Any:
        """GET as the system's own staff (an observer, never the SUT), after quiescence."""
        self.settle()
        who = client or OBSERVERS[system]
        response = self.run.call(system, "GET", path, client=who, params=params or None)
        return self.expect(response, 200)

    def root(self, system: str) -> str:
        """The system's server root (the EHR's address is its FHIR base)."""
        base = self.run.addresses[system]
        return base.removesuffix("/fhir")

    def settle(self) -> None:
        """Wait for quiescence once after the last action (DESIGN §9)."""
        if self.unsettled:
            self.run.quiesce()
            self.unsettled = False

    def histories(self) -> dict[str, list[dict[str, Any]]]:
        self.settle()
        return self.run.histories()

    # -- judging ------------------------------------------------------------------------------
    def verdict(self) -> Verdict:
        self.settle()
        if self._verdict is None:
            histories = self.histories()
            sources = [
                HistorySource.from_text(system, "\n".join(_json(op) for op in ops))
                for system, ops in sorted(histories.items())
            ]
            self._verdict = check(sources, self.matrix or default_matrix(), truth=self.truth)
        return self._verdict


def _problem(body: Any) -> str:
    """The error a simulator answered (CRM/portal ``error``, FHIR OperationOutcome): ids, codes
    and field names only, by the simulators' own rule."""
    if not isinstance(body, dict):
        return "no error body"
    error = body.get("error")
    if isinstance(error, dict):
        return f"{error.get('code')}: {error.get('message')}"
    issues = body.get("issue") if body.get("resourceType") == "OperationOutcome" else None
    if isinstance(issues, list) and issues:
        return "; ".join(str(i.get("diagnostics") or i.get("code")) for i in issues)
    return "no error body"


def _json(op: Mapping[str, Any]) -> str:
    return orjson.dumps(op).decode()

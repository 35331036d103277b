"""Gherkin steps for features/: they read like the matrix and call the ``EngineDriver``.

State travels through the ``ctx`` fixture; each scenario gets a fresh in-memory engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pytest
from pytest_bdd import given, parsers, then, when

from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    Decision,
    DuplicateDelivery,
    FieldApplied,
    WriteRejected,
)
from splitbrain.engine.domain.write import Write
from splitbrain.harness.driver import START, EngineDriver
from splitbrain.harness.paths import scenarios_dir

PERSON = "ana"


@dataclass
class Context:
    driver: EngineDriver | None = None
    written: dict[str, str | None] = field(default_factory=dict)
    """The value each system last had applied, per field: ``"ehr:legal_name" -> value``."""
    at: dict[str, str | None] = field(default_factory=dict)
    """The value applied by the write made at a given time, per field: ``"10:00:field"``."""

    @property
    def d(self) -> EngineDriver:
        assert self.driver is not None, "start the scenario with 'Given the ownership matrix'"
        return self.driver


@pytest.fixture
def ctx() -> Context:
    return Context()


def _time(hhmm: str) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return START.replace(hour=hours, minute=minutes)


def _remember(ctx: Context, decision: Decision, system: str, name: str, hhmm: str | None) -> None:
    if isinstance(decision, FieldApplied):
        ctx.written[f"{system}:{name}"] = decision.value
        if hhmm:
            ctx.at[f"{hhmm}:{name}"] = decision.value


@given(parsers.parse('the ownership matrix "{name}"'))
def _matrix(ctx: Context, name: str) -> None:
    ctx.driver = EngineDriver.in_memory(load_policy(scenarios_dir() / "matrices" / f"{name}.yaml"))


@given(parsers.parse("Ana is at stage {stage}"))
def _stage(ctx: Context, stage: str) -> None:
    ctx.d.put_at_stage(PERSON, stage)


@given(
    parsers.re(
        r"the (?P<system>\w+) has set her (?P<name>\w+) as (?P<role>\w+)"
        r"(?: at (?P<hhmm>\d\d:\d\d))?$"
    )
)
def _has_set(ctx: Context, system: str, name: str, role: str, hhmm: str | None) -> None:
    decision = ctx.d.write(PERSON, name, system=system, role=role, at=_time(hhmm) if hhmm else None)
    assert isinstance(decision, FieldApplied), f"set-up write was not applied: {decision}"
    _remember(ctx, decision, system, name, hhmm)


@when(
    parsers.re(
        r"the (?P<system>\w+) sets her (?P<name>\w+)(?: to \"(?P<value>[^\"]*)\")? "
        r"as (?P<role>\w+)(?: at (?P<hhmm>\d\d:\d\d))?"
        r"(?P<how> without seeing the last change| without a version"
        r"| on version \d+)?$"
    )
)
def _sets(
    ctx: Context,
    system: str,
    name: str,
    value: str | None,
    role: str,
    hhmm: str | None,
    how: str | None,
) -> None:
    state = ctx.d.state(PERSON, name)
    base: int | str = "current"
    if how == " without seeing the last change":
        base = state.version - 1
    elif how == " without a version":
        base = "blind"
    elif how:
        base = int(how.rsplit(" ", 1)[1])
    decision = ctx.d.write(
        PERSON,
        name,
        system=system,
        role=role,
        value=value,
        base=base,  # type: ignore[arg-type]
        at=_time(hhmm) if hhmm else None,
    )
    _remember(ctx, decision, system, name, hhmm)


@when(
    parsers.re(
        r"the (?P<system>\w+) edits her (?P<name>\w+) by hand as (?P<role>\w+) "
        r"(?:without a reason|with the reason \"(?P<reason>[^\"]+)\")$"
    )
)
def _edits_by_hand(ctx: Context, system: str, name: str, role: str, reason: str | None) -> None:
    ctx.d.write(PERSON, name, system=system, role=role, manual=True, reason=reason)


@when("the same write is delivered again")
def _redeliver(ctx: Context) -> None:
    first = ctx.d.last.write
    ctx.d.send(first)


@when(parsers.parse("the {system} sends a different {name} under the same idempotency key"))
def _reuse_key(ctx: Context, system: str, name: str) -> None:
    first = ctx.d.last.write
    ctx.d.send(_replace_value(first, f"{first.value} (changed)"))


def _replace_value(write: Write, value: str) -> Write:
    from dataclasses import replace

    return replace(write, value=value)


@then(
    parsers.re(
        r"the write is (?P<outcome>applied|a duplicate delivery"
        r"|rejected as \w+|escalated to \w+)$"
    )
)
def _outcome(ctx: Context, outcome: str) -> None:
    decision = ctx.d.last
    if outcome == "applied":
        assert isinstance(decision, FieldApplied), _why(decision)
    elif outcome == "a duplicate delivery":
        assert isinstance(decision, DuplicateDelivery), _why(decision)
    elif outcome.startswith("rejected as "):
        assert isinstance(decision, WriteRejected), _why(decision)
        assert decision.reason.value == outcome.removeprefix("rejected as "), _why(decision)
    else:
        assert isinstance(decision, ConflictEscalated), _why(decision)
        assert decision.escalation_owner == outcome.removeprefix("escalated to ")


@then(parsers.parse("the rule was {rule}"))
def _rule(ctx: Context, rule: str) -> None:
    decision = ctx.d.last
    assert isinstance(decision, FieldApplied | WriteRejected | ConflictEscalated)
    assert decision.rule == rule, _why(decision)


@then(parsers.parse("the conflict is due within {hours:d} hours"))
def _due(ctx: Context, hours: int) -> None:
    decision = ctx.d.last
    assert isinstance(decision, ConflictEscalated), _why(decision)
    assert (decision.due_at - ctx.d.clock.now()).total_seconds() == hours * 3600
    assert [item.conflict_id for item in ctx.d.engine.conflicts()] == [decision.conflict_id]


@then(parsers.parse("her {name} still holds the {system}'s value"))
@then(parsers.parse("her {name} holds the {system}'s value"))
def _holds(ctx: Context, name: str, system: str) -> None:
    assert ctx.d.state(PERSON, name).value == ctx.written[f"{system}:{name}"]


@then(parsers.parse("her {name} still holds the value written at {hhmm}"))
def _holds_at(ctx: Context, name: str, hhmm: str) -> None:
    assert ctx.d.state(PERSON, name).value == ctx.at[f"{hhmm}:{name}"]


@then(parsers.parse('her {name} is "{value}"'))
def _is(ctx: Context, name: str, value: str) -> None:
    assert ctx.d.state(PERSON, name).value == value


@then(parsers.parse("her {name} is at version {version:d}"))
def _version(ctx: Context, name: str, version: int) -> None:
    assert ctx.d.state(PERSON, name).version == version


@then(parsers.parse('the explanation names the table "{table}"'))
def _names_table(ctx: Context, table: str) -> None:
    decision = ctx.d.last
    assert isinstance(decision, WriteRejected), _why(decision)
    assert table in decision.explanation


def _why(decision: Decision) -> str:
    explanation = getattr(decision, "explanation", "")
    return f"{type(decision).__name__}: {explanation}"

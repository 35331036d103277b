"""Injected faults: a JSON-settable plan, applied deterministically from a seed.

A plan is a list of request rules and a list of webhook rules. A rule matches by method, path
glob and client-name glob (request rules) or endpoint glob (webhook rules), fires with
``probability`` from its own seeded random stream, at most ``times`` times::

    plan = FaultPlan(seed=7, requests=[
        RequestFault(kind="rate_limit", method="POST", path="/fhir/Patient*", retry_after=2),
        RequestFault(kind="latency", client="engine",
                     latency=UniformLatency(low=0.01, high=0.05)),
    ], webhooks=[WebhookFault(kind="duplicate", probability=0.1)])
    injector = FaultInjector(plan)
    injector.decide("POST", "/fhir/Patient", "engine")

Kinds: ``latency`` (sleep, then serve), ``error`` (a 5xx, nothing committed), ``rate_limit``
(429 + Retry-After, nothing committed), ``timeout`` (serve and commit, then hold the reply
``hang_seconds``: a client with a shorter timeout gives up, so the history records ``info``),
``crash_after_commit`` (serve and commit, then cut
the connection (``drop``) or answer 500 with no body (``empty_500``); history ``info``).
Webhook kinds: ``drop``, ``duplicate``, ``reorder`` (held back and sent after the next one),
``delay``, ``lost_ack`` (the receiver gets it, but its answer is lost on the way back: the
sender records ``info`` and sends the same event again; HTTP webhooks and the EHR's ADT feeds).
"""

from __future__ import annotations

import fnmatch
import random
import re
import threading
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FixedLatency(_Frozen):
    kind: Literal["fixed"] = "fixed"
    seconds: float = Field(ge=0)

    def sample(self, rng: random.Random) -> float:
        return self.seconds


class UniformLatency(_Frozen):
    kind: Literal["uniform"] = "uniform"
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)


class ExponentialLatency(_Frozen):
    kind: Literal["exponential"] = "exponential"
    mean: float = Field(gt=0)
    cap: float | None = Field(default=None, gt=0)

    def sample(self, rng: random.Random) -> float:
        value = rng.expovariate(1.0 / self.mean)
        return value if self.cap is None else min(value, self.cap)


Latency = Annotated[FixedLatency | UniformLatency | ExponentialLatency, Field(discriminator="kind")]


class _Rule(_Frozen):
    probability: float = Field(default=1.0, ge=0, le=1)
    times: int | None = Field(default=None, ge=1)
    latency: Latency | None = None


class RequestFault(_Rule):
    kind: Literal["latency", "error", "rate_limit", "timeout", "crash_after_commit"]
    method: str = "*"
    path: str = "*"
    client: str = "*"
    status: int = Field(default=503, ge=500, le=599)
    retry_after: int = Field(default=1, ge=0)
    hang_seconds: float = Field(default=30.0, ge=0)
    crash_mode: Literal["drop", "empty_500"] = "drop"

    @model_validator(mode="after")
    def _latency_needs_distribution(self) -> RequestFault:
        if self.kind == "latency" and self.latency is None:
            raise ValueError("a 'latency' rule needs 'latency' (fixed, uniform or exponential)")
        return self


class WebhookFault(_Rule):
    kind: Literal["drop", "duplicate", "reorder", "delay", "lost_ack"]
    endpoint: str = "*"

    @model_validator(mode="after")
    def _delay_needs_distribution(self) -> WebhookFault:
        if self.kind == "delay" and self.latency is None:
            raise ValueError("a 'delay' rule needs 'latency' (fixed, uniform or exponential)")
        return self


class FaultPlan(_Frozen):
    seed: int = 0
    requests: tuple[RequestFault, ...] = ()
    webhooks: tuple[WebhookFault, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestDecision:
    """What to do to one request; ``NO_FAULT`` when nothing fired."""

    delay: float = 0.0
    status: int | None = None
    retry_after: int | None = None
    hang: float | None = None
    crash_mode: str | None = None
    rules: tuple[int, ...] = ()

    @property
    def doubtful(self) -> str | None:
        """The history outcome when the client cannot learn the result."""
        if self.crash_mode is not None:
            return "crash_after_commit"
        return "timeout" if self.hang is not None else None


@dataclass(frozen=True, slots=True)
class WebhookDecision:
    drop: bool = False
    duplicate: bool = False
    reorder: bool = False
    delay: float = 0.0
    lost_ack: bool = False


NO_FAULT = RequestDecision()
NO_WEBHOOK_FAULT = WebhookDecision()


class FaultInjector:
    """Applies a ``FaultPlan``; each rule draws from its own stream seeded by (seed, position)."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self._lock = threading.Lock()
        self.set_plan(plan or FaultPlan())

    @property
    def plan(self) -> FaultPlan:
        return self._plan

    def set_plan(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan = plan
            self._request_rules = [
                (rule, _glob(rule.path), _glob(rule.client), random.Random(f"{plan.seed}:r{i}"))
                for i, rule in enumerate(plan.requests)
            ]
            self._webhook_rules = [
                (rule, _glob(rule.endpoint), random.Random(f"{plan.seed}:w{i}"))
                for i, rule in enumerate(plan.webhooks)
            ]
            self._fired = [0] * (len(plan.requests) + len(plan.webhooks))

    def clear(self) -> None:
        self.set_plan(FaultPlan(seed=self._plan.seed))

    def fired(self) -> list[int]:
        """How many times each rule fired: request rules first, then webhook rules."""
        with self._lock:
            return list(self._fired)

    def decide(self, method: str, path: str, client: str) -> RequestDecision:
        if not self._request_rules:
            return NO_FAULT
        delay, status, retry, hang, crash, fired = 0.0, None, None, None, None, []
        with self._lock:
            for i, (rule, path_re, client_re, rng) in enumerate(self._request_rules):
                if not _matches(
                    rule.method, method, path_re, path, client_re=client_re, client=client
                ):
                    continue
                # a rule whose effect is already decided by an earlier rule does not fire
                refusing = rule.kind in ("error", "rate_limit")
                if (
                    (refusing and status is not None)
                    or (rule.kind == "timeout" and hang is not None)
                    or (rule.kind == "crash_after_commit" and crash is not None)
                ):
                    continue
                if not self._fires(i, rule, rng):
                    continue
                fired.append(i)
                if rule.latency is not None:
                    delay += rule.latency.sample(rng)
                if refusing:
                    status = 429 if rule.kind == "rate_limit" else rule.status
                    retry = rule.retry_after if rule.kind == "rate_limit" else None
                elif rule.kind == "timeout":
                    hang = rule.hang_seconds
                elif rule.kind == "crash_after_commit":
                    crash = rule.crash_mode
        if not fired:
            return NO_FAULT
        return RequestDecision(delay, status, retry, hang, crash, tuple(fired))

    def decide_webhook(self, endpoint: str) -> WebhookDecision:
        if not self._webhook_rules:
            return NO_WEBHOOK_FAULT
        kinds: set[str] = set()
        delay = 0.0
        with self._lock:
            offset = len(self._request_rules)
            for i, (rule, endpoint_re, rng) in enumerate(self._webhook_rules):
                if endpoint_re.fullmatch(endpoint) and self._fires(offset + i, rule, rng):
                    kinds.add(rule.kind)
                    delay += rule.latency.sample(rng) if rule.latency is not None else 0.0
        if not kinds:
            return NO_WEBHOOK_FAULT
        return WebhookDecision(
            "drop" in kinds, "duplicate" in kinds, "reorder" in kinds, delay, "lost_ack" in kinds
        )

    def _fires(self, slot: int, rule: _Rule, rng: random.Random) -> bool:
        if rule.times is not None and self._fired[slot] >= rule.times:
            return False
        if rule.probability < 1.0 and rng.random() >= rule.probability:
            return False
        self._fired[slot] += 1
        return True


def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern))


def _matches(
    rule_method: str,
    method: str,
    path_re: re.Pattern[str],
    path: str,
    *,
    client_re: re.Pattern[str],
    client: str,
) -> bool:
    if rule_method != "*" and rule_method.upper() != method.upper():
        return False
    return path_re.fullmatch(path) is not None and client_re.fullmatch(client) is not None

from __future__ import annotations

import pytest
from pydantic import ValidationError

from simulators._shared import (
    ExponentialLatency,
    FaultInjector,
    FaultPlan,
    FixedLatency,
    RequestDecision,
    RequestFault,
    UniformLatency,
    WebhookFault,
)
from simulators._shared.faults import NO_FAULT


def _decisions(plan: FaultPlan, n: int = 200) -> list[RequestDecision]:
    injector = FaultInjector(plan)
    return [injector.decide("POST", "/fhir/Patient", "engine") for _ in range(n)]


def test_the_same_seed_gives_the_same_faults_and_another_seed_does_not() -> None:
    rule = RequestFault(kind="error", probability=0.3)

    first = _decisions(FaultPlan(seed=1, requests=(rule,)))
    again = _decisions(FaultPlan(seed=1, requests=(rule,)))
    other = _decisions(FaultPlan(seed=2, requests=(rule,)))

    assert first == again
    assert first != other
    assert 30 < sum(d != NO_FAULT for d in first) < 90


def test_a_rule_fires_only_for_its_method_path_and_client() -> None:
    plan = FaultPlan(
        requests=(
            RequestFault(kind="rate_limit", method="POST", path="/fhir/Patient*", client="eng*"),
        )
    )
    injector = FaultInjector(plan)

    hit = injector.decide("post", "/fhir/Patient/12", "engine")
    other_method = injector.decide("GET", "/fhir/Patient/12", "engine")
    other_path = injector.decide("POST", "/fhir/Encounter", "engine")
    other_client = injector.decide("POST", "/fhir/Patient", "portal")

    assert (hit.status, hit.retry_after) == (429, 1)
    assert other_method == other_path == other_client == NO_FAULT


def test_times_limits_how_often_a_rule_fires() -> None:
    injector = FaultInjector(FaultPlan(requests=(RequestFault(kind="error", times=2),)))

    statuses = [injector.decide("GET", "/x", "c").status for _ in range(4)]

    assert statuses == [503, 503, None, None]
    assert injector.fired() == [2]


def test_latencies_add_up_and_follow_their_distribution() -> None:
    plan = FaultPlan(
        seed=3,
        requests=(
            RequestFault(kind="latency", latency=FixedLatency(seconds=0.5)),
            RequestFault(kind="latency", latency=UniformLatency(low=0.1, high=0.2)),
        ),
    )

    delays = [d.delay for d in _decisions(plan, 50)]

    assert all(0.6 <= delay <= 0.7 for delay in delays)
    assert len(set(delays)) > 1


def test_exponential_latency_respects_its_cap() -> None:
    plan = FaultPlan(
        requests=(RequestFault(kind="latency", latency=ExponentialLatency(mean=1.0, cap=1.5)),)
    )

    delays = [d.delay for d in _decisions(plan, 300)]

    assert max(delays) == 1.5
    assert min(delays) < 1.0


def test_timeouts_and_crashes_make_the_reply_doubtful() -> None:
    timeout = FaultInjector(FaultPlan(requests=(RequestFault(kind="timeout", hang_seconds=2),)))
    crash = FaultInjector(
        FaultPlan(requests=(RequestFault(kind="crash_after_commit", crash_mode="empty_500"),))
    )

    hung = timeout.decide("GET", "/x", "c")
    crashed = crash.decide("GET", "/x", "c")

    assert (hung.hang, hung.doubtful) == (2, "timeout")
    assert (crashed.crash_mode, crashed.doubtful) == ("empty_500", "crash_after_commit")
    assert NO_FAULT.doubtful is None


def test_webhook_rules_match_endpoints_and_combine() -> None:
    injector = FaultInjector(
        FaultPlan(
            webhooks=(
                WebhookFault(kind="duplicate", endpoint="Subscription/*"),
                WebhookFault(
                    kind="delay", endpoint="Subscription/*", latency=FixedLatency(seconds=0.2)
                ),
            )
        )
    )

    hit = injector.decide_webhook("Subscription/4")
    miss = injector.decide_webhook("engine")

    assert (hit.duplicate, hit.delay, hit.drop, hit.reorder) == (True, 0.2, False, False)
    assert not (miss.duplicate or miss.drop or miss.reorder or miss.delay)


def test_a_plan_is_validated_and_names_what_is_missing() -> None:
    with pytest.raises(ValidationError, match="'latency' rule needs 'latency'"):
        RequestFault(kind="latency")
    with pytest.raises(ValidationError, match="'delay' rule needs 'latency'"):
        WebhookFault(kind="delay")
    with pytest.raises(ValidationError):
        FaultPlan.model_validate({"requests": [{"kind": "error", "status": 404}]})


def test_a_plan_round_trips_through_json() -> None:
    plan = FaultPlan(
        seed=9,
        requests=(RequestFault(kind="latency", latency=UniformLatency(low=0, high=1)),),
        webhooks=(WebhookFault(kind="drop", probability=0.5),),
    )

    assert FaultPlan.model_validate_json(plan.model_dump_json()) == plan


def test_clear_keeps_the_seed_and_drops_rules() -> None:
    injector = FaultInjector(FaultPlan(seed=5, requests=(RequestFault(kind="error"),)))

    injector.clear()

    assert injector.plan == FaultPlan(seed=5)
    assert injector.decide("GET", "/x", "c") == NO_FAULT

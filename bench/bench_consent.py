"""Consent: decision-point decisions per second, and in-process revocation propagation.

    python bench/bench_consent.py [--requests 200000] [--persons 2000] [--revocations 2000]
                                  [--store memory|sqlite] [--repeat 5]

1. The decision point, pure and in process: ``decide_consent`` over a realistic mix of requests
   against each person's current consent versions (about 9 per person across purposes and
   channels: active, revoked, expired, time-limited, not yet valid). The mix: 70% one purpose on
   one channel, 15% the purpose on any channel (the disclosure point), 10% slots never granted,
   3% break-glass, 2% unknown purposes. The outcome counts are printed so the mix can be
   checked. Baseline in the same run: a dict lookup of the slot and a tuple built from it (the
   least a decision point must do per request). Target: >= 100,000 decisions/s.

2. Revocation propagation, in process: for each person, a grant and a queued message (untimed);
   then, timed, the revoke command and every enforcement point asked afterwards: the decision
   point, the disclosure point, the send of the queued message, and the CRM's local flag, each
   of which must deny. p50 and p99 over ``--revocations`` persons. Baseline in the same run: one
   audited ``DecideConsent`` command (the cheapest consent command) on the same engine.
   The portal -> CRM flag propagation through the world waits for the runtime issue.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from splitbrain.engine.adapters.consent_flags import InMemoryConsentFlags
from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.consent import (
    CONSENT_POLICY_VERSION,
    Consent,
    EnforcementPoint,
    OutreachBlocked,
    Period,
    decide_consent,
    expire,
    grant,
    revoke,
)
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.consent_service import ConsentService
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.harness.paths import default_matrix

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=10)
PURPOSES = ("TREAT", "CAREMGT", "HMARKT", "HRESCH", "HPAYMT")
CHANNELS = ("sms", "email", "phone", "portal", "mail")
Call = tuple[str, str, str | None, datetime, list[Consent]]


def _person_consents(person: str, rng: random.Random) -> list[Consent]:
    """About 9 current versions, in every state a consent can be in."""
    slots = rng.sample([(p, c) for p in PURPOSES for c in CHANNELS], 9)
    consents = []
    for purpose, channel in slots:
        kind = rng.choices(("open", "limited", "revoked", "expired", "future"), (5, 2, 1, 1, 1))[0]
        start = T0 + timedelta(days=30) if kind == "future" else None
        end = (
            T0 + timedelta(days=rng.choice((5, 20, 60))) if kind in ("limited", "expired") else None
        )
        consent = grant(
            None, person=person, purpose=purpose, channel=channel, at=T0,
            policy_version=CONSENT_POLICY_VERSION, period=Period(start, end),
        )  # fmt: skip
        assert consent is not None
        if kind == "revoked":
            consent = revoke(
                consent, person=person, purpose=purpose, channel=channel,
                at=T0 + timedelta(days=1), policy_version=CONSENT_POLICY_VERSION,
            )  # fmt: skip
        elif kind == "expired":
            consent = expire(consent, T0 + timedelta(days=90)) or consent
        assert consent is not None
        consents.append(consent)
    return consents


def _calls(n: int, persons: int, seed: int) -> list[Call]:
    rng = random.Random(seed)
    book = {f"tok_{i:06d}": _person_consents(f"tok_{i:06d}", rng) for i in range(persons)}
    names = list(book)
    calls: list[Call] = []
    for _ in range(n):
        person = rng.choice(names)
        consents = book[person]
        kind = rng.choices(("slot", "any", "fresh", "glass", "unknown"), (70, 15, 10, 3, 2))[0]
        held = rng.choice(consents)
        purpose, channel = held.purpose, held.channel
        if kind == "any":
            channel = None
        elif kind == "fresh":
            purpose, channel = rng.choice(PURPOSES), rng.choice(CHANNELS)
        elif kind == "glass":
            purpose = rng.choice(("ETREAT", "BTG"))
        elif kind == "unknown":
            purpose = "PROMO"
        calls.append((person, purpose, channel, NOW, consents))
    return calls


def _best_alternating(repeat: int, *loops: Callable[[], object]) -> list[tuple[float, float]]:
    """Best (wall, CPU) time of each loop over ``repeat`` rounds, interleaved so that noise slows
    them alike. CPU time (this process only) is the fairer figure on a shared, busy machine."""
    best = [(float("inf"), float("inf"))] * len(loops)
    for _ in range(repeat):
        for index, loop in enumerate(loops):
            wall, cpu = time.perf_counter(), time.process_time()
            loop()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best[index] = (min(best[index][0], wall), min(best[index][1], cpu))
    return best


def bench_decisions(args: argparse.Namespace) -> None:
    calls = _calls(args.requests, args.persons, args.seed)
    outcomes = Counter(
        f"{d.permission.value}:{d.reason.value}"
        for d in (decide_consent(p, pu, ch, at, cs) for p, pu, ch, at, cs in calls)
    )
    index = {
        (c.person, c.purpose, c.channel): c for _, _, _, _, cs in calls for c in cs
    }  # the baseline's store: one dict lookup per request
    keys = [(p, pu, ch or "sms") for p, pu, ch, _, _ in calls]

    def decide_all() -> None:
        for person, purpose, channel, at, consents in calls:
            decide_consent(person, purpose, channel, at, consents)

    def baseline_all() -> None:
        get = index.get
        for key in keys:
            found = get(key)
            (found is not None, key, found and found.version)  # noqa: B018

    (decide_s, decide_cpu), (baseline_s, baseline_cpu) = _best_alternating(
        args.repeat, decide_all, baseline_all
    )
    n = len(calls)
    rate, baseline, cpu_rate = n / decide_s, n / baseline_s, n / decide_cpu
    print(f"decision point: {n:,} requests over {args.persons:,} persons (~9 consents each)")
    for outcome, count in outcomes.most_common():
        print(f"  {outcome:<28} {count / n:6.1%}")
    print(f"decide_consent():        {rate:11,.0f} decisions/s ({1e6 / rate:.2f} us each)")
    print(f"  per CPU second:        {cpu_rate:11,.0f} decisions/s (this process's CPU time)")
    print(f"baseline (dict lookup):  {baseline:11,.0f} lookups/s   ({1e6 / baseline:.2f} us each)")
    print(
        f"ratio to baseline:       {rate / baseline:11.3f} (CPU: {baseline_cpu / decide_cpu:.3f})"
    )
    verdict = "met" if rate >= 100_000 else "NOT MET on this machine"
    if rate < 100_000 <= cpu_rate:
        verdict = "met per CPU second; the wall clock was shared with other processes"
    print(f"target >= 100,000/s:     {verdict}")


def _engine(store: str, tmp: Path, clock: FixedClock) -> Engine:
    target = "memory" if store == "memory" else f"sqlite:{tmp / 'consent-bench.sqlite'}"
    return bootstrap(store=target, policy=load_policy(default_matrix()), clock=clock)


def _revoke_and_check(service: ConsentService, flags: InMemoryConsentFlags, person: str) -> None:
    service.revoke(person, "HMARKT", "sms")
    assert not service.decide(person, "HMARKT", "sms").permitted
    point = EnforcementPoint.DISCLOSURE
    assert not service.decide(person, "HMARKT", None, point=point).permitted
    assert isinstance(service.send(f"msg-{person}"), OutreachBlocked)
    assert not flags.allows(person, "HMARKT", "sms")


def bench_propagation(args: argparse.Namespace) -> None:
    clock = FixedClock(T0)
    with tempfile.TemporaryDirectory() as tmp, _engine(args.store, Path(tmp), clock) as engine:
        service = ConsentService(engine)
        flags = service.flags
        assert isinstance(flags, InMemoryConsentFlags)
        persons = [f"tok_{i:06d}" for i in range(args.revocations)]
        for person in persons:
            service.grant(person, "HMARKT", "sms")
            service.queue(f"msg-{person}", person, "HMARKT", "sms")
        spans, singles = [], []
        for person in persons:
            start = time.perf_counter()
            _revoke_and_check(service, flags, person)
            middle = time.perf_counter()
            service.decide(person, "TREAT", "sms")  # the baseline: one audited command
            singles.append(time.perf_counter() - middle)
            spans.append(middle - start)
        assert engine.verify_audit().ok
    p50, p99 = _quantiles(spans)
    b50, b99 = _quantiles(singles)
    print(f"revocation propagation, in process ({args.store} store, {len(spans):,} revokes):")
    print("  revoke -> decision point, disclosure point, send point and CRM flag all deny")
    print(f"  p50 {p50 * 1e6:9.1f} us   p99 {p99 * 1e6:9.1f} us")
    print(
        f"baseline (one audited DecideConsent): p50 {b50 * 1e6:9.1f} us   p99 {b99 * 1e6:9.1f} us"
    )
    print(f"ratio p50 to baseline:   {p50 / b50:11.2f} (four commands and a flag read)")


def _quantiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--persons", type=int, default=2_000)
    parser.add_argument("--revocations", type=int, default=2_000)
    parser.add_argument("--store", choices=("memory", "sqlite"), default="memory")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    bench_decisions(args)
    print()
    bench_propagation(args)


if __name__ == "__main__":
    main()

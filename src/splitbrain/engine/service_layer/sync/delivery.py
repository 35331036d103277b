"""The outbox sender: deliver due effects, retry what can be retried, dead-letter the rest.

- 2xx (or an idempotent replay): SENT; the target record's new version is remembered.
- 429, 5xx, a timeout, a dropped connection: back to PENDING after a capped exponential backoff
  with full jitter, at least the target's ``Retry-After``; effects behind it for the same record
  wait (order per record), effects for other records go on.
- 412: re-read the record (its current version), re-decide: if the engine holds a newer version
  of a field this effect carries, the effect is moot (CANCELLED; the newer one is on its way),
  else retry at once on the fresh version. Every later retry is re-decided the same way first
  (a 412 that stays 412, a 503, a crash: the engine may have decided newer since).
- a path that needs consent is asked again now, at the moment of sending: a revoked consent
  cancels the effect (never sent).
- other 4xx, or ``max_attempts`` failures: DEAD_LETTERED with an incident; the queue moves on.

Effects of different records go out at once (``parallel`` threads): a claim holds at most one
effect per ordering key (the oldest unfinished one), so a claimed batch can be sent
concurrently and the order per record still holds; a slow target answer for one record no
longer holds up the others.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from splitbrain.engine.service_layer.clock import Clock
from splitbrain.engine.service_layer.sync.backoff import Backoff
from splitbrain.engine.service_layer.sync.model import OutboxEffect
from splitbrain.engine.service_layer.sync.ports import SyncStore
from splitbrain.engine.service_layer.sync.targets import Delivery, Outcome, TargetClient

log = logging.getLogger("splitbrain.engine.delivery")

_SUPERSEDED = "superseded by a newer engine version"
SEND_PARALLEL = 8
"""The engine service's sending threads: enough to keep a target's round trips overlapping."""

Superseded = Callable[[OutboxEffect], bool]
"""True when the engine now holds a newer version of what ``effect`` carries."""
ConsentGate = Callable[[OutboxEffect], str | None]
"""None when the effect may be sent now; else the reason it may not (e.g. consent revoked)."""
OnSent = Callable[[OutboxEffect, SyncStore, datetime], None]


@dataclass(slots=True)
class Deliverer:
    store: SyncStore
    targets: dict[str, TargetClient]
    clock: Clock
    backoff: Backoff
    superseded: Superseded
    consent_gate: ConsentGate
    on_sent: OnSent | None = None
    name: str = "sender-1"
    lease: timedelta = timedelta(seconds=30)
    parallel: int = 1
    """Effects (of distinct ordering keys: one claim holds one per key) sent at once; the
    service runs with ``SEND_PARALLEL``."""
    _pool: ThreadPoolExecutor | None = field(default=None, repr=False)

    def run_once(self, limit: int = 32) -> int:
        """Send up to ``limit`` due effects, up to ``parallel`` at once; how many were
        claimed. The first failure of a pass is raised after the others have finished (the
        failed effect's lease expires and it is claimed again)."""
        now = self.clock.now()
        effects = self.store.claim_outbox(self.name, now=now, lease=self.lease, limit=limit)
        if self.parallel > 1 and len(effects) > 1:
            sends = [self._executor().submit(self.send, item) for item in effects]
            wait(sends)
            for done in sends:
                done.result()
        else:
            for item in effects:
                self.send(item)
        return len(effects)

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.parallel, thread_name_prefix=self.name)
        return self._pool

    def close(self) -> None:
        """Stop the sending threads (after the sends under way)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def send(self, item: OutboxEffect) -> None:
        now = self.clock.now()
        refusal = self.consent_gate(item)
        if refusal is not None:
            self.store.effect_cancel(item.effect_id, reason=refusal, now=now)
            return
        if item.attempts > 1 and self.superseded(item):  # re-decided before each retry
            self.store.effect_cancel(item.effect_id, reason=_SUPERSEDED, now=now)
            return
        client = self.targets.get(item.target)
        if client is None:
            reason = f"no client for target {item.target!r}; configure its address"
            self.store.effect_dead(item.effect_id, status=None, reason=reason, now=now)
            return
        result = client.deliver(item)
        if result.outcome is Outcome.STALE:
            result = self._after_412(client, item)
        self._settle(item, result)

    def _after_412(self, client: TargetClient, item: OutboxEffect) -> Delivery:
        reread = client.reread(item)
        if reread.outcome is not Outcome.DONE:
            return reread
        if self.superseded(item):
            return Delivery(Outcome.SKIPPED, 412, _SUPERSEDED)
        return client.deliver(item)

    def _settle(self, item: OutboxEffect, result: Delivery) -> None:
        now = self.clock.now()
        if result.outcome is Outcome.DONE:
            with self.store.together():  # one transaction for the answer and what it named
                self.store.effect_sent(item.effect_id, status=result.status or 200, now=now)
                self._remember(item, result)
            if self.on_sent is not None:
                self.on_sent(item, self.store, now)
        elif result.outcome is Outcome.SKIPPED:
            self.store.effect_cancel(item.effect_id, reason=result.detail, now=now)
        elif result.outcome is Outcome.REFUSED or self.backoff.exhausted(item.attempts):
            reason = f"{result.detail} (attempt {item.attempts})"
            log.error("dead-lettered effect %s: %s", item.effect_id, reason)
            self.store.effect_dead(item.effect_id, status=result.status, reason=reason, now=now)
        else:
            delay = self.backoff.delay(item.attempts, retry_after=result.retry_after)
            log.info("effect %s will be retried in %.3fs: %s", item.effect_id, delay, result.detail)
            self.store.effect_retry(
                item.effect_id, next_attempt_at=now + timedelta(seconds=delay),
                status=result.status, detail=result.detail,
            )  # fmt: skip

    def _remember(self, item: OutboxEffect, result: Delivery) -> None:
        if result.record is not None and result.version is not None:  # its own write: an echo
            self.store.note_written(item.target, result.record, result.version)
        body = json.loads(item.body or b"{}")
        person = body.get("person")
        if not isinstance(person, str) or result.record is None:
            return
        self.store.remember_record(
            item.target, result.record, person=person, version=result.version
        )
        versions = body.get("versions") or {}
        for name, version in versions.items():
            self.store.set_replica(item.target, person, name, int(version))

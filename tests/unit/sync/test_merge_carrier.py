"""The engine's own merges become durable, deterministic EHR effects, planned once.

``MergeCarrier.sweep`` puts one inbox item per merge (and per unmerge); sweeping again, or from
a restarted engine, adds nothing; translating the item names the EHR records of both sides.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from splitbrain.engine.adapters.sync_fields import identity_of
from splitbrain.engine.bootstrap import bootstrap_service
from splitbrain.engine.domain.linkage.merge import PersonsMerged
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.sync.inbound import EffectsPlanned
from splitbrain.engine.service_layer.sync.merges import MergeCarrier
from splitbrain.harness.paths import default_matrix

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def service() -> Iterator[EngineService]:
    built = bootstrap_service(matrix=default_matrix(), store="memory", endpoints={},
                              clock=FixedClock(AT))  # fmt: skip
    yield built
    built.close()


def _person(service: EngineService, record: str, name: str, born: str) -> str:
    fields = {"legal_name": name, "date_of_birth": born}
    return service.engine.register_record(identity_of("ehr", record, fields)).person


def _merged(service: EngineService) -> PersonsMerged:
    keep = _person(service, "Patient/1", "Okafor, Ada", "1975-03-14")
    gone = _person(service, "Patient/2", "Lindqvist, Per", "1962-11-30")
    merged = service.engine.merge(keep, gone, actor="usr_1", role="merge_owner",
                                  reason="duplicate_intake")  # fmt: skip
    assert isinstance(merged, PersonsMerged)
    return merged


def test_a_merge_is_swept_into_the_inbox_once_even_across_a_restart(
    service: EngineService,
) -> None:
    merged = _merged(service)
    carrier = MergeCarrier(service.engine, service.store)

    first = carrier.sweep(force=True)
    again = carrier.sweep(force=True)
    restarted = MergeCarrier(service.engine, service.store).sweep(force=True)

    assert (first, again, restarted) == (1, 0, 0)
    item = service.store.inbox_item(f"engine:merge/{merged.merge_id}")
    assert item is not None and item.deliveries == 2


def test_the_merge_item_plans_one_ehr_merge_named_by_the_merge_and_the_retired_record(
    service: EngineService,
) -> None:
    merged = _merged(service)
    carrier = MergeCarrier(service.engine, service.store)
    carrier.sweep(force=True)
    item = service.store.inbox_item(f"engine:merge/{merged.merge_id}")
    assert item is not None

    (fact,) = carrier.translate(item)
    (replanned,) = carrier.translate(item)

    assert isinstance(fact, EffectsPlanned) and fact == replanned
    (effect,) = fact.effects
    assert effect.effect_id == f"{merged.merge_id}>merge>ehr>Patient/2" == effect.idempotency_key
    assert json.loads(effect.body or b"{}") == {
        "op": "merge", "person": merged.survivor, "survivor": "Patient/1",
        "retired": "Patient/2", "merge": merged.merge_id,
    }  # fmt: skip


def test_an_unmerge_is_swept_as_its_own_item(service: EngineService) -> None:
    merged = _merged(service)
    carrier = MergeCarrier(service.engine, service.store)
    carrier.sweep(force=True)

    service.engine.unmerge(merged.merge_id, actor="usr_1", role="merge_owner",
                           reason="wrong_merge")  # fmt: skip
    new = carrier.sweep(force=True)

    assert new == 1
    item = service.store.inbox_item(f"engine:unmerge/{merged.merge_id}")
    assert item is not None
    (fact,) = carrier.translate(item)
    assert isinstance(fact, EffectsPlanned) and fact.effects[0].method == "unmerge"

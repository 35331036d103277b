"""The PostgreSQL identity index chooses the records to score exactly as the memory index does:
the scoring cap and the lone-record rule live in ``BlockingKeys.choose``, shared by both."""

from __future__ import annotations

from pathlib import Path

import pytest

from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.adapters.identity.index_base import BlockedIndex
from splitbrain.engine.adapters.identity.index_memory import MemoryIdentityIndex
from splitbrain.engine.adapters.identity.index_postgres import PostgresIdentityIndex
from splitbrain.engine.adapters.postgres_store import open_postgres_store
from splitbrain.engine.domain.identity.blocking import BlockingKeys
from splitbrain.engine.domain.identity.record import IdentityRecord

pytestmark = pytest.mark.postgres

PARTS = MatchingParts.from_config()
ANA = {"given": "Ana", "family": "Okafor", "date_of_birth": "1984-07-09",
       "phone": "(212) 555-0142", "email": "ana.okafor@example.org"}  # fmt: skip


def _record(system: str, record_id: str, **values: str) -> IdentityRecord:
    return PARTS.normalizer.record(system, record_id, **values)


def _fill(index: BlockedIndex) -> None:
    for i in range(12):  # strangers given Ana's phone number: nothing else of hers
        index.insert(_record("crm", f"c-{i}", given=f"name{i}", family="Lee", phone=ANA["phone"],
                             date_of_birth=f"19{50 + i}-02-03"), f"stranger-{i}")  # fmt: skip
    index.insert(_record("ehr", "e-1", **ANA), "ana")


@pytest.mark.parametrize(("lone", "expected"), [(8, 1), (50, 4)])
def test_the_postgres_index_scores_the_records_the_memory_index_scores(
    postgres_db: str, tmp_path: Path, lone: int, expected: int
) -> None:
    blocking = BlockingKeys(PARTS.blocking.names, max_scored=4, max_lone_block=lone)
    memory = MemoryIdentityIndex(PARTS.matcher, blocking, 50, 2000)
    uow = open_postgres_store(postgres_db, audit_dir=tmp_path / "audit")
    postgres = PostgresIdentityIndex(uow.conn, PARTS.matcher, blocking, 50, 2000)
    uow.conn.begin()
    try:
        _fill(memory)
        _fill(postgres)
        arriving = _record("portal", "o-1", **ANA)

        in_memory = sorted(person for _, person in memory.candidates(arriving))
        in_postgres = sorted(person for _, person in postgres.candidates(arriving))
        decision = postgres.match(arriving)
    finally:
        uow.conn.rollback()
        uow.close()

    assert in_postgres == in_memory and len(in_postgres) == expected and "ana" in in_postgres
    assert decision.band == "high" and decision.person_id == "ana"

"""``splitbrain identity link-record`` / ``unlink-record``: a steward's link on the engine store."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from splitbrain.cli import app
from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey
from splitbrain.harness.paths import default_matrix


@pytest.fixture
def store(tmp_path: Path) -> tuple[str, str, str]:
    """A SQLite engine store holding Ana (two records) and Bea (one): (store, ana, bea)."""
    url = f"sqlite:{tmp_path / 'engine.sqlite'}"
    with bootstrap(store=url, policy=load_policy(default_matrix())) as engine:
        ana = engine.register_record(_record("crm", "c-1", "ana", "1980-02-03", "id-1")).person
        linked = engine.register_record(_record("ehr", "e-1", "ana", "1980-02-03", "id-1"))
        bea = engine.register_record(_record("crm", "c-2", "bea", "1991-06-07", "id-2")).person
    assert linked.person == ana
    return url, ana, bea


def _record(system: str, record: str, given: str, dob: str, identifier: str) -> IdentityRecord:
    return IdentityRecord(system, record, identifier=identifier, given=given, family="okafor",
                          date_of_birth=dob)  # fmt: skip


def _person_of(url: str, record: RecordKey) -> str | None:
    with bootstrap(store=url, policy=load_policy(default_matrix())) as engine:
        return engine.record_person(record)


def test_link_record_moves_the_record_and_says_so(store: tuple[str, str, str]) -> None:
    url, ana, bea = store
    args = ["identity", "link-record", "ehr/e-1", "--person", bea, "--actor", "usr_3",
            "--reason", "misfiled_record", "--store", url]  # fmt: skip

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 0, result.output
    assert f"record ehr/e-1 linked to {bea} (was {ana})" in result.output
    assert _person_of(url, RecordKey("ehr", "e-1")) == bea


def test_a_refused_link_exits_1_naming_the_rule_and_changes_nothing(
    store: tuple[str, str, str],
) -> None:
    url, ana, _bea = store
    args = ["identity", "link-record", "ehr/e-1", "--to-record", "crm/c-2", "--actor", "usr_3",
            "--role", "support", "--reason", "misfiled_record", "--store", url]  # fmt: skip

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 1
    assert "only merge_owner may" in result.output
    assert _person_of(url, RecordKey("ehr", "e-1")) == ana


def test_unlink_record_creates_a_person_of_its_own(store: tuple[str, str, str]) -> None:
    url, ana, bea = store
    args = ["identity", "unlink-record", "ehr/e-1", "--actor", "usr_3",
            "--reason", "shared_contact_details", "--store", url]  # fmt: skip

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 0, result.output
    assert _person_of(url, RecordKey("ehr", "e-1")) not in (ana, bea, None)


@pytest.mark.parametrize(
    ("record", "extra", "message"),
    [
        ("ehr-e-1", ["--person", "per_000001"], "is not SYSTEM/RECORD_ID"),
        ("crm/c-404", ["--person", "per_000001"], "register it first"),
        ("ehr/e-1", ["--person", "per_999999"], "no registered person 'per_999999'"),
    ],
)
def test_unusable_ids_exit_2_with_the_fix(
    store: tuple[str, str, str], record: str, extra: list[str], message: str
) -> None:
    url, _ana, _bea = store
    args = ["identity", "link-record", record, *extra, "--actor", "usr_3",
            "--reason", "misfiled_record", "--store", url]  # fmt: skip

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 2
    assert message in result.output

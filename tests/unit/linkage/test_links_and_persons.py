"""The link table's rule (automation never overrides a person) and person redirects."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.errors import LinkageError
from splitbrain.engine.domain.linkage.links import (
    Link,
    LinkResult,
    LinkSource,
    RelinkVerdict,
    comparison_summary,
    relink_verdict,
)
from splitbrain.engine.domain.linkage.persons import Person, PersonStatus, resolve

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
KEY = RecordKey("crm", "c-1")


def _link(source: LinkSource, person: str = "per_1") -> Link:
    return Link(KEY, person, LinkResult.MATCHED, source, created_at=T0)


def test_an_automatic_link_follows_a_better_automatic_match() -> None:
    verdict = relink_verdict(_link(LinkSource.AUTOMATIC), "per_2", pair_rejected=False)

    assert verdict is RelinkVerdict.RELINK


def test_a_manual_link_is_never_moved_by_automation() -> None:
    verdict = relink_verdict(_link(LinkSource.MANUAL), "per_2", pair_rejected=False)

    assert verdict is RelinkVerdict.KEEP_MANUAL


def test_a_pair_marked_not_duplicate_keeps_an_automatic_link_where_it_is() -> None:
    verdict = relink_verdict(_link(LinkSource.AUTOMATIC), "per_2", pair_rejected=True)

    assert verdict is RelinkVerdict.KEEP_NOT_DUPLICATE


def test_a_match_that_agrees_with_the_link_changes_nothing() -> None:
    assert relink_verdict(_link(LinkSource.MANUAL), "per_1", pair_rejected=True) is (
        RelinkVerdict.KEEP
    )


def test_a_superseded_link_is_no_longer_current_and_reinstating_it_makes_it_current() -> None:
    link = _link(LinkSource.AUTOMATIC)

    gone = link.superseded(T0)

    assert not gone.current
    assert gone.reinstated() == link


def test_the_comparison_summary_lists_levels_in_name_order() -> None:
    summary = comparison_summary({"phone": "exact", "date_of_birth": "transposed"})

    assert summary == "date_of_birth=transposed,phone=exact"


def _people(*rows: Person) -> dict[str, Person]:
    return {row.person: row for row in rows}


def test_a_retired_id_resolves_through_a_chain_of_merges_to_the_live_survivor() -> None:
    people = _people(
        Person("per_1", PersonStatus.RETIRED, T0, merged_into="per_2"),
        Person("per_2", PersonStatus.RETIRED, T0, merged_into="per_3"),
        Person("per_3", PersonStatus.ACTIVE, T0),
    )

    assert resolve("per_1", people.get) == "per_3"
    assert resolve("per_3", people.get) == "per_3"


def test_an_id_the_store_never_saw_resolves_to_itself() -> None:
    assert resolve("ana", {}.get) == "ana"


def test_a_redirect_cycle_is_reported_as_a_corrupt_person_table() -> None:
    people = _people(
        Person("per_1", PersonStatus.RETIRED, T0, merged_into="per_2"),
        Person("per_2", PersonStatus.RETIRED, T0, merged_into="per_1"),
    )

    with pytest.raises(LinkageError, match="cycle"):
        resolve("per_1", people.get)

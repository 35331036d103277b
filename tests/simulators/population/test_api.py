"""The package's public surface, its configuration checks and its data tables."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import simulators.population as population
from simulators.population import (
    Consents,
    DivergenceConfig,
    GroundTruth,
    GroundTruthError,
    PersonEntry,
    PopulationConfig,
    PopulationConfigError,
    generate,
)
from simulators.population.nicknames import NICKNAMES, formal_names_of, nicknames_of

PACKAGE = Path(population.__file__).parent


def test_every_public_name_is_importable_and_listed_once() -> None:
    names = population.__all__

    assert len(names) == len(set(names))
    assert all(hasattr(population, name) for name in names)
    assert {
        "generate",
        "PopulationConfig",
        "DivergenceConfig",
        "GroundTruth",
        "UniqueValues",
        "canaries",
        "write_population",
    } <= set(names)


def test_no_module_of_the_population_imports_splitbrain() -> None:
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [m for m in imported if m.split(".")[0] == "splitbrain"], path.name


@pytest.mark.parametrize("level", ["low", "medium", "high"])
def test_each_corruption_preset_is_a_valid_config(level: str) -> None:
    assert isinstance(DivergenceConfig.preset(level), DivergenceConfig)


def test_an_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(PopulationConfigError, match="medium"):
        DivergenceConfig.preset("extreme")


def test_a_rate_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(PopulationConfigError, match=r"DivergenceConfig\.typo"):
        DivergenceConfig(typo=1.5)


def test_a_stage_mix_missing_a_stage_is_refused() -> None:
    with pytest.raises(PopulationConfigError, match="stage_mix"):
        PopulationConfig(stage_mix=(("lead", 1.0),))


def test_a_negative_population_size_is_refused() -> None:
    with pytest.raises(PopulationConfigError, match="people"):
        generate(-1, 0)


def test_consents_answer_per_purpose_and_channel() -> None:
    consents = Consents.from_pairs([("HMARKT", "sms"), ("TREAT", "portal")])

    assert consents.allows("HMARKT", "sms") and not consents.allows("HMARKT", "email")
    assert consents.as_codes() == ["TREAT:portal", "HMARKT:sms"]
    with pytest.raises(PopulationConfigError, match="HPAYMENT"):
        consents.allows("HPAYMENT", "sms")


def test_crm_opt_in_flags_match_the_portal_marketing_consents(
    population: list[PersonEntry],
) -> None:
    with_both = [e.person for e in population if e.person.portal and e.person.crm]

    assert with_both
    for p in with_both:
        assert p.crm is not None and p.portal is not None
        assert p.crm.sms_opt_in == p.portal.consents.allows("HMARKT", "sms")
        assert p.crm.email_opt_in == p.portal.consents.allows("HMARKT", "email")


def test_the_nickname_table_knows_the_common_pairs() -> None:
    assert "Bob" in nicknames_of("Robert")
    assert "Liz" in nicknames_of("Elizabeth")
    assert "Bill" in nicknames_of("William")
    assert formal_names_of("Bill") == ("William",)
    assert sum(len(v) for v in NICKNAMES.values()) >= 300


def test_an_unknown_record_id_raises_without_echoing_values(
    small_population: list[PersonEntry],
) -> None:
    truth = GroundTruth.from_entries(small_population)

    with pytest.raises(GroundTruthError, match="crm-doesnotexist"):
        truth.person_of("crm", "crm-doesnotexist")


def test_a_malformed_ground_truth_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "ground_truth.jsonl"
    path.write_text('{"gt_id": "gt_000001", "records": []}\nnot json\n', encoding="utf-8")

    with pytest.raises(GroundTruthError, match="line 2"):
        GroundTruth.load(path)


def test_names_in_non_latin_scripts_and_with_accents_are_generated(
    population: list[PersonEntry],
) -> None:
    names = [e.person.family for e in population] + [e.person.given for e in population]

    assert any(not n.isascii() and n[0] >= "\u3000" for n in names)  # CJK
    assert any("\u0400" <= n[0] <= "\u04ff" for n in names)  # Cyrillic
    assert any("-" in n for n in names) and any("'" in n for n in names)
    assert any(any("\u00c0" <= ch <= "\u017f" for ch in n) for n in names)  # accents

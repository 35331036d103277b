"""`splitbrain consent import|export`: FHIR Consents in and out of the engine's store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from splitbrain.cli.consent import app
from splitbrain.engine.adapters.consent_fhir import consents_to_bundle
from tests.unit.consent.conftest import DAY, T0, granted, revoked

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:{tmp_path / 'engine.sqlite'}"


@pytest.fixture
def consents_file(tmp_path: Path) -> Path:
    path = tmp_path / "consents.json"
    far = T0 + 36_500 * DAY  # still running whatever the wall clock says
    bundle = consents_to_bundle(
        [granted("HMARKT", "sms", end=far), revoked(None, purpose="TREAT", channel="email")]
    )
    path.write_text(json.dumps(bundle))
    return path


def test_import_records_each_consent_and_export_gives_them_back(
    consents_file: Path, store: str
) -> None:
    imported = runner.invoke(app, ["import", str(consents_file), "--store", store])
    exported = runner.invoke(app, ["export", "tok_ana", "--store", store])

    assert imported.exit_code == 0, imported.output
    assert "1 ConsentGranted, 1 ConsentRevoked" in imported.output
    assert exported.exit_code == 0, exported.output
    bundle = json.loads(exported.output)
    kinds = sorted(
        (e["resource"]["provision"]["purpose"][0]["code"], e["resource"]["provision"]["type"])
        for e in bundle["entry"]
    )
    assert kinds == [("HMARKT", "permit"), ("TREAT", "deny")]


def test_importing_the_same_file_twice_changes_nothing(consents_file: Path, store: str) -> None:
    runner.invoke(app, ["import", str(consents_file), "--store", store])

    again = runner.invoke(app, ["import", str(consents_file), "--store", store])

    assert again.exit_code == 0 and "2 unchanged" in again.output


def test_an_invalid_consent_refuses_the_whole_file_naming_the_element(
    consents_file: Path, store: str
) -> None:
    bundle = json.loads(consents_file.read_text())
    bundle["entry"][1]["resource"]["provision"]["purpose"][0]["code"] = "PROMO"
    consents_file.write_text(json.dumps(bundle))

    result = runner.invoke(app, ["import", str(consents_file), "--store", store])
    export = runner.invoke(app, ["export", "tok_ana", "--store", store])

    assert result.exit_code == 1
    assert "Bundle.entry[1]: Consent.provision.purpose[0].code" in result.output
    assert "nothing imported" in result.output
    assert export.exit_code == 1  # the valid first entry was not imported either


def test_export_with_history_lists_every_version(tmp_path: Path, store: str) -> None:
    v1 = granted("HMARKT", "sms")
    path = tmp_path / "two.json"
    path.write_text(json.dumps(consents_to_bundle([v1])))
    runner.invoke(app, ["import", str(path), "--store", store])
    path.write_text(json.dumps(consents_to_bundle([revoked(v1)])))
    runner.invoke(app, ["import", str(path), "--store", store])
    out = tmp_path / "out.json"

    result = runner.invoke(app, ["export", "tok_ana", "--store", store, "--history", "--out",
                                 str(out)])  # fmt: skip

    assert result.exit_code == 0
    versions = [e["resource"]["meta"]["versionId"] for e in json.loads(out.read_text())["entry"]]
    assert versions == ["1", "2"]


def test_exporting_a_person_without_consents_exits_1(store: str) -> None:
    result = runner.invoke(app, ["export", "tok_nobody", "--store", store])

    assert result.exit_code == 1 and "no consents for person tok_nobody" in result.output


def test_a_file_that_is_not_json_exits_2(tmp_path: Path, store: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")

    result = runner.invoke(app, ["import", str(path), "--store", store])

    assert result.exit_code == 2 and "cannot read" in result.output


def test_the_consent_commands_are_registered_on_the_root_cli() -> None:
    from splitbrain.cli import app as root

    result = runner.invoke(root, ["consent", "--help"])

    assert result.exit_code == 0 and "import" in result.output and "export" in result.output

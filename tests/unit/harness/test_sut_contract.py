"""The SUT contract: what the harness writes is what a SUT reads back, and broken files teach."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from splitbrain.harness.sut import (
    ClientKey,
    CommandSut,
    Contract,
    ContractError,
    HttpSut,
    ReferenceSut,
    ServeSut,
    SutSpecError,
    parse_sut,
)


def _contract(workdir: Path) -> Contract:
    return Contract(
        ehr_fhir_base="http://127.0.0.1:4001/fhir", mllp_host="127.0.0.1", mllp_port=4004,
        crm_base="http://127.0.0.1:4002", portal_base="http://127.0.0.1:4003",
        client="engine", key="sk_engine_1", role="sync_engine",
        keys={"engine": ClientKey("sk_engine_1", "sync_engine"),
              "doc": ClientKey("sk_doc_1", "provider")},
        sut_host="127.0.0.1", sut_port=4010, matrix=Path("/m/telehealth.yaml"), workdir=workdir,
    )  # fmt: skip


def test_a_written_contract_reads_back_equal_from_the_environment(tmp_path: Path) -> None:
    contract = _contract(tmp_path)

    contract.write()
    found = Contract.from_env(contract.env())

    assert found == contract
    assert contract.path.stat().st_mode & 0o077 == 0


def test_the_file_is_the_documented_version_1_shape(tmp_path: Path) -> None:
    data = json.loads(_contract(tmp_path).to_json())

    assert data["version"] == 1
    assert data["ehr"]["mllp"] == {"host": "127.0.0.1", "port": 4004}
    assert data["sut"] == {"host": "127.0.0.1", "port": 4010, "base": "http://127.0.0.1:4010",
                           "idle": "/idle"}  # fmt: skip
    assert data["keys"]["doc"] == {"key": "sk_doc_1", "role": "provider"}
    assert data["credentials"]["client"] == "engine"


def test_the_environment_carries_every_convenience_variable(tmp_path: Path) -> None:
    env = _contract(tmp_path).env()

    assert env["SPLITBRAIN_CONTRACT"] == str(tmp_path / "contract.json")
    assert env["SPLITBRAIN_EHR_MLLP"] == "127.0.0.1:4004"
    assert env["SPLITBRAIN_SUT_PORT"] == "4010"
    assert env["SPLITBRAIN_KEY"] == "sk_engine_1"
    assert env["SPLITBRAIN_WORKDIR"] == str(tmp_path)


def test_the_repr_never_shows_a_key(tmp_path: Path) -> None:
    assert "sk_" not in repr(_contract(tmp_path))


def test_a_missing_key_is_named_by_its_path(tmp_path: Path) -> None:
    data = json.loads(_contract(tmp_path).to_json())
    del data["sut"]["port"]
    (tmp_path / "c.json").write_text(json.dumps(data))

    with pytest.raises(ContractError, match=r"key sut\.port is missing"):
        Contract.from_json(tmp_path / "c.json")


def test_another_version_is_refused_with_the_supported_one(tmp_path: Path) -> None:
    data = json.loads(_contract(tmp_path).to_json())
    data["version"] = 2

    with pytest.raises(ContractError, match="reads version 1"):
        Contract.from_dict(data)


def test_no_contract_in_the_environment_says_how_to_get_one() -> None:
    with pytest.raises(ContractError, match="SPLITBRAIN_CONTRACT is not set"):
        Contract.from_env({})


@pytest.mark.parametrize(
    ("spec", "kind"),
    [("reference", ReferenceSut), ("serve", ServeSut), ("http:http://127.0.0.1:8010", HttpSut),
     ("command:python -m my_engine --flag 'a b'", CommandSut)],
)  # fmt: skip
def test_each_adapter_spec_parses_to_its_adapter(spec: str, kind: type) -> None:
    assert isinstance(parse_sut(spec), kind)


def test_a_command_is_shell_split() -> None:
    sut = parse_sut("command:python -m my_engine --flag 'a b'")

    assert isinstance(sut, CommandSut)
    assert sut.argv == ["python", "-m", "my_engine", "--flag", "a b"]


@pytest.mark.parametrize("spec", ["engine", "http:ftp://x", "command:", "Reference"])
def test_an_unknown_spec_names_the_option_and_the_adapters(spec: str) -> None:
    with pytest.raises(SutSpecError, match="--sut"):
        parse_sut(spec)


def test_public_names_are_deliberate_and_importable() -> None:
    import splitbrain.harness.runner as runner
    import splitbrain.harness.sut as sut
    import splitbrain.strategies as strategies

    assert set(sut.__all__) == {
        "CONTRACT_VERSION", "SPECS", "ClientKey", "CommandSut", "Contract", "ContractError",
        "HttpSut", "ReferenceSut", "ServeSut", "Sut", "SutError", "SutSpecError",
        "SutStartError", "free_port", "parse_sut", "wait_for_port",
    }  # fmt: skip
    assert set(runner.__all__) == {"FeatureRunError", "InputError", "RunInputs", "RunResult",
                                   "RunnerError", "collect", "metric_lines", "run_all"}  # fmt: skip
    assert set(strategies.__all__) == {"ConsentChange", "SyntheticPerson", "consent_changes",
                                       "persons", "writes"}  # fmt: skip
    for module in (sut, runner, strategies):
        assert all(getattr(module, name) is not None for name in module.__all__)


def test_engine_serve_needs_keys_or_a_contract() -> None:
    from typer.testing import CliRunner

    from splitbrain.cli import app

    result = CliRunner().invoke(app, ["engine", "serve"])

    assert result.exit_code == 2
    assert "--contract" in result.output


def test_engine_serve_names_an_unreadable_contract(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from splitbrain.cli import app

    result = CliRunner().invoke(app, ["engine", "serve", "--contract", str(tmp_path / "c.json")])

    assert result.exit_code == 2
    assert "c.json" in result.output

"""The SUT contract's optional MLLP port: written only when set, read back, absent is None."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from splitbrain.harness.sut import ClientKey, Contract, ContractError


def _contract(workdir: Path, mllp_port: int | None) -> Contract:
    return Contract(
        ehr_fhir_base="http://127.0.0.1:4001/fhir", mllp_host="127.0.0.1", mllp_port=4004,
        crm_base="http://127.0.0.1:4002", portal_base="http://127.0.0.1:4003",
        client="engine", key="sk_engine_1", role="sync_engine",
        keys={"engine": ClientKey("sk_engine_1", "sync_engine")},
        sut_host="127.0.0.1", sut_port=4010, matrix=Path("/m/telehealth.yaml"), workdir=workdir,
        sut_mllp_port=mllp_port,
    )  # fmt: skip


def test_a_sut_mllp_port_is_written_read_back_and_in_the_environment(tmp_path: Path) -> None:
    contract = _contract(tmp_path, 4011)

    contract.write()
    found = Contract.from_env(contract.env())

    assert json.loads(contract.to_json())["sut"]["mllp_port"] == 4011
    assert found.sut_mllp_port == 4011 and found == contract
    assert contract.env()["SPLITBRAIN_SUT_MLLP_PORT"] == "4011"


def test_a_contract_without_a_sut_mllp_port_has_none(tmp_path: Path) -> None:
    contract = _contract(tmp_path, None)

    data = json.loads(contract.to_json())
    found = Contract.from_dict(data)

    assert "mllp_port" not in data["sut"]
    assert found.sut_mllp_port is None
    assert "SPLITBRAIN_SUT_MLLP_PORT" not in contract.env()


def test_a_mistyped_sut_mllp_port_names_the_key(tmp_path: Path) -> None:
    data = json.loads(dataclasses.replace(_contract(tmp_path, 1), sut_mllp_port=1).to_json())
    data["sut"]["mllp_port"] = "4011"

    with pytest.raises(ContractError, match=r"sut\.mllp_port must be an int"):
        Contract.from_dict(data)

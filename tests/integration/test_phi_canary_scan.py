"""The PHI canary scan over everything a run wrote: no canary or restricted value where forbidden.

The run: the governance demo, a synthetic population export, and the disclosure of every
person of that population to the CRM through the outbound builder (care coordination for all,
marketing where the person consented), with the SQLite vault issuing the tokens and auditing.
Then: planted leaks ARE found, and named without their values.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from simulators.population import iter_ground_truth
from splitbrain.cli import app
from splitbrain.engine.adapters.disclosure_paths import load_disclosure
from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.adapters.vault import Vault, open_sqlite_vault
from splitbrain.engine.adapters.vault_store import SqliteVaultStore
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.consent_service import ConsentService
from splitbrain.engine.service_layer.disclosure import (
    DisclosurePermitted,
    DisclosureRequest,
    OutboundBuilder,
)
from splitbrain.harness.canary_scan import Place, scan
from splitbrain.harness.leak_index import CANARY, LeakIndex
from tests.unit.matrix.matrices import TELEHEALTH
from tests.unit.vault.builders import START

runner = CliRunner()
PEOPLE = 60


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run's output directory: demo/, population/ and disclosure/ (vault and CRM payloads)."""
    out = tmp_path_factory.mktemp("run")
    demo = runner.invoke(app, ["demo", "--out", str(out / "demo")])
    assert demo.exit_code == 0, demo.output
    population = runner.invoke(
        app,
        [
            "phi",
            "generate",
            "--people",
            str(PEOPLE),
            "--seed",
            "11",
            "--out",
            str(out / "population"),
        ],
    )
    assert population.exit_code == 0, population.output
    _disclose(out / "population" / "ground_truth.jsonl", out / "disclosure")
    return out


@pytest.fixture(scope="module")
def index(run: Path) -> LeakIndex:
    return LeakIndex.from_ground_truth(run / "population" / "ground_truth.jsonl")


def test_nothing_a_run_wrote_holds_a_canary_or_restricted_value_where_forbidden(
    run: Path, index: LeakIndex
) -> None:
    result = scan([run], index)

    assert [str(finding) for finding in result.forbidden] == []
    found = {(f.place, f.hit.field) for f in result.findings}
    assert (Place.EHR, CANARY) in found  # the canaries are there, where they belong
    assert (Place.CRM, "phone") in found  # the scan does look into what the CRM received


def test_the_crm_received_therapy_summaries_and_tokens_never_plans_or_ids(run: Path) -> None:
    lines = (run / "disclosure" / "crm.payloads.jsonl").read_text().splitlines()
    payloads = [json.loads(line) for line in lines]

    plans = {p["fields"].get("medication_plan") for p in payloads} - {None}
    assert plans and plans <= {"on GLP-1 therapy", "on therapy"}
    assert all(p["subject"].startswith("tok_patient_k1_") for p in payloads)
    assert not any("gt_" in p["subject"] for p in payloads)
    assert {p["purpose"] for p in payloads} == {"TREAT", "HMARKT"}


def test_a_canary_planted_in_a_crm_payload_is_found_and_forbidden(
    run: Path, index: LeakIndex, tmp_path: Path
) -> None:
    canary, owner = next(iter(index.canaries.items()))
    leaked = _copy(run / "disclosure" / "crm.payloads.jsonl", tmp_path)
    with leaked.open("a") as out:
        out.write(json.dumps({"subject": "tok_x", "fields": {"note": f"plan [{canary}]"}}) + "\n")

    result = scan([leaked], index)

    (finding,) = result.forbidden
    assert (finding.place, finding.hit.field, finding.hit.gt_id) == (Place.CRM, CANARY, owner)
    assert finding.where.endswith(f":{len(leaked.read_text().splitlines())}")


def test_a_phone_in_a_log_and_an_ssn_in_the_audit_table_are_found_without_their_values(
    run: Path, index: LeakIndex, tmp_path: Path
) -> None:
    person = _people(run)[0]
    log = tmp_path / "engine.stderr.log"
    log.write_text(f"retrying contact update for {person['phone']}\n", encoding="utf-8")
    db = tmp_path / "leaky.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, event TEXT)")
        conn.execute("INSERT INTO audit_log (event) VALUES (?)", (f"ssn={person['ssn']}",))
    conn.close()

    result = scan([tmp_path], index)

    found = {(f.place, f.hit.field, f.hit.gt_id) for f in result.forbidden}
    assert found == {(Place.LOG, "phone", person["gt_id"]), (Place.AUDIT, "ssn", person["gt_id"])}
    text = "\n".join(str(f) for f in result.forbidden)
    assert person["phone"] not in text and person["ssn"] not in text


def test_a_legal_name_in_an_idempotency_key_is_found(
    run: Path, index: LeakIndex, tmp_path: Path
) -> None:
    person = _people(run)[1]
    keys = tmp_path / "crm.idempotency.jsonl"
    keys.write_text(f'{{"key": "upsert-{person["given"]}-{person["family"]}"}}\n', encoding="utf-8")

    (finding,) = scan([keys], index).forbidden

    assert (finding.place, finding.hit.field) == (Place.IDEMPOTENCY, "legal_name")


def test_the_cli_exits_one_on_a_planted_leak_and_zero_on_the_clean_run(
    run: Path, index: LeakIndex, tmp_path: Path
) -> None:
    truth = run / "population" / "ground_truth.jsonl"
    canary = next(iter(index.canaries))
    (tmp_path / "report.html").write_text(f"<p>{canary}</p>", encoding="utf-8")

    clean = runner.invoke(app, ["phi", "scan", str(run / "demo"), "--canaries", str(truth)])
    leaky = runner.invoke(app, ["phi", "scan", str(tmp_path), "--canaries", str(truth)])
    as_json = runner.invoke(app, ["phi", "scan", str(tmp_path), "--json"])

    assert clean.exit_code == 0, clean.output
    assert leaky.exit_code == 1
    assert f"FORBIDDEN report {tmp_path / 'report.html'}:1: canary {canary}" in leaky.stdout
    assert json.loads(as_json.stdout)["summary"] == {"forbidden": 1, "total": 1}


def _people(run: Path) -> list[dict[str, Any]]:
    return list(iter_ground_truth(run / "population" / "ground_truth.jsonl"))


def _copy(path: Path, into: Path) -> Path:
    target = into / path.name
    shutil.copy(path, target)
    return target


def _disclose(truth: Path, out: Path) -> None:
    """Disclose every person to the CRM through the builder; write what the CRM received."""
    out.mkdir()
    clock = FixedClock(START)
    vault = open_sqlite_vault(out / "vault.sqlite", clock)
    assert isinstance(vault.store, SqliteVaultStore)
    with bootstrap(store="memory", policy=load_policy(TELEHEALTH), clock=clock) as engine:
        consents = ConsentService(engine)
        builder = _builder(vault, consents, clock)
        with (out / "crm.payloads.jsonl").open("w", encoding="utf-8") as crm:
            for person in iter_ground_truth(truth):
                _grant_marketing(consents, person)
                for purpose in ("TREAT", "HMARKT"):
                    crm.writelines(_sent(builder, person, purpose))
    vault.store.close()


def _builder(vault: Vault, consents: ConsentService, clock: FixedClock) -> OutboundBuilder:
    assert isinstance(vault.store, SqliteVaultStore)
    return OutboundBuilder(
        load_disclosure(TELEHEALTH),
        tokens=vault,
        consent=consents,
        audit=vault.audit,
        clock=clock,
        transaction=vault.store.transaction,
    )


def _grant_marketing(consents: ConsentService, person: dict[str, Any]) -> None:
    for code in (person.get("portal") or {}).get("consents", []):
        purpose, channel = code.split(":")
        if purpose == "HMARKT":
            consents.grant(person["gt_id"], purpose, channel, end=START + timedelta(days=365))


def _sent(builder: OutboundBuilder, person: dict[str, Any], purpose: str) -> Iterator[str]:
    clinical = person.get("clinical") or {}
    payload = {
        "legal_name": f"{person['given']} {person['family']}",
        "date_of_birth": person["birth_date"],
        "phone": person["phone"],
        "email": person["email"],
        "address": person["address"]["line"],
        "medication_plan": clinical.get("medication_plan"),
        "clinical_status": clinical.get("clinical_status"),
        "diagnosis": clinical.get("diagnosis_note"),
        "ssn": person["ssn"],
    }
    request = DisclosureRequest(person["gt_id"], "ehr", "crm", purpose, payload)
    outcome = builder.build(request)
    if isinstance(outcome, DisclosurePermitted):
        sent = {"subject": outcome.payload.subject, "purpose": purpose}
        yield json.dumps({**sent, "fields": dict(outcome.payload.fields)}) + "\n"

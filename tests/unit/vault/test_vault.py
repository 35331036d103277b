"""The vault: the only resolver, for scoped credentials, auditing every allow and deny."""

from __future__ import annotations

import json

import pytest

from splitbrain.engine.adapters.audit_fhir import to_fhir_audit_event
from splitbrain.engine.adapters.audit_log import InMemoryAuditLog
from splitbrain.engine.domain.audit import AuditOutcome
from splitbrain.engine.domain.tokens import Credential, ResolutionDenied, parse_token
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.errors import AuditWriteFailed
from tests.unit.vault.builders import CARE_TEAM, CRM_WITH_SCOPE, KEY_2, START, memory_vault

NAME = "Zorblax Quennefield"


def _log(vault_audit: object) -> InMemoryAuditLog:
    assert isinstance(vault_audit, InMemoryAuditLog)
    return vault_audit


def test_a_scoped_credential_resolves_a_token_to_its_value() -> None:
    vault = memory_vault()
    token = vault.tokenize("patient", NAME)

    assert vault.resolve(token, CARE_TEAM) == NAME


def test_each_resolution_is_audited_with_token_and_scope_never_the_value() -> None:
    vault = memory_vault()
    token = vault.tokenize("patient", NAME)

    vault.resolve(token, CARE_TEAM)

    (entry,) = _log(vault.audit).items
    event = entry.event
    assert (event.service, event.action, event.outcome) == ("vault", "token.resolve", "permit")
    assert dict(event.extra)["token"] == token
    assert dict(event.extra)["scope"] == "resolve:patient"
    assert (event.actor, event.role) == ("svc_care", "care_coordinator")
    assert NAME.encode() not in event.canonical_bytes()


def test_a_crm_credential_cannot_resolve_even_with_the_scope() -> None:
    vault = memory_vault()
    token = vault.tokenize("patient", NAME)

    with pytest.raises(ResolutionDenied) as caught:
        vault.resolve(token, CRM_WITH_SCOPE)

    assert caught.value.reason == "crm_credential"
    assert NAME not in str(caught.value)
    (entry,) = _log(vault.audit).items
    assert (entry.event.outcome, entry.event.reason) == (AuditOutcome.DENY, "crm_credential")


def test_a_credential_without_the_domain_scope_is_denied_and_audited() -> None:
    vault = memory_vault()
    token = vault.tokenize("patient", NAME)
    phone_only = Credential.of("svc", "support", "engine", ["resolve:phone"])

    with pytest.raises(ResolutionDenied, match="resolve:patient"):
        vault.resolve(token, phone_only)

    assert _log(vault.audit).items[0].event.reason == "scope_missing"


def test_an_unknown_token_is_denied_only_after_authorization() -> None:
    vault = memory_vault()
    never_issued = memory_vault(seed=1).tokenize("patient", "per_elsewhere")
    unscoped = Credential.of("svc", "support", "engine", [])

    with pytest.raises(ResolutionDenied) as unknown:
        vault.resolve(never_issued, CARE_TEAM)
    with pytest.raises(ResolutionDenied) as probing:
        vault.resolve(never_issued, unscoped)

    assert unknown.value.reason == "unknown_token"
    assert probing.value.reason == "scope_missing"  # no existence oracle without the scope


def test_a_value_passed_as_a_token_is_fingerprinted_in_the_audit_and_not_echoed() -> None:
    vault = memory_vault()

    with pytest.raises(ResolutionDenied) as caught:
        vault.resolve(NAME, CARE_TEAM)

    assert caught.value.reason == "malformed_token"
    assert NAME not in str(caught.value)
    event = _log(vault.audit).items[0].event
    assert dict(event.extra)["token"].startswith("fp1:")
    assert NAME.encode() not in event.canonical_bytes()


def test_an_expired_credential_is_denied() -> None:
    clock = FixedClock(START)
    vault = memory_vault(clock=clock)
    token = vault.tokenize("patient", NAME)
    short = Credential.of("svc", "support", "engine", ["resolve:patient"], expires_at=START)

    with pytest.raises(ResolutionDenied) as caught:
        vault.resolve(token, short)

    assert caught.value.reason == "credential_expired"


def test_a_failed_audit_write_fails_the_resolution_closed() -> None:
    vault = memory_vault()
    token = vault.tokenize("patient", NAME)
    _log(vault.audit).fail_appends()

    with pytest.raises(AuditWriteFailed):
        vault.resolve(token, CARE_TEAM)


def test_random_tokens_are_fresh_each_time_and_each_resolves() -> None:
    vault = memory_vault()

    first = vault.tokenize("outreach", NAME, correlate=False)
    second = vault.tokenize("outreach", NAME, correlate=False)
    scoped = Credential.of("svc", "support", "engine", ["resolve:outreach"])

    assert first != second
    assert vault.resolve(first, scoped) == vault.resolve(second, scoped) == NAME


def test_after_rotation_new_tokens_use_the_new_key_and_old_ones_still_resolve() -> None:
    vault = memory_vault()
    old = vault.tokenize("patient", NAME)

    assert vault.rotate(KEY_2) == "k2"
    new = vault.tokenize("patient", NAME)

    assert parse_token(old).key_id == "k1"
    assert parse_token(new).key_id == "k2"
    assert vault.resolve(old, CARE_TEAM) == vault.resolve(new, CARE_TEAM) == NAME


def test_reindex_issues_current_key_tokens_for_old_ones_and_is_idempotent() -> None:
    vault = memory_vault()
    old = [vault.tokenize("patient", f"per_{i}") for i in range(3)]
    random_one = vault.tokenize("outreach", "msg-1", correlate=False)
    vault.rotate(KEY_2)

    first = vault.reindex()
    second = vault.reindex()

    assert first.key_id == "k2"
    assert [pair[0] for pair in first.pairs] == old  # random tokens are not re-keyed
    assert (first.created, second.created) == (3, 0)
    assert first.pairs == second.pairs
    assert [new for _, new in first.pairs] == [
        vault.tokenize("patient", f"per_{i}") for i in range(3)
    ]
    assert random_one not in {old for old, _ in first.pairs}


def test_token_entries_never_show_their_value_in_repr() -> None:
    vault = memory_vault()
    token = vault.tokenize("patient", NAME)

    entry = vault.store.get(token)

    assert entry is not None
    assert NAME not in repr(entry)


def test_resolution_entries_export_as_fhir_audit_events_without_the_value() -> None:
    vault = memory_vault()
    token = vault.tokenize("patient", NAME)
    vault.resolve(token, CARE_TEAM)
    with pytest.raises(ResolutionDenied):
        vault.resolve(token, CRM_WITH_SCOPE)

    permit, deny = (to_fhir_audit_event(entry) for entry in _log(vault.audit).items)

    assert (permit["action"], permit["outcome"], deny["outcome"]) == ("R", "0", "4")
    assert deny["outcomeDesc"] == "deny: crm_credential"
    assert token in json.dumps(permit) and NAME not in json.dumps(permit)

"""Tokens: their shape, keyed and random minting, key versions, and who may resolve them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from simulators.crm.validation import TOKEN, check_patient_ref
from splitbrain.engine.domain.audit.event import CODE_PATTERN
from splitbrain.engine.domain.tokens import (
    Credential,
    DenyReason,
    Keyring,
    KeyringInvalid,
    MalformedToken,
    TokenDomainInvalid,
    TokenizeRefused,
    UnknownKeyVersion,
    deny_message,
    hmac_token,
    is_token,
    parse_token,
    random_token,
    refusal,
    shares_run,
)
from tests.unit.vault.builders import KEY_1, KEY_2, RING, START, body_bytes, seeded_entropy


def test_hmac_token_has_the_documented_shape() -> None:
    token = hmac_token(RING, "patient", "per_000123")

    parts = parse_token(token)

    assert token.startswith("tok_patient_k1_")
    assert (parts.domain, parts.key_id, len(parts.body)) == ("patient", "k1", 32)
    assert str(parts) == token
    assert not parts.is_random


def test_hmac_token_is_stable_for_one_key_and_value() -> None:
    assert hmac_token(RING, "patient", "per_1") == hmac_token(RING, "patient", "per_1")


def test_hmac_token_differs_by_value_domain_and_key_version() -> None:
    rotated = RING.rotated(KEY_2)

    tokens = {
        hmac_token(RING, "patient", "per_1"),
        hmac_token(RING, "patient", "per_2"),
        hmac_token(RING, "phone", "per_1"),
        hmac_token(rotated, "patient", "per_1"),
    }

    assert len(tokens) == 4
    assert hmac_token(rotated, "patient", "per_1", key_id="k1") == hmac_token(
        RING, "patient", "per_1"
    )


def test_random_tokens_of_one_value_are_unrelated() -> None:
    entropy = seeded_entropy()

    first = random_token("outreach", "msg-1", entropy)
    second = random_token("outreach", "msg-1", entropy)

    assert first != second
    assert parse_token(first).is_random


@pytest.mark.parametrize("value", ["per_000123", "SYN-00412345", "+15550100123", "Ana García"])
def test_tokens_are_accepted_by_the_crm_as_patient_references(value: str) -> None:
    token = hmac_token(RING, "patient", value)

    check_patient_ref(token, TOKEN)
    assert re.fullmatch(CODE_PATTERN, token)


def test_the_body_alphabet_cannot_spell_an_mrn_marker() -> None:
    bodies = [parse_token(hmac_token(RING, "patient", f"per_{i}")).body for i in range(2000)]

    assert not any("n" in body or "i" in body or "l" in body or "o" in body for body in bodies)


def test_a_body_that_shares_a_run_with_the_value_is_drawn_again() -> None:
    bad = body_bytes("abcd" + "0" * 28)
    good = body_bytes("2" * 32)
    draws = iter([bad, good])

    token = random_token("outreach", "xxABCDxx", lambda n: next(draws))

    assert parse_token(token).body == "2" * 32


def test_tokenizing_refuses_when_every_draw_shares_a_run() -> None:
    bad = body_bytes("abcd" + "0" * 28)

    with pytest.raises(TokenizeRefused, match="64 draws"):
        random_token("outreach", "abcd", lambda n: bad)


def test_shares_run_compares_case_folded_runs_of_four() -> None:
    assert shares_run("xxabcdxx", "ABCD")
    assert not shares_run("xxabcxx", "abcd")
    assert not shares_run("abc", "abc")  # shorter than a run: nothing to share


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tok_patient_k1_short",
        "tok_Patient_k1_" + "0" * 32,
        "Ana García",
        "tok_patient_k0_" + "0" * 32,
    ],
)
def test_malformed_tokens_are_refused_without_repeating_the_text(text: str) -> None:
    assert not is_token(text)

    with pytest.raises(MalformedToken) as caught:
        parse_token(text)

    assert (text or "\x00") not in str(caught.value)


@pytest.mark.parametrize("domain", ["", "Patient", "pat-ient", "patient_", "x" * 41])
def test_token_domains_must_be_lower_case_names(domain: str) -> None:
    with pytest.raises(TokenDomainInvalid):
        hmac_token(RING, domain, "per_1")


def test_keyring_rotation_adds_a_current_version_and_keeps_the_old() -> None:
    rotated = RING.rotated(KEY_2).rotated(bytes(range(200, 232)))

    assert rotated.current == "k3"
    assert rotated.older() == ("k1", "k2")
    assert rotated.secret("k1") == KEY_1


def test_keyring_repr_shows_ids_never_secrets() -> None:
    text = repr(RING.rotated(KEY_2))

    assert text == "Keyring(current='k2', key_ids=['k1', 'k2'])"
    assert KEY_1.hex() not in text


@pytest.mark.parametrize(
    ("keys", "current", "message"),
    [
        ({"k1": b"short"}, "k1", "at least 32"),
        ({"k1": KEY_1}, "k2", "not in the keyring"),
        ({"key1": KEY_1}, "key1", "not k1, k2"),
    ],
)
def test_invalid_keyrings_are_refused(keys: dict[str, bytes], current: str, message: str) -> None:
    with pytest.raises(KeyringInvalid, match=message):
        Keyring(keys, current)


def test_an_unknown_key_version_is_refused() -> None:
    with pytest.raises(UnknownKeyVersion, match="'k9'"):
        hmac_token(RING, "patient", "per_1", key_id="k9")


def test_a_scoped_engine_credential_may_resolve_its_domain() -> None:
    credential = Credential.of("svc", "care_coordinator", "engine", ["resolve:patient"])

    assert refusal(credential, "patient", START) is None
    assert refusal(credential, "phone", START) is DenyReason.SCOPE_MISSING


@pytest.mark.parametrize(
    "credential",
    [
        Credential.of("svc_crm", "automation", "crm", ["resolve:patient"]),
        Credential.of("svc_x", "crm", "engine", ["resolve:patient"]),
    ],
)
def test_a_crm_credential_never_resolves_whatever_its_scopes(credential: Credential) -> None:
    assert refusal(credential, "patient", START) is DenyReason.CRM_CREDENTIAL


def test_an_expired_credential_is_refused_from_its_expiry_on() -> None:
    credential = Credential.of("svc", "support", "engine", ["resolve:patient"], START)

    assert refusal(credential, "patient", START - timedelta(seconds=1)) is None
    assert refusal(credential, "patient", START) is DenyReason.CREDENTIAL_EXPIRED


def test_deny_messages_name_the_token_the_rule_and_the_fix() -> None:
    message = deny_message("tok_patient_k1_x", DenyReason.SCOPE_MISSING, "patient")

    assert "tok_patient_k1_x" in message
    assert "resolve:patient" in message
    assert "request a credential" in message

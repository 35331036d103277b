"""Audit keys and fingerprints: keyed, id-prefixed, never revealing the key or the value."""

from __future__ import annotations

import pytest

from splitbrain.engine.domain.audit import AuditKeyError, AuditKeys, fingerprint, key_id
from tests.unit.audit.factories import CHECKPOINT_KEY, FINGERPRINT_KEY


def test_a_fingerprint_is_stable_for_one_key_and_value() -> None:
    assert fingerprint(FINGERPRINT_KEY, "+15550100199") == fingerprint(
        FINGERPRINT_KEY, "+15550100199"
    )


def test_a_fingerprint_names_its_key_and_hides_the_value() -> None:
    fp = fingerprint(FINGERPRINT_KEY, "Zorblax")

    prefix, kid, digest = fp.split(":")
    assert (prefix, kid) == ("fp1", key_id(FINGERPRINT_KEY))
    assert len(digest) == 64
    assert "Zorblax" not in fp


def test_another_key_gives_another_fingerprint() -> None:
    assert fingerprint(FINGERPRINT_KEY, "Ana") != fingerprint(CHECKPOINT_KEY, "Ana")


def test_other_values_give_other_fingerprints() -> None:
    assert fingerprint(FINGERPRINT_KEY, "Ana") != fingerprint(FINGERPRINT_KEY, "Anna")


def test_a_short_key_is_refused() -> None:
    with pytest.raises(AuditKeyError, match="at least 32 random bytes"):
        fingerprint(b"short", "Ana")


def test_one_key_for_both_jobs_is_refused() -> None:
    with pytest.raises(AuditKeyError, match="generate two keys"):
        AuditKeys(fingerprint_key=FINGERPRINT_KEY, checkpoint_key=FINGERPRINT_KEY)


def test_keys_show_ids_never_bytes() -> None:
    keys = AuditKeys(fingerprint_key=FINGERPRINT_KEY, checkpoint_key=CHECKPOINT_KEY)

    shown = repr(keys) + str(keys)

    assert keys.fingerprint_key_id in shown and keys.checkpoint_key_id in shown
    assert FINGERPRINT_KEY.hex() not in shown and repr(FINGERPRINT_KEY) not in shown
    assert CHECKPOINT_KEY.hex() not in shown and repr(CHECKPOINT_KEY) not in shown

"""The consent package's public names are deliberate: each one exists and none is listed twice."""

from __future__ import annotations

import splitbrain.engine.domain.consent as consent


def test_every_name_in_all_is_importable_and_listed_once() -> None:
    assert all(hasattr(consent, name) for name in consent.__all__)
    assert len(set(consent.__all__)) == len(consent.__all__)
    assert {"decide_consent", "Consent", "ConsentDecision", "PURPOSES", "enforce_send"} <= set(
        consent.__all__
    )

"""The service layer's public names are deliberate: each one exists and nothing else is listed."""

from __future__ import annotations

import splitbrain.engine.service_layer as service_layer


def test_every_name_in_all_is_importable_and_public() -> None:
    assert all(hasattr(service_layer, name) for name in service_layer.__all__)
    assert len(set(service_layer.__all__)) == len(service_layer.__all__)
    assert {"Engine", "IngestWrite", "ResolveConflict", "FixedClock"} <= set(service_layer.__all__)

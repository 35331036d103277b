from __future__ import annotations

import splitbrain.engine.adapters.identity as adapters
import splitbrain.engine.domain.identity as domain


def test_the_domain_package_exports_every_public_name_and_nothing_else() -> None:
    submodules = {"bands", "blocking", "comparisons", "decision", "em", "errors", "explain",
                  "matcher", "model", "ports", "record"}  # fmt: skip
    # "@py_builtins"/"@pytest_ar": pytest rewrites the asserts of a package with a pytest11 plugin
    public = {n for n in vars(domain) if not n.startswith(("_", "@"))} - submodules
    public -= {"annotations"}

    assert set(domain.__all__) == public
    for name in ("IdentityRecord", "MatchDecision", "IdentityIndex", "Candidate", "RecordKey"):
        assert name in domain.__all__


def test_the_adapters_package_exports_build_index_and_the_indexes() -> None:
    assert {
        "build_index",
        "MemoryIdentityIndex",
        "SqliteIdentityIndex",
        "Normalizer",
        "MatchingParts",
        "load_matching_config",
    } <= set(adapters.__all__)
    assert all(hasattr(adapters, name) for name in adapters.__all__)

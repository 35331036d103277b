"""At-ingest identity matching, pure (DESIGN §5): records, comparisons, Fellegi-Sunter scoring,
EM estimation, bands with an eligibility gate, explanations and blocking keys.

Normalization, Jaro-Winkler, the indexes and config loading live in
``splitbrain.engine.adapters.identity``; this package imports the standard library only.

>>> from splitbrain.engine.domain.identity import IdentityRecord
>>> IdentityRecord("ehr", "e-1", given="ana").key
RecordKey(source_system='ehr', source_record_id='e-1')
"""

from __future__ import annotations

from splitbrain.engine.domain.identity.bands import (
    EligibilityGate,
    Guard,
    Placeholders,
    Thresholds,
)
from splitbrain.engine.domain.identity.blocking import BLOCKING_KEYS, BlockingKeys, soundex
from splitbrain.engine.domain.identity.comparisons import (
    COMPARISON_KINDS,
    Comparison,
    NameEquivalence,
    build_comparison,
)
from splitbrain.engine.domain.identity.decision import BANDS, Band, Candidate, MatchDecision
from splitbrain.engine.domain.identity.em import EmResult, estimate_u, expectation_maximisation
from splitbrain.engine.domain.identity.errors import (
    DuplicateRecord,
    EmptyIdentityValue,
    IdentityError,
    ModelInvalid,
    UnknownRecord,
)
from splitbrain.engine.domain.identity.explain import (
    MATCH_GRADES,
    Contribution,
    Explanation,
    MatchGrade,
    ScoreBand,
    match_grade,
)
from splitbrain.engine.domain.identity.matcher import Matcher, ScoredRecord
from splitbrain.engine.domain.identity.model import ComparisonModel, FellegiSunter, Level
from splitbrain.engine.domain.identity.ports import IdentityIndex, SimilarityFunction
from splitbrain.engine.domain.identity.record import IDENTITY_FIELDS, IdentityRecord, RecordKey

__all__ = [
    "BANDS",
    "BLOCKING_KEYS",
    "COMPARISON_KINDS",
    "IDENTITY_FIELDS",
    "MATCH_GRADES",
    "Band",
    "BlockingKeys",
    "Candidate",
    "Comparison",
    "ComparisonModel",
    "Contribution",
    "DuplicateRecord",
    "EligibilityGate",
    "EmResult",
    "EmptyIdentityValue",
    "Explanation",
    "FellegiSunter",
    "Guard",
    "IdentityError",
    "IdentityIndex",
    "IdentityRecord",
    "Level",
    "MatchDecision",
    "MatchGrade",
    "Matcher",
    "ModelInvalid",
    "NameEquivalence",
    "Placeholders",
    "RecordKey",
    "ScoreBand",
    "ScoredRecord",
    "SimilarityFunction",
    "Thresholds",
    "UnknownRecord",
    "build_comparison",
    "estimate_u",
    "expectation_maximisation",
    "match_grade",
    "soundex",
]

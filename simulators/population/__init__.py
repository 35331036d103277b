"""Synthetic PHI with ground truth (DESIGN §8): seeded, reproducible, obviously synthetic.

>>> from simulators.population import generate, PopulationConfig, GroundTruth
>>> entries = list(generate(people=100, seed=7, config=PopulationConfig.with_corruption("high")))
>>> truth = GroundTruth.from_entries(entries)
>>> record = entries[0].records[0]
>>> truth.person_of(record.system, record.record_id) == entries[0].person.gt_id
True

:func:`generate` streams :class:`PersonEntry` objects: the ground-truth :class:`Person` and
every :class:`SystemRecord` the EHR, CRM and portal hold of them, diverged by
:class:`DivergenceConfig`. :func:`write_population` writes FHIR, CSV or HL7 v2 files and the
ground truth; :class:`UniqueValues` gives actors write values that trace to one write;
:func:`canaries` lists the leak markers. This package never imports ``splitbrain``.
"""

from __future__ import annotations

from simulators.population.canaries import (
    CANARY_FIELDS,
    CANARY_PATTERN,
    Canary,
    canaries,
    canary_token,
    find_canaries,
)
from simulators.population.config import CORRUPTION_LEVELS, DivergenceConfig, PopulationConfig
from simulators.population.consent import CHANNELS, PURPOSES, Consents
from simulators.population.errors import (
    GroundTruthError,
    PoolExhaustedError,
    PopulationConfigError,
    PopulationError,
)
from simulators.population.export import FORMATS, WriteSummary, write_population
from simulators.population.generator import generate, gt_id
from simulators.population.ground_truth import (
    GroundTruth,
    RecordRef,
    entry_to_json,
    iter_ground_truth,
)
from simulators.population.identifiers import EMAIL_DOMAINS, is_invalid_ssn, is_synthetic_email
from simulators.population.model import (
    STAGES,
    SYSTEMS,
    Address,
    Clinical,
    CrmContext,
    Person,
    PersonEntry,
    PortalContext,
    SystemRecord,
)
from simulators.population.phones import is_fictitious
from simulators.population.unique import UniqueValue, UniqueValues

__all__ = [
    "CANARY_FIELDS",
    "CANARY_PATTERN",
    "CHANNELS",
    "CORRUPTION_LEVELS",
    "EMAIL_DOMAINS",
    "FORMATS",
    "PURPOSES",
    "STAGES",
    "SYSTEMS",
    "Address",
    "Canary",
    "Clinical",
    "Consents",
    "CrmContext",
    "DivergenceConfig",
    "GroundTruth",
    "GroundTruthError",
    "Person",
    "PersonEntry",
    "PoolExhaustedError",
    "PopulationConfig",
    "PopulationConfigError",
    "PopulationError",
    "PortalContext",
    "RecordRef",
    "SystemRecord",
    "UniqueValue",
    "UniqueValues",
    "WriteSummary",
    "canaries",
    "canary_token",
    "entry_to_json",
    "find_canaries",
    "generate",
    "gt_id",
    "is_fictitious",
    "is_invalid_ssn",
    "is_synthetic_email",
    "iter_ground_truth",
    "write_population",
]

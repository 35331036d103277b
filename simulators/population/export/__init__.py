"""Exports of a population: FHIR R4 NDJSON, CSV and HL7 v2.5.1 ADT^A04, plus the ground truth.

See :func:`write_population` for the files and :mod:`.fhir`, :mod:`.tabular` and
:mod:`.hl7v2` for each format.
"""

from __future__ import annotations

from simulators.population.export.writer import FORMATS, WriteSummary, write_population

__all__ = ["FORMATS", "WriteSummary", "write_population"]

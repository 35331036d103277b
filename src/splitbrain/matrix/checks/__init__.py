"""The linter's checks, one function per concern; ``CHECKS`` runs them in this order."""

from __future__ import annotations

from collections.abc import Callable

from splitbrain.matrix.checks.enums import (
    check_enum_fields,
    check_enum_tables,
    check_stage_field,
    check_value_limits,
)
from splitbrain.matrix.checks.flows import (
    check_bidirectional,
    check_restricted,
    check_unsynced_writers,
)
from splitbrain.matrix.checks.ownership import check_stage_coverage
from splitbrain.matrix.checks.references import check_descriptions, check_references
from splitbrain.matrix.checks.report import Report
from splitbrain.matrix.checks.rules import (
    check_critical,
    check_decidable,
    check_immutable,
    check_shared_without_stage_rule,
)
from splitbrain.matrix.model import Matrix

Check = Callable[[Matrix, Report], None]

CHECKS: tuple[Check, ...] = (
    check_references,
    check_stage_coverage,
    check_stage_field,
    check_enum_tables,
    check_enum_fields,
    check_value_limits,
    check_shared_without_stage_rule,
    check_decidable,
    check_immutable,
    check_bidirectional,
    check_restricted,
    check_unsynced_writers,
    check_critical,
    check_descriptions,
)

__all__ = ["CHECKS", "Check", "Report"]

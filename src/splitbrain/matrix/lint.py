"""The matrix linter: every way a matrix can leave a conflict undecided, each with a stable code.

``lint(matrix)`` returns findings (values, not exceptions), in file order. Each names its code,
severity, field, YAML path and line, what is wrong and the fix. ``splitbrain matrix lint FILE``
prints them and exits 1 when any is an error.

Codes (stable: a code keeps its meaning, a retired code is never reused):

========  =======  ===========================================================================
code      level    catches
========  =======  ===========================================================================
SB101     error    two active writers with no stage rule: a field with one owner at every
                   stage also lets a writer in another system write any value at every stage,
                   and only ownership (owner_authoritative / stage_owner_wins) settles their
                   conflicts, so one side's edits are silently lost (conflict risk)
SB102     error    stage gap: a stage where no system owns the field, or an owner span that
                   covers no stage
SB103     error    stage overlap: two owner spans cover the same stage
SB104     error    unknown system: in an owner span, a secondary writer, an enum table, or
                   named by the sync direction (``ehr_to_crm`` needs both ehr and crm)
SB105     error    unknown role: in owner_roles or a secondary writer
SB106     error    unknown stage: in an owner span or a secondary writer's stages
SB107     error    bidirectional sync without a version check: ``bidirectional``, or
                   ``bidirectional_by_stage`` where one system owns every stage or no rule of
                   the chain is stage_owner_wins or manual_review (the rules that reject a
                   stale write from the previous stage's owner)
SB108     error    a phi_restricted or highly_restricted field reaches the CRM: the CRM owns
                   it, may write it, or the sync direction carries it there (summaries count)
SB109     error    enum value with no mapping: a local value mapped to a non-canonical value,
                   or a canonical value that a system writing or receiving the field cannot
                   express in its own table
SB110     error    the rules cannot decide between two writers the row allows (the row is
                   incomplete): two writers in different systems at one stage that no rule
                   of the chain ranks, or provider_verified_overrides /
                   most_recent_patient_confirmed on a row that lets no provider / patient write
SB111     error    immutable_outside_owner contradicted by a secondary writer outside the
                   owner system
SB112     error    the escalation owner is not a declared role (a system, or unknown)
SB113     error    an enum field names an enum table that is not declared
SB114     error    a secondary writer's value limit names a non-canonical value, or limits a
                   field that has no fixed values
SB115     error    the stage field is missing, not an enum, or its canonical values are not
                   the stages in order
SB116     error    unsynced writer: a system writes the field but the sync direction never
                   carries its writes (read_only with several writing systems; a one-way
                   direction with a writer outside its source), so the copies fork
SB117     warning  unprotected critical field: an automation may write it, or only the owner
                   writes it and it is not immutable_outside_owner
SB118     warning  a field without a description
SB119     warning  a highly_restricted field synced out of its owner system
========  =======  ===========================================================================

How the rules are read (``splitbrain.matrix.checks.writers``): only writers in different
systems need a rule (one system orders its own writes); the provider role stands for
provider-verified writes and the patient role for patient-confirmed ones.

Example::

    findings = lint(load_matrix("scenarios/matrices/telehealth.yaml"))
    [f.code for f in findings if f.is_error]   # -> []
"""

from __future__ import annotations

from splitbrain.matrix.checks import CHECKS, Report
from splitbrain.matrix.errors import MatrixLintError
from splitbrain.matrix.findings import Finding, Severity
from splitbrain.matrix.model import Matrix


def lint(matrix: Matrix) -> list[Finding]:
    """Every finding for ``matrix``, in file order (line, then code)."""
    report = Report(matrix)
    for check in CHECKS:
        check(matrix, report)
    return sorted(report.findings, key=lambda f: (f.line or 0, f.code))


def require_clean(matrix: Matrix) -> list[Finding]:
    """Raise ``MatrixLintError`` when ``matrix`` has error findings; return its warnings."""
    findings = lint(matrix)
    errors = [finding for finding in findings if finding.is_error]
    if errors:
        raise MatrixLintError(matrix.label, errors)
    return [finding for finding in findings if finding.severity is Severity.WARNING]

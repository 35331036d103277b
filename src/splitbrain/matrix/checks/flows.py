"""Where values travel: bidirectional sync without a version check (SB107), restricted fields
reaching the CRM (SB108), writes that never sync (SB116), highly restricted fields leaving their
owner (SB119).

Sync directions, as the linter reads them: a one-way direction (``ehr_to_crm``,
``portal_to_all``...) carries writes made in its source system to its targets, and nothing
else; ``read_only`` carries nothing; the three bidirectional directions carry a write made in
any writing system to every other writing system.
"""

from __future__ import annotations

from splitbrain.matrix.checks.report import Report, listing
from splitbrain.matrix.checks.writers import writer_systems
from splitbrain.matrix.model import FieldSpec, Matrix
from splitbrain.matrix.stages import owned_by_stage, owner_systems
from splitbrain.matrix.vocabulary import ConflictRule, DisclosureClass, SyncDirection

CRM = "crm"
Sync = SyncDirection

ONE_WAY: dict[SyncDirection, tuple[str, tuple[str, ...] | None]] = {
    Sync.EHR_TO_CRM: ("ehr", ("crm",)),
    Sync.EHR_TO_CRM_SUMMARY: ("ehr", ("crm",)),
    Sync.CRM_TO_EHR: ("crm", ("ehr",)),
    Sync.CRM_TO_EHR_SUMMARY: ("crm", ("ehr",)),
    Sync.PORTAL_TO_CRM: ("portal", ("crm",)),
    Sync.PORTAL_TO_EHR: ("portal", ("ehr",)),
    Sync.PORTAL_TO_ALL: ("portal", None),
}
"""Source system and targets of each one-way direction (None: every other declared system)."""

BIDIRECTIONAL = frozenset(
    {Sync.BIDIRECTIONAL, Sync.BIDIRECTIONAL_BY_STAGE, Sync.BIDIRECTIONAL_WITH_VERSION_CHECK}
)
_RESTRICTED = frozenset({DisclosureClass.PHI_RESTRICTED, DisclosureClass.HIGHLY_RESTRICTED})
_STALE_AWARE = frozenset({ConflictRule.STAGE_OWNER_WINS, ConflictRule.MANUAL_REVIEW})


def named_systems(sync: SyncDirection) -> set[str]:
    """The systems a direction names (``ehr_to_crm`` -> ehr, crm)."""
    if sync not in ONE_WAY:
        return set()
    source, targets = ONE_WAY[sync]
    return {source, *(targets or ())}


def sync_targets(matrix: Matrix, field: FieldSpec) -> set[str]:
    """The declared systems a field's value is carried to."""
    if field.sync in BIDIRECTIONAL:
        return writer_systems(matrix, field)
    if field.sync not in ONE_WAY:
        return set()
    source, targets = ONE_WAY[field.sync]
    chosen = set(matrix.systems) - {source} if targets is None else set(targets)
    return chosen & set(matrix.systems)


def check_bidirectional(matrix: Matrix, report: Report) -> None:
    for name, field in matrix.fields.items():
        loc = ("fields", name, "sync")
        if field.sync is Sync.BIDIRECTIONAL:
            report.add(
                "SB107",
                loc,
                "bidirectional sync has no version check: a stale write from either side "
                "silently overwrites the other",
                "use bidirectional_with_version_check, or bidirectional_by_stage with "
                "stage_owner_wins among the rules",
            )
        elif field.sync is Sync.BIDIRECTIONAL_BY_STAGE and not owned_by_stage(field):
            report.add(
                "SB107",
                loc,
                f"bidirectional_by_stage, but {owner_systems(field)[0]} owns the field at "
                "every stage: there is no stage change to go by, so nothing rejects a "
                "stale write",
                "give ownership by stage (from_stage/before_stage), or use "
                "bidirectional_with_version_check",
            )
        elif field.sync is Sync.BIDIRECTIONAL_BY_STAGE and not _STALE_AWARE & set(field.rules):
            report.add(
                "SB107",
                loc,
                f"bidirectional_by_stage with rules {listing(field.rules)}: none of them "
                "rejects a stale write from the previous stage's owner",
                "add stage_owner_wins to fallback_rules (or end the chain with manual_review)",
            )


def check_restricted(matrix: Matrix, report: Report) -> None:
    for name, field in matrix.fields.items():
        if field.disclosure not in _RESTRICTED or CRM not in matrix.systems:
            continue
        reasons = _crm_reasons(matrix, field)
        if reasons:
            report.add(
                "SB108",
                ("fields", name, "disclosure"),
                f"{field.disclosure.value} field reaches the CRM: {'; '.join(reasons)}",
                "keep it out of the CRM (sync: read_only or a direction that does not "
                "reach the crm, no CRM owner or writer) and give the CRM a token or a "
                "separate summary field; or reclassify it if it is not restricted",
            )
        if field.disclosure is DisclosureClass.HIGHLY_RESTRICTED:
            _highly_restricted(matrix, report, name, field)


def check_unsynced_writers(matrix: Matrix, report: Report) -> None:
    for name, field in matrix.fields.items():
        if field.sync in BIDIRECTIONAL:
            continue
        writers = writer_systems(matrix, field)
        loc = ("fields", name, "sync")
        if field.sync is Sync.READ_ONLY and len(writers) > 1:
            report.add(
                "SB116",
                loc,
                f"{listing(sorted(writers))} all write it, but read_only keeps each "
                "write where it was made: the copies fork",
                "let only the owner system write it, or choose a sync direction that "
                "carries every writer's changes",
            )
        elif field.sync in ONE_WAY and writers - {ONE_WAY[field.sync][0]}:
            source = ONE_WAY[field.sync][0]
            outside = sorted(writers - {source})
            report.add(
                "SB116",
                loc,
                f"{field.sync.value} carries only writes made in {source}, but "
                f"{listing(outside)} also write{'s' if len(outside) == 1 else ''} it: those "
                f"writes never reach {source}",
                f"limit writers to {source}, or choose a direction that carries them "
                "(bidirectional_with_version_check)",
            )


def _crm_reasons(matrix: Matrix, field: FieldSpec) -> list[str]:
    reasons = []
    if CRM in owner_systems(field):
        reasons.append("the CRM owns it")
    if any(w.system in {CRM, None} for w in field.secondary_writers):
        reasons.append("a secondary writer may write it from the CRM")
    if CRM in sync_targets(matrix, field):
        reasons.append(f"sync {field.sync.value} carries it to the CRM")
    return reasons


def _highly_restricted(matrix: Matrix, report: Report, name: str, field: FieldSpec) -> None:
    leaves = sync_targets(matrix, field) - set(owner_systems(field))
    if leaves:
        report.add(
            "SB119",
            ("fields", name, "sync"),
            f"highly_restricted field is synced to {listing(sorted(leaves))}; highly "
            "restricted data should never leave its owner system",
            "use sync: read_only and resolve the value on demand inside the owner, or "
            "reclassify it",
        )

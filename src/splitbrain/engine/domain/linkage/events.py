"""The events of the link table, merges, unmerges and the review queue (STYLE §2).

    IdentityEvent
     ├── RecordRegistered          a record went through the index (band, link, created?)
     ├── ManualLinkKept            automation proposed to move a manually decided link: kept
     ├── PossibleDuplicateFlagged  a record matched two or more persons at high
     ├── ReviewItemOpened          a pair waits for a merge_owner
     ├── ReviewRejected / ReviewRefused
     ├── PersonsMerged / MergeRefused
     ├── PersonsUnmerged / UnmergeRefused
     ├── RecordLinked / RecordUnlinked / LinkRefused   a steward's manual link or unlink
     └── WriteRedirected           a write to a retired person went to its survivor

Every one is audited (``service_layer.identity_audit``), the refusals included. None carries a
PHI value: ids, record keys, codes, field names, versions and write keys only.
"""

from __future__ import annotations

from splitbrain.engine.domain.linkage.manual import LinkRefused, RecordLinked, RecordUnlinked
from splitbrain.engine.domain.linkage.merge import MergeRefused, PersonsMerged
from splitbrain.engine.domain.linkage.registration import (
    ManualLinkKept,
    PossibleDuplicateFlagged,
    RecordRegistered,
)
from splitbrain.engine.domain.linkage.review import ReviewItemOpened, ReviewRefused, ReviewRejected
from splitbrain.engine.domain.linkage.routing import WriteRedirected
from splitbrain.engine.domain.linkage.unmerge import PersonsUnmerged, UnmergeRefused

__all__ = [
    "IDENTITY_EVENTS",
    "IdentityEvent",
    "LinkRefused",
    "ManualLinkKept",
    "MergeRefused",
    "PersonsMerged",
    "PersonsUnmerged",
    "PossibleDuplicateFlagged",
    "RecordLinked",
    "RecordRegistered",
    "RecordUnlinked",
    "ReviewItemOpened",
    "ReviewRefused",
    "ReviewRejected",
    "UnmergeRefused",
    "WriteRedirected",
]

IdentityEvent = (
    RecordRegistered
    | ManualLinkKept
    | PossibleDuplicateFlagged
    | ReviewItemOpened
    | ReviewRejected
    | ReviewRefused
    | PersonsMerged
    | MergeRefused
    | PersonsUnmerged
    | UnmergeRefused
    | RecordLinked
    | RecordUnlinked
    | LinkRefused
    | WriteRedirected
)

IDENTITY_EVENTS: tuple[type, ...] = (
    RecordRegistered,
    ManualLinkKept,
    PossibleDuplicateFlagged,
    ReviewItemOpened,
    ReviewRejected,
    ReviewRefused,
    PersonsMerged,
    MergeRefused,
    PersonsUnmerged,
    UnmergeRefused,
    RecordLinked,
    RecordUnlinked,
    LinkRefused,
    WriteRedirected,
)

"""The link table, merge, unmerge and the merge-review queue (DESIGN §5, last bullet): pure.

Modules: ``links`` (Link, the no-override rule), ``persons`` (Person, redirects), ``snapshot``
(before/after states), ``registration`` (what one registration does per band), ``merge``,
``unmerge``, ``review`` (the queue and the not-duplicate marks), ``events``, ``errors``.

Example::

    plan = plan_merge("mrg_000001", survivor_snap, retired_snap, actor="usr_3",
                      role="merge_owner", reason=MergeReason.DUPLICATE_INTAKE, at=now)
    result = plan_unmerge(plan.record, actor="usr_3", role="merge_owner",
                          reason="wrong_merge", at=later, now=current, writes=())
"""

from __future__ import annotations

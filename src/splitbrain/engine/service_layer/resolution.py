"""Applying a resolved conflict: the chosen write becomes the field's next version.

The escalation owner has decided, so ownership and precedence are not consulted again; the
value is canonicalized under the current policy (as ``decide`` would) and recorded as a
``FieldApplied`` whose rule is ``conflict_resolution``. Pure: no store, no clock.

Example::

    applied = chosen_write_applied(event, state, chosen_write, policy)
    applied.new_version == state.version + 1
"""

from __future__ import annotations

from splitbrain.engine.domain.conflicts import ConflictResolved
from splitbrain.engine.domain.decisions import FieldApplied
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.domain.validation import Invalid, canonicalize
from splitbrain.engine.domain.write import FieldState, Write
from splitbrain.engine.service_layer.errors import ChosenWriteUnavailable
from splitbrain.engine.service_layer.events import RESOLUTION_RULE


def chosen_write_applied(
    event: ConflictResolved, state: FieldState, write: Write, policy: Policy
) -> FieldApplied:
    """The decision that applies ``write`` (the chosen one) on top of ``state``."""
    row = policy.fields.get(write.field)
    if row is None:
        raise ChosenWriteUnavailable(
            event.conflict_id,
            write.idempotency_key,
            f"matrix {policy.label} has no row {write.field!r}",
        )
    value = canonicalize(row, policy, write.source_system, write.value)
    if isinstance(value, Invalid):
        raise ChosenWriteUnavailable(event.conflict_id, write.idempotency_key, value.explanation)
    new = state.version + 1
    return FieldApplied(
        write=write,
        value=value,
        previous_version=state.version,
        new_version=new,
        rule=RESOLUTION_RULE,
        matrix_version=policy.version,
        explanation=(
            f"conflict {event.conflict_id} on field {write.field!r} of person {write.person} was "
            f"resolved by {event.resolver} as {event.role}, choosing write "
            f"{write.idempotency_key}; applied as version {new} (matrix {policy.label})"
        ),
    )

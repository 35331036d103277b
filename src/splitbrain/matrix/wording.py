"""The matrix in plain words: table cells and a paragraph per row, for ops and clinical readers.

Example::

    owner_cell(matrix, matrix.fields["legal_name"])   # -> "CRM before in_care, EHR from in_care"
    explain(matrix, "legal_name")
    # -> "Before the in care stage, the CRM owns the patient legal name; from the in care stage
    #     on, the EHR does. Intake ops may also write it in the CRM. ..."
"""

from __future__ import annotations

from collections.abc import Iterable

from splitbrain.matrix.labels import (
    RULE_LABEL,
    field_label,
    role_label,
    sla_text,
    system_label,
)
from splitbrain.matrix.model import FieldSpec, Matrix, OwnerSpan, SecondaryWriterSpec
from splitbrain.matrix.stages import owner_systems
from splitbrain.matrix.vocabulary import ConflictRule, DisclosureClass, SyncDirection

Sync = SyncDirection
Rule = ConflictRule

_RULE_PHRASE = {
    Rule.OWNER_AUTHORITATIVE: "the owner's value stands",
    Rule.STAGE_OWNER_WINS: "the stage owner wins",
    Rule.PROVIDER_VERIFIED_OVERRIDES: "a provider-verified update overrides",
    Rule.MOST_RECENT_VALIDATED: "the most recent validated event wins",
    Rule.MOST_RECENT_PATIENT_CONFIRMED: "the most recent value the patient confirmed wins",
    Rule.PRECEDENCE_LADDER: "the more trusted source wins (provider-verified, then validated "
    "workflow, then user-entered, then automation) and between equals the more recent",
    Rule.MANUAL_REVIEW: "a person decides",
}

_DISCLOSURE_SENTENCE = {
    DisclosureClass.OPERATIONAL: "It is operational data.",
    DisclosureClass.LIMITED_CLINICAL: "It is limited-use data: share only the minimum necessary.",
    DisclosureClass.PHI_RESTRICTED: "It is PHI-restricted: it must not reach the CRM.",
    DisclosureClass.HIGHLY_RESTRICTED: "It is highly restricted: it must not leave its owner "
    "system.",
}


def owner_cell(matrix: Matrix, field: FieldSpec) -> str:
    """``CRM before in_care, EHR from in_care``."""
    return ", ".join(_capital(_span_cell(matrix, span)) for span in field.owner)


def secondary_cell(matrix: Matrix, field: FieldSpec) -> str:
    """``Intake ops (CRM); Provider (EHR)``, or ``None`` (naming the owner roles, if limited)."""
    if field.secondary_writers:
        return "; ".join(_writer_cell(matrix, writer) for writer in field.secondary_writers)
    if field.owner_roles:
        roles = _either(role_label(matrix, role) for role in field.owner_roles)
        owners = " or ".join(system_label(matrix, system) for system in owner_systems(field))
        return f"None (only {roles}, in the {owners})"
    return "None"


def rule_cell(field: FieldSpec) -> str:
    """``Provider-verified update overrides, then stage owner wins``."""
    labels = [RULE_LABEL[rule] for rule in field.rules]
    return ", then ".join([labels[0], *(label.lower() for label in labels[1:])])


def escalation_cell(matrix: Matrix, field: FieldSpec) -> str:
    """``Clinical ops (4h)``."""
    label = role_label(matrix, field.escalation_owner)
    return f"{_capital(label)} ({sla_text(field.sla, short=True)})"


def explain(matrix: Matrix, name: str) -> str:
    """The row for ``name`` in plain words: owner, other writers, sync, conflicts, escalation."""
    field = matrix.fields[name]
    sentences = [
        _ownership_sentence(matrix, name, field),
        *_owner_roles_sentence(matrix, field),
        *_writers_sentences(matrix, field),
        _sync_sentence(matrix, field),
        f"When two writes disagree, {_rule_phrase(matrix, field)}.",
        f"Unresolved conflicts go to {_role_phrase(matrix, field.escalation_owner)} within "
        f"{sla_text(field.sla)}.",
    ]
    if field.critical:
        sentences.append("It is critical: a manual override needs a written reason.")
    if field.immutable_outside_owner:
        sentences.append("No system but its owner may ever write it.")
    sentences.append(_DISCLOSURE_SENTENCE[field.disclosure])
    return " ".join(sentences)


def _span_cell(matrix: Matrix, span: OwnerSpan) -> str:
    label = system_label(matrix, span.system)
    if span.stages is not None:
        return f"{label} at {', '.join(span.stages)}"
    bounds = []
    if span.from_stage:
        bounds.append(f"from {span.from_stage}")
    if span.before_stage:
        bounds.append(f"before {span.before_stage}")
    return " ".join([label, *bounds])


def _writer_cell(matrix: Matrix, writer: SecondaryWriterSpec) -> str:
    who = _capital(role_label(matrix, writer.role)) if writer.role else "Any role"
    if writer.system is not None:
        where = system_label(matrix, writer.system)
        who = f"{who} ({where})" if writer.role else _capital(where)
    limits = []
    if writer.stages:
        limits.append(f"at {', '.join(writer.stages)}")
    if writer.values:
        limits.append(f"only {', '.join(writer.values)}")
    return ", ".join([who, *limits])


def _ownership_sentence(matrix: Matrix, name: str, field: FieldSpec) -> str:
    noun = _lower_first(field_label(matrix, name))
    first, *rest = field.owner
    owner = f"the {system_label(matrix, first.system)}"
    if not rest and _span_when(first) is None:
        return f"{_capital(owner)} owns the {noun} at every stage."
    text = f"{_capital(_span_when(first) or 'at every stage')}, {owner} owns the {noun}"
    for span in rest:
        when = _span_when(span) or "at every stage"
        text += f"; {when}, the {system_label(matrix, span.system)} does"
    return text + "."


def _span_when(span: OwnerSpan) -> str | None:
    if span.stages is not None:
        plural = "s" if len(span.stages) > 1 else ""
        return f"at the {_and(_stage(s) for s in span.stages)} stage{plural}"
    if span.from_stage and span.before_stage:
        return (
            f"from the {_stage(span.from_stage)} stage until the {_stage(span.before_stage)} stage"
        )
    if span.from_stage:
        return f"from the {_stage(span.from_stage)} stage on"
    if span.before_stage:
        return f"before the {_stage(span.before_stage)} stage"
    return None


def _owner_roles_sentence(matrix: Matrix, field: FieldSpec) -> list[str]:
    if not field.owner_roles:
        return []
    systems = " or ".join(f"the {system_label(matrix, s)}" for s in owner_systems(field))
    roles = _either(_role_phrase(matrix, role) for role in field.owner_roles)
    return [f"Inside {systems}, only {roles} may write it."]


def _writers_sentences(matrix: Matrix, field: FieldSpec) -> list[str]:
    if not field.secondary_writers:
        return ["No one else may write it."]
    return [_writer_sentence(matrix, writer) for writer in field.secondary_writers]


def _writer_sentence(matrix: Matrix, writer: SecondaryWriterSpec) -> str:
    if writer.role is None:
        text = f"The {system_label(matrix, writer.system or '')} may also write it"
    else:
        where = (
            f" in the {system_label(matrix, writer.system)}" if writer.system else " in any system"
        )
        text = f"{_capital(_role_phrase(matrix, writer.role))} may also write it{where}"
    if writer.stages:
        plural = "s" if len(writer.stages) > 1 else ""
        text += f" at the {_and(_stage(s) for s in writer.stages)} stage{plural}"
    if writer.values:
        text += f", but only to set it to {_either(_stage(v) for v in writer.values)}"
    return text + "."


def _sync_sentence(matrix: Matrix, field: FieldSpec) -> str:
    sync = field.sync
    if sync is Sync.READ_ONLY:
        return "It stays where it is written: nothing syncs it."
    if sync is Sync.BIDIRECTIONAL:
        return "Changes flow both ways, with no version check."
    if sync is Sync.BIDIRECTIONAL_BY_STAGE:
        return "Changes flow from whichever system owns it at the person's stage to the other."
    if sync is Sync.BIDIRECTIONAL_WITH_VERSION_CHECK:
        return "Changes flow both ways; a version check catches a write based on an old version."
    source, _, target = sync.value.partition("_to_")
    summary = target.endswith("_summary")
    target = target.removesuffix("_summary")
    to = "every other system" if target == "all" else f"the {system_label(matrix, target)}"
    what = "A summary flows" if summary else "Changes flow"
    tail = " only" if summary else ", never back"
    return f"{what} from the {system_label(matrix, source)} to {to}{tail}."


def _rule_phrase(matrix: Matrix, field: FieldSpec) -> str:
    phrases = [_RULE_PHRASE[rule] for rule in field.rules]
    if field.conflict_rule is Rule.OWNER_AUTHORITATIVE and len(field.owner) == 1:
        phrases[0] = f"the {system_label(matrix, field.owner[0].system)}'s value stands"
    return "; otherwise ".join(phrases)


def _role_phrase(matrix: Matrix, role: str) -> str:
    """``clinical ops``, ``the patient``, ``a provider``, ``an automation``."""
    label = role_label(matrix, role)
    if label.endswith(("ops", "support")):
        return label
    if label.endswith(("patient", "lead", "owner")):
        return f"the {label}"
    return f"{'an' if label[:1] in 'aeiou' else 'a'} {label}"


def _stage(stage: str) -> str:
    return stage.replace("_", " ")


def _and(items: Iterable[str]) -> str:
    words = list(items)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _either(items: Iterable[str]) -> str:
    words = list(items)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    return text if first.isupper() else text[:1].lower() + text[1:]

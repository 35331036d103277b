"""Property: applying a path, nothing outside its allowed fields ever leaves (DESIGN §6).

For any payload (fields of the matrix and fields it never heard of, values or clears) on any
shipped path: the fields that leave are allowed and not dropped; every other field is named as
withheld and its value appears nowhere in what leaves; a restricted field never reaches the CRM
raw; and the subject reaches the CRM only as a token.
"""

from __future__ import annotations

from hypothesis import event, given
from hypothesis import strategies as st

from splitbrain.engine.adapters.disclosure_paths import load_disclosure
from splitbrain.engine.domain.disclosure import CRM, DisclosurePath, Transform, apply_path
from splitbrain.engine.domain.policy import DisclosureClass
from splitbrain.engine.domain.tokens import is_token, parse_token
from tests.unit.matrix.matrices import TELEHEALTH
from tests.unit.vault.builders import memory_vault

DISCLOSURE = load_disclosure(TELEHEALTH)
PATHS = sorted(DISCLOSURE.paths.values(), key=lambda path: path.name)
FIELD_NAMES = st.sampled_from(sorted(DISCLOSURE.classes)) | st.from_regex(
    r"[a-z][a-z_]{0,15}", fullmatch=True
)
RESTRICTED = {DisclosureClass.PHI_RESTRICTED, DisclosureClass.HIGHLY_RESTRICTED}
TEXT = st.text(alphabet=st.characters(exclude_characters="<>"), max_size=40)


@st.composite
def payloads(draw: st.DrawFn) -> dict[str, str | None]:
    """Each value starts with ``<field>`` so no value can hide inside another field's value."""
    names = draw(st.lists(FIELD_NAMES, unique=True, max_size=12))
    return {name: draw(st.none() | TEXT.map(lambda text, n=name: f"<{n}>{text}")) for name in names}


@given(path=st.sampled_from(PATHS), payload=payloads(), person=st.from_regex(r"per_\d{4}"))
def test_nothing_outside_the_allowed_fields_ever_leaves(
    path: DisclosurePath, payload: dict[str, str | None], person: str
) -> None:
    out = apply_path(path, person, payload, tokens=memory_vault())

    sent = set(out.fields)
    assert sent <= set(path.leaving)
    assert sent | set(out.withheld) == set(payload)
    assert not sent & set(out.withheld)
    leaving_text = "\n".join([out.subject, *(v for v in out.fields.values() if v is not None)])
    for name in out.withheld:
        value = payload[name]
        if value is not None:
            event("a withheld field had a value")
            assert value not in leaving_text


@given(path=st.sampled_from(PATHS), payload=payloads())
def test_a_restricted_value_never_reaches_the_crm_raw(
    path: DisclosurePath, payload: dict[str, str | None]
) -> None:
    out = apply_path(path, "per_0001", payload, tokens=memory_vault())

    for name, transform in out.transforms:
        restricted = DISCLOSURE.classify(name) in RESTRICTED
        if path.key.destination == CRM and restricted:
            assert transform is not Transform.PASS
        if transform is not Transform.PASS and payload[name] is not None:
            assert out.fields[name] != payload[name] or transform is Transform.SUMMARIZE


@given(path=st.sampled_from(PATHS), person=st.from_regex(r"per_\d{4}", fullmatch=True))
def test_the_crm_knows_the_person_only_by_a_correlating_token(
    path: DisclosurePath, person: str
) -> None:
    vault = memory_vault()

    out = apply_path(path, person, {}, tokens=vault)

    if path.key.destination == CRM:
        assert is_token(out.subject) and not parse_token(out.subject).is_random
        assert person not in out.subject
        assert apply_path(path, person, {}, tokens=vault).subject == out.subject
    else:
        assert out.subject == person

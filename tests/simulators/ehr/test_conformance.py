"""The fast mirror never accepts what the R4B model refuses, so validation answers as before.

``conformance.conforms`` lets a resource skip the R4B model. Its one obligation: whenever it
answers True, ``Model.model_validate`` passes too. The property test builds near-resources from
each model's own fields (valid, borderline and wrong values, extra keys, primitive extensions,
nulls in lists, several choice types) and checks that implication on every served type.
"""

from __future__ import annotations

import typing
from typing import Any

import pytest
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from fhir_core.types import FhirBase
from hypothesis import event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from simulators.ehr.conformance import conforms
from simulators.ehr.errors import FhirInvalid
from simulators.ehr.resources import MODELS, validate
from simulators.population import generate
from simulators.population.export.fhir import condition, medication_request, patient

_JUNK: list[Any] = [None, True, 0, -1, 1.5, "", " ", "x", [], {}, ["x"], [None], {"a": 1}]
#: Per primitive kind: values the R4B model takes, then borderline or wrong ones.
_SAMPLES: dict[str, tuple[list[Any], list[Any]]] = {
    "bool": ([True, False], ["true", 1, "yes"]),
    "String": (["Ana", " padded ", "Zoë O'Brien", "王芳", "\t", "a\x0bb"], ["", "\u00a0"]),
    "Markdown": (["**bold**", "text"], ["", "\n"]),
    "Code": (["female", "final", "in-progress", "a b"], ["a  b", " lead", "trail ", ""]),
    "Id": (["abc-1.2", "7", "x" * 64], ["a_b", "x" * 300, ""]),
    "Uri": (["urn:oid:2.999.1", "http://example.org/x", "Patient/1"], ["has space", ""]),
    "Url": (["http://example.org/hook"], ["not a url", "/Patient/1", ""]),
    "Canonical": (["http://example.org/Questionnaire/q|1"], ["has space"]),
    "Oid": (["urn:oid:1.2.3"], ["urn:oid:x"]),
    "Uuid": (["urn:uuid:c757873d-ec9a-4326-a141-556f43239520"], ["nope"]),
    "Date": (["1980-02-14", "1980", "1980-12"], ["1980-02-30", "1980-13", "0000-01-01"]),
    "DateTime": (
        ["2024-01-02T10:00:00Z", "2024-01-02T10:00:00.5+01:00", "2024", "2024-01-02"],
        ["2024-01-02T10:00:00", "2024-01-02T24:00:00Z", "2024-02-30T10:00:00+01:00"],
    ),
    "Instant": (["2024-01-02T10:00:00.123Z"], ["2024-01-02", "2024-01-02T10:00:00"]),
    "Time": (["10:00:00"], ["25:00:00", "10:00"]),
    "Integer": ([0, 7, -3], [2**31, "5", 1.5]),
    "UnsignedInt": ([0, 5], [-1]),
    "PositiveInt": ([1, 9], [0, -4]),
    "Decimal": ([1, 1.25], ["1.5", "abc", 1e300]),
    "Base64Binary": (["aGVsbG8="], ["not base64!"]),
    "Xhtml": (['<div xmlns="http://www.w3.org/1999/xhtml">x</div>'], ["<p>", "plain"]),
}


def _leaves(annotation: Any) -> list[Any]:
    args = typing.get_args(annotation)
    return [annotation] if not args else [leaf for arg in args for leaf in _leaves(arg)]


def _kind(annotation: Any) -> str:
    if bool in _leaves(annotation):
        return "bool"
    found = [annotation, *typing.get_args(annotation)]
    while found:
        item = found.pop()
        for meta in getattr(item, "__metadata__", ()):
            return type(meta).__name__
        found.extend(typing.get_args(item))
    return "junk"


def _many(annotation: Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return len(args) == 1 and typing.get_origin(args[0]) is list


def _element_model(annotation: Any) -> type[FHIRAbstractModel] | None:
    for leaf in _leaves(annotation):
        if isinstance(leaf, type) and issubclass(leaf, FhirBase):
            return leaf.get_model_klass()
    return None


def _mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` 19 times in 20: enough resources pass for the property to bite."""
    return st.integers(0, 19).flatmap(lambda n: good if n else bad)


def _primitive(kind: str) -> st.SearchStrategy[Any]:
    good, bad = _SAMPLES.get(kind, (["x"], []))
    return _mostly(st.sampled_from(good), st.sampled_from([*bad, *_JUNK]) | st.text(max_size=4))


def _field_value(annotation: Any, depth: int) -> st.SearchStrategy[Any]:
    model = _element_model(annotation)
    if model is None:
        value = _primitive(_kind(annotation))
    elif depth < -3 or model.get_resource_type() in MODELS:
        value = st.sampled_from(_JUNK)
    else:
        value = _element(model, depth - 1)
    if _many(annotation):
        return _mostly(st.lists(value, min_size=1, max_size=2), value | st.sampled_from(_JUNK))
    return value


def _element(model: type[FHIRAbstractModel], depth: int) -> st.SearchStrategy[dict[str, Any]]:
    """Every field the element needs, up to 4 others (none deep down), rarely an odd key."""
    sample = model.model_construct()
    needed = {n for n, _ in sample.get_required_fields()}
    choices = sample.get_one_of_many_fields().values()
    needed |= {names[0] for names in choices}
    fields = {n: (i.alias or n, i.annotation) for n, i in model.model_fields.items()}
    must = [fields[n] for n in fields if n in needed or model.model_fields[n].is_required()]
    siblings = {fields[n] for names in choices for n in names[1:]}  # a second type: odd
    optional = [
        f for f in fields.values() if f not in must and f not in siblings and f[0][0] != "_"
    ]
    ext = [f for f in fields.values() if f[0].startswith("_") or f in siblings]
    extras = st.lists(st.sampled_from(optional), max_size=4, unique=True)
    body = (extras if optional and depth > 0 else st.just([])).flatmap(
        lambda extra: st.fixed_dictionaries(
            {alias: _field_value(annotation, depth) for alias, annotation in [*must, *extra]}
        )
    )
    odd: st.SearchStrategy[dict[str, Any]] = st.sampled_from(
        [{"unknownThing": 1}, {"resourceType": model.__name__}]
    )
    if ext:
        odd |= st.sampled_from(ext).flatmap(
            lambda key: _field_value(key[1], 0).map(lambda value: {key[0]: value})
        )
    return body.flatmap(lambda b: _mostly(st.just(b), odd.map(lambda extra: {**b, **extra})))


def _resource(resource_type: str) -> st.SearchStrategy[dict[str, Any]]:
    return _element(MODELS[resource_type], depth=2).map(
        lambda body: {**body, "resourceType": resource_type}
    )


def _r4b_accepts(resource_type: str, body: dict[str, Any]) -> bool:
    try:
        MODELS[resource_type].model_validate(body)
    except (ValidationError, AttributeError, TypeError):  # R4B crashes on some wrong types
        return False
    return True


@pytest.mark.parametrize("resource_type", sorted(MODELS))
@settings(max_examples=50)
@given(data=st.data())
def test_the_mirror_accepts_nothing_the_r4b_model_refuses(
    resource_type: str, data: st.DataObject
) -> None:
    body = data.draw(_resource(resource_type))

    accepted = conforms(MODELS[resource_type], body)

    event(f"mirror {'accepts' if accepted else 'refuses'}")
    if accepted:
        assert _r4b_accepts(resource_type, body), body


@pytest.mark.parametrize(
    "body",
    [
        {"_birthDate": {"extension": [{"url": "http://x", "valueString": "unknown"}]}},
        {"contained": [{"resourceType": "Patient"}]},
        {"deceasedBoolean": False, "deceasedDateTime": "2020-01-01T00:00:00Z"},
        {"link": [{"other": {"reference": "Patient/1"}}]},  # link.type is required
        {"name": [None]},
        {"name": {"family": "Single"}},
        {"birthDate__ext": None},
        {"name": [{"family": "X", "resourceType": "HumanName"}]},
    ],
)
def test_what_the_mirror_leaves_out_goes_to_the_r4b_model(body: dict[str, Any]) -> None:
    resource = {"resourceType": "Patient", **body}

    assert not conforms(MODELS["Patient"], resource)


def test_a_medication_request_needs_its_medication_choice() -> None:
    body = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/1"},
    }

    assert not conforms(MODELS["MedicationRequest"], body)
    assert conforms(
        MODELS["MedicationRequest"], {**body, "medicationCodeableConcept": {"text": "drug"}}
    )


def test_the_populations_resources_take_the_fast_path() -> None:
    records = [r for e in generate(60, 5) for r in e.in_system("ehr")]
    made = [make(r) for r in records for make in (patient, condition, medication_request)]
    bodies = [b for b in made if b is not None]

    refused = [b["id"] for b in bodies if not conforms(MODELS[b["resourceType"]], b)]

    assert len(bodies) > len(records)
    assert refused == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"_birthDate": {"extension": []}, "birthDate": "1980-13-01"}, "Patient.birthDate"),
        ({"deceasedBoolean": True, "deceasedDateTime": "x"}, "Patient.deceasedDateTime"),
    ],
)
def test_a_resource_the_mirror_refuses_is_reported_by_the_r4b_model(
    change: dict[str, Any], path: str
) -> None:
    body = {"resourceType": "Patient", **change}

    with pytest.raises(FhirInvalid) as caught:
        validate("Patient", body)

    assert path in [e for issue in caught.value.issues for e in issue.expression]

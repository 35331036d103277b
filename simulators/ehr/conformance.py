"""A fast first check of FHIR resources: pydantic-core mirrors of the R4B models, one per type.

``fhir.resources`` validates in Python: every element is a model whose ``__init__`` and
before/after validators run in the interpreter (about 400 us for a small Patient). A *mirror*
is a pydantic-core schema built once per R4B class from that class's own fields: the same
primitive annotations (so ``Date``, ``Code``, ``Id``... validate by the library's own rules),
complex elements replaced by their mirrors, and nothing else. pydantic-core runs a mirror in
Rust (about 30 us). ``conforms`` answers True only when the R4B model would accept the resource
too, because a mirror is never looser than its model:

- unknown keys are forbidden, and so is everything the mirror leaves out: primitive extensions
  (``_birthDate``), contained resources, Python field names used instead of JSON names;
- a ``None`` inside a list of complex elements is refused (R4B refuses it too);
- a required primitive (``Patient.link.type``) must have a value (R4B would also take an
  extension in ``_type``, which the mirror refuses);
- choice elements (``deceased[x]``) take at most one type, and a required one exactly one.

A False answer proves nothing: ``resources.validate`` then runs the R4B model, which names every
problem. So the result of validation is the R4B model's, only cheaper when the resource is valid.
A property test (``tests/simulators/ehr/test_conformance.py``) holds the mirror to that on every
served type. Mirrors derive from the (immutable) model classes, so like compiled regular
expressions they are built once per process, on a type's first validation (~0.5 s for Patient
and the elements it reaches, ~20 ms for each type after it), and shared by every app::

    conforms("Patient", {"resourceType": "Patient", "gender": "female"})   # True
    conforms("Patient", {"resourceType": "Patient", "birthDate": "1980-13-45"})  # False
"""

from __future__ import annotations

import threading
import types
import typing
from collections.abc import Mapping
from enum import Enum
from functools import cache
from typing import Any, Final

from fhir_core.fhirabstractmodel import FHIRAbstractModel
from fhir_core.types import FhirBase, FhirElementOrResourceBase
from pydantic import TypeAdapter
from pydantic.fields import FieldInfo
from pydantic_core import CoreSchema, SchemaValidator, core_schema

__all__ = ["conforms", "mirror_of"]

_lock = threading.Lock()
_mirrors: dict[type[FHIRAbstractModel], SchemaValidator] = {}


def conforms(model: type[FHIRAbstractModel], body: Mapping[str, Any]) -> bool:
    """True when ``body`` certainly passes ``model.model_validate`` (False: run the model)."""
    try:
        mirror_of(model).validate_python(body)
    except Exception:  # any doubt at all sends the resource to the model
        return False
    return True


def mirror_of(model: type[FHIRAbstractModel]) -> SchemaValidator:
    """The mirror of a resource model, built on first use and kept (models never change)."""
    mirror = _mirrors.get(model)
    if mirror is None:
        with _lock:
            mirror = _mirrors.get(model) or _build(model)
            _mirrors[model] = mirror
    return mirror


def _build(model: type[FHIRAbstractModel]) -> SchemaValidator:
    top = _ELEMENTS.resource(model)
    schema = core_schema.definitions_schema(
        core_schema.definition_reference_schema(top), _ELEMENTS.definitions()
    )
    return SchemaValidator(schema)


class _Elements:
    """The schemas of every element model reached so far, shared by all resource types (the
    same ``Extension`` or ``Reference`` schema serves all of them). Cycles go through refs."""

    def __init__(self) -> None:
        self._definitions: dict[str, CoreSchema] = {}
        self._refs: dict[type[FHIRAbstractModel], str] = {}
        self._pending: list[type[FHIRAbstractModel]] = []

    def resource(self, model: type[FHIRAbstractModel]) -> str:
        """The reference of the resource's schema: its element schema plus ``resourceType``."""
        ref = f"{self.ref(model)}#resource"
        kind = core_schema.literal_schema([model.get_resource_type()])
        extra = {"resourceType": core_schema.typed_dict_field(kind, required=True)}
        self._definitions[ref] = self._schema(model, ref, extra)
        self._build_pending()
        return ref

    def definitions(self) -> list[CoreSchema]:
        return list(self._definitions.values())

    def ref(self, model: type[FHIRAbstractModel]) -> str:
        """The reference name of ``model``'s schema (queued for building on first sight)."""
        ref = self._refs.get(model)
        if ref is None:
            ref = self._refs[model] = f"{model.__module__}.{model.__name__}"
            self._pending.append(model)
        return ref

    def _build_pending(self) -> None:
        while self._pending:
            model = self._pending.pop()
            ref = self._refs[model]
            self._definitions[ref] = self._schema(model, ref, {})

    def _schema(
        self, model: type[FHIRAbstractModel], ref: str, extra: dict[str, core_schema.TypedDictField]
    ) -> CoreSchema:
        sample = model.model_construct()
        required = {name for name, _ in sample.get_required_fields()}
        fields: dict[str, core_schema.TypedDictField] = {}
        for name, info in model.model_fields.items():
            field = self._field(info, needed=name in required or info.alias in required)
            if field is not None:
                fields[info.alias or name] = field
        fields.update(extra)
        choices = _choices(model, sample)
        if choices is None:
            return core_schema.typed_dict_schema(fields, extra_behavior="forbid", ref=ref)
        shape = core_schema.typed_dict_schema(fields, extra_behavior="forbid")
        return core_schema.no_info_after_validator_function(_choice_check(*choices), shape, ref=ref)

    def _field(self, info: FieldInfo, *, needed: bool) -> core_schema.TypedDictField | None:
        """The field's schema, or None for a field the mirror leaves out (and so refuses)."""
        alias = info.alias
        if alias is None or alias.startswith("_"):
            return None  # primitive extensions (_birthDate): left to the R4B model
        shape = _complex_shape(info.annotation)
        if shape is _Leaf.UNSUPPORTED:
            return None
        if shape is _Leaf.PRIMITIVE:  # the library's own annotation and rules
            annotation: Any = _strip_none(info.annotation) if needed else info.annotation
            return core_schema.typed_dict_field(_primitive(annotation), required=needed)
        many, element = shape
        schema: CoreSchema = core_schema.definition_reference_schema(self.ref(element))
        if many:
            schema = core_schema.list_schema(schema)
        if not info.is_required():
            schema = core_schema.nullable_schema(schema)
        return core_schema.typed_dict_field(schema, required=info.is_required())


_ELEMENTS: Final = _Elements()


@cache
def _primitive(annotation: Any) -> CoreSchema:
    """The core schema pydantic builds for a primitive annotation, as the R4B model has it."""
    return TypeAdapter(annotation).core_schema


def _choices(
    model: type[FHIRAbstractModel], sample: FHIRAbstractModel
) -> tuple[dict[str, tuple[str, ...]], frozenset[str]] | None:
    """Choice elements by prefix, as JSON names, and the prefixes that must have a value."""
    groups = sample.get_one_of_many_fields()
    if not groups:
        return None
    fields = model.model_fields
    choices = {p: tuple(fields[n].alias or n for n in names) for p, names in groups.items()}
    required = frozenset(
        p
        for p, names in groups.items()
        if (fields[names[0]].json_schema_extra or {}).get("one_of_many_required") is True  # type: ignore[union-attr]
    )
    return choices, required


def _choice_check(
    choices: dict[str, tuple[str, ...]], required: frozenset[str]
) -> typing.Callable[[dict[str, Any]], dict[str, Any]]:
    """Each choice element (``deceased[x]``) has at most one type; a required one has one."""

    def check(element: dict[str, Any]) -> dict[str, Any]:
        for prefix, names in choices.items():
            present = sum(element.get(n) is not None for n in names)
            if present > 1 or (present == 0 and prefix in required):
                raise ValueError(f"choice element {prefix}[x] needs one type, found {present}")
        return element

    return check


class _Leaf(Enum):
    PRIMITIVE = "primitive"
    UNSUPPORTED = "unsupported"  # left to the R4B model: the mirror refuses the key


def _complex_shape(annotation: Any) -> tuple[bool, type[FHIRAbstractModel]] | _Leaf:
    """(is a list, element model) for a complex element, else what kind of leaf it is."""
    found = [t for t in _leaves(annotation) if isinstance(t, type) and issubclass(t, FhirBase)]
    if not found:
        return _Leaf.PRIMITIVE
    inner = _strip_none(annotation)
    many = typing.get_origin(inner) is list
    element = typing.get_args(inner)[0] if many else inner
    if len(found) != 1 or element is not found[0] or issubclass(element, FhirElementOrResourceBase):
        return _Leaf.UNSUPPORTED  # contained resources and other polymorphic elements
    return many, element.get_model_klass()


def _leaves(annotation: Any) -> list[Any]:
    args = typing.get_args(annotation)
    if not args:
        return [annotation]
    return [leaf for arg in args for leaf in _leaves(arg)]


def _strip_none(annotation: Any) -> Any:
    """``X | None`` -> ``X`` (an annotation without None is returned as it is)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        rest = [a for a in typing.get_args(annotation) if a is not type(None)]
        return rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]  # noqa: UP007
    return annotation

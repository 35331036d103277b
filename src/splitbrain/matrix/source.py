"""YAML files into validated pydantic models, with errors that point at the line.

The matrix uses this, and so can any other YAML-backed document of splitbrain (the conflict
catalog does). The document is composed once with PyYAML (``compose`` keeps each node's line
mark), constructed into plain data and validated by the model; the node tree gives every YAML
path its line, so a shape error reads::

    scenarios/conflicts/cc-04.yaml:12: writes[0].provenance: found 'manual';
    expected one of 'provider_verified', 'validated_workflow', 'user_entered' or 'automation'

Duplicate keys, which plain YAML loading silently collapses to the last one, are refused.
Every failure is a ``MatrixLoadError`` (file, syntax or schema).

Example::

    case = load_yaml_model(Path("scenarios/conflicts/cc-04.yaml"), ConflictCase)
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from splitbrain.matrix.errors import (
    MatrixFileError,
    MatrixSchemaError,
    MatrixSyntaxError,
    Problem,
)
from splitbrain.matrix.marks import Loc, SourceMap
from splitbrain.matrix.schema_problems import problems_from

M = TypeVar("M", bound=BaseModel)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML was built with it (about 20x faster), else the pure-Python one."""

_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAPPING = "a mapping (key: value lines)"


def load_yaml_model(path: str | PathLike[str], model: type[M]) -> M:
    """Read the YAML file at ``path`` and validate it as ``model``."""
    instance, _ = parse_yaml_model(read_text(path), model, file=str(path))
    return instance


def read_text(path: str | PathLike[str]) -> str:
    """The file's UTF-8 text, or a ``MatrixFileError`` naming it."""
    file = str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise MatrixFileError(file, f"{file}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise MatrixFileError(file, f"{file}: not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise MatrixFileError(file, f"{file}: cannot read it ({exc.strerror})") from exc


def parse_yaml_model(
    text: str, model: type[M], *, file: str, document: str = _MAPPING
) -> tuple[M, SourceMap]:
    """Validate YAML ``text`` as ``model``; also return where each path was written.

    ``document`` says what the whole file should be, for the empty-file error.
    """
    data, lines = _compose(text, file, document)
    source = SourceMap(file=file, lines=lines)
    if not isinstance(data, dict):
        found = "nothing" if data is None else ("a list" if isinstance(data, list) else "a value")
        raise MatrixSchemaError(file, [Problem(file, "(top level)", 1, found, document)])
    try:
        return model.model_validate(data), source
    except ValidationError as exc:
        raise MatrixSchemaError(file, problems_from(exc, source, model)) from exc


def _compose(text: str, file: str, document: str) -> tuple[object, dict[Loc, int]]:
    """The constructed document and the line of every path in it."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise MatrixSyntaxError(file, line=1, found="an empty document", expected=document)
        lines: dict[Loc, int] = {(): node.start_mark.line + 1}
        _Walker(loader, file, lines).walk(node, ())
        return loader.construct_document(node), lines
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(file, exc) from exc
    except yaml.YAMLError as exc:
        raise MatrixSyntaxError(file, line=None, found=str(exc), expected="valid YAML") from exc
    finally:
        loader.dispose()


def _syntax_error(file: str, exc: yaml.MarkedYAMLError) -> MatrixSyntaxError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    if "expected a single document" in (exc.context or ""):
        return MatrixSyntaxError(
            file, line=line, found="a second YAML document", expected="one document per file"
        )
    context = f" ({exc.context})" if exc.context else ""
    return MatrixSyntaxError(
        file,
        line=line,
        found=f"{exc.problem or 'a YAML error'}{context}",
        expected="valid YAML: check the indentation and quoting on this line and the one before",
    )


class _Walker:
    """Records the line of every path; refuses duplicate and non-scalar keys."""

    def __init__(self, loader: yaml.SafeLoader, file: str, lines: dict[Loc, int]) -> None:
        self._loader = loader
        self._file = file
        self._lines = lines
        self._stack: set[int] = set()

    def walk(self, node: yaml.Node, loc: Loc) -> None:
        if id(node) in self._stack:  # a recursive alias: nothing new below it
            return
        self._stack.add(id(node))
        if isinstance(node, yaml.MappingNode):
            self._mapping(node, loc)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._lines.setdefault((*loc, index), item.start_mark.line + 1)
                self.walk(item, (*loc, index))
        self._stack.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> None:
        first_line: dict[object, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                self.walk(value_node, loc)
                continue
            key = self._key(key_node)
            line = key_node.start_mark.line + 1
            if key in first_line:
                raise MatrixSyntaxError(
                    self._file,
                    line=line,
                    found=f"the key {key!r} a second time (first on line {first_line[key]})",
                    expected="each key once in a mapping",
                )
            first_line[key] = line
            path = (*loc, key) if isinstance(key, str | int) else (*loc, str(key))
            self._lines[path] = line
            self.walk(value_node, path)

    def _key(self, node: yaml.Node) -> object:
        if not isinstance(node, yaml.ScalarNode):
            raise MatrixSyntaxError(
                self._file,
                line=node.start_mark.line + 1,
                found="a list or mapping used as a key",
                expected="a plain key (a name or a quoted string)",
            )
        return self._loader.construct_object(node)

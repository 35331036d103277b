"""Compile the operator-facing paths file into the domain's ``DisclosurePolicy``.

The paths file (``splitbrain.matrix.paths``, YAML + pydantic) is loaded, linted with its matrix
(errors refuse it: ``MatrixLintError``), and translated into domain ``DisclosurePath``s; the
domain then binds the summaries and refuses an unsafe path once more.

Example::

    disclosure = load_disclosure("scenarios/matrices/telehealth.yaml")   # + .paths.yaml beside
    disclosure.path("ehr", "crm", "HMARKT").consent                        # -> "HMARKT"
"""

from __future__ import annotations

from collections.abc import Mapping
from os import PathLike
from types import MappingProxyType

from splitbrain.engine.adapters.matrix_policy import compile_policy
from splitbrain.engine.domain.disclosure import (
    DEFAULT_SUMMARIES,
    DisclosurePath,
    DisclosurePolicy,
    FieldRule,
    PathKey,
    Summary,
    Transform,
    compile_disclosure,
)
from splitbrain.matrix.checks.paths import require_clean_paths
from splitbrain.matrix.loader import load_matrix
from splitbrain.matrix.model import Matrix
from splitbrain.matrix.paths import (
    PathsFile,
    PathSpec,
    TransformSpec,
    default_paths_for,
    load_paths,
)


def load_disclosure(
    matrix_path: str | PathLike[str],
    paths_path: str | PathLike[str] | None = None,
    *,
    summaries: Mapping[str, Summary] = DEFAULT_SUMMARIES,
) -> DisclosurePolicy:
    """Load the matrix and its paths file (default: ``<matrix stem>.paths.yaml`` beside it).

    Raises ``MatrixLoadError`` for a file that cannot be loaded and ``MatrixLintError`` when
    either has lint errors (both from ``splitbrain.matrix``); ``UnsafePath`` or
    ``UnknownSummary`` (``splitbrain.engine.domain.disclosure``) when the domain refuses it.
    """
    matrix = load_matrix(matrix_path)
    paths = load_paths(paths_path if paths_path is not None else default_paths_for(matrix_path))
    return compile_paths(paths, matrix, summaries=summaries)


def compile_paths(
    paths: PathsFile, matrix: Matrix, *, summaries: Mapping[str, Summary] = DEFAULT_SUMMARIES
) -> DisclosurePolicy:
    """The domain policy for ``paths``; lints the matrix and the paths first."""
    policy = compile_policy(matrix)
    require_clean_paths(paths, matrix)
    domain_paths = [_path(name, spec) for name, spec in paths.paths.items()]
    return compile_disclosure(policy, domain_paths, version=paths.version, summaries=summaries)


def _path(name: str, spec: PathSpec) -> DisclosurePath:
    rules = {field: _rule(field, spec.transform_of(field)) for field in spec.allowed_fields}
    return DisclosurePath(
        name=name,
        key=PathKey(spec.source, spec.destination, spec.purpose),
        fields=MappingProxyType(rules),
        subject=_rule("subject", spec.subject),
        consent=spec.consent,
        retention=spec.retention,
        audit=tuple(spec.audit),
        description=spec.description,
    )


def _rule(field: str, spec: TransformSpec) -> FieldRule:
    transform = Transform(spec.transform.value)
    return FieldRule(
        field=field,
        transform=transform,
        summary=spec.summary_name(field) if transform is Transform.SUMMARIZE else None,
        token_domain=spec.token_domain(field) if transform is Transform.TOKENIZE else None,
        correlate=spec.correlates,
    )

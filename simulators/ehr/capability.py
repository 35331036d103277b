"""The CapabilityStatement served at ``/fhir/metadata``, generated from what the server does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from simulators.ehr.resources import RESOURCE_TYPES
from simulators.ehr.search_params import PARAMS, SearchParam

_INTERACTIONS = (
    "read",
    "vread",
    "update",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
)


def capability_statement(base: str, now: datetime) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": now.isoformat(),
        "kind": "instance",
        "software": {"name": "splitbrain EHR simulator", "version": "0.1.0"},
        "implementation": {"description": "Synthetic EHR for integration tests", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {"description": "Every request needs 'Authorization: Bearer KEY'."},
                "resource": [_resource(name) for name in RESOURCE_TYPES],
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
                "operation": [
                    {
                        "name": "merge",
                        "definition": "http://hl7.org/fhir/OperationDefinition/Patient-merge",
                    }
                ],
            }
        ],
    }


def _resource(resource_type: str) -> dict[str, Any]:
    return {
        "type": resource_type,
        "interaction": [{"code": code} for code in _INTERACTIONS],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": True,
        "conditionalCreate": True,
        "conditionalUpdate": True,
        "conditionalDelete": "not-supported",
        "searchParam": [_param(p) for p in PARAMS[resource_type].values()],
    }


def _param(param: SearchParam) -> dict[str, str]:
    return {"name": param.name, "type": param.kind}

"""The engine registers its own receivers with the systems, over their public APIs.

CRM and portal: ``POST /webhooks {name, url}``. EHR: one FHIR Subscription per resource type the
engine reads (rest-hook with the resource as payload, so each notification carries what changed),
and, when the engine has an MLLP door (``mllp=(host, port)``, the bound port), the door as the
EHR's ADT peer: ``PUT {EHR root}/hl7/adt-peers/{name} {host, port, events}``, so the EHR's ADT
feed sends it A04/A08/A40 (register after the door listens: the feed connects at once).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from splitbrain.engine.adapters.sync_targets import Endpoint

SUBSCRIBED = ("Patient", "Encounter", "Task", "DocumentReference", "MedicationRequest")
ADT_EVENTS = ("A01", "A04", "A08", "A40")


class RegistrationError(RuntimeError):
    """A system refused the engine's receiver; the message names the system, path and status."""


def register_receivers(
    endpoints: Mapping[str, Endpoint],
    engine_url: str,
    *,
    name: str = "engine",
    mllp: tuple[str, int] | None = None,
) -> None:
    for system, endpoint in endpoints.items():
        with httpx.Client(base_url=endpoint.base_url, timeout=10.0,
                          headers={"Authorization": f"Bearer {endpoint.key}"}) as http:  # fmt: skip
            if system in ("crm", "portal"):
                hook = {"name": name, "url": f"{engine_url}/hooks/{system}"}
                _ok(system, http.post("/webhooks", json=hook))
            elif system == "ehr":
                for kind in SUBSCRIBED:
                    subscription = {
                        "resourceType": "Subscription", "status": "requested", "criteria": kind,
                        "reason": "splitbrain engine sync",
                        "channel": {"type": "rest-hook", "endpoint": f"{engine_url}/hooks/ehr",
                                    "payload": "application/fhir+json"},
                    }  # fmt: skip
                    _ok(system, http.post("/Subscription", json=subscription))
                if mllp is not None:
                    _register_adt_peer(http, endpoint, name, mllp)


def _register_adt_peer(
    http: httpx.Client, endpoint: Endpoint, name: str, mllp: tuple[str, int]
) -> None:
    """The EHR's ADT peers live beside its FHIR base, at the server root."""
    root = endpoint.base_url.rstrip("/").removesuffix("/fhir")
    peer = {"host": mllp[0], "port": mllp[1], "events": list(ADT_EVENTS)}
    _ok("ehr", http.put(f"{root}/hl7/adt-peers/{name}", json=peer))


def _ok(system: str, response: httpx.Response) -> None:
    if response.status_code >= 300:
        raise RegistrationError(
            f"{system} refused the engine's receiver: {response.request.method} "
            f"{response.request.url.path} answered {response.status_code}; check the engine's "
            "key (role sync_engine) and the system's address"
        )

"""The EHR's ADT peers over HTTP: a sync engine registers its MLLP listener to receive ADT.

=======  ===========================  ==================================================
method   path                         effect
=======  ===========================  ==================================================
GET      /hl7/adt-peers               the registered peers
PUT      /hl7/adt-peers/{name}        register a peer {host, port, events?, ack_timeout?,
                                      max_attempts?} (201), replace it (200: changes
                                      queued for the old one are dropped), or keep it (200)
DELETE   /hl7/adt-peers/{name}        remove a peer and its queued changes (404 if unknown)
=======  ===========================  ==================================================

Roles ``sync_engine`` and ``admin``. ``events`` defaults to A04, A08, A40 (A01 is accepted; the
EHR announces registrations as A04). Recorded in the history as ``create`` / ``write`` /
``delete`` of ``AdtPeer/{name}``, as webhook receivers are. A bad body is a 422
OperationOutcome whose issue names the field (``expression``), the rule and the fix.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from simulators._shared.auth import ADMIN_ROLE, require_role
from simulators._shared.middleware import request_state
from simulators._shared.runtime import Runtime
from simulators.ehr.errors import FhirBadRequest, FhirInvalid, ResourceNotFound
from simulators.ehr.hl7.peers import DEFAULT_EVENTS, PEER_EVENTS, AdtPeers, PeerSpec

_NAME: Final = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
_HOST: Final = re.compile(r"^[A-Za-z0-9._:\[\]-]{1,253}$")
_FIELDS: Final = ("host", "port", "events", "ack_timeout", "max_attempts")
SYNC_ENGINE_ROLE: Final = "sync_engine"


def _may_register(request: Request) -> None:
    require_role(request_state(request).client, SYNC_ENGINE_ROLE, ADMIN_ROLE)


def adt_peers_router(peers: AdtPeers, runtime: Runtime) -> APIRouter:
    history = runtime.history
    router = APIRouter(prefix="/hl7/adt-peers", tags=["HL7 v2"],
                       dependencies=[Depends(_may_register)])  # fmt: skip

    @router.get("", summary="The registered ADT peers")
    async def listing() -> dict[str, Any]:
        specs = peers.specs()
        return {"peers": [{"name": name, **spec.to_json()} for name, spec in specs.items()]}

    @router.put("/{name}", summary="Register (or replace) an ADT peer")
    async def put(request: Request, name: Annotated[str, Path(pattern=_NAME)]) -> JSONResponse:
        spec = peer_spec(await _json(request))
        created = name not in peers.specs()
        context = request_state(request).context
        op = history.invoke(context, "create" if created else "write", f"AdtPeer/{name}")
        result = await peers.put(name, spec)
        history.ok(op, outcome="unchanged" if result == "unchanged" else "ok")
        return JSONResponse({"name": name, **spec.to_json()}, status_code=201 if created else 200)

    @router.delete("/{name}", summary="Remove an ADT peer")
    async def delete(request: Request, name: str) -> dict[str, Any]:
        op = history.invoke(request_state(request).context, "delete", f"AdtPeer/{name}")
        if not await peers.delete(name):
            history.fail(op, outcome="not_found")
            raise ResourceNotFound(
                f"no ADT peer named {name!r}; GET /hl7/adt-peers lists the registered ones"
            )
        history.ok(op)
        return {"name": name, "deleted": True}

    return router


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise FhirBadRequest(
            'the ADT peer body is not JSON; send {"host": ..., "port": ...}'
        ) from None


def peer_spec(body: Any) -> PeerSpec:
    """Read and check a peer body; a ``FhirInvalid`` names the field, the rule and the fix."""
    if not isinstance(body, dict):
        raise FhirInvalid.at("$", 'an ADT peer is a JSON object; send {"host": ..., "port": ...}')
    for key in body:
        if key not in _FIELDS:
            raise FhirInvalid.at(
                str(key), f"field {key!r} is not part of an ADT peer; allowed: {', '.join(_FIELDS)}"
            )
    host = body.get("host")
    if not isinstance(host, str) or not _HOST.fullmatch(host):
        raise FhirInvalid.at(
            "host", "host is required: a host name or IP address (no scheme, no path), "
            "e.g. \"127.0.0.1\"",
        )  # fmt: skip
    port = body.get("port")
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise FhirInvalid.at("port", "port is required: an integer from 1 to 65535, e.g. 2576")
    return PeerSpec(host, port, _events(body.get("events")),
                    _number(body, "ack_timeout", 5.0, 0.0, 60.0),
                    int(_number(body, "max_attempts", 5, 1, 20, integer=True)))  # fmt: skip


def _events(value: Any) -> frozenset[str]:
    if value is None:
        return DEFAULT_EVENTS
    allowed = ", ".join(sorted(PEER_EVENTS))
    if not isinstance(value, list) or not value:
        raise FhirInvalid.at("events", f"events must be a non-empty list drawn from {allowed}")
    for index, event in enumerate(value):
        if event not in PEER_EVENTS:
            raise FhirInvalid.at(
                f"events[{index}]",
                f"events[{index}] is not an ADT event the EHR feeds; use one of {allowed}",
            )
    return frozenset(value)


def _number(
    body: dict[str, Any], key: str, default: float, low: float, high: float,
    *, integer: bool = False,
) -> float:  # fmt: skip
    value = body.get(key, default)
    kinds: tuple[type, ...] = (int,) if integer else (int, float)
    typed = isinstance(value, kinds) and not isinstance(value, bool)
    # a zero timeout would never see an ACK: the lower bound is open for seconds
    if not typed or not (value >= low if integer else value > low) or value > high:
        kind = "an integer" if integer else "a number of seconds"
        bound = f"from {low:g}" if integer else f"above {low:g}"
        raise FhirInvalid.at(key, f"{key} must be {kind} {bound} up to {high:g}, or left out "
                                  f"(default {default:g})")  # fmt: skip
    return float(value)

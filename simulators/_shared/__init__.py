"""Machinery shared by the EHR, CRM and portal simulators (DESIGN §8-9); see README.md here.

Never imports ``splitbrain``: the world does not know the matrix.
"""

from __future__ import annotations

from simulators._shared.admin import SimulatorState, admin_router
from simulators._shared.app import build_app, json_error, validation_error
from simulators._shared.auth import ADMIN_ROLE, Client, KeyRing, require_role
from simulators._shared.clock import Clock, SimClock, SystemClock
from simulators._shared.errors import (
    BadRequest,
    ClockWentBackwards,
    ConfigurationError,
    Conflict,
    ConnectionDropped,
    Forbidden,
    InjectedFault,
    InjectedRateLimit,
    InjectedServerError,
    NotFound,
    PreconditionFailed,
    SimulatorError,
    Unauthenticated,
    Unprocessable,
)
from simulators._shared.faults import (
    ExponentialLatency,
    FaultInjector,
    FaultPlan,
    FixedLatency,
    RequestDecision,
    RequestFault,
    UniformLatency,
    WebhookDecision,
    WebhookFault,
)
from simulators._shared.history import FAIL, INFO, INVOKE, OK, History, OpContext, value_id
from simulators._shared.middleware import (
    ATTEMPT_HEADER,
    IDEMPOTENCY_HEADER,
    PUBLIC_PATHS,
    ErrorRenderer,
    RequestState,
    request_state,
)
from simulators._shared.runtime import Runtime, SimulatorSettings, default_keys
from simulators._shared.server import serve
from simulators._shared.transports import (
    HttpxTransport,
    MemoryReceiver,
    ReceivedWebhook,
    WebhookTransport,
)
from simulators._shared.webhooks import Delivery, RetryPolicy, WebhookDispatcher, WebhookEndpoint

__all__ = [
    "ADMIN_ROLE",
    "ATTEMPT_HEADER",
    "FAIL",
    "IDEMPOTENCY_HEADER",
    "INFO",
    "INVOKE",
    "OK",
    "PUBLIC_PATHS",
    "BadRequest",
    "Client",
    "Clock",
    "ClockWentBackwards",
    "ConfigurationError",
    "Conflict",
    "ConnectionDropped",
    "Delivery",
    "ErrorRenderer",
    "ExponentialLatency",
    "FaultInjector",
    "FaultPlan",
    "FixedLatency",
    "Forbidden",
    "History",
    "HttpxTransport",
    "InjectedFault",
    "InjectedRateLimit",
    "InjectedServerError",
    "KeyRing",
    "MemoryReceiver",
    "NotFound",
    "OpContext",
    "PreconditionFailed",
    "ReceivedWebhook",
    "RequestDecision",
    "RequestFault",
    "RequestState",
    "RetryPolicy",
    "Runtime",
    "SimClock",
    "SimulatorError",
    "SimulatorSettings",
    "SimulatorState",
    "SystemClock",
    "Unauthenticated",
    "UniformLatency",
    "Unprocessable",
    "WebhookDecision",
    "WebhookDispatcher",
    "WebhookEndpoint",
    "WebhookFault",
    "WebhookTransport",
    "admin_router",
    "build_app",
    "default_keys",
    "json_error",
    "request_state",
    "require_role",
    "serve",
    "validation_error",
    "value_id",
]

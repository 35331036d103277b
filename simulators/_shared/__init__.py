"""Machinery shared by the EHR, CRM and portal simulators (DESIGN §8-9); see README.md here.

Never imports ``splitbrain``: the world does not know the matrix.
"""

from __future__ import annotations

from simulators._shared.admin import Resettable, SimulatorState, admin_router
from simulators._shared.api_options import ApiOptions, RateLimit, options_from
from simulators._shared.app import build_app, json_error, validation_error
from simulators._shared.auth import ADMIN_ROLE, Client, KeyRing, require_role
from simulators._shared.change_events import ChangeEvents, bind_events
from simulators._shared.clock import Clock, SimClock, SystemClock, follow_clock
from simulators._shared.errors import (
    BadRequest,
    ClockWentBackwards,
    ConfigurationError,
    Conflict,
    ConnectionDropped,
    Forbidden,
    IdempotencyInFlight,
    IdempotencyKeyReused,
    InjectedFault,
    InjectedRateLimit,
    InjectedServerError,
    InvalidField,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    RateLimited,
    RecordNotFound,
    SimulatorError,
    StaleVersion,
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
from simulators._shared.gate import GatedRoute, RequestGate
from simulators._shared.history import FAIL, INFO, INVOKE, OK, History, OpContext, value_id
from simulators._shared.if_match import IfMatch, parse_if_match
from simulators._shared.middleware import (
    ATTEMPT_HEADER,
    IDEMPOTENCY_HEADER,
    PUBLIC_PATHS,
    ErrorRenderer,
    RequestState,
    request_state,
)
from simulators._shared.record_errors import record_error, record_validation_handler
from simulators._shared.record_responses import etag, record_response
from simulators._shared.records import OpLabel, Record, Table
from simulators._shared.routes import DirectRoute
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
    "ApiOptions",
    "BadRequest",
    "ChangeEvents",
    "Client",
    "Clock",
    "ClockWentBackwards",
    "ConfigurationError",
    "Conflict",
    "ConnectionDropped",
    "Delivery",
    "DirectRoute",
    "ErrorRenderer",
    "ExponentialLatency",
    "FaultInjector",
    "FaultPlan",
    "FixedLatency",
    "Forbidden",
    "GatedRoute",
    "History",
    "HttpxTransport",
    "IdempotencyInFlight",
    "IdempotencyKeyReused",
    "IfMatch",
    "InjectedFault",
    "InjectedRateLimit",
    "InjectedServerError",
    "InvalidField",
    "KeyRing",
    "MemoryReceiver",
    "NotFound",
    "OpContext",
    "OpLabel",
    "PreconditionFailed",
    "PreconditionRequired",
    "RateLimit",
    "RateLimited",
    "ReceivedWebhook",
    "Record",
    "RecordNotFound",
    "RequestDecision",
    "RequestFault",
    "RequestGate",
    "RequestState",
    "Resettable",
    "RetryPolicy",
    "Runtime",
    "SimClock",
    "SimulatorError",
    "SimulatorSettings",
    "SimulatorState",
    "StaleVersion",
    "SystemClock",
    "Table",
    "Unauthenticated",
    "UniformLatency",
    "Unprocessable",
    "WebhookDecision",
    "WebhookDispatcher",
    "WebhookEndpoint",
    "WebhookFault",
    "WebhookTransport",
    "admin_router",
    "bind_events",
    "build_app",
    "default_keys",
    "etag",
    "follow_clock",
    "json_error",
    "options_from",
    "parse_if_match",
    "record_error",
    "record_response",
    "record_validation_handler",
    "request_state",
    "require_role",
    "serve",
    "validation_error",
    "value_id",
]

"""The /v1 API front door: auth, Stripe-Account scoping, params, idempotency, test faults."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from paygate.sandbox import params as P
from paygate.sandbox.engine import Ctx, Sandbox
from paygate.sandbox.errors import (
    StripeError,
    authentication,
    invalid_request,
    no_account_access,
    redact_key,
)
from paygate.sandbox.resources import Endpoints
from paygate.sandbox.state import JSON, rand

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Stripe-Account, "
    "Stripe-Version, Idempotency-Key",
    "Access-Control-Expose-Headers": "Request-Id, Stripe-Version, Idempotent-Replayed",
    "Access-Control-Max-Age": "300",
}
# Stripe.js sends these as form fields instead of headers, to avoid CORS preflights.
TRANSPORT_PARAMS = ("key", "_stripe_account", "_stripe_version")
NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)
PUBLISHABLE_REFUSED = (
    "This API call cannot be made with a publishable API key. Please use a secret API key. "
    "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."
)


@dataclass
class ApiFault:
    """A test-only misbehaviour of the API: fail or stall the next `count` matching calls."""

    path: str
    method: str | None = None
    status: int | None = None
    delay: float = 0.0
    count: int = 1
    after: bool = False  # fail after doing the work, as if the response were lost
    # the endpoint itself fails while running: Stripe saves that result for the idempotency
    # key like any other (a fault before the work, as at a load balancer, saves nothing)
    during: bool = False
    error: JSON | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.count <= 0 or (self.method and self.method.upper() != method):
            return False
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path


@dataclass
class Faults:
    api: list[ApiFault] = field(default_factory=list)
    # The next `loaderror` Payment Elements fail to load (the stand-in fires `loaderror`).
    loaderror: int = 0

    def take(self, method: str, path: str) -> ApiFault | None:
        for fault in self.api:
            if fault.matches(method, path):
                fault.count -= 1
                return fault
        return None


def fault_response(fault: ApiFault, request_id: str) -> JSONResponse:
    status = fault.status or 500
    body = fault.error or (
        {"type": "api_error", "message": "An unknown error occurred"} if status >= 500 else
        {"type": "invalid_request_error", "code": "rate_limit",
         "message": "Too many requests hit the API too quickly."} if status == 429 else
        {"type": "api_error", "message": f"Sandbox fault: HTTP {status}"})
    return JSONResponse({"error": body}, status, headers={**CORS, "Request-Id": request_id})


def _api_key(request: Request, form: dict[str, str]) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    if auth.lower().startswith("basic "):
        try:
            return base64.b64decode(auth[6:]).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            return None
    return form.get("key")


def authenticate(sb: Sandbox, request: Request, form: dict[str, str], request_id: str) -> Ctx:
    key = _api_key(request, form)
    if not key:
        raise authentication(NO_KEY)
    store = sb.store
    base = sb.base_url
    idem = request.headers.get("idempotency-key")
    if key in store.tokens:
        acct = store.tokens[key]
        if not store.has_access(acct):
            raise authentication(f"Expired API Key provided: {redact_key(key)}")
        ctx = Ctx(acct, key, False, request_id, idem, base, connected=True)
    elif key.startswith("sk_test_") and sb.config.secret_key in (None, key):
        ctx = Ctx(store.platform_id, key, False, request_id, idem, base)
    elif key.startswith("pk_test_"):
        acct = store.publishable_keys.get(key, store.platform_id)
        ctx = Ctx(acct, key, True, request_id, idem, base, connected=acct != store.platform_id)
    else:
        raise authentication(f"Invalid API Key provided: {redact_key(key)}")
    on_behalf = request.headers.get("stripe-account") or form.get("_stripe_account")
    if on_behalf and on_behalf != ctx.account:
        if ctx.connected or not store.has_access(on_behalf):
            raise no_account_access(key, on_behalf)
        ctx.account, ctx.connected = on_behalf, True
    return ctx


class Api:
    def __init__(self, sb: Sandbox, endpoints: Endpoints) -> None:
        self.sb = sb
        self.endpoints = endpoints
        self.faults = Faults()
        self.in_flight: set[str] = set()

    async def __call__(self, request: Request) -> Response:
        request_id = "req_" + rand(14)
        if request.method == "OPTIONS":
            return Response(status_code=200, headers=CORS)
        if not self.sb.config.public_url:
            self.sb.base_url = str(request.base_url).rstrip("/")
        headers = {**CORS, "Request-Id": request_id,
                   "Stripe-Version": request.headers.get("stripe-version",
                                                         self.sb.api_version)}
        path = request.url.path
        try:
            status, body, extra = await self._handle(request, path, request_id)
        except StripeError as exc:
            status, body, extra = exc.status, exc.body(request_id), {}
            if exc.should_retry is not None:
                extra["Stripe-Should-Retry"] = "true" if exc.should_retry else "false"
        if isinstance(body, Response):
            return body
        return JSONResponse(body, status, headers={**headers, **extra})

    async def _handle(self, request: Request, path: str,
                      request_id: str) -> tuple[int, Any, dict[str, str]]:
        method = request.method
        raw = request.url.query if method in ("GET", "DELETE") else (await request.body()
                                                                      ).decode("utf-8")
        pairs = parse_qsl(raw, keep_blank_values=True)
        if method == "POST" and request.url.query:
            pairs = parse_qsl(request.url.query, keep_blank_values=True) + pairs
        form = {k: v for k, v in pairs if k in TRANSPORT_PARAMS}
        ctx = authenticate(self.sb, request, form, request_id)
        found = self.endpoints.match(method, path)
        if not isinstance(found, tuple):
            raise invalid_request(
                f"Unrecognized request URL ({method}: {path}). Please see "
                "https://stripe.com/docs or we can help at https://support.stripe.com/.",
                status=404)
        endpoint, args = found
        if ctx.publishable and not endpoint.publishable:
            raise authentication(PUBLISHABLE_REFUSED)
        tree = P.parse_form((k, v) for k, v in pairs if k not in TRANSPORT_PARAMS)
        extra = {k: P.Scalar("str") for k in endpoint.extra}
        params = P.validate(endpoint.params, tree, **extra)

        idem_slot = None
        if method == "POST" and ctx.idempotency_key:
            idem_slot = f"{ctx.account}:{ctx.idempotency_key}"
            fingerprint = json.dumps([method, path, tree], sort_keys=True)
            replay = self._replay(idem_slot, fingerprint, ctx.idempotency_key)
            if replay is not None:
                return replay
            self.in_flight.add(idem_slot)
        try:
            fault = self.faults.take(method, path)
            if fault and fault.delay:
                await asyncio.sleep(fault.delay)
            if fault and fault.status and not (fault.after or fault.during):
                return fault.status, fault_response(fault, request_id), {}
            try:
                if fault and fault.status and fault.during:
                    status, body = fault.status, json.loads(
                        bytes(fault_response(fault, request_id).body))
                else:
                    status, body = 200, endpoint.handler(self.sb, ctx, params, **args)
            except StripeError as exc:
                status, body = exc.status, exc.body(request_id)
            self.sb.dirty = True
            # Stripe saves the first result for a key whatever it is, a 500 included
            if idem_slot is not None:
                self.sb.store.idempotency[idem_slot] = {
                    "fingerprint": fingerprint, "status": status, "body": body,
                    "request_id": request_id}
            if fault and fault.status and fault.after:
                return fault.status, fault_response(fault, request_id), {}
            return status, body, {}
        finally:
            if idem_slot is not None:
                self.in_flight.discard(idem_slot)

    def _replay(self, slot: str, fingerprint: str,
                key: str) -> tuple[int, Any, dict[str, str]] | None:
        if slot in self.in_flight:
            raise StripeError(
                409, "idempotency_error",
                "There is currently another in-progress request using this Stripe API key "
                "and idempotency key (that probably means you submitted twice, and the other "
                f"request is still going through): {key}. Please try again later.",
                code="idempotency_key_in_use", should_retry=True)
        saved = self.sb.store.idempotency.get(slot)
        if saved is None:
            return None
        if saved["fingerprint"] != fingerprint:
            raise StripeError(
                400, "idempotency_error",
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.")
        return saved["status"], saved["body"], {
            "Idempotent-Replayed": "true", "Original-Request": saved["request_id"]}

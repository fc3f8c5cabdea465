"""API endpoints, each declared with its method, path, and the SDK params class it takes."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from paygate.sandbox.engine import Ctx, Sandbox
from paygate.sandbox.state import JSON

Handler = Callable[..., JSON]


@dataclass(frozen=True)
class Endpoint:
    method: str
    pattern: re.Pattern[str]
    params: str
    handler: Handler
    # Stripe.js may call it with a publishable key (and must then send client_secret)
    publishable: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    status: int = 200


ENDPOINTS: list[Endpoint] = []


def route(
    method: str, path: str, params: str, *, publishable: bool = False,
    extra: dict[str, Any] | None = None,
) -> Callable[[Handler], Handler]:
    """`/v1/payment_intents/{id}` -> regex with a named group per `{name}`."""
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")

    def deco(fn: Handler) -> Handler:
        ENDPOINTS.append(Endpoint(method, regex, params, fn, publishable, extra or {}))
        return fn

    return deco


def match(method: str, path: str) -> tuple[Endpoint, dict[str, str]] | bool | None:
    """The endpoint and its path args; False if the path exists with another method."""
    seen_path = False
    for ep in ENDPOINTS:
        m = ep.pattern.match(path)
        if m:
            seen_path = True
            if ep.method == method:
                return ep, m.groupdict()
    return False if seen_path else None


def load_all() -> None:
    # Importing registers the endpoints (Python imports each module once).
    for name in ("accounts", "charges", "events", "payment_intents", "payment_methods",
                 "refunds"):
        importlib.import_module(f"paygate.sandbox.resources.{name}")


__all__ = ["ENDPOINTS", "Ctx", "Endpoint", "Sandbox", "load_all", "match", "route"]

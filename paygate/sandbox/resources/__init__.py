"""API endpoints, each declared with its method, path, and the SDK params class it takes.

Each resource module returns its list (`endpoints()`, as a Starlette app lists its routes);
`Endpoints.build()` gathers them when a sandbox app is created, so importing a module
registers nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
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


def route(method: str, path: str, params: str, handler: Handler, *,
          publishable: bool = False, extra: dict[str, Any] | None = None) -> Endpoint:
    """`/v1/payment_intents/{id}` -> regex with a named group per `{name}`."""
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")
    return Endpoint(method, regex, params, handler, publishable, extra or {})


class Endpoints:
    """The endpoints one sandbox app answers."""

    def __init__(self, endpoints: Iterable[Endpoint]) -> None:
        self._all = list(endpoints)

    @classmethod
    def build(cls) -> Endpoints:
        from paygate.sandbox.resources import (
            accounts,
            application_fees,
            charges,
            disputes,
            events,
            payment_intents,
            payment_methods,
            payouts,
            refunds,
        )

        return cls(endpoint for module in (accounts, application_fees, charges, disputes, events,
                                           payment_intents, payment_methods, payouts,
                                           refunds)
                   for endpoint in module.endpoints())

    def __iter__(self) -> Iterator[Endpoint]:
        return iter(self._all)

    def match(self, method: str, path: str) -> tuple[Endpoint, dict[str, str]] | bool | None:
        """The endpoint and its path args; False if the path exists with another method."""
        seen_path = False
        for ep in self._all:
            m = ep.pattern.match(path)
            if m:
                seen_path = True
                if ep.method == method:
                    return ep, m.groupdict()
        return False if seen_path else None


__all__ = ["Ctx", "Endpoint", "Endpoints", "Sandbox", "route"]

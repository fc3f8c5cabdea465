"""A clinic enabled and linked to a sandbox Stripe account, and ways to pay like Stripe.js."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest
import stripe

from paygate.demo.seed import ClinicSeed, seed_clinic
from paygate.store.database import Database
from tests.conftest import STRIPE_PUBLISHABLE, Stack

T = TypeVar("T")


def seed(stack: Stack, **fields: Any) -> str:
    """Seed org_1/clinic_1 (the defaults of stack.token) linked to a new sandbox account."""
    account = fields.pop("account_id", None) or stack.connected_account()
    spec = ClinicSeed(org_id=fields.pop("org_id", "org_1"),
                      clinic_id=fields.pop("clinic_id", "clinic_1"), account_id=account,
                      **fields)

    async def run() -> None:
        db = Database(stack.settings.database_url)
        try:
            await seed_clinic(db, spec)
        finally:
            await db.close()

    in_thread(run)
    return account


def in_thread(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on a fresh loop in another thread (Playwright's sync API keeps a loop
    running in this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


@dataclass
class Clinic:
    account: str


@pytest.fixture
def clinic(stack: Stack) -> Clinic:
    return Clinic(account=seed(stack))


Login = Callable[..., httpx.Client]


@pytest.fixture
def login(stack: Stack) -> Iterator[Login]:
    """stack.login, with every client closed when the test ends."""
    clients: list[httpx.Client] = []

    def make(role: str, **kwargs: Any) -> httpx.Client:
        client = stack.login(role, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def request_payment(client: httpx.Client, amount: int = 2500, currency: str | None = "usd",
                    description: str = "Follow-up consultation",
                    call: str = "call_1") -> dict[str, Any]:
    body: dict[str, Any] = {"amount": amount, "description": description}
    if currency is not None:
        body["currency"] = currency
    response = client.post(f"/api/v1/calls/{call}/payment-requests", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def browser_stripe(stack: Stack) -> stripe.StripeClient:
    """What Stripe.js is in a patient's browser: the publishable key only."""
    return stripe.StripeClient(STRIPE_PUBLISHABLE, base_addresses={"api": stack.sandbox_url},
                               max_network_retries=2)


def pay(stack: Stack, checkout: dict[str, Any], payment_method: str = "pm_card_visa") -> Any:
    """Confirm the PaymentIntent as Stripe.js would, with a test payment method."""
    intent_id = checkout["client_secret"].split("_secret_")[0]
    return browser_stripe(stack).v1.payment_intents.confirm(
        intent_id, {"payment_method": payment_method,
                    "client_secret": checkout["client_secret"]},  # type: ignore[typeddict-unknown-key]
        {"stripe_account": checkout["stripe_account"]})


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"condition not met in {timeout}s (last: {last!r})")


def status_of(client: httpx.Client, request_id: str) -> str:
    return str(client.get(f"/api/v1/payment-requests/{request_id}").json()["status"])


def dumps(value: Any) -> str:
    return json.dumps(value)

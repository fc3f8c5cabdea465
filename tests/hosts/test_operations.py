"""What an operator's Prometheus and load balancer see: GET /metrics (bearer token only)
after a real payment, read with Prometheus' own text parser, and GET /readyz saying which
check failed when the code is ahead of the database's migrations."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from paygate.store.database import downgrade, upgrade
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, wait_until
from tests.payments.test_realtime import access_token, open_socket, receive
from tests.refunds.conftest import make_paid

TOKEN = "metrics-" + "m" * 32


@pytest.fixture
def stack_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(getattr(request, "param", {"metrics_token": TOKEN}))


def scrape(stack: Stack) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(f"{stack.url}/metrics",
                         headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
          **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_after_a_payment_and_while_a_socket_is_open(
        stack: Stack, clinic: Clinic, login: Login) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        assert httpx.get(f"{stack.url}/metrics", headers=headers).status_code == 401

    with open_socket(stack, access_token(stack, "clinician")) as socket:
        receive(socket, "snapshot")
        paid = make_paid(stack, login, amount=12000)
        samples = scrape(stack)
        assert value(samples, "paygate_call_sockets") == 1
    assert value(samples, "paygate_payment_requests_total", status="requested") == 1
    assert value(samples, "paygate_payment_requests_total", status="paid") == 1
    assert value(samples, "paygate_webhooks_received_total",
                 type="payment_intent.succeeded", outcome="paid") >= 1, samples
    assert value(samples, "paygate_webhook_notice_seconds_count") >= 1
    assert value(samples, "paygate_stripe_requests_total",
                 operation="POST /v1/payment_intents", outcome="2xx") == 1
    assert value(samples, "paygate_http_request_duration_seconds_count", method="POST",
                 route="/api/v1/calls/{call_id}/payment-requests", status="201") == 1

    assert paid.refund(amount=1000).status_code == 201
    samples = wait_until(lambda: (s := scrape(stack)) and
                         value(s, "paygate_call_sockets") == 0 and s)
    assert value(samples, "paygate_payment_requests_total", status="partially_refunded") == 1
    # A forged webhook is counted as refused, with no type (it did not verify).
    forged = httpx.post(f"{stack.url}/webhooks/stripe", content=b"{}",
                        headers={"Stripe-Signature": "t=1,v1=00"})
    assert forged.status_code == 400
    assert value(scrape(stack), "paygate_webhooks_received_total", type="unverified",
                 outcome="invalid_request") == 1


@pytest.mark.parametrize("stack_overrides", [{}], indirect=True)
def test_without_a_token_there_is_no_metrics_endpoint(stack: Stack) -> None:
    assert httpx.get(f"{stack.url}/metrics").status_code == 404


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_readyz_says_which_check_failed(stack: Stack) -> None:
    ready = httpx.get(f"{stack.url}/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "database": "ok", "broadcast": "ok",
                            "migrations": "ok"}
    url = stack.settings.database_url
    downgrade(url, "-1")  # the release step has not run yet for this code
    try:
        behind = httpx.get(f"{stack.url}/readyz")
        assert behind.status_code == 503
        assert behind.json()["migrations"].startswith("at ")
        assert httpx.get(f"{stack.url}/healthz").status_code == 200  # alive, not ready
    finally:
        upgrade(url)
    assert httpx.get(f"{stack.url}/readyz").status_code == 200


def test_every_log_line_of_a_request_carries_its_request_id(
        stack: Stack, clinic: Clinic, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="paygate")
    created = httpx.post(f"{stack.url}/api/v1/sessions",
                         json={"launch_token": stack.token("clinician")})
    request_id = created.headers["x-request-id"]
    with httpx.Client(base_url=stack.url, headers={
            "Authorization": f"Bearer {created.json()['access_token']}"}) as clinician:
        made = clinician.post("/api/v1/calls/call_1/payment-requests",
                              json={"amount": 2500, "description": "Consultation"})
    assert made.status_code == 201
    wait_until(lambda: any(getattr(r, "fields", {}).get("request_id")
                           == made.headers["x-request-id"] and r.getMessage() == "request"
                           for r in caplog.records))
    mine = [r for r in caplog.records
            if getattr(r, "fields", {}).get("request_id") == made.headers["x-request-id"]]
    # The service's own line and the access line, with the id the client was given.
    assert {r.getMessage() for r in mine} >= {"request", "payment requested"}, \
        [(r.getMessage(), r.fields) for r in caplog.records]  # type: ignore[attr-defined]
    assert request_id != made.headers["x-request-id"]

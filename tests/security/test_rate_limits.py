"""Issue 15, item 10: pay-link sends, session exchanges and admin sign-ins are rate limited
per request, per clinician and per client address: 429, the JSON error and Retry-After."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from paygate.settings import Rate
from paygate.web.rate_limits import RedisRateLimiter
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, request_payment

LIMITS = {
    "limit_sessions": Rate(4, 60), "limit_admin_login": Rate(2, 60),
    "limit_pay_links_per_request": Rate(2, 3600),
    "limit_pay_links_per_clinician": Rate(3, 3600),
    "limit_pay_links_per_address": Rate(4, 3600),
}


@pytest.fixture
def stack_overrides() -> dict[str, Any]:
    return LIMITS


def too_many(response: httpx.Response, window: int) -> None:
    assert response.status_code == 429, response.text
    assert 1 <= int(response.headers["retry-after"]) <= window
    error = response.json()["error"]
    assert error["code"] == "too_many_requests"
    assert "try again in" in error["message"]


def link(client: httpx.Client, request_id: str, to: str) -> httpx.Response:
    return client.post(f"/api/v1/payment-requests/{request_id}/pay-link", json={"email": to})


def test_pay_links_are_limited_per_request_per_clinician_and_per_address(
        stack: Stack, clinic: Clinic, login: Login) -> None:
    dr_a = login("clinician", user="dr-a")
    first = request_payment(dr_a)["id"]
    assert link(dr_a, first, "pat1@example.com").status_code == 202
    assert link(dr_a, first, "pat2@example.com").status_code == 202
    too_many(link(dr_a, first, "pat3@example.com"), 3600)  # per request: 2

    second = request_payment(dr_a, call="call_1")["id"]
    assert link(dr_a, second, "pat4@example.com").status_code == 202
    too_many(link(dr_a, second, "pat5@example.com"), 3600)  # per clinician: 3

    # Another clinician on the same network has their own allowance, until the address's.
    dr_b = login("clinician", user="dr-b", call="call_2")
    third = request_payment(dr_b, call="call_2")["id"]
    assert link(dr_b, third, "pat6@example.com").status_code == 202
    too_many(link(dr_b, third, "pat7@example.com"), 3600)  # per address: 4

    sent = stack.mail.mailbox.wait_for(lambda m: "Payment request from" in m.subject,
                                       count=4)
    time.sleep(0.5)  # nothing more arrives late
    recipients = sorted(m.to for m in stack.mail.mailbox.messages
                        if "Payment request from" in m.subject)
    assert len(sent) == 4
    assert recipients == ["pat1@example.com", "pat2@example.com", "pat4@example.com",
                          "pat6@example.com"]


def test_session_exchanges_are_limited_per_client_address(stack: Stack) -> None:
    url = f"{stack.url}/api/v1/sessions"
    assert httpx.post(url, json={"launch_token": stack.token("patient")}).status_code == 201
    for _ in range(2):  # bad tokens count too: guessing is what the limit stops
        assert httpx.post(url, json={"launch_token": "guess"}).status_code == 401
    assert httpx.post(f"{stack.url}/api/v1/pay-links/session",
                      json={"token": "guess"}).status_code == 401
    too_many(httpx.post(url, json={"launch_token": stack.token("patient")}), 60)
    too_many(httpx.post(f"{stack.url}/api/v1/pay-links/session", json={"token": "x"}), 60)


def test_admin_sign_ins_are_limited_per_client_address(stack: Stack) -> None:
    for _ in range(2):
        response = httpx.get(f"{stack.url}/admin/login",
                             params={"launch": stack.token("clinic_admin")})
        assert response.status_code == 303
    refused = httpx.get(f"{stack.url}/admin/login",
                        params={"launch": stack.token("clinic_admin")})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "Too many requests" in refused.text


async def test_the_redis_backend_counts_across_instances(redis_url: str) -> None:
    namespace = f"test-{time.time_ns()}"
    one, two = RedisRateLimiter(redis_url, namespace), RedisRateLimiter(redis_url, namespace)
    rate = Rate(3, 60)
    try:
        results = [await limiter.hit("sessions:10.0.0.1", rate)
                   for limiter in (one, two, one)]
        assert results == [None, None, None]
        wait = await two.hit("sessions:10.0.0.1", rate)
        assert wait is not None and 0 < wait <= 60
        assert await one.hit("sessions:10.0.0.2", rate) is None  # another address
        other = RedisRateLimiter(redis_url, namespace + "-other")  # another deployment
        assert await other.hit("sessions:10.0.0.1", rate) is None
        await other.close()
    finally:
        await asyncio.gather(one.close(), two.close())

"""Webhook intake: verified on the raw body with any current secret, stored in the inbox
before the 2xx, duplicates harmless, foreign events acknowledged but not applied.

These tests sign requests themselves, as Stripe does, to reach cases the sandbox never
produces (stale, future and forged signatures)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from paygate.store.database import Database
from paygate.store.models import WebhookEvent
from tests.conftest import Stack

OLD_SECRET = "whsec_old_rotated_out_soon"


@pytest.fixture
def stack_overrides(webhook_secret: str) -> dict[str, Any]:
    """paygate mid-rotation: it accepts the old secret and the sandbox's current one."""
    return {"stripe_webhook_secrets": (OLD_SECRET, webhook_secret)}


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def event(event_id: str = "evt_test_1", *, account: str | None = None,
          livemode: bool = False, kind: str = "payment_intent.succeeded") -> bytes:
    body: dict[str, Any] = {
        "id": event_id, "object": "event", "type": kind, "livemode": livemode,
        "created": int(time.time()), "api_version": "2024-06-20",
        "data": {"object": {"id": "pi_unknown", "object": "payment_intent"}},
    }
    if account:
        body["account"] = account
    return json.dumps(body).encode()


def post(stack: Stack, payload: bytes, signature: str | None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["stripe-signature"] = signature
    return httpx.post(f"{stack.url}/webhooks/stripe", content=payload, headers=headers)


def inbox(stack: Stack) -> list[WebhookEvent]:
    async def read() -> list[WebhookEvent]:
        db = Database(stack.settings.database_url)
        try:
            async with db.sessions() as tx:
                return list((await tx.scalars(select(WebhookEvent))).all())
        finally:
            await db.close()

    result: list[list[WebhookEvent]] = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(read())))
    thread.start()
    thread.join()
    return result[0]


def secret(stack: Stack) -> str:
    return stack.settings.stripe_webhook_secrets[-1]


def test_verified_event_is_stored_and_acknowledged(stack: Stack) -> None:
    payload = event(account="acct_nobody_linked")
    response = post(stack, payload, sign(payload, secret(stack)))
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored_unknown_account"
    [row] = inbox(stack)
    assert row.id == "evt_test_1" and row.account == "acct_nobody_linked"
    assert row.processed_at is not None and json.loads(row.payload)["id"] == "evt_test_1"


@pytest.mark.parametrize("case", ["wrong secret", "stale", "future", "no header",
                                  "garbled header", "tampered body"])
def test_unverifiable_events_are_refused_and_not_stored(stack: Stack, case: str) -> None:
    payload = event()
    now = int(time.time())
    signature: str | None = {
        "wrong secret": sign(payload, "whsec_not_ours"),
        "stale": sign(payload, secret(stack), now - 600),
        "future": sign(payload, secret(stack), now + 600),
        "no header": None,
        "garbled header": "v1=abc",
        "tampered body": sign(payload, secret(stack)),
    }[case]
    body = payload.replace(b"evt_test_1", b"evt_test_2") if case == "tampered body" else payload
    response = post(stack, body, signature)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert inbox(stack) == []


def test_every_secret_is_accepted_during_rotation(stack: Stack, webhook_secret: str) -> None:
    old, new = event("evt_signed_old"), event("evt_signed_new")
    assert post(stack, old, sign(old, OLD_SECRET)).status_code == 200
    assert post(stack, new, sign(new, webhook_secret)).status_code == 200
    assert {row.id for row in inbox(stack)} == {"evt_signed_old", "evt_signed_new"}


def test_wrong_livemode_is_acknowledged_not_applied(stack: Stack) -> None:
    payload = event("evt_live", livemode=True)
    response = post(stack, payload, sign(payload, secret(stack)))
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored_wrong_livemode"


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_same_event_delivered_twice_concurrently_is_stored_once(stack: Stack) -> None:
    payload = event("evt_twice", account="acct_nobody_linked")
    signature = sign(payload, secret(stack))
    results: list[int] = []

    def deliver() -> None:
        results.append(post(stack, payload, signature).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 6
    rows = inbox(stack)
    assert [r.id for r in rows] == ["evt_twice"]


def test_a_webhook_request_logs_one_line_with_what_it_did(
        stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    payload = event("evt_logged_once")
    response = post(stack, payload, sign(payload, secret(stack)))
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    request_id = response.headers["x-request-id"]

    def mentions() -> list[logging.LogRecord]:
        return [record for record in caplog.records
                if "evt_logged_once" in str(getattr(record, "fields", ""))
                or request_id in str(getattr(record, "fields", ""))]
    # The access line is written as the response ends: on a busy machine, a moment later.
    deadline = time.monotonic() + 5
    while not mentions() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # and nothing more comes
    [line] = mentions()
    assert line.getMessage() == "request"
    assert {key: line.fields.get(key) for key in (  # type: ignore[attr-defined]
        "method", "path", "status", "request_id", "event_id", "type", "outcome")} == {
        "method": "POST", "path": "/webhooks/stripe", "status": 200,
        "request_id": request_id, "event_id": "evt_logged_once",
        "type": "payment_intent.succeeded", "outcome": response.json()["outcome"]}


def test_not_json_is_refused(stack: Stack) -> None:
    payload = b"this is not json"
    response = post(stack, payload, sign(payload, secret(stack)))
    assert response.status_code == 400
    assert inbox(stack) == []



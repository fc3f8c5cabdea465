"""What one credential may do on the call channel, over real WebSockets against a real
server: a socket ends with its session (4401), a session holds a handful of sockets (the
next is refused with 4429, the open ones stay), and a flood of snapshot requests gets a
burst of snapshots, then one a second, and error frames for the rest. One journey also in
Chromium: the panel tells the person their session has ended, and stops reconnecting."""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from tests.conftest import Stack
from tests.payments.conftest import seed
from tests.payments.test_realtime import access_token, next_status, open_socket, receive


def session(stack: Stack, role: str) -> dict[str, Any]:
    response = httpx.post(f"{stack.url}/api/v1/sessions",
                          json={"launch_token": stack.token(role)})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def request_payment(stack: Stack, description: str) -> dict[str, Any]:
    """A clinician (signed in afresh: short-lived sessions in these tests) asks to be paid."""
    with stack.login("clinician") as clinician:
        response = clinician.post("/api/v1/calls/call_1/payment-requests", json={
            "amount": 2500, "currency": "usd", "description": description})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def closed_with(ws: ClientConnection, timeout: float = 5.0) -> tuple[int, str, list[Any]]:
    """Read until the server closes: its close code and reason, and what came before."""
    heard: list[Any] = []
    deadline = time.monotonic() + timeout
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            heard.append(json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic()))))
    assert closed.value.rcvd is not None, "the server did not send a close frame"
    return closed.value.rcvd.code, closed.value.rcvd.reason, heard


@pytest.mark.parametrize("stack_overrides", [{"access_token_ttl": 6}])
def test_a_socket_is_closed_4401_when_its_session_expires_and_hears_nothing_after(
        stack: Stack) -> None:
    seed(stack)
    patient = session(stack, "patient")
    issued = time.time()
    with open_socket(stack, patient["access_token"]) as ws:
        assert receive(ws)["type"] == "snapshot"
        before = request_payment(stack, "Consultation")
        next_status(ws, before["id"], "requested")  # live while the session is
        code, reason, heard = closed_with(ws, timeout=10)
        closed_at = time.time()
    assert code == 4401
    assert "expired" in reason
    # Its token stops verifying within its last second (lifetimes count whole seconds).
    assert issued + 4.5 <= closed_at <= issued + 8
    assert [m for m in heard if m["type"] != "ping"] == []

    # After the close, nothing reaches that credential: a new socket with it is refused.
    after = request_payment(stack, "Follow-up")
    with open_socket(stack, patient["access_token"]) as again:
        code, reason, heard = closed_with(again)
    assert (code, heard) == (4401, [])
    assert "expired" in reason
    # Opening the panel again (a new launch, a new session) shows both requests.
    with open_socket(stack, access_token(stack, "patient")) as fresh:
        listed = receive(fresh, "snapshot")["requests"]
    assert {r["id"] for r in listed} == {before["id"], after["id"]}


def first_frame(ws: ClientConnection) -> dict[str, Any] | int:
    """The first message, or the close code if the server closed first."""
    try:
        return json.loads(ws.recv(timeout=5))  # type: ignore[no-any-return]
    except ConnectionClosed as closed:
        assert closed.rcvd is not None
        return closed.rcvd.code


@pytest.mark.browser
@pytest.mark.parametrize("stack_overrides", [{"access_token_ttl": 6}])
def test_in_chromium_the_panel_tells_the_person_when_its_session_has_ended(
        stack: Stack, browser: Any) -> None:
    seed(stack)
    context = browser.new_context()
    page = context.new_page()
    sockets: list[Any] = []
    page.on("websocket", lambda ws: sockets.append(ws))
    page.goto(f"{stack.url}/widget/frame?launch={stack.token('patient')}")
    status = page.locator(".pg-conn")
    expect(status).to_have_attribute("data-state", "live")
    ended = page.get_by_text("Your session for this call has ended. Close the panel and "
                             "open it again from Apps & Tools.")
    expect(ended).to_be_visible(timeout=12_000)
    expect(status).to_have_attribute("data-state", "refused")
    page.wait_for_timeout(1500)
    assert len(sockets) == 1  # told, not reconnecting in a loop with a dead credential
    context.close()


@pytest.mark.parametrize(("stack_overrides", "cap"), [({}, 5), ({"sockets_per_session": 2}, 2)])
def test_a_session_holds_its_cap_of_sockets_and_the_next_one_is_refused(
        stack: Stack, cap: int) -> None:
    seed(stack)
    token = access_token(stack, "clinician")
    with ExitStack() as opened:
        held = [opened.enter_context(open_socket(stack, token)) for _ in range(cap)]
        for ws in held:
            assert receive(ws)["type"] == "snapshot"
        with open_socket(stack, token) as extra:
            code, reason, heard = closed_with(extra)
        assert code == 4429
        assert f"already has {cap} sockets open" in reason
        assert heard == []  # not even a snapshot

        # The ones already open were not dropped to make room: all still hear the call.
        created = request_payment(stack, "Consultation")
        for ws in held:
            next_status(ws, created["id"], "requested")
        # Another session (the same clinician opening the panel again) has its own cap.
        with open_socket(stack, access_token(stack, "clinician")) as other:
            assert receive(other)["type"] == "snapshot"

        # Closing one frees its place (once the server has seen it go).
        held[0].close()
        deadline = time.monotonic() + 5
        while True:
            ws = opened.enter_context(open_socket(stack, token))
            first = first_frame(ws)
            if first != 4429:
                break
            assert time.monotonic() < deadline, "the freed place never came back"
            time.sleep(0.05)
        assert isinstance(first, dict) and first["type"] == "snapshot"
        with open_socket(stack, token) as extra:
            assert first_frame(extra) == 4429  # and the cap holds again


def test_a_flood_of_snapshot_requests_gets_a_burst_then_one_a_second(stack: Stack) -> None:
    seed(stack)
    request_payment(stack, "Consultation")
    with open_socket(stack, access_token(stack, "patient")) as ws:
        assert receive(ws)["type"] == "snapshot"  # the one every connect gets
        flood = 200
        started = time.monotonic()
        for _ in range(flood):
            ws.send(json.dumps({"type": "snapshot"}))
        snapshots = 0
        errors: list[dict[str, Any]] = []
        while snapshots + len(errors) < flood:
            message = receive(ws)
            if message["type"] == "snapshot":
                snapshots += 1
                assert len(message["requests"]) == 1
            else:
                errors.append(message)
        elapsed = time.monotonic() - started
        # A burst of 5, then one a second: never more, however fast they ask.
        assert 5 <= snapshots <= 5 + int(elapsed) + 1
        assert {e["type"] for e in errors} == {"error"}
        assert {e["code"] for e in errors} == {"rate_limited"}
        assert all(0 < e["retry_after"] <= 1 for e in errors)
        assert "Too many snapshot requests" in errors[0]["message"]

        # Waiting as told is enough: the next request gets its snapshot.
        time.sleep(1.05)
        ws.send(json.dumps({"type": "snapshot"}))
        assert receive(ws)["type"] == "snapshot"
        ws.send(json.dumps({"type": "ping"}))
        assert receive(ws)["type"] == "pong"  # the socket itself was never in trouble

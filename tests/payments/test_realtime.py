"""The call channel over a real WebSocket (the `websockets` client over TCP)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, pay, request_payment


def access_token(stack: Stack, role: str, **kwargs: Any) -> str:
    import httpx

    response = httpx.post(f"{stack.url}/api/v1/sessions",
                          json={"launch_token": stack.token(role, **kwargs)})
    return str(response.json()["access_token"])


def open_socket(stack: Stack, token: str | None, call: str = "call_1",
                origin: str | None = None) -> ClientConnection:
    url = stack.url.replace("http://", "ws://") + f"/api/v1/calls/{call}/socket"
    protocols = ["paygate.v1"] + ([f"bearer.{token}"] if token else [])
    return connect(url, subprotocols=protocols,  # type: ignore[arg-type]
                   origin=origin or stack.url, open_timeout=5)  # type: ignore[arg-type]


def receive(ws: ClientConnection, kind: str | None = None,
            timeout: float = 10.0) -> dict[str, Any]:
    while True:
        message = json.loads(ws.recv(timeout=timeout))
        if message["type"] == "ping":
            continue
        if kind is None or message["type"] == kind:
            return message  # type: ignore[no-any-return]


def next_status(ws: ClientConnection, request_id: str, status: str) -> dict[str, Any]:
    while True:
        message = receive(ws, "request.updated")
        if message["request"]["id"] == request_id and message["request"]["status"] == status:
            return message["request"]  # type: ignore[no-any-return]


def test_both_people_get_a_snapshot_then_every_change_as_it_happens(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    earlier = request_payment(clinician, 1500, description="Earlier today")
    with open_socket(stack, access_token(stack, "clinician")) as doctor, \
            open_socket(stack, access_token(stack, "patient")) as patient:
        assert doctor.subprotocol == "paygate.v1"
        for ws in (doctor, patient):
            snapshot = receive(ws)
            assert snapshot["type"] == "snapshot"
            assert [r["id"] for r in snapshot["requests"]] == [earlier["id"]]

        created = request_payment(clinician, 2500, description="Consultation")
        for ws in (doctor, patient):
            notice = next_status(ws, created["id"], "requested")
            assert notice["amount_display"] == "USD 25.00"
            assert notice["clinic_name"] == "Sunrise Clinic"
            assert "client_secret" not in notice

        checkout = login("patient").get(f"/api/v1/payment-requests/{created['id']}").json()
        pay(stack, checkout)
        for ws in (doctor, patient):
            paid = next_status(ws, created["id"], "paid")
            assert (paid["card_brand"], paid["card_last4"]) == ("visa", "4242")
            assert paid["version"] > notice["version"]


def test_a_reconnect_gets_a_fresh_snapshot_of_what_changed_meanwhile(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    clinician = login("clinician")
    token = access_token(stack, "clinician")
    created = request_payment(clinician)
    with open_socket(stack, token) as ws:
        assert receive(ws)["requests"][0]["status"] == "requested"
    clinician.post(f"/api/v1/payment-requests/{created['id']}/cancel")
    with open_socket(stack, token) as ws:  # the same credential reconnects
        snapshot = receive(ws, "snapshot")
        assert snapshot["requests"][0]["status"] == "cancelled"
        ws.send(json.dumps({"type": "ping"}))
        assert receive(ws)["type"] == "pong"


def test_a_page_from_another_origin_is_refused_at_the_handshake(
        stack: Stack, clinic: Clinic) -> None:
    with pytest.raises(InvalidStatus) as refused:
        open_socket(stack, access_token(stack, "clinician"), origin="https://evil.example")
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("stack_overrides",
                         [{"allowed_origins": ("https://video.example.com",)}])
def test_an_allowed_host_origin_may_connect(stack: Stack, clinic: Clinic) -> None:
    with open_socket(stack, access_token(stack, "patient"),
                     origin="https://video.example.com") as ws:
        assert receive(ws)["type"] == "snapshot"


@pytest.mark.parametrize("stack_overrides", [{"public_url": "https://paygate.example",
                                               "allowed_origins": ()}])
def test_the_origin_check_compares_scheme_host_and_port(stack: Stack, clinic: Clinic) -> None:
    """paygate behind a TLS proxy: the public URL is https, the socket arrives as plain ws.
    A page on http:// (or another port) of the same host is another origin."""
    token = access_token(stack, "patient")
    own = stack.url.replace("http://", "https://")  # this host, the public URL's scheme
    port = int(stack.url.rsplit(":", 1)[1])
    for origin in (stack.url, f"https://127.0.0.1:{port + 1}", "http://paygate.example",
                   "https://paygate.example:8443", "null"):
        with pytest.raises(InvalidStatus) as refused:
            open_socket(stack, token, origin=origin)
        assert refused.value.response.status_code == 403, origin
    for origin in (own, "https://paygate.example", "https://PayGate.example:443"):
        with open_socket(stack, token, origin=origin) as ws:
            assert receive(ws)["type"] == "snapshot", origin


@pytest.mark.parametrize(("token", "call", "code"), [
    (None, "call_1", 4401),
    ("not-a-token", "call_1", 4401),
    ("clinician", "call_2", 4403),
])
def test_sockets_need_a_valid_credential_for_this_call(
        stack: Stack, clinic: Clinic, token: str | None, call: str, code: int) -> None:
    credential = access_token(stack, token) if token == "clinician" else token
    with open_socket(stack, credential, call=call) as ws, \
            pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == code

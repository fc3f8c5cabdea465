"""The host platform's backend learns about each payment from paygate's signed events
(Standard Webhooks), verified here with the spec's own `standardwebhooks` library by a real
HTTP receiver: created, paid (with the card), refunded, cancelled; retried with the same
webhook-id when the host fails; no patient email, no clinical description; an operator sees
what did not get through and redelivers it."""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paygate.services.host_events.signing import EventSigner
from tests.admin.conftest import admin_client, csrf_of
from tests.conftest import Stack
from tests.disputes.test_disputes import paid_and_disputed
from tests.payments.conftest import Clinic, Login, request_payment, wait_until
from tests.refunds.conftest import PATIENT_EMAIL, make_paid
from tests.servers import serve_asgi

SECRET = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
DESCRIPTION = "Knee pain follow-up, ibuprofen review"


@dataclass
class Host:
    """The host platform's endpoint: verifies every delivery as a host would."""

    url: str = ""
    failing: bool = False
    received: list[dict[str, Any]] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)  # webhook-id of every POST

    async def endpoint(self, request: Request) -> Response:
        raw = await request.body()
        payload = Webhook(SECRET).verify(raw, dict(request.headers))  # raises if forged
        self.attempts.append(request.headers["webhook-id"])
        if self.failing:
            return Response("down for maintenance", status_code=500)
        self.received.append({"id": request.headers["webhook-id"], "raw": raw.decode(),
                              **payload})
        return Response(status_code=204)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.received if e["type"] == kind]


@pytest.fixture
def host() -> Iterator[Host]:
    found = Host()
    with serve_asgi(Starlette(routes=[Route("/paygate-events", found.endpoint,
                                            methods=["POST"])])) as url:
        found.url = url + "/paygate-events"
        yield found


@pytest.fixture
def stack_overrides(host: Host) -> dict[str, Any]:
    return {"events_url": host.url, "events_secrets": (SECRET,)}


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_the_host_hears_of_each_payment_once_it_happens_and_nothing_private(
        stack: Stack, clinic: Clinic, login: Login, host: Host) -> None:
    paid = make_paid(stack, login, amount=12000, description=DESCRIPTION)
    assert paid.refund(amount=2000).status_code == 201
    second = request_payment(paid.clinician, 3000, description=DESCRIPTION)
    assert paid.clinician.post(f"/api/v1/payment-requests/{second['id']}/cancel"
                               ).status_code == 200

    wait_until(lambda: len(host.received) >= 5, timeout=20)
    kinds = {(e["type"], e["data"]["payment_request"]) for e in host.received}
    assert kinds == {("payment_request.created", paid.id), ("payment_request.paid", paid.id),
                     ("payment_request.refunded", paid.id),
                     ("payment_request.created", second["id"]),
                     ("payment_request.cancelled", second["id"])}
    [was_paid] = host.of_type("payment_request.paid")
    assert was_paid["data"] | {"card": None} == {
        "payment_request": paid.id, "reference": paid.request["reference"],
        "call": "call_1", "clinic": "clinic_1", "org": "org_1", "status": "paid",
        "amount": 12000, "currency": "usd", "card": None}
    assert was_paid["data"]["card"] == {"brand": "visa", "last4": "4242"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", was_paid["timestamp"])
    [refunded] = host.of_type("payment_request.refunded")
    assert (refunded["data"]["refund"], refunded["data"]["amount_refunded"]) == ("partial", 2000)
    for event in host.received:  # the clinic shares no description; no patient email ever
        assert "Knee" not in event["raw"] and PATIENT_EMAIL not in event["raw"]
        assert "description" not in event["data"]
    assert len(host.attempts) == len(set(host.attempts)) == 5  # each once, nothing doubled


def test_a_failing_host_gets_the_same_event_again_and_an_operator_redelivers_it(
        stack: Stack, clinic: Clinic, login: Login, host: Host) -> None:
    host.failing = True
    clinician = login("clinician", name="Dr Ada Grey", user="dr-ada")
    created = request_payment(clinician, 4500, description=DESCRIPTION)
    wait_until(lambda: host.attempts, timeout=10)
    first_id = host.attempts[0]

    with admin_client(stack, "operator", org="", clinic=None, user="op-1") as omar:
        page = wait_until(lambda: (p := omar.get("/admin/host-events")).status_code == 200
                          and "Retrying" in p.text and p, timeout=10)
        assert "payment_request.created" in page.text and first_id in page.text
        assert "HTTP 500" in page.text
        host.failing = False
        delivery = re.search(r'/admin/host-events/(\d+)/redeliver', page.text)
        assert delivery is not None
        done = omar.post(delivery.group(0), data={"csrf": csrf_of(page.text)})
        assert done.status_code == 303
        wait_until(lambda: host.received, timeout=5)  # now, not after the 5 s backoff
        assert host.received[0]["id"] == first_id
        assert host.received[0]["data"]["payment_request"] == created["id"]
        assert "The host platform has taken every event." in omar.get("/admin/host-events").text

    # Clinic admins do not see the host's deliveries; nor can they redeliver.
    with admin_client(stack, "clinic_admin", org="org_1", clinic="clinic_1") as admin:
        assert admin.get("/admin/host-events").status_code == 403
        assert "Host events" not in admin.get("/admin/").text
    assert json.loads(host.received[0]["raw"])["type"] == "payment_request.created"


def test_forged_or_stale_deliveries_fail_the_hosts_check() -> None:
    # What the host's verification relies on: a body changed in transit does not verify.
    body = b'{"type":"payment_request.paid","timestamp":"x","data":{}}'
    headers = EventSigner((SECRET,)).headers("msg_1", int(time.time()), body)
    assert Webhook(SECRET).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body.replace(b"paid", b"failed"), headers)
    old = EventSigner((SECRET,)).headers("msg_1", int(time.time()) - 3600, body)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body, old)
    other = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    rotating = EventSigner((other, SECRET)).headers("msg_1", int(time.time()), body)
    assert Webhook(SECRET).verify(body, rotating)  # during rotation either secret verifies


def test_the_host_hears_of_a_dispute_with_its_deadline(stack: Stack, clinic: Clinic,
                                                       host: Host) -> None:
    made, dispute = paid_and_disputed(stack, "pm_card_createDispute", amount=4300)
    disputed = wait_until(lambda: host.of_type("payment_request.disputed"), timeout=20)[0]
    assert disputed["data"]["payment_request"] == made["id"]
    assert disputed["data"]["status"] == "paid"  # the payment stands until Stripe decides
    assert disputed["data"]["dispute"]["status"] == dispute["status"] == "needs_response"
    assert (disputed["data"]["dispute"]["reason"], disputed["data"]["dispute"]["amount"]) == \
        ("fraudulent", 4300)
    assert disputed["data"]["dispute"]["evidence_due_by"]

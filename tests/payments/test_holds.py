"""Holds (issue 20): the clinician holds up to an amount at the start of the consultation,
the patient authorises it with their card, and at the end the clinician charges the final
amount (or releases the hold). Over real HTTP against the sandbox's manual capture; only
Stripe's word marks a hold paid."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from paygate.store.database import Database
from paygate.store.models import PaymentRequest
from tests.admin.conftest import admin_client, csrf_of
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, in_thread, pay, status_of, wait_until
from tests.receipts.conftest import pdf_text
from tests.refunds.conftest import refund_mails


def hold(clinician: httpx.Client, amount: int = 8000) -> dict[str, Any]:
    made = clinician.post("/api/v1/calls/call_1/payment-requests", json={
        "amount": amount, "currency": "usd", "description": "Consultation",
        "capture": "manual"})
    assert made.status_code == 201, made.text
    assert (made.json()["capture"], made.json()["status"]) == ("manual", "requested")
    return made.json()  # type: ignore[no-any-return]


def authorise(stack: Stack, patient: httpx.Client, request_id: str,
              email: str = "pat@example.com") -> str:
    """The patient pays as Stripe.js would; a hold stops at requires_capture."""
    assert patient.post(f"/api/v1/payment-requests/{request_id}/receipt",
                        json={"email": email}).status_code == 200
    checkout = patient.get(f"/api/v1/payment-requests/{request_id}").json()
    assert pay(stack, checkout).status == "requires_capture"
    return str(checkout["client_secret"].split("_secret_")[0])


def capture(clinician: httpx.Client, request_id: str, **body: Any) -> httpx.Response:
    return clinician.post(f"/api/v1/payment-requests/{request_id}/capture", json=body)


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_hold_authorise_charge_less_then_refund_part_of_what_was_charged(
        stack: Stack, clinic: Clinic, login: Login) -> None:
    clinician = login("clinician", name="Dr Ada Grey", user="dr-ada")
    patient = login("patient", name="Pat Doe")
    held = hold(clinician)
    intent_id = authorise(stack, patient, held["id"])
    wait_until(lambda: status_of(clinician, held["id"]) == "authorized")
    seen = patient.get(f"/api/v1/payment-requests/{held['id']}").json()
    assert seen["status"] == "authorized" and seen["client_secret"] is None  # no paying twice
    assert stack.mail.mailbox.messages == []  # no receipt for a hold

    charged = capture(clinician, held["id"], amount=6550)
    assert charged.status_code == 200, charged.text
    assert (charged.json()["status"], charged.json()["amount_paid"]) == ("paid", 6550)
    again = capture(clinician, held["id"], amount=6550)  # a retry changes nothing
    assert (again.status_code, again.json()["amount_paid"]) == (200, 6550)
    intent = stack.stripe.v1.payment_intents.retrieve(
        intent_id, options={"stripe_account": clinic.account})
    assert (intent.capture_method, intent.amount, intent.amount_received) == \
        ("manual", 8000, 6550)
    [receipt] = stack.mail.mailbox.wait_for(lambda m: m.subject.startswith("Your receipt"))
    assert "$65.50" in receipt.text() and "$80.00" not in receipt.text()
    pdf = patient.get(f"/api/v1/payment-requests/{held['id']}/receipt.pdf")
    assert pdf.status_code == 200, pdf.text
    assert "65.50" in pdf_text(pdf.content) and "80.00" not in pdf_text(pdf.content)

    refunded = clinician.post(f"/api/v1/payment-requests/{held['id']}/refunds",
                              json={"amount": 1550, "reason": "requested_by_patient"})
    assert refunded.status_code == 201, refunded.text
    assert refunded.json()["refunds"]["remaining"] == 5000
    too_much = clinician.post(f"/api/v1/payment-requests/{held['id']}/refunds",
                              json={"amount": 5001, "reason": "requested_by_patient"})
    assert too_much.status_code in (400, 409, 422), too_much.text
    wait_until(lambda: refund_mails(stack))
    assert status_of(clinician, held["id"]) == "partially_refunded"


def test_what_a_hold_refuses(stack: Stack, clinic: Clinic, login: Login) -> None:
    clinician = login("clinician", name="Dr Ada Grey", user="dr-ada")
    patient = login("patient", name="Pat Doe")
    held = hold(clinician, 5000)
    not_yet = capture(clinician, held["id"])
    assert not_yet.status_code == 409 and "authorised hold" in not_yet.json()["error"]["message"]
    authorise(stack, patient, held["id"])
    wait_until(lambda: status_of(clinician, held["id"]) == "authorized")
    for body, code in (({"amount": 5001}, 400), ({"amount": 10}, 400),
                       ({"amount": "20.00"}, 400)):
        refused = capture(clinician, held["id"], **body)
        assert refused.status_code == code, (body, refused.text)
        assert refused.json()["error"]["code"] in ("invalid_request", "invalid_amount")
    assert capture(patient, held["id"]).status_code == 403
    assert status_of(clinician, held["id"]) == "authorized"  # nothing changed
    assert capture(clinician, held["id"]).json()["amount_paid"] == 5000  # all of it
    assert capture(clinician, held["id"], amount=4000).status_code == 409

    charge_now = clinician.post("/api/v1/calls/call_1/payment-requests", json={
        "amount": 2500, "currency": "usd", "description": "Consultation"}).json()
    assert charge_now["capture"] == "automatic"
    assert capture(clinician, charge_now["id"]).status_code == 409
    bad = clinician.post("/api/v1/calls/call_1/payment-requests", json={
        "amount": 2500, "description": "x", "capture": "later"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "capture"


@pytest.mark.parametrize("stack_overrides", [{"reconcile_interval": 1}])
def test_a_released_hold_and_one_left_past_its_time(stack: Stack, clinic: Clinic,
                                                    login: Login) -> None:
    clinician = login("clinician", name="Dr Ada Grey", user="dr-ada")
    patient = login("patient", name="Pat Doe")
    first, second = hold(clinician, 3000), hold(clinician, 4000)
    for held in (first, second):
        authorise(stack, patient, held["id"])
        wait_until(lambda h=held: status_of(clinician, h["id"]) == "authorized")

    released = clinician.post(f"/api/v1/payment-requests/{first['id']}/cancel")
    assert released.status_code == 200 and released.json()["status"] == "cancelled"
    assert capture(clinician, first["id"]).status_code == 409

    # Every event of the second hold is in (its card too: a late one would write the row
    # after the test ages it).
    wait_until(lambda: clinician.get(f"/api/v1/payment-requests/{second['id']}").json()[
        "card_last4"] == "4242")

    # The clinic's limit is 24 h: the second hold was authorised a day and a bit ago.
    async def age() -> None:
        db = Database(stack.settings.database_url)
        async with db.transaction() as tx:
            row = await tx.get(PaymentRequest, second["id"])
            assert row is not None
            await tx.execute(update(PaymentRequest).where(PaymentRequest.id == row.id)
                             .values(updated_at=row.updated_at.replace(
                                 year=row.updated_at.year - 1)))
        await db.close()
    in_thread(age)
    wait_until(lambda: status_of(clinician, second["id"]) == "expired")
    history = clinician.get(f"/api/v1/payment-requests/{second['id']}").json()
    assert history["status"] == "expired"

    # The clinic's report counts them as released holds; a third, charged for less than
    # it held, as charged; a fourth, held now. A hold cancelled before any card was
    # authorised is no release.
    third, fourth = hold(clinician, 5000), hold(clinician, 2000)
    authorise(stack, patient, third["id"], email="pat3@example.com")
    authorise(stack, patient, fourth["id"], email="pat4@example.com")
    wait_until(lambda: status_of(clinician, third["id"]) == "authorized")
    wait_until(lambda: status_of(clinician, fourth["id"]) == "authorized")
    assert capture(clinician, third["id"], amount=4550).status_code == 200
    never = hold(clinician, 1500)
    assert clinician.post(f"/api/v1/payment-requests/{never['id']}/cancel").status_code == 200
    with admin_client(stack, "clinic_admin") as admin:
        report = " ".join(re.sub(r"<[^>]+>", "", admin.get(
            "/admin/clinics/clinic_1/reports").text).split())
    assert ("Card holds in USD: 1 held now ($20.00) · 1 charged ($45.50 of $50.00 held)"
            " · 2 released ($70.00)") in report, report


def test_a_clinic_admin_sets_how_long_holds_may_wait(stack: Stack, clinic: Clinic) -> None:
    page = "/admin/clinics/clinic_1/client-payments"
    with admin_client(stack, "clinic_admin") as admin:
        edit = admin.get(f"{page}/edit")
        assert 'name="hold_hours"' in edit.text and 'value="24"' in edit.text

        def save(hours: str) -> httpx.Response:
            return admin.post(f"{page}/settings", data={
                "csrf": csrf_of(admin.get(f"{page}/edit").text), "display_name": "Sunrise",
                "reply_to": "", "default_currency": "usd", "pay_link_hours": "72",
                "time_zone": "UTC", "hold_hours": hours})

        for bad in ("0", "145", "2.5", "一"):
            refused = save(bad)
            assert refused.status_code == 400 and "1 to 144 hours" in refused.text, bad
        assert save("6").status_code == 303
        assert 'id="hold_hours" name="hold_hours" type="text" inputmode="numeric" ' \
            'maxlength="3" value="6"' in admin.get(f"{page}/edit").text


def test_a_hold_nobody_charged_for_seven_days_expires_at_stripe(
        stack: Stack, clinic: Clinic, login: Login) -> None:
    """paygate releases holds within 6 days; if it did not (its reconciler down), Stripe's
    own expiry after 7 days is read as expired, and the clinician cannot charge it."""
    clinician = login("clinician", name="Dr Ada Grey", user="dr-ada")
    patient = login("patient", name="Pat Doe")
    held = hold(clinician, 5000)
    intent_id = authorise(stack, patient, held["id"])
    wait_until(lambda: status_of(clinician, held["id"]) == "authorized")

    def advance(seconds: int) -> list[str]:
        moved = httpx.post(f"{stack.sandbox_url}/_sandbox/clock", json={"advance": seconds})
        assert moved.status_code == 200, moved.text
        return list(moved.json()["expired"])

    assert httpx.post(f"{stack.sandbox_url}/_sandbox/clock",
                      json={"advance": "a week"}).status_code == 400
    assert advance(6 * 86_400) == []  # six days on: still held at Stripe
    assert advance(86_400) == [intent_id]  # the seventh: released
    wait_until(lambda: status_of(clinician, held["id"]) == "expired")
    intent = stack.stripe.v1.payment_intents.retrieve(
        intent_id, options={"stripe_account": clinic.account})
    assert (intent.status, intent.cancellation_reason, intent.amount_capturable) == \
        ("canceled", "automatic", 0)
    refused = capture(clinician, held["id"])
    assert refused.status_code == 409 and "expired" in refused.json()["error"]["message"]
    seen = patient.get(f"/api/v1/payment-requests/{held['id']}").json()
    assert (seen["status"], seen["amount_paid"]) == ("expired", None)
    assert stack.mail.mailbox.messages == []  # nobody was charged, so no receipt


def set_default_capture(stack: Stack, capture: str, hours: str = "24") -> httpx.Response:
    """The clinic admin's Client Payments > Edit: what new requests start as."""
    page = "/admin/clinics/clinic_1/client-payments"
    with admin_client(stack, "clinic_admin") as admin:
        return admin.post(f"{page}/settings", data={
            "csrf": csrf_of(admin.get(f"{page}/edit").text), "display_name": "Sunrise",
            "reply_to": "", "default_currency": "usd", "pay_link_hours": "72",
            "time_zone": "UTC", "hold_hours": hours, "default_capture": capture})


def test_a_clinic_that_holds_by_default(stack: Stack, clinic: Clinic, login: Login) -> None:
    clinician = login("clinician", name="Dr Ada Grey", user="dr-ada")
    options = "/api/v1/calls/call_1/payment-options"
    assert clinician.get(options).json()["default_capture"] == "automatic"
    body = {"amount": 3000, "currency": "usd", "description": "Consultation"}
    first = clinician.post("/api/v1/calls/call_1/payment-requests", json=body).json()
    assert first["capture"] == "automatic"  # today's behaviour, unchanged

    refused = set_default_capture(stack, "later")
    assert refused.status_code == 400 and "charge now or hold now" in refused.text
    assert clinician.get(options).json()["default_capture"] == "automatic"
    assert set_default_capture(stack, "manual").status_code == 303
    with admin_client(stack, "clinic_admin") as admin:
        edit = admin.get("/admin/clinics/clinic_1/client-payments/edit").text
    assert 'value="manual" checked' in edit
    assert clinician.get(options).json()["default_capture"] == "manual"

    held = clinician.post("/api/v1/calls/call_1/payment-requests", json=body).json()
    assert held["capture"] == "manual"
    now = clinician.post("/api/v1/calls/call_1/payment-requests",
                         json={**body, "capture": "automatic"}).json()
    assert now["capture"] == "automatic"  # a request that says so is charged at once
    listed = {r["id"]: r for r in clinician.get(
        "/api/v1/calls/call_1/payment-requests").json()["requests"]}
    assert [listed[r["id"]]["capture"] for r in (first, held, now)] == \
        ["automatic", "manual", "automatic"]
    # Saving the form again without the choice (an older form) keeps the clinic's default.
    with admin_client(stack, "clinic_admin") as admin:
        page = "/admin/clinics/clinic_1/client-payments"
        assert admin.post(f"{page}/settings", data={
            "csrf": csrf_of(admin.get(f"{page}/edit").text), "display_name": "Sunrise",
            "reply_to": "", "default_currency": "usd", "pay_link_hours": "72",
            "time_zone": "UTC", "hold_hours": "24"}).status_code == 303
    assert clinician.get(options).json()["default_capture"] == "manual"


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_charge_and_release_clicked_at_once_end_one_way_as_stripe_says(
        stack: Stack, clinic: Clinic, login: Login) -> None:
    """The clinician's Charge... and a colleague's Release hold (or a double click across
    two tabs) reach paygate together: one of them wins at Stripe, the other is refused
    clearly, and paygate, Stripe, the receipts and the history agree."""
    from concurrent.futures import ThreadPoolExecutor

    clinician = login("clinician", name="Dr Ada Grey", user="dr-ada")
    patient = login("patient", name="Pat Doe")
    for round_ in range(3):
        held = hold(clinician, 5000 + round_)
        intent_id = authorise(stack, patient, held["id"], email=f"race{round_}@example.com")
        wait_until(lambda h=held: status_of(clinician, h["id"]) == "authorized")
        with ThreadPoolExecutor(2) as pool:
            charging = pool.submit(capture, clinician, held["id"], amount=4000)
            releasing = pool.submit(
                clinician.post, f"/api/v1/payment-requests/{held['id']}/cancel")
            charged, released = charging.result(), releasing.result()
        intent = stack.stripe.v1.payment_intents.retrieve(
            intent_id, options={"stripe_account": clinic.account})
        expected = {"succeeded": "paid", "canceled": "cancelled"}[intent.status]
        # Each answer is the outcome or a clear refusal, never a 400 "bad input" or a 5xx:
        # a Release that lost says "paid" (what Stripe says), a Charge that lost says why.
        for answer in (charged, released):
            assert answer.status_code in (200, 409), answer.text
            if answer.status_code == 200:
                assert answer.json()["status"] == expected, answer.text
        if charged.status_code == 409:  # released at Stripe first, or in paygate already
            assert charged.json()["error"]["message"].startswith((
                "This hold was released before it could be charged",
                "Only an authorised hold can be charged; this payment request is "
                "cancelled")), charged.text
        wait_until(lambda h=held, e=expected: status_of(clinician, h["id"]) == e)
        shown = clinician.get(f"/api/v1/payment-requests/{held['id']}").json()
        assert shown["amount_paid"] == (4000 if expected == "paid" else None)
        receipts = [m for m in stack.mail.mailbox.messages
                    if f"race{round_}@example.com" in m.to]
        if expected == "paid":
            stack.mail.mailbox.wait_for(lambda m, r=round_: f"race{r}@example.com" in m.to)
        else:
            assert receipts == []
    # Nothing moves afterwards: a late capture of a cancelled hold is refused, and so on.
    for request in clinician.get("/api/v1/calls/call_1/payment-requests").json()["requests"]:
        if request["status"] == "cancelled":
            assert capture(clinician, request["id"]).status_code == 409

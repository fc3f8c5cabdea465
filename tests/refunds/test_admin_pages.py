"""Admin pages over HTTP: a payment's detail with its refunds and history (who, what, when,
why), Refund -> review -> confirm, and refusals that change nothing."""

from __future__ import annotations

import re
from html import unescape

import httpx

from tests.admin.conftest import admin_client, csrf_of
from tests.conftest import Stack
from tests.payments.conftest import Clinic, wait_until
from tests.refunds.conftest import Paid, refund_mails, stripe_refunds


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def review(client: httpx.Client, paid: Paid, **form: str) -> httpx.Response:
    page = client.get(f"/admin/payments/{paid.id}/refund")
    assert page.status_code == 200, page.text
    return client.post(f"/admin/payments/{paid.id}/refund",
                       data={"csrf": csrf_of(page.text), "step": "review", **form})


def confirm_fields(html: str) -> dict[str, str]:
    form = html[html.index('value="confirm"') - 200:]
    return dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))


def test_an_admin_reviews_then_confirms_a_refund_and_sees_the_trail(
        stack: Stack, clinic: Clinic, paid: Paid) -> None:
    with admin_client(stack, "clinic_admin", name="Morgan Admin", user="admin-morgan") \
            as client:
        detail = client.get(f"/admin/payments/{paid.id}")
        assert detail.status_code == 200
        assert "Refund…" in detail.text
        form = client.get(f"/admin/payments/{paid.id}/refund")
        assert 'value="120.00"' in form.text  # everything that is left, by default

        step = review(client, paid, amount="45.50", reason="service_not_provided",
                      note="Video dropped after five minutes")
        assert step.status_code == 200, step.text
        summary = text_of(step.text)
        assert "Refund $45.50?" in summary
        assert "Still paid afterwards $74.50" in summary
        assert "Visa •••• 4242" in summary and "Service not provided" in summary
        assert "pat@example.com" in summary
        # Nothing is refunded by the review step.
        assert stripe_refunds(stack, clinic, paid) == []
        assert paid.refunds()["amount_refunded"] == 0

        fields = confirm_fields(step.text)
        assert (fields["amount_minor"], fields["reason"]) == ("4550", "service_not_provided")
        done = client.post(f"/admin/payments/{paid.id}/refund", data=fields)
        assert done.status_code == 303
        page = client.get(done.headers["location"])
        shown = text_of(page.text)
        assert "Refund made." in shown
        assert "Partially refunded" in shown and "$45.50" in shown
        # The trail: who, what, when, why, in the refunds table and the history.
        refunds = text_of(page.text[page.text.index('id="refunds"'):
                                    page.text.index('id="hist-h"')])
        assert "$45.50" in refunds  # the amount as the rest of the page writes it
        assert "Morgan Admin" in refunds and "Video dropped after five minutes" in refunds
        history = text_of(page.text[page.text.index('id="history"'):])
        # The history keeps the text written when it happened (ISO codes, like the API's
        # amount_display), whatever the pages' format.
        assert "Paid → Partially refunded Morgan Admin refunded USD 45.50 (service not " \
               "provided): Video dropped after five minutes" in history
        assert re.search(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC Paid → Partially refunded",
                         history)
        assert "Requested Dr Ada Grey requested USD 120.00" in history
        assert re.search(r"Requested → Paid Stripe evt_\w+ payment_intent.succeeded", history)

        # A double submit of the same confirmation refunds once.
        again = client.post(f"/admin/payments/{paid.id}/refund", data=fields)
        assert again.status_code == 303
        assert [r.amount for r in stripe_refunds(stack, clinic, paid)] == [4550]
        wait_until(lambda: len(refund_mails(stack)) == 1)


def test_the_refund_form_says_what_is_wrong_and_refunds_nothing(
        stack: Stack, clinic: Clinic, paid: Paid) -> None:
    with admin_client(stack, "org_admin", clinic=None) as client:
        for form, message in [
            ({"amount": "120.01", "reason": "duplicate"},
             "You can refund at most USD 120.00: that is what is left of this payment."),
            ({"amount": "12.345", "reason": "duplicate"}, "USD amounts take at most 2 decimals."),
            ({"amount": "ten", "reason": "duplicate"},
             "Enter the amount as a number, for example 25.00."),
            ({"amount": "10", "reason": ""}, "Choose a reason for the refund"),
            ({"amount": "10", "reason": "other", "note": " "},
             "Say in the note why this payment is refunded."),
        ]:
            response = review(client, paid, **form)
            assert response.status_code == 400, form
            assert message in unescape(response.text), (form, text_of(response.text))
            assert 'aria-invalid="true"' in response.text
        assert paid.refunds()["refunds"] == []
        assert stripe_refunds(stack, clinic, paid) == []


def test_admins_of_other_clinics_cannot_see_or_refund(stack: Stack, clinic: Clinic,
                                                      paid: Paid) -> None:
    with admin_client(stack, "clinic_admin", clinic="clinic_2") as client:
        assert client.get(f"/admin/payments/{paid.id}").status_code == 403
        assert client.get(f"/admin/payments/{paid.id}/refund").status_code == 403
    with admin_client(stack, "org_admin", org="org_2", clinic=None) as client:
        assert client.get(f"/admin/payments/{paid.id}").status_code == 403
    with admin_client(stack, "clinic_admin") as client:
        page = client.get(f"/admin/payments/{paid.id}")
        fields = {"csrf": csrf_of(page.text), "step": "confirm", "amount_minor": "100",
                  "reason": "duplicate", "attempt": "x"}
        forged = client.post(f"/admin/payments/{paid.id}/refund", data=fields,
                             headers={"sec-fetch-site": "cross-site"})
        assert forged.status_code == 403
    assert paid.refunds()["refunds"] == []

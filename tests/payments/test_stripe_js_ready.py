"""What paygate asks of Stripe and allows of Stripe.js, so the widget works on real Stripe."""

from __future__ import annotations

import dataclasses

import httpx

from paygate.web.widget import frame_policy
from tests.conftest import Stack
from tests.payments.conftest import Clinic, Login, request_payment


def _directives(policy: str) -> dict[str, set[str]]:
    parts = (p.split() for p in policy.split("; "))
    return {p[0]: set(p[1:]) for p in parts}


def test_payments_never_offer_a_method_that_leaves_the_call(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    created = request_payment(login("clinician"), 3000, "usd", "Review")
    secret = login("patient").get(
        f"/api/v1/payment-requests/{created['id']}").json()["client_secret"]
    intent = stack.stripe.v1.payment_intents.retrieve(
        secret.split("_secret_")[0], options={"stripe_account": clinic.account})
    assert intent.automatic_payment_methods is not None
    assert (intent.automatic_payment_methods.enabled,
            intent.automatic_payment_methods.allow_redirects) == (True, "never")


def test_the_widget_csp_follows_stripes_guide(stack: Stack) -> None:
    real = dataclasses.replace(stack.settings, stripe_js_url="https://js.stripe.com/v3/",
                               stripe_api_base="https://api.stripe.com")
    policy = _directives(frame_policy(real))
    assert {"https://*.js.stripe.com", "https://js.stripe.com"} <= policy["script-src"]
    assert {"https://*.js.stripe.com", "https://js.stripe.com",
            "https://hooks.stripe.com"} <= policy["frame-src"]
    assert "https://api.stripe.com" in policy["connect-src"]
    # the stand-in is served under the same shape, on the sandbox's origin
    page = httpx.get(f"{stack.url}/widget/frame")
    served = _directives(page.headers["content-security-policy"])
    sandbox = stack.sandbox_url.rstrip("/")
    assert sandbox in served["script-src"] and sandbox in served["frame-src"]
    assert sandbox in served["connect-src"]
    assert set(served) == set(policy)

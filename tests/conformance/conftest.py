"""Two targets for one suite: the offline sandbox (always) and Stripe's test mode.

Stripe runs when PAYGATE_CONFORMANCE_STRIPE_KEY (an sk_test_ key of a Connect platform)
and PAYGATE_CONFORMANCE_ACCOUNT (an acct_ connected to it) are set; optional:
PAYGATE_CONFORMANCE_PUBLISHABLE_KEY (its pk_test_) and PAYGATE_CONFORMANCE_CLIENT_ID (its
ca_). Tests assert only what Stripe documents, never the sandbox's ids or timings.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import stripe

from paygate.sandbox.app import create_sandbox_app
from paygate.sandbox.config import SandboxConfig
from tests.servers import serve_asgi

STRIPE_KEY = "PAYGATE_CONFORMANCE_STRIPE_KEY"
STRIPE_ACCOUNT = "PAYGATE_CONFORMANCE_ACCOUNT"


@dataclass
class Target:
    name: str
    client: stripe.StripeClient
    account: str
    publishable: stripe.StripeClient | None
    client_id: str | None
    http: stripe.HTTPXClient

    @property
    def opts(self) -> dict[str, str]:
        return {"stripe_account": self.account}


def _client(key: str, http: stripe.HTTPXClient, base: str | None,
            client_id: str | None = None) -> stripe.StripeClient:
    bases = {"api": base, "connect": base} if base else {}
    return stripe.StripeClient(key, client_id=client_id, http_client=http,
                               base_addresses=bases, max_network_retries=0)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def _sandbox_target() -> Iterator[Target]:
    config = SandboxConfig(secret_key="sk_test_conformance", client_id="ca_conformance")
    with serve_asgi(create_sandbox_app(config)) as url:
        http = stripe.HTTPXClient(allow_sync_methods=True)
        client = _client("sk_test_conformance", http, url, "ca_conformance")
        acct = client.v1.accounts.create({"type": "standard", "country": "US",
                                          "email": "conformance@clinic.example"})
        yield Target("sandbox", client, str(acct.id),
                     _client("pk_test_conformance", http, url), "ca_conformance", http)
        http.close()


@pytest.fixture(scope="session")
def _stripe_target() -> Iterator[Target]:
    key, account = os.environ.get(STRIPE_KEY), os.environ.get(STRIPE_ACCOUNT)
    if not (key and account):
        pytest.skip(f"Stripe test mode not configured: set {STRIPE_KEY} (sk_test_...) and "
                    f"{STRIPE_ACCOUNT} (acct_...) to run this suite against Stripe")
    if not key.startswith("sk_test_"):
        pytest.fail(f"{STRIPE_KEY} must be a test-mode key (sk_test_...)")
    http = stripe.HTTPXClient(allow_sync_methods=True)
    pk = os.environ.get("PAYGATE_CONFORMANCE_PUBLISHABLE_KEY")
    client_id = os.environ.get("PAYGATE_CONFORMANCE_CLIENT_ID")
    yield Target("stripe", _client(key, http, None, client_id), account,
                 _client(pk, http, None) if pk else None, client_id, http)
    http.close()


@pytest.fixture(params=["sandbox", "stripe"])
def target(request: pytest.FixtureRequest) -> Target:
    found: Target = request.getfixturevalue(f"_{request.param}_target")
    return found

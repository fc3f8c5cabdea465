"""Two real paygate instances (separate `paygate serve` processes) sharing one PostgreSQL
database and Redis, with the Stripe sandbox and an SMTP server in the test process."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from websockets.sync.client import ClientConnection, connect

from bench import procs
from paygate.demo.seed import ClinicSeed, seed_clinic
from paygate.services.auth.tokens import TokenSigner
from paygate.store.database import Database
from tests.conftest import (
    SECRET_KEY,
    STRIPE_CLIENT_ID,
    STRIPE_PUBLISHABLE,
    STRIPE_SECRET,
    UNLIMITED_ENV,
    mint,
)
from tests.mailbox import MailServer
from tests.payments.conftest import in_thread
from tests.servers import serve_asgi


@dataclass
class Instance:
    name: str
    proc: procs.Proc
    signer: TokenSigner
    org: str
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.proc.url

    def access_token(self, role: str, **kwargs: Any) -> str:
        response = httpx.post(f"{self.url}/api/v1/sessions", json={
            "launch_token": mint(self.signer, role, org=self.org, **kwargs)})
        assert response.status_code == 201, response.text
        return str(response.json()["access_token"])

    def login(self, role: str, **kwargs: Any) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=15, headers={
            "Authorization": f"Bearer {self.access_token(role, **kwargs)}"})
        self.clients.append(client)
        return client

    def socket(self, role: str = "clinician", call: str = "call_1") -> ClientConnection:
        url = self.url.replace("http://", "ws://") + f"/api/v1/calls/{call}/socket"
        token = self.access_token(role, call=call)
        return connect(url, subprotocols=["paygate.v1", f"bearer.{token}"],  # type: ignore[list-item]
                       open_timeout=10)


@dataclass
class Cluster:
    a: Instance
    b: Instance
    sandbox_url: str
    database_url: str
    mail: MailServer
    account: str

    def pay(self, checkout: dict[str, Any]) -> Any:
        """Confirm the PaymentIntent as Stripe.js in the patient's browser would."""
        browser = stripe.StripeClient(STRIPE_PUBLISHABLE,
                                      base_addresses={"api": self.sandbox_url})
        intent_id = checkout["client_secret"].split("_secret_")[0]
        return browser.v1.payment_intents.confirm(
            intent_id, {"payment_method": "pm_card_visa",  # type: ignore[typeddict-unknown-key]
                        "client_secret": checkout["client_secret"],
                        "return_url": "https://video.example/return"},
            {"stripe_account": checkout["stripe_account"]})


@pytest.fixture
def cluster_env() -> dict[str, str]:
    """Extra environment for both instances (override in a test module or parametrize)."""
    return {}


@pytest.fixture
def broadcast() -> str:
    """What carries notices between the instances: "redis" or "postgres" (LISTEN/NOTIFY)."""
    return "redis"


@pytest.fixture
def webhooks_to_both() -> bool:
    """False: the sandbox delivers webhooks to instance A only."""
    return False


def _upgrade(env: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "-m", "paygate.cli", "db", "upgrade"],
                            env={**os.environ, **env}, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def cluster(tmp_path: Path, postgres_url: str, redis_url: str, mail_server: MailServer,
            webhook_secret: str, cluster_env: dict[str, str], broadcast: str,
            webhooks_to_both: bool) -> Iterator[Cluster]:
    from paygate.sandbox.app import create_sandbox_app
    from paygate.sandbox.config import SandboxConfig

    ports = {"a": procs.free_port(), "b": procs.free_port()}
    hooks = [name for name in ports if name == "a" or webhooks_to_both]
    sandbox = create_sandbox_app(SandboxConfig(
        secret_key=STRIPE_SECRET, client_id=STRIPE_CLIENT_ID,
        webhook_endpoints=tuple((f"http://127.0.0.1:{ports[n]}/webhooks/stripe",
                                 webhook_secret) for n in hooks),
        retry_schedule=(0.2, 0.5, 1.0, 2.0)))
    # Redis pub/sub channels are server-wide: a fresh org keeps this test's notices its own.
    org = f"org_{secrets.token_hex(4)}"
    with serve_asgi(sandbox) as sandbox_url:
        base_env = {
            "PAYGATE_SECRET_KEY": SECRET_KEY, "PAYGATE_DATABASE_URL": postgres_url,
            "PAYGATE_BROADCAST_URL": redis_url if broadcast == "redis" else
            postgres_url.replace("postgresql+asyncpg://", "postgresql://", 1),
            "PAYGATE_LOG_FORMAT": "text", **UNLIMITED_ENV,
            "PAYGATE_STRIPE_SECRET_KEY": STRIPE_SECRET,
            "PAYGATE_STRIPE_PUBLISHABLE_KEY": STRIPE_PUBLISHABLE,
            "PAYGATE_STRIPE_CLIENT_ID": STRIPE_CLIENT_ID,
            "PAYGATE_STRIPE_WEBHOOK_SECRET": webhook_secret,
            "PAYGATE_STRIPE_API_BASE": sandbox_url, "PAYGATE_STRIPE_CONNECT_BASE": sandbox_url,
            "PAYGATE_SMTP_URL": mail_server.url,
            "PAYGATE_MAIL_FROM": "Sunrise via paygate <payments@paygate.test>",
            **cluster_env,
        }
        _upgrade({**base_env, "PAYGATE_DATA_DIR": str(tmp_path)})
        account = _connected_account(sandbox_url)
        _seed(postgres_url, org, account)
        started: list[procs.Proc] = []
        try:
            for name, port in ports.items():
                data = tmp_path / name
                data.mkdir()
                started.append(procs.start(
                    f"paygate-{name}",
                    [sys.executable, "-m", "paygate.cli", "serve", "--port", str(port)],
                    port=port, logdir=tmp_path,
                    env={**base_env, "PAYGATE_DATA_DIR": str(data),
                         "PAYGATE_PUBLIC_URL": f"http://127.0.0.1:{port}"}))
            signer = TokenSigner(SECRET_KEY)
            a, b = (Instance(n, p, signer, org) for n, p in zip("ab", started, strict=True))
            yield Cluster(a=a, b=b, sandbox_url=sandbox_url, database_url=postgres_url,
                          mail=mail_server, account=account)
            for instance in (a, b):
                for client in instance.clients:
                    client.close()
        finally:
            for proc in started:
                proc.stop()


def _connected_account(sandbox_url: str) -> str:
    client = stripe.StripeClient(STRIPE_SECRET, base_addresses={"api": sandbox_url,
                                                                "connect": sandbox_url})
    account = client.v1.accounts.create({"type": "standard", "country": "US",
                                         "default_currency": "usd",
                                         "business_profile": {"name": "Sunrise Clinic"}})
    response = httpx.post(f"{sandbox_url}/_sandbox/accounts/{account.id}",
                          json={"charges_enabled": True})
    assert response.status_code == 200, response.text
    return str(account.id)


def _seed(database_url: str, org: str, account: str) -> None:
    async def run() -> None:
        db = Database(database_url)
        try:
            await seed_clinic(db, ClinicSeed(org_id=org, clinic_id="clinic_1",
                                             account_id=account))
        finally:
            await db.close()

    in_thread(run)


def receive(ws: ClientConnection, kind: str, timeout: float = 15.0) -> dict[str, Any]:
    """The next message of `kind`, skipping others (pings, unrelated notices)."""
    while True:
        message = json.loads(ws.recv(timeout=timeout))
        if message["type"] == kind:
            return message  # type: ignore[no-any-return]

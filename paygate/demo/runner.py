"""One process: the Stripe sandbox, mail capture and paygate, seeded with a clinic that is
enabled and linked, so a newcomer can play the whole in-call flow."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import stripe
import uvicorn

from paygate.app import create_app
from paygate.demo.mail import MailCapture
from paygate.demo.pages import DemoInfo, demo_routes
from paygate.demo.seed import ClinicSeed, seed_clinic
from paygate.sandbox.app import create_sandbox_app
from paygate.sandbox.config import SandboxConfig
from paygate.settings import Settings
from paygate.store.database import Database
from paygate.web import ws_protocol

ORG_ID, ORG_NAME = "demo-health", "Demo Health"
CLINIC_ID, CLINIC_NAME = "sunrise-clinic", "Sunrise Clinic"
# A second clinic without the add-on, to walk enablement request -> approval -> Go to Stripe.
NEW_CLINIC_ID, NEW_CLINIC_NAME = "harbour-clinic", "Harbour Clinic"
STRIPE_CLIENT_ID = "ca_paygate_demo"


@dataclass(frozen=True)
class DemoKeys:
    """Fresh test-mode keys each run: the sandbox accepts exactly these."""

    secret: str
    publishable: str
    webhook: str

    @classmethod
    def fresh(cls) -> DemoKeys:
        token = secrets.token_hex(12)
        return cls(secret=f"sk_test_{token}", publishable=f"pk_test_{token}",
                   webhook="whsec_" + secrets.token_hex(16))


@dataclass(frozen=True)
class DemoUrls:
    paygate: str
    sandbox: str

    @property
    def room(self) -> str:
        return f"{self.paygate}/demo"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo_settings(folder: Path, urls: DemoUrls, smtp_url: str, keys: DemoKeys,
                  inbound_port: int | None = None) -> Settings:
    return Settings(
        inbound_smtp=("127.0.0.1", inbound_port) if inbound_port else None,
        reply_domain="reply.paygate.demo",
        secret_key=secrets.token_urlsafe(48), database_url=f"sqlite+aiosqlite:///{folder}/demo.db",
        data_dir=folder, public_url=urls.paygate, allowed_origins=(urls.paygate,),
        stripe_secret_key=keys.secret, stripe_publishable_key=keys.publishable,
        stripe_client_id=STRIPE_CLIENT_ID, stripe_webhook_secrets=(keys.webhook,),
        stripe_api_base=urls.sandbox, stripe_connect_base=urls.sandbox,
        stripe_js_url=f"{urls.sandbox}/v3/", smtp_url=smtp_url,
        mail_from=f"{CLINIC_NAME} via paygate <payments@paygate.demo>",
        log_level="WARNING", log_format="text",
    )


async def create_account(sandbox_url: str, secret_key: str) -> str:
    client = stripe.StripeClient(secret_key, base_addresses={"api": sandbox_url},
                                 http_client=stripe.HTTPXClient(allow_sync_methods=False))
    account = await client.v1.accounts.create_async({
        "type": "standard", "country": "US", "email": "billing@sunrise.example",
        "default_currency": "usd", "business_profile": {"name": CLINIC_NAME},
    })
    # Onboarding done, as for a clinic that already takes payments: paygate's seeded link
    # and the sandbox dashboard then both say charges are enabled.
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as http:
        response = await http.post(f"/_sandbox/accounts/{account.id}",
                                   json={"charges_enabled": True})
        response.raise_for_status()
    return str(account.id)


def scratch_folder() -> Path:
    """The demo's database and files; the caller removes it when the demo stops."""
    return Path(tempfile.mkdtemp(prefix="paygate-demo-"))


async def run_demo(host: str, port: int, folder: Path, announce: bool = True) -> None:
    urls = DemoUrls(paygate=f"http://{host}:{port}", sandbox=f"http://{host}:{port + 1}")
    keys = DemoKeys.fresh()
    mail = MailCapture(_free_port())
    mail.start()
    try:
        sandbox = create_sandbox_app(SandboxConfig(
            secret_key=keys.secret, client_id=STRIPE_CLIENT_ID, public_url=urls.sandbox,
            webhook_endpoints=((f"{urls.paygate}/webhooks/stripe", keys.webhook),)))
        settings = demo_settings(folder, urls, mail.url, keys, _free_port())
        sandbox_server = uvicorn.Server(uvicorn.Config(
            sandbox, host=host, port=port + 1, log_level="warning", access_log=False))
        sandbox_task = asyncio.create_task(sandbox_server.serve())
        while not sandbox_server.started:
            if sandbox_task.done():
                await sandbox_task
                raise SystemExit(f"paygate demo: port {port + 1} is not free")
            await asyncio.sleep(0.05)
        account = await create_account(urls.sandbox, keys.secret)
        db = Database(settings.database_url)
        info = DemoInfo(org_id=ORG_ID, clinic_id=CLINIC_ID, clinic_name=CLINIC_NAME,
                        sandbox_url=urls.sandbox, account_id=account, mailbox=mail.mailbox,
                        new_clinic_id=NEW_CLINIC_ID, new_clinic_name=NEW_CLINIC_NAME)
        app = create_app(settings, migrate=True, extra_routes=demo_routes(info))
        paygate_server = uvicorn.Server(uvicorn.Config(
            app, host=host, port=port, log_level="warning", access_log=False,
            ws=ws_protocol.IMPORT, ws_per_message_deflate=False))
        paygate_task = asyncio.create_task(paygate_server.serve())
        while not paygate_server.started:
            if paygate_task.done():
                sandbox_server.should_exit = True
                await asyncio.gather(paygate_task, sandbox_task, return_exceptions=True)
                raise SystemExit(f"paygate demo: port {port} is not free")
            await asyncio.sleep(0.05)
        await seed_clinic(db, ClinicSeed(
            org_id=ORG_ID, clinic_id=CLINIC_ID, account_id=account, org_name=ORG_NAME,
            clinic_name=CLINIC_NAME, currency="usd", max_amount=100_000,
            time_zone="America/New_York"))
        await seed_clinic(db, ClinicSeed(
            org_id=ORG_ID, clinic_id=NEW_CLINIC_ID, account_id=None, org_name=ORG_NAME,
            clinic_name=NEW_CLINIC_NAME, currency="usd", addon_enabled=False))
        await db.close()
        if announce:
            print_banner(urls, account, folder)
        try:
            await asyncio.wait([sandbox_task, paygate_task],
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            sandbox_server.should_exit = paygate_server.should_exit = True
            await asyncio.gather(sandbox_task, paygate_task, return_exceptions=True)
    finally:
        with contextlib.suppress(Exception):
            mail.stop()


def print_banner(urls: DemoUrls, account: str, folder: Path) -> None:
    print(f"""
paygate demo is running (test mode: an offline Stripe sandbox, no real money).

  Demo call room   {urls.room}
  Captured email   {urls.paygate}/demo/mail
  Stripe sandbox   {urls.sandbox}/dashboard/accounts/{account}
  Clinic admin     {urls.paygate}/demo/admin/clinic-admin
  Operator         {urls.paygate}/demo/admin/operator
  Scratch folder   {folder} (removed when the demo stops)

Open the demo call room: the clinician's and the patient's views of one call, side by
side. Test cards: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined,
4000 0027 6000 3184 asks for 3-D Secure. Any future expiry date and any CVC.
Press Ctrl+C to stop.
""", flush=True)

"""The benchmark's world: a fresh database, the sandbox, one clinic linked to a connected
account, and payment requests whose PaymentIntents really succeeded on the sandbox.

Setup takes shortcuts that measurements do not: payment request rows are bulk-inserted (as
`PaymentService.create` would have written them) and access tokens are minted with the
secret key instead of exchanged one by one. Everything measured goes through paygate's
HTTP and WebSocket front doors."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import stripe
from sqlalchemy import insert

from bench import procs
from bench.load import Webhook
from paygate.demo.seed import ClinicSeed, seed_clinic
from paygate.domain.principals import Principal, Role
from paygate.services.auth.tokens import TokenSigner
from paygate.store.database import Database, utcnow
from paygate.store.models import PaymentRequest, PaymentRequestEvent

ORG, CLINIC = "org_bench", "clinic_bench"
STRIPE_SECRET = "sk_test_paygate_bench"
SEED_CHUNK = 2000


@dataclass
class World:
    database_url: str   # what paygate gets: postgresql+asyncpg://... or sqlite+aiosqlite://
    admin_url: str | None  # to drop the database at the end
    database_name: str | None
    sandbox: procs.Proc
    account: str
    secret_key: str
    webhook_secret: str
    tmp: Path
    _seq: int = 0

    @property
    def signer(self) -> TokenSigner:
        return TokenSigner(self.secret_key)

    def paygate_env(self, port: int, broadcast_url: str = "memory://") -> dict[str, str]:
        return {
            "PAYGATE_SECRET_KEY": self.secret_key, "PAYGATE_DATABASE_URL": self.database_url,
            "PAYGATE_BROADCAST_URL": broadcast_url, "PAYGATE_DATA_DIR": str(self.tmp),
            "PAYGATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "PAYGATE_STRIPE_SECRET_KEY": STRIPE_SECRET,
            "PAYGATE_STRIPE_PUBLISHABLE_KEY": "pk_test_paygate_bench",
            "PAYGATE_STRIPE_CLIENT_ID": "ca_paygate_bench",
            "PAYGATE_STRIPE_WEBHOOK_SECRET": self.webhook_secret,
            "PAYGATE_STRIPE_API_BASE": self.sandbox.url,
            "PAYGATE_STRIPE_CONNECT_BASE": self.sandbox.url,
            "PAYGATE_PAYMENT_REQUEST_TTL": str(24 * 3600),
            # The seeded requests wait minutes for their webhooks; the reconciler (first pass
            # at start-up, then hourly here) would take them for missed webhooks, settle
            # them from the sandbox meanwhile and send their notices ahead of the webhooks.
            "PAYGATE_RECONCILE_INTERVAL": "3600",
            # Thousands of sockets sign in from 127.0.0.1 within seconds.
            "PAYGATE_LIMIT_SESSIONS": "1000000/60", "PAYGATE_MAX_CONNECTIONS": "1000000",
        }

    def access_token(self, call: str) -> str:
        principal = Principal(user_id=f"doc-{call}", name="Dr Bench", role=Role.CLINICIAN,
                              org_id=ORG, clinic_id=CLINIC, call_id=call)
        expires = int((utcnow() + timedelta(hours=4)).timestamp())
        return self.signer.mint_access(principal, "bench-" + call, expires)

    async def seed_payments(self, calls: list[str]) -> list[Webhook]:
        """One payment request per entry of `calls` (in that call), its intent succeeded on
        the sandbox; returns each one's payment_intent.succeeded webhook, in order."""
        ids = [f"pr_{secrets.token_hex(12)}" for _ in calls]
        events: list[dict[str, object]] = []
        async with httpx.AsyncClient(base_url=self.sandbox.url, timeout=600) as client:
            for start in range(0, len(ids), SEED_CHUNK):
                chunk = range(start, min(start + SEED_CHUNK, len(ids)))
                response = await client.post("/_bench/seed", json={
                    "account": self.account, "intents": [
                        {"amount": 2500, "currency": "usd", "metadata": {
                            "paygate_payment_request": ids[i], "paygate_clinic": CLINIC,
                            "bench_call": calls[i]}} for i in chunk]})
                response.raise_for_status()
                events += response.json()["events"]
        now = utcnow()
        rows, history = [], []
        for request_id, call, event in zip(ids, calls, events, strict=True):
            intent = event["data"]["object"]  # type: ignore[index]
            self._seq += 1
            rows.append({
                "id": request_id, "org_id": ORG, "clinic_id": CLINIC, "call_id": call,
                "reference": f"BEN-{self._seq:07d}", "amount": 2500, "currency": "usd",
                "description": "Follow-up consultation", "status": "requested",
                "requested_by": f"doc-{call}", "requested_by_name": "Dr Bench",
                "stripe_account_id": self.account, "payment_intent_id": intent["id"],
                "client_secret": intent["client_secret"], "amount_refunded": 0,
                "version": 1, "created_at": now, "updated_at": now,
                "expires_at": now + timedelta(days=1)})
            history.append({
                "payment_request_id": request_id, "from_status": None,
                "to_status": "requested", "actor_kind": "user", "actor_id": f"doc-{call}",
                "actor_name": "Dr Bench", "detail": "requested $25.00", "created_at": now})
        db = Database(self.database_url)
        try:
            async with db.transaction() as tx:
                for start in range(0, len(rows), SEED_CHUNK):
                    await tx.execute(insert(PaymentRequest), rows[start:start + SEED_CHUNK])
                    await tx.execute(insert(PaymentRequestEvent),
                                     history[start:start + SEED_CHUNK])
        finally:
            await db.close()
        if self.database_name:
            # Tens of thousands of rows inserted at once would have autovacuum vacuum and
            # analyze both tables during the first measured run (seen: PostgreSQL at 0.35
            # cores instead of ~0.2 in it). A database that has been running is past that.
            await _pg_admin(self.database_url.replace("postgresql+asyncpg://", "postgresql://"),
                            "VACUUM (ANALYZE) payment_requests, payment_request_events")
        return [Webhook(request_id, json.dumps(event, indent=2).encode())
                for request_id, event in zip(ids, events, strict=True)]


async def _pg_admin(admin_url: str, sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def build(tmp: Path, postgres_admin_url: str | None) -> World:
    """Database (fresh PostgreSQL database, or SQLite in `tmp`), migrations, sandbox,
    connected account, clinic."""
    name = None
    if postgres_admin_url:
        name = f"paygate_bench_{secrets.token_hex(4)}"
        await _pg_admin(postgres_admin_url, f'CREATE DATABASE "{name}"')
        base = postgres_admin_url.rsplit("/", 1)[0]
        database_url = f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
    else:
        database_url = f"sqlite+aiosqlite:///{tmp / 'paygate.db'}"
    secret_key = "bench-secret-key-" + secrets.token_hex(24)
    await asyncio.to_thread(
        subprocess.run, procs.python("-m", "paygate.cli", "db", "upgrade"), check=True,
        capture_output=True, env={**os.environ, "PAYGATE_DATABASE_URL": database_url,
                                  "PAYGATE_SECRET_KEY": secret_key, "PAYGATE_DATA_DIR": str(tmp)})
    port = procs.free_port()
    sandbox = await asyncio.to_thread(
        procs.start, "sandbox", procs.python("-m", "bench.sandbox_server", "--port", str(port),
                                             "--secret-key", STRIPE_SECRET),
        port=port, env={}, logdir=tmp, ready_path="/dashboard")
    client = stripe.StripeClient(STRIPE_SECRET, base_addresses={"api": sandbox.url,
                                                                "connect": sandbox.url})
    account = await asyncio.to_thread(client.v1.accounts.create, {
        "type": "standard", "country": "US", "default_currency": "usd",
        "business_profile": {"name": "Bench Clinic"}})
    async with httpx.AsyncClient() as http:
        (await http.post(f"{sandbox.url}/_sandbox/accounts/{account.id}",
                         json={"charges_enabled": True})).raise_for_status()
    db = Database(database_url)
    try:
        await seed_clinic(db, ClinicSeed(org_id=ORG, clinic_id=CLINIC, account_id=account.id,
                                         clinic_name="Bench Clinic"))
    finally:
        await db.close()
    return World(database_url=database_url, admin_url=postgres_admin_url,
                 database_name=name, sandbox=sandbox, account=str(account.id),
                 secret_key=secret_key, webhook_secret="whsec_" + secrets.token_hex(16),
                 tmp=tmp)


async def teardown(world: World) -> None:
    world.sandbox.stop()
    if world.admin_url and world.database_name:
        await _pg_admin(world.admin_url,
                        f'DROP DATABASE IF EXISTS "{world.database_name}" WITH (FORCE)')

"""Helpers for fault tests: the payments fixtures, direct reads of paygate's database, signed
webhook deliveries, sandbox faults, and paygate run as a real `paygate serve` process."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import func, select, text

from paygate.store.database import Database
from paygate.store.models import OutboxEmail, PaymentRequestEvent
from tests.conftest import (
    STRIPE_CLIENT_ID,
    STRIPE_PUBLISHABLE,
    STRIPE_SECRET,
    UNLIMITED_ENV,
    Stack,
)
from tests.payments.conftest import clinic, in_thread, login  # noqa: F401 - fixtures
from tests.servers import free_port

T = TypeVar("T")
BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


# -- paygate's database, read as an auditor would -----------------------------------------

class PgSession:
    """Another client of paygate's PostgreSQL database (another instance, an operator's
    psql): one connection on its own thread and loop, kept across calls, so it can hold a
    transaction open while the test drives paygate."""

    def __init__(self, database_url: str) -> None:
        import asyncpg

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._conn = self._run(asyncpg.connect(
            database_url.replace("postgresql+asyncpg", "postgresql")))

    def _run(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout=30)

    def execute(self, sql: str, *args: Any) -> str:
        return str(self._run(self._conn.execute(sql, *args)))

    def close(self) -> None:
        self._run(self._conn.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()


def waiting_for_a_lock(database_url: str) -> int:
    """How many sessions on paygate's PostgreSQL database wait for a lock right now."""
    async def count(db: Database) -> int:
        async with db.sessions() as tx:
            return int(await tx.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")) or 0)
    return query(database_url, count)


def query(database_url: str, work: Callable[[Database], Coroutine[Any, Any, T]]) -> T:
    async def run() -> T:
        db = Database(database_url)
        try:
            return await work(db)
        finally:
            await db.close()

    return in_thread(run)


def paid_transitions(database_url: str, request_id: str) -> int:
    """How many times the ledger recorded this request becoming paid."""
    async def count(db: Database) -> int:
        async with db.sessions() as tx:
            return int(await tx.scalar(select(func.count()).select_from(PaymentRequestEvent)
                                       .where(PaymentRequestEvent.payment_request_id ==
                                              request_id,
                                              PaymentRequestEvent.to_status == "paid")) or 0)
    return query(database_url, count)


def receipts_queued(database_url: str, request_id: str) -> list[OutboxEmail]:
    async def rows(db: Database) -> list[OutboxEmail]:
        async with db.sessions() as tx:
            return list((await tx.scalars(select(OutboxEmail).where(
                OutboxEmail.dedupe_key == f"receipt:{request_id}"))).all())
    return query(database_url, rows)


def receipts_to(stack: Stack, address: str) -> int:
    return len([m for m in stack.mail.mailbox.messages if address in m.to])


# -- Stripe's side ----------------------------------------------------------------------

def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def deliver(url: str, event: dict[str, Any], secret: str) -> httpx.Response:
    """POST one event to paygate signed like Stripe does."""
    payload = json.dumps(event).encode()
    return httpx.post(f"{url}/webhooks/stripe", content=payload, timeout=15,
                      headers={"content-type": "application/json",
                               "stripe-signature": sign(payload, secret)})


def sandbox_faults(stack_or_url: Stack | str, **body: Any) -> dict[str, Any]:
    base = stack_or_url if isinstance(stack_or_url, str) else stack_or_url.sandbox_url
    if not body:
        response = httpx.delete(f"{base}/_sandbox/faults")
    else:
        response = httpx.post(f"{base}/_sandbox/faults", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def account_events(stack: Stack, account: str, intent_id: str) -> list[dict[str, Any]]:
    """Every event the sandbox recorded for one PaymentIntent, oldest first, as sent."""
    events = stack.stripe.v1.events.list({"limit": 100}, {"stripe_account": account})
    mine = []
    for item in events.data:
        event = json.loads(json.dumps(item.to_dict()))
        obj = event["data"]["object"]
        if obj.get("id") == intent_id or obj.get("payment_intent") == intent_id:
            mine.append(event)
    return mine[::-1]  # Stripe lists newest first


def intents_on(stack: Stack, account: str) -> list[Any]:
    return list(stack.stripe.v1.payment_intents.list(
        {"limit": 100}, {"stripe_account": account}).data)


# -- paygate as a real process ---------------------------------------------------------

@dataclass
class PaygateProcess:
    """`paygate serve` in a child process with JSON logs captured to a file."""

    env: dict[str, str]
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    logs: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "paygate.cli", "serve", "--port", str(self.port)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("paygate exited:\n" + self.log_path.read_text())
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("paygate did not start:\n" + self.log_path.read_text())

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no rollback: as a crash or an OOM kill."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def paygate_env(*, secret_key: str, webhook_secret: str, sandbox_url: str, smtp_url: str,
                database_url: str, data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment of a `paygate serve` (or another command) wired to a sandbox and a
    mail server, as an operator would set it."""
    url = database_url.replace("sqlite+aiosqlite", "sqlite").replace(
        "postgresql+asyncpg", "postgresql")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYGATE_")}
    env.update({
        "PAYGATE_SECRET_KEY": secret_key,
        "PAYGATE_DATABASE_URL": url,
        "PAYGATE_DATA_DIR": str(data_dir),
        "PAYGATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PAYGATE_STRIPE_SECRET_KEY": STRIPE_SECRET,
        "PAYGATE_STRIPE_PUBLISHABLE_KEY": STRIPE_PUBLISHABLE,
        "PAYGATE_STRIPE_CLIENT_ID": STRIPE_CLIENT_ID,
        "PAYGATE_STRIPE_WEBHOOK_SECRET": webhook_secret,
        "PAYGATE_STRIPE_API_BASE": sandbox_url,
        "PAYGATE_STRIPE_CONNECT_BASE": sandbox_url,
        "PAYGATE_SMTP_URL": smtp_url,
        "PAYGATE_LOG_FORMAT": "json",
        "PAYGATE_LOG_LEVEL": "DEBUG",
        "PYTHONUNBUFFERED": "1",
        **UNLIMITED_ENV,
        **extra,
    })
    return env


def stack_env(stack: Stack, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a command working on this stack's database."""
    return paygate_env(secret_key=stack.settings.secret_key,
                       webhook_secret=",".join(stack.settings.stripe_webhook_secrets),
                       sandbox_url=stack.sandbox_url, smtp_url=stack.mail.url,
                       database_url=stack.settings.database_url, data_dir=data_dir,
                       port=0, **extra)


@pytest.fixture
def spawn_paygate(tmp_path: Path) -> Iterator[Callable[..., PaygateProcess]]:
    started: list[PaygateProcess] = []

    def make(env: dict[str, str], port: int | None = None) -> PaygateProcess:
        proc = PaygateProcess(env=env, port=port or free_port(),
                              log_path=tmp_path / f"paygate-{len(started)}.log")
        started.append(proc)
        return proc

    yield make
    for proc in started:
        proc.stop()

"""A payment webhook that paygate acknowledged to Stripe survives PostgreSQL crashing right
after: the clinician's notice may go out before the payment is on disk, Stripe's 2xx never
does.

PostgreSQL here is a private server this test starts (initdb), so it can crash it without
disturbing the tests sharing the machine's server. Its WAL writer is stopped while the
patient pays, so nothing flushes the WAL behind paygate's back, then killed: the postmaster
does what it does after any crash (ends every backend, replays the WAL on disk). What was
only in shared memory is gone, as after a power cut."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Stack, _service_missing
from tests.payments.conftest import Clinic, Login, pay, request_payment, wait_until
from tests.servers import free_port


class PrivatePostgres:
    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir, self.root, self.port = bindir, root, free_port()
        self.data = root / "data"

    def _as_owner(self, *argv: str) -> list[str]:
        # initdb and postgres refuse to run as root.
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else list(argv)

    def start(self) -> None:
        subprocess.run(self._as_owner(str(self.bindir / "initdb"), "-D", str(self.data),
                                      "-U", "postgres", "--auth=trust", "--no-sync"),
                       check=True, capture_output=True)
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories={self.root} -c autovacuum=off")
        subprocess.run(self._as_owner(str(self.bindir / "pg_ctl"), "-D", str(self.data),
                                      "-l", str(self.root / "log"), "-o", options, "-w",
                                      "start"), check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run(self._as_owner(str(self.bindir / "pg_ctl"), "-D", str(self.data),
                                      "-m", "immediate", "stop"), capture_output=True)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def query(self, sql: str, *args: Any) -> list[Any]:
        import asyncpg

        async def run() -> list[Any]:
            conn = await asyncpg.connect(self.url, timeout=5)
            try:
                return list(await conn.fetch(sql, *args))
            finally:
                await conn.close()

        return asyncio.run(run())

    def wal_writer(self) -> int:
        rows = self.query("SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'")
        return int(rows[0]["pid"])

    def accepting(self) -> bool:
        try:
            self.query("SELECT 1")
        except Exception:
            return False
        return True


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found or shutil.which("runuser") is None:
        _service_missing("PostgreSQL's server programs (initdb)", FileNotFoundError(
            "/usr/lib/postgresql/*/bin/initdb"))
    root = Path(tempfile.mkdtemp(prefix="paygate-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    server = PrivatePostgres(Path(found[-1]).parent, root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database_url(private_postgres: PrivatePostgres) -> str:
    return private_postgres.url.replace("postgresql://", "postgresql+asyncpg://", 1)


@pytest.fixture
def stack_overrides() -> dict[str, Any]:
    return {"reconcile_interval": 3600}  # only the webhook may settle the payment


def acknowledged(stack: Stack, account: str, intent_id: str) -> bool:
    succeeded = [e for e in stack.stripe.v1.events.list(
                     {"limit": 20}, {"stripe_account": account}).data
                 if e.type == "payment_intent.succeeded"
                 and e.data.object.id == intent_id]
    return bool(succeeded) and all(e.pending_webhooks == 0 for e in succeeded)


def test_an_acknowledged_payment_survives_a_database_crash(
        login: Login, stack: Stack, clinic: Clinic,
        private_postgres: PrivatePostgres) -> None:
    clinician, patient = login("clinician"), login("patient")
    created = request_payment(clinician, 6400, "usd", "Physiotherapy session")
    checkout = patient.get(f"/api/v1/payment-requests/{created['id']}").json()
    intent_id = checkout["client_secret"].split("_secret_")[0]

    wal_writer = private_postgres.wal_writer()
    os.kill(wal_writer, signal.SIGSTOP)
    try:
        pay(stack, checkout, "pm_card_visa")
        # Stripe counts a delivery as done once the endpoint answered 2xx.
        wait_until(lambda: acknowledged(stack, clinic.account, intent_id))
        assert clinician.get(f"/api/v1/payment-requests/{created['id']}").json()[
            "status"] == "paid"
    finally:
        os.kill(wal_writer, signal.SIGKILL)  # a crash: the postmaster resets every backend
    time.sleep(0.5)
    wait_until(private_postgres.accepting, timeout=30)

    rows = private_postgres.query(
        "SELECT status, paid_at FROM payment_requests WHERE id = $1", created["id"])
    assert rows[0]["status"] == "paid" and rows[0]["paid_at"] is not None
    history = private_postgres.query(
        "SELECT to_status FROM payment_request_events WHERE payment_request_id = $1 "
        "ORDER BY id", created["id"])
    assert [h["to_status"] for h in history] == ["requested", "paid"]
    events = private_postgres.query(
        "SELECT outcome FROM webhook_events WHERE type = 'payment_intent.succeeded'")
    assert [e["outcome"] for e in events] == ["paid"]

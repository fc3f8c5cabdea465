"""PostgreSQL dropping every connection of paygate's database again and again while patients
pay, Stripe's webhooks arrive and browsers poll: afterwards every payment is settled once
and every patient has exactly one receipt.

Connections are cut with pg_terminate_backend (what a server restart does to its clients)
for this test's database only, so other tests sharing the server are not disturbed."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import pytest

from tests.conftest import POSTGRES_URL, Stack
from tests.payments.conftest import Clinic, Login, pay, request_payment, status_of, wait_until
from tests.reliability.conftest import paid_transitions, receipts_to

PAYMENTS = 8


def cut_connections(database: str) -> int:
    """Terminate every backend of `database`; how many there were."""
    import asyncpg

    async def cut() -> int:
        conn = await asyncpg.connect(POSTGRES_URL, timeout=5)
        try:
            return int(await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()", database))
        finally:
            await conn.close()

    return asyncio.run(cut())


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("stack_overrides", [{"reconcile_interval": 1}])
def test_connections_cut_under_load_lose_and_double_nothing(
        login: Login, stack: Stack, clinic: Clinic) -> None:
    database = stack.settings.database_url.rsplit("/", 1)[1]
    clinician, patient = login("clinician"), login("patient")
    created = [request_payment(clinician, 2000 + n, description=f"Session {n}")
               for n in range(PAYMENTS)]
    checkouts = []
    for n, item in enumerate(created):
        assert patient.post(f"/api/v1/payment-requests/{item['id']}/receipt",
                            json={"email": f"patient{n}@example.com"}).status_code == 200
        checkouts.append(patient.get(f"/api/v1/payment-requests/{item['id']}").json())

    stop = threading.Event()
    answers: list[int] = []
    cut: list[int] = []

    def browse() -> None:  # both people's browsers keep asking while it happens
        with httpx.Client(base_url=stack.url, timeout=10,
                          headers=dict(clinician.headers)) as doctor:
            while not stop.is_set():
                for path in ["/api/v1/calls/call_1/payment-requests",
                             f"/api/v1/payment-requests/{created[0]['id']}"]:
                    try:
                        answers.append(doctor.get(path).status_code)
                    except httpx.HTTPError:
                        answers.append(0)

    def chaos() -> None:
        while not stop.is_set():
            cut.append(cut_connections(database))
            time.sleep(0.15)

    workers = [threading.Thread(target=browse), threading.Thread(target=chaos)]
    for worker in workers:
        worker.start()
    try:
        for checkout in checkouts:  # Stripe takes each payment and sends its webhooks
            pay(stack, checkout)
            time.sleep(0.1)
        time.sleep(1.0)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert sum(cut) > PAYMENTS  # paygate's connections were cut again and again
    assert 200 in answers  # and the API kept serving between the cuts

    for item in created:
        wait_until(lambda i=item: status_of(clinician, i["id"]) == "paid", timeout=30)
    stack.mail.mailbox.wait_for(lambda m: "patient" in m.to, count=PAYMENTS, timeout=30)
    time.sleep(1.5)  # room for any late duplicate (a retried webhook, a reconcile pass)
    for n, item in enumerate(created):
        assert paid_transitions(stack.settings.database_url, item["id"]) == 1
        assert receipts_to(stack, f"patient{n}@example.com") == 1
    shown: Any = clinician.get("/api/v1/calls/call_1/payment-requests").json()["requests"]
    assert sorted(r["status"] for r in shown) == ["paid"] * PAYMENTS

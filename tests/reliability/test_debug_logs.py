"""A real `paygate serve` at PAYGATE_LOG_LEVEL=DEBUG, through a payment with a receipt:
what it logs carries no clinical description, no patient email and no session id, although
the libraries under it (aiosqlite, the Stripe SDK) log every statement and request at DEBUG.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from paygate.store.database import Database
from paygate.store.models import AuthSession
from tests.payments.conftest import wait_until
from tests.reliability.conftest import query
from tests.reliability.test_process_death import (  # noqa: F401 (the world fixture)
    World,
    confirm_with_card,
    status,
    world,
)

DESCRIPTION = "Follow-up for left knee ligament tear"
PATIENT = "kneepatient@example.com"


def session_ids(database_url: str) -> list[str]:
    async def read(db: Database) -> list[str]:
        async with db.sessions() as tx:
            return list((await tx.scalars(select(AuthSession.id))).all())
    return query(database_url, read)


def pay_with_receipt(here: World) -> str:
    with here.client("clinician") as clinician, here.client("patient") as patient:
        created = clinician.post("/api/v1/calls/call_1/payment-requests", json={
            "amount": 4500, "currency": "usd", "description": DESCRIPTION})
        assert created.status_code == 201, created.text
        request_id = str(created.json()["id"])
        assert patient.post(f"/api/v1/payment-requests/{request_id}/receipt",
                            json={"email": PATIENT}).status_code == 200
        checkout = patient.get(f"/api/v1/payment-requests/{request_id}").json()
        confirm_with_card(here, checkout, "4242424242424242")
        wait_until(lambda: status(here.database_url, request_id) == "paid")
        assert patient.get(f"/api/v1/payment-requests/{request_id}").json()["status"] == "paid"
    return request_id


def test_debug_logs_carry_no_description_email_or_session_id(
        world: World, tmp_path: Path) -> None:  # noqa: F811
    log = tmp_path / "paygate.log"
    paygate = world.process(log)
    paygate.start()
    request_id = pay_with_receipt(world)
    world.mail.mailbox.wait_for(lambda m: PATIENT in m.to)  # the receipt went out
    paygate.stop()

    logged = log.read_text()
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    assert any(line.get("logger", "").startswith("paygate") for line in lines)
    assert any(request_id in line.get("msg", "") or request_id in json.dumps(line)
               for line in lines)  # paygate's own lines are still written, ids and all
    sessions = session_ids(world.database_url)
    assert len(sessions) >= 2
    for secret in (DESCRIPTION, PATIENT, *sessions):
        assert secret not in logged, f"{secret!r} is in paygate's DEBUG log"

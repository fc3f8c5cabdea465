"""Two paygate instances (separate processes) on one PostgreSQL database and one Redis:
what happens on one reaches the sockets held by the other, a lost pub/sub connection costs
nothing but a fresh snapshot, and background work (receipts, expiry) is done once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from paygate.store.database import Database
from paygate.store.models import PaymentRequestEvent
from tests.payments.conftest import in_thread
from tests.scale.conftest import Cluster, receive

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def request_payment(client: httpx.Client, amount: int = 2500,
                    description: str = "Follow-up consultation") -> dict[str, object]:
    response = client.post("/api/v1/calls/call_1/payment-requests",
                           json={"amount": amount, "currency": "usd",
                                 "description": description})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def checkout(patient: httpx.Client, request_id: object, email: str) -> dict[str, object]:
    response = patient.post(f"/api/v1/payment-requests/{request_id}/receipt",
                            json={"email": email})
    assert response.status_code == 200, response.text
    return patient.get(f"/api/v1/payment-requests/{request_id}").json()  # type: ignore[no-any-return]


def transitions(cluster: Cluster, request_id: object, to_status: str) -> int:
    async def run() -> int:
        db = Database(cluster.database_url)
        try:
            async with db.sessions() as tx:
                return int(await tx.scalar(select(func.count()).select_from(
                    PaymentRequestEvent).where(
                    PaymentRequestEvent.payment_request_id == request_id,
                    PaymentRequestEvent.to_status == to_status)) or 0)
        finally:
            await db.close()

    return in_thread(run)


@pytest.mark.parametrize("broadcast", ["redis", "postgres"])
def test_a_payment_confirmed_through_instance_a_reaches_the_clinician_on_instance_b(
        cluster: Cluster) -> None:
    clinician_on_a = cluster.a.login("clinician")
    patient_on_b = cluster.b.login("patient")
    with cluster.b.socket("clinician") as doctor:
        assert receive(doctor, "snapshot")["requests"] == []
        created = request_payment(clinician_on_a, 4500, "Physiotherapy session")
        notice = receive(doctor, "request.updated")["request"]
        assert (notice["id"], notice["status"]) == (created["id"], "requested")

        paid = cluster.pay(checkout(patient_on_b, created["id"], "pat@example.com"))
        assert paid.status == "succeeded"
        # The sandbox delivers the webhook to A only; B's socket hears it through Redis.
        while (notice := receive(doctor, "request.updated")["request"])["status"] != "paid":
            assert notice["id"] == created["id"]
        assert notice["id"] == created["id"]
        assert notice["amount"] == 4500

    [mail] = cluster.mail.mailbox.wait_for(lambda m: "pat@example.com" in m.to)
    assert str(created["reference"]) in mail.subject
    time.sleep(2.5)  # both instances' outbox workers have polled by now
    assert len([m for m in cluster.mail.mailbox.messages if "pat@example.com" in m.to]) == 1


def test_a_lost_pubsub_connection_gives_the_socket_a_fresh_snapshot_and_notices_resume(
        cluster: Cluster, redis_url: str) -> None:
    import redis

    clinician_on_a = cluster.a.login("clinician")
    before = request_payment(clinician_on_a, 1500, "Earlier today")
    admin = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        with cluster.b.socket("clinician") as doctor:
            assert [r["id"] for r in receive(doctor, "snapshot")["requests"]] == [before["id"]]
            assert admin.client_kill_filter(_type="pubsub") >= 2  # both instances' links
            fresh = receive(doctor, "snapshot", timeout=20)
            assert [r["id"] for r in fresh["requests"]] == [before["id"]]
            after = request_payment(clinician_on_a, 2000, "After the outage")
            notice = receive(doctor, "request.updated")["request"]
            assert (notice["id"], notice["status"]) == (after["id"], "requested")
    finally:
        admin.close()


@pytest.mark.parametrize("webhooks_to_both", [True])
def test_webhooks_delivered_to_both_instances_settle_once_and_send_one_receipt_each(
        cluster: Cluster) -> None:
    clinician = cluster.a.login("clinician")
    patient = cluster.b.login("patient")
    created = [request_payment(clinician, 1000 + n, f"Session {n}") for n in range(3)]
    for n, request in enumerate(created):
        assert cluster.pay(checkout(patient, request["id"], f"p{n}@example.com")).status \
            == "succeeded"

    mails = cluster.mail.mailbox.wait_for(lambda m: "@example.com" in m.to, count=3)
    time.sleep(2.5)  # let both instances' workers and every duplicate delivery finish
    receipts = sorted(m.to for m in cluster.mail.mailbox.messages if "@example.com" in m.to)
    assert receipts == ["p0@example.com", "p1@example.com", "p2@example.com"], mails
    for request in created:
        status = clinician.get(f"/api/v1/payment-requests/{request['id']}").json()["status"]
        assert status == "paid"
        assert transitions(cluster, request["id"], "paid") == 1


@pytest.mark.parametrize("cluster_env", [{"PAYGATE_PAYMENT_REQUEST_TTL": "2"}])
def test_a_request_expiring_while_both_instances_look_is_expired_once(
        cluster: Cluster) -> None:
    clinician_on_a = cluster.a.login("clinician")
    clinician_on_b = cluster.b.login("clinician")
    created = request_payment(clinician_on_a)
    time.sleep(2.5)

    def look(client: httpx.Client) -> str:
        return str(client.get(f"/api/v1/payment-requests/{created['id']}").json()["status"])

    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(look, [clinician_on_a, clinician_on_b] * 4))
    assert set(seen) == {"expired"}
    assert transitions(cluster, created["id"], "expired") == 1
    with cluster.b.socket("clinician") as doctor:
        [shown] = receive(doctor, "snapshot")["requests"]
        assert shown["status"] == "expired"



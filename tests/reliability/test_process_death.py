"""paygate as a real `paygate serve` process: SIGKILLed after receiving Stripe's webhook and
before committing it, then restarted; Stripe's retry settles the payment exactly once.
And a scan of everything paygate wrote (its JSON logs, every column of its database) after
payments with real card numbers finds no card number."""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from sqlalchemy import select, text

from paygate.demo.seed import ClinicSeed, seed_clinic
from paygate.sandbox.app import create_sandbox_app
from paygate.sandbox.config import SandboxConfig
from paygate.services.auth.tokens import TokenSigner
from paygate.store.database import Database, upgrade
from paygate.store.models import Base, PaymentRequest, WebhookEvent
from tests.conftest import SECRET_KEY, STRIPE_CLIENT_ID, STRIPE_PUBLISHABLE, STRIPE_SECRET, mint
from tests.mailbox import MailServer
from tests.payments.conftest import in_thread, wait_until
from tests.reliability.conftest import (
    PaygateProcess,
    PgSession,
    paid_transitions,
    paygate_env,
    query,
    waiting_for_a_lock,
)
from tests.servers import free_port, serve_asgi

PATIENT = "crash@example.com"
CARD_RUN = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# A digest or id in hex (paygate's pr_ ids, signatures, hashes) holds long runs of decimal
# digits by chance: about 1 in 400 such ids has a Luhn-valid run of 13. A card number is
# never the middle of a hex word, so a run inside one of 20 or more hex characters is not
# counted.
HEX_WORD = re.compile(r"[0-9a-fA-F]{20,}")


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def card_numbers_in(text_: str) -> list[str]:
    """Luhn-valid runs of 13 to 19 digits (spaces or dashes between groups allowed)."""
    found = []
    hex_words = [m.span() for m in HEX_WORD.finditer(text_)
                 if re.search(r"[a-fA-F]", m.group(0))]
    for match in CARD_RUN.finditer(text_):
        if any(start <= match.start() and match.end() <= end for start, end in hex_words):
            continue
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            found.append(match.group(0))
    return found


@dataclass
class World:
    """A sandbox whose webhooks go to a paygate process, a mail server and a database."""

    sandbox_url: str
    mail: MailServer
    database_url: str
    port: int
    webhook_secret: str
    account: str
    signer: TokenSigner
    data_dir: Path
    processes: list[PaygateProcess]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def process(self, log: Path, **extra: str) -> PaygateProcess:
        env = paygate_env(secret_key=SECRET_KEY, webhook_secret=self.webhook_secret,
                          sandbox_url=self.sandbox_url, smtp_url=self.mail.url,
                          database_url=self.database_url, data_dir=self.data_dir,
                          port=self.port, PAYGATE_RECONCILE_INTERVAL="3600", **extra)
        process = PaygateProcess(env=env, port=self.port, log_path=log)
        self.processes.append(process)
        return process

    def client(self, role: str) -> httpx.Client:
        response = httpx.post(f"{self.url}/api/v1/sessions",
                              json={"launch_token": mint(self.signer, role)})
        assert response.status_code == 201, response.text
        return httpx.Client(base_url=self.url, timeout=15, headers={
            "Authorization": f"Bearer {response.json()['access_token']}"})


@pytest.fixture
def world(database_url: str, mail_server: MailServer, tmp_path: Path) -> Iterator[World]:
    port = free_port()
    secret = "whsec_" + secrets.token_hex(16)
    sandbox = create_sandbox_app(SandboxConfig(
        secret_key=STRIPE_SECRET, client_id=STRIPE_CLIENT_ID,
        webhook_endpoints=((f"http://127.0.0.1:{port}/webhooks/stripe", secret),),
        retry_schedule=(0.5, 0.5, 1.0, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0)))
    with serve_asgi(sandbox) as sandbox_url:
        platform = stripe.StripeClient(STRIPE_SECRET, base_addresses={"api": sandbox_url})
        account = platform.v1.accounts.create({"type": "standard", "country": "US",
                                               "default_currency": "usd",
                                               "business_profile": {"name": "Sunrise"}})
        httpx.post(f"{sandbox_url}/_sandbox/accounts/{account.id}",
                   json={"charges_enabled": True}).raise_for_status()
        upgrade(database_url)

        async def seed() -> None:
            db = Database(database_url)
            try:
                await seed_clinic(db, ClinicSeed(org_id="org_1", clinic_id="clinic_1",
                                                 account_id=account.id))
            finally:
                await db.close()

        in_thread(seed)
        made = World(sandbox_url, mail_server, database_url, port, secret, str(account.id),
                     TokenSigner(SECRET_KEY), tmp_path, [])
        try:
            yield made
        finally:
            for process in made.processes:
                process.stop()


class HeldLock:
    """A lock on paygate's database, taken from outside."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._sqlite: sqlite3.Connection | None = None
        self._pg: PgSession | None = None

    def take(self) -> None:
        if self._url.startswith("sqlite"):
            # The whole database: paygate cannot even store the event.
            self._sqlite = sqlite3.connect(self._url.split(":///", 1)[1],
                                           isolation_level=None, check_same_thread=False)
            self._sqlite.execute("BEGIN IMMEDIATE")
            return
        self._pg = PgSession(self._url)
        self._pg.execute("BEGIN")
        # The payment requests only: reading the request a webhook concerns blocks.
        self._pg.execute("LOCK TABLE payment_requests IN ACCESS EXCLUSIVE MODE")

    def release(self) -> None:
        if self._sqlite is not None:
            self._sqlite.execute("ROLLBACK")
            self._sqlite.close()
        if self._pg is not None:
            self._pg.execute("ROLLBACK")
            self._pg.close()


def inbox(database_url: str) -> list[WebhookEvent]:
    async def rows(db: Database) -> list[WebhookEvent]:
        async with db.sessions() as tx:
            return list((await tx.scalars(select(WebhookEvent))).all())
    return query(database_url, rows)


def status(database_url: str, request_id: str) -> str:
    async def read(db: Database) -> str:
        async with db.sessions() as tx:
            row = await tx.get(PaymentRequest, request_id)
            assert row is not None
            return row.status
    return query(database_url, read)


def confirm_with_card(world: World, checkout: dict[str, Any], number: str) -> Any:
    """What Stripe.js does in the patient's browser: the card number goes to Stripe only."""
    browser = stripe.StripeClient(STRIPE_PUBLISHABLE, base_addresses={"api": world.sandbox_url})
    method = browser.v1.payment_methods.create({"type": "card", "card": {  # type: ignore[typeddict-item]
        "number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}},
        {"stripe_account": checkout["stripe_account"]})
    intent_id = checkout["client_secret"].split("_secret_")[0]
    try:
        return browser.v1.payment_intents.confirm(intent_id, {  # type: ignore[typeddict-unknown-key]
            "payment_method": method.id, "client_secret": checkout["client_secret"]},
            {"stripe_account": checkout["stripe_account"]})
    except stripe.CardError as exc:
        return exc


def request_and_checkout(world: World, amount: int, email: str | None = PATIENT
                         ) -> tuple[dict[str, Any], dict[str, Any]]:
    with world.client("clinician") as clinician, world.client("patient") as patient:
        created = clinician.post("/api/v1/calls/call_1/payment-requests", json={
            "amount": amount, "currency": "usd", "description": "Consultation"})
        assert created.status_code == 201, created.text
        request_id = created.json()["id"]
        if email:
            assert patient.post(f"/api/v1/payment-requests/{request_id}/receipt",
                                json={"email": email}).status_code == 200
        return created.json(), patient.get(f"/api/v1/payment-requests/{request_id}").json()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_killed_before_committing_a_webhook_then_stripes_retry_pays_once(
        world: World, tmp_path: Path) -> None:
    paygate = world.process(tmp_path / "paygate.log")
    paygate.start()
    created, checkout = request_and_checkout(world, 8800)
    lock = HeldLock(world.database_url)
    lock.take()
    try:
        confirm_with_card(world, checkout, "4242424242424242")
        if world.database_url.startswith("sqlite"):
            time.sleep(1.0)  # the delivery is in paygate, waiting for the write lock
        else:
            # The delivery is in paygate, reading its request, waiting for the lock; the
            # event is recorded with its move, in one statement, so nothing is stored yet
            # and Stripe, unanswered, will send it again.
            wait_until(lambda: waiting_for_a_lock(world.database_url) > 0, timeout=10)
            assert [row.type for row in inbox(world.database_url)
                    if row.type.startswith(("charge.", "payment_intent.succeeded"))] == []
        paygate.kill()
    finally:
        lock.release()
    assert status(world.database_url, created["id"]) == "requested"

    paygate.start()  # the same address: Stripe's retries find it again
    wait_until(lambda: status(world.database_url, created["id"]) == "paid", timeout=45)
    assert paid_transitions(world.database_url, created["id"]) == 1
    world.mail.mailbox.wait_for(lambda m: PATIENT in m.to)
    wait_until(lambda: all(row.processed_at for row in inbox(world.database_url)),
               timeout=20)
    time.sleep(1.0)
    assert len([m for m in world.mail.mailbox.messages if PATIENT in m.to]) == 1
    with world.client("clinician") as clinician:
        shown = clinician.get(f"/api/v1/payment-requests/{created['id']}").json()
    assert (shown["status"], shown["card_last4"]) == ("paid", "4242")


def test_no_card_number_in_paygates_logs_or_database(world: World, tmp_path: Path) -> None:
    assert card_numbers_in("paid with 4242 4242 4242 4242 today") == ["4242 4242 4242 4242"]
    assert card_numbers_in("pi_3Nabc 1712345678 2500 USD 4242") == []
    assert card_numbers_in("pr_c0ffee5706208800000b1a5e d1") == []  # a hex id, by chance
    assert card_numbers_in("pan=4242424242424242;") == ["4242424242424242"]
    log = tmp_path / "paygate.log"
    paygate = world.process(log)
    paygate.start()
    cards = {"5555555555554444": "paid", "4000000000000002": "failed",
             "4000002760003184": "processing"}
    made = []
    for n, (number, _) in enumerate(cards.items()):
        created, checkout = request_and_checkout(world, 1000 + n, f"p{n}@example.com")
        confirm_with_card(world, checkout, number)
        made.append(created["id"])
    for request_id, expected in zip(made, cards.values(), strict=True):
        wait_until(lambda r=request_id, e=expected: status(world.database_url, r) == e)
    world.mail.mailbox.wait_for(lambda m: "p0@example.com" in m.to)
    paygate.stop()

    logged = log.read_text()
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    assert any(line.get("path") == "/webhooks/stripe" and line.get("outcome") == "paid"
               for line in lines)  # the webhooks' lines were written, and scanned below
    assert card_numbers_in(logged) == []
    dump = dump_database(world.database_url)
    assert "mastercard" in dump and "4444" in dump  # brand and last 4 are kept
    assert card_numbers_in(dump) == []
    for number in cards:
        assert number not in logged and number not in dump


def dump_database(database_url: str) -> str:
    """Every value of every column of every table, one row per line."""
    async def dump(db: Database) -> str:
        lines = []
        async with db.sessions() as tx:
            for table in Base.metadata.sorted_tables:
                for row in (await tx.execute(text(f'SELECT * FROM "{table.name}"'))).all():
                    lines.append(" | ".join(str(value) for value in row))
        return "\n".join(lines)
    return query(database_url, dump)

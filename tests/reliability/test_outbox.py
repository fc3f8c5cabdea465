"""The email outbox against a real SMTP server: one email per fact, transient failures
retried with backoff, permanent ones marked dead and resendable."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import insert, select

from paygate.adapters.smtp import SmtpTransport
from paygate.domain.principals import Principal, Role
from paygate.services.mail.outbox import Draft, Outbox
from paygate.services.mail.undelivered import UndeliveredMail
from paygate.store.database import Database, upgrade_async
from paygate.store.models import OutboxEmail
from tests.mailbox import MailServer
from tests.servers import free_port

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    await upgrade_async(database_url)
    database = Database(database_url)
    yield database
    await database.close()


def outbox(db: Database, smtp_url: str, **kwargs: float) -> Outbox:
    return Outbox(db, SmtpTransport(smtp_url, timeout=5), "Clinic <pay@paygate.test>",
                  domain="paygate.test", base_delay=kwargs.get("base_delay", 0.05),
                  max_attempts=int(kwargs.get("max_attempts", 4)))


def receipt(key: str = "receipt:pr_1", to: str = "pat@example.com") -> Draft:
    return Draft(kind="receipt", dedupe_key=key, to=to, subject="Your receipt",
                 text="Paid USD 12.50", html="<p>Paid <b>USD 12.50</b></p>",
                 reply_to="desk@clinic.example", clinic_id="c1")


async def status_of(db: Database, key: str) -> OutboxEmail:
    async with db.sessions() as tx:
        row = await tx.scalar(select(OutboxEmail).where(OutboxEmail.dedupe_key == key))
    assert row is not None
    return row


async def drain(box: Outbox, rounds: int = 40) -> None:
    for _ in range(rounds):
        await box.send_due()
        await asyncio.sleep(0.05)


@BOTH
async def test_one_email_per_fact_with_a_stable_message_id(
        db: Database, mail_server: MailServer) -> None:
    box = outbox(db, mail_server.url)
    async with db.transaction() as tx:
        assert await box.enqueue(tx, receipt())
    async with db.transaction() as tx:
        assert not await box.enqueue(tx, receipt())
    await box.send_due()
    await box.send_due()
    [mail] = mail_server.mailbox.wait_for(count=1)
    assert mail.to == "pat@example.com" and mail.subject == "Your receipt"
    assert mail.message["Message-ID"] == box.message_id("receipt:pr_1")
    assert mail.message["Reply-To"] == "desk@clinic.example"
    assert "USD 12.50" in mail.text() and "<b>USD 12.50</b>" in mail.html()
    await asyncio.sleep(0.2)
    assert len(mail_server.mailbox.messages) == 1


async def test_an_email_queued_in_a_rolled_back_transaction_is_never_sent(
        db: Database, mail_server: MailServer) -> None:
    box = outbox(db, mail_server.url)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await box.enqueue(tx, receipt())
            raise RuntimeError("the payment update failed")
    await box.send_due()
    await asyncio.sleep(0.2)
    assert mail_server.mailbox.messages == []


async def test_451_is_retried_until_the_server_accepts(
        db: Database, mail_server: MailServer) -> None:
    box = outbox(db, mail_server.url)
    mail_server.mailbox.refuse_with = "451 4.3.0 Try again later"
    async with db.transaction() as tx:
        await box.enqueue(tx, receipt())
    await box.send_due()
    row = await status_of(db, "receipt:pr_1")
    assert row.status == "pending" and row.attempts == 1 and "451" in (row.last_error or "")
    mail_server.mailbox.refuse_with = None
    await drain(box)
    assert (await status_of(db, "receipt:pr_1")).status == "sent"
    assert len(mail_server.mailbox.messages) == 1


async def test_550_is_dead_at_once_and_resend_delivers(
        db: Database, mail_server: MailServer) -> None:
    box = outbox(db, mail_server.url)
    mail_server.mailbox.refuse_with = "550 5.1.1 Mailbox unavailable"
    async with db.transaction() as tx:
        await box.enqueue(tx, receipt())
    await drain(box, rounds=3)
    row = await status_of(db, "receipt:pr_1")
    assert row.status == "dead" and row.attempts == 1 and "550" in (row.last_error or "")
    mail_server.mailbox.refuse_with = None
    await box.resend(row.id)
    await drain(box, rounds=3)
    assert (await status_of(db, "receipt:pr_1")).status == "sent"
    assert len(mail_server.mailbox.messages) == 1


async def test_server_down_for_a_while_then_back(db: Database) -> None:
    port = free_port()
    box = outbox(db, f"smtp://127.0.0.1:{port}")
    async with db.transaction() as tx:
        await box.enqueue(tx, receipt())
    await box.send_due()
    row = await status_of(db, "receipt:pr_1")
    assert row.status == "pending" and row.attempts == 1
    server = MailServer(port)
    server.start()
    try:
        await drain(box)
        assert (await status_of(db, "receipt:pr_1")).status == "sent"
        assert len(server.mailbox.messages) == 1
    finally:
        server.stop()


async def test_gives_up_after_the_last_attempt(db: Database) -> None:
    box = outbox(db, f"smtp://127.0.0.1:{free_port()}", max_attempts=3)
    async with db.transaction() as tx:
        await box.enqueue(tx, receipt())
    await drain(box, rounds=30)
    row = await status_of(db, "receipt:pr_1")
    assert row.status == "dead" and row.attempts == 3


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_workers_on_postgres_send_each_email_once(
        db: Database, mail_server: MailServer) -> None:
    first, second = outbox(db, mail_server.url), outbox(db, mail_server.url)
    async with db.transaction() as tx:
        for n in range(30):
            await first.enqueue(tx, receipt(key=f"receipt:pr_{n}", to=f"p{n}@example.com"))
    await asyncio.gather(drain(first, rounds=5), drain(second, rounds=5))
    received = mail_server.mailbox.wait_for(count=30)
    assert sorted(m.to for m in received) == sorted(f"p{n}@example.com" for n in range(30))
    await asyncio.sleep(0.2)
    assert len(mail_server.mailbox.messages) == 30


def unbuildable(database_url: str) -> dict[str, Draft]:
    """Rows that passed yesterday's checks: what old data in the outbox may hold."""
    bad = {
        "receipt:bad_domain": receipt("receipt:bad_domain", to="a@b..example"),
        "receipt:crlf_name": Draft(
            kind="receipt", dedupe_key="receipt:crlf_name", to="pat2@example.com",
            subject="Payment receipt from Sunrise\r\nBcc: everyone@example.com",
            text="Paid", clinic_id="c1"),
        "case:1:comment:1": Draft(
            kind="case_update", dedupe_key="case:1:comment:1", to="dana@sunrise.example",
            subject="[PG-000001] We received your request", text="Hello",
            reply_to="desk@clinic.example\r\nBcc: everyone@example.com"),
    }
    if database_url.startswith("sqlite"):  # PostgreSQL text cannot even hold a NUL
        bad["receipt:nul"] = receipt("receipt:nul", to="a@b.example\x00")
    return bad


@BOTH
async def test_rows_that_cannot_be_sent_are_given_up_with_the_reason_and_the_pass_goes_on(
        db: Database, mail_server: MailServer, database_url: str,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="paygate.outbox")
    box = outbox(db, mail_server.url, max_attempts=3)
    bad = unbuildable(database_url)
    good = [receipt(f"receipt:good_{n}", to=f"good{n}@example.com") for n in range(3)]
    async with db.transaction() as tx:  # inserted as old data would be: no checks
        for draft in [*bad.values(), *good]:  # the bad ones first, in the same pass
            await tx.execute(insert(OutboxEmail).values(**box.email_values(draft)))
    assert await box.send_due() == len(bad) + len(good)
    delivered = mail_server.mailbox.wait_for(count=len(good))
    assert sorted(m.to for m in delivered) == [f"good{n}@example.com" for n in range(3)]
    for key in bad:  # given up at once: trying again cannot make them valid
        row = await status_of(db, key)
        assert (row.status, row.attempts) == ("dead", 1), (key, row.status, row.last_error)
    operator = Principal(user_id="op", name="Omar", role=Role.OPERATOR, org_id="")
    shown = {u.to: u for u in await UndeliveredMail(db, box).list_for(operator)}
    assert {d.to for d in bad.values()} <= set(shown)
    assert all(shown[d.to].given_up and shown[d.to].last_error for d in bad.values())
    assert "cannot be written" in (shown["pat2@example.com"].last_error or "")
    for key in (d.dedupe_key for d in good):
        assert (await status_of(db, key)).status == "sent"
    await asyncio.sleep(0.2)
    assert len(mail_server.mailbox.messages) == len(good)  # nothing went to a Bcc
    given_up = [r for r in caplog.records if r.getMessage() == "email refused"]
    assert len(given_up) == len(bad) and not any(r.exc_info for r in caplog.records)

"""Everything a running app holds, built from settings in the lifespan and handed down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from paygate.adapters.broadcast import make_broadcast
from paygate.services.cases import CaseService
from paygate.services.clinics import ClinicService
from paygate.services.outbox import Outbox
from paygate.services.outbox_admin import UndeliveredMail
from paygate.services.pay_links import PayLinkService
from paygate.services.payment_ledger import RequestLedger
from paygate.services.payments import PaymentService
from paygate.services.ports import Broadcast, MailTransport, PaymentGateway
from paygate.services.reconciliation import Reconciler
from paygate.services.refunds import RefundService
from paygate.services.reports import ReportService
from paygate.services.sessions import SessionService
from paygate.services.tokens import TokenSigner
from paygate.services.webhooks import WebhookService
from paygate.settings import Settings
from paygate.store.database import Database
from paygate.store.event_store import EventStore

logger = logging.getLogger("paygate.runtime")


def make_gateway(settings: Settings) -> PaymentGateway | None:
    if not settings.stripe_secret_key:
        return None
    from paygate.adapters.stripe_gateway import StripeGateway

    return StripeGateway(
        secret_key=settings.stripe_secret_key,
        publishable_key=settings.stripe_publishable_key,
        client_id=settings.stripe_client_id,
        webhook_secrets=settings.stripe_webhook_secrets,
        api_base=settings.stripe_api_base,
        connect_base=settings.stripe_connect_base,
        timeout=float(settings.stripe_timeout),
    )


def make_mail_transport(settings: Settings) -> MailTransport | None:
    if not settings.smtp_url:
        return None
    from paygate.adapters.smtp import SmtpTransport

    return SmtpTransport(settings.smtp_url)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    signer: TokenSigner
    sessions: SessionService
    gateway: PaymentGateway | None
    broadcast: Broadcast
    outbox: Outbox
    events: EventStore
    webhooks: WebhookService
    payments: PaymentService
    clinics: ClinicService
    cases: CaseService
    reports: ReportService
    reconciler: Reconciler
    undelivered: UndeliveredMail
    refunds: RefundService
    pay_links: PayLinkService
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        db = Database(settings.database_url)
        signer = TokenSigner(settings.secret_key, settings.launch_token_max_ttl)
        gateway = make_gateway(settings)
        domain = urlsplit(settings.public_url or "http://paygate.local").hostname
        broadcast = make_broadcast(settings.broadcast_url)
        outbox = Outbox(db, make_mail_transport(settings), settings.mail_from,
                        domain=domain or "paygate.local")
        events = EventStore(db)
        webhooks = WebhookService(db, events, gateway)
        payments = PaymentService(db, events, gateway, broadcast, outbox, settings)
        clinics = ClinicService(db, gateway, outbox, settings, payments)
        payments.register_webhooks(webhooks)
        clinics.register_webhooks(webhooks)
        refunds = RefundService(db, gateway, RequestLedger(db, broadcast, outbox, settings),
                                outbox)
        refunds.register_webhooks(webhooks)
        sessions = SessionService(db, signer, settings.access_token_ttl,
                                  settings.admin_session_ttl)
        return cls(
            settings=settings, db=db, signer=signer, sessions=sessions,
            gateway=gateway, broadcast=broadcast, outbox=outbox, events=events,
            webhooks=webhooks,
            payments=payments, clinics=clinics, cases=CaseService(db, outbox, settings),
            reports=ReportService(db),
            reconciler=Reconciler(db, payments, webhooks, sessions.purge_expired,
                                  settings.reconcile_interval),
            undelivered=UndeliveredMail(db, outbox),
            refunds=refunds, pay_links=PayLinkService(db, signer, sessions, payments, outbox,
                                                      broadcast, settings.payment_request_ttl),
        )

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(coro, name=name))

    async def start(self) -> None:
        await self.broadcast.connect()
        if self.settings.run_workers:
            self.spawn(self.outbox.run(), "outbox")
            self.spawn(self.reconciler.run(), "reconciler")

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        await self.broadcast.disconnect()
        if self.gateway is not None:
            await self.gateway.aclose()
        await self.events.close()
        await self.db.close()

"""Everything a running app holds, built from settings in the lifespan and handed down."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from paygate.adapters.broadcast import make_broadcast
from paygate.metrics import Metrics
from paygate.services.auth.launch import LaunchTokens
from paygate.services.auth.sessions import SessionService
from paygate.services.auth.tokens import TokenSigner
from paygate.services.clinics.service import ClinicService
from paygate.services.desk.clock import CaseClock
from paygate.services.desk.inbound import InboundMail
from paygate.services.desk.service import CaseService
from paygate.services.disputes.service import DisputeService
from paygate.services.host_events.relay import HostEventRelay
from paygate.services.mail.outbox import Outbox
from paygate.services.mail.undelivered import UndeliveredMail
from paygate.services.pay_links.service import PayLinkService
from paygate.services.payments.checkout_notices import CheckoutNotices
from paygate.services.payments.ledger import RequestLedger
from paygate.services.payments.receipts import ReceiptWriter
from paygate.services.payments.service import PaymentService
from paygate.services.payouts.service import PayoutService
from paygate.services.ports import Broadcast, MailInbox, MailTransport, PaymentGateway
from paygate.services.receipts.service import ReceiptService
from paygate.services.refunds.service import RefundService
from paygate.services.reports.service import ReportService
from paygate.services.webhooks.inbox import WebhookService
from paygate.services.webhooks.reconciler import Reconciler
from paygate.settings import Settings
from paygate.store.database import Database
from paygate.store.fast_path import FastPath

logger = logging.getLogger("paygate.runtime")


def make_gateway(settings: Settings, metrics: Metrics) -> PaymentGateway | None:
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
        on_request=metrics.stripe_request,
    )


class Listener(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...


def make_inbound_smtp(settings: Settings, inbox: MailInbox) -> Listener | None:
    if settings.inbound_smtp is None:
        return None
    from paygate.adapters.inbound_smtp import InboundSmtp

    host, port = settings.inbound_smtp
    return InboundSmtp(inbox, host, port, settings.mail_domain)


def make_mail_transport(settings: Settings) -> MailTransport | None:
    if not settings.smtp_url:
        return None
    from paygate.adapters.smtp import SmtpTransport

    return SmtpTransport(settings.smtp_url)


@dataclass
class Runtime:
    settings: Settings
    metrics: Metrics
    db: Database
    signer: TokenSigner
    launch: LaunchTokens
    sessions: SessionService
    gateway: PaymentGateway | None
    broadcast: Broadcast
    outbox: Outbox
    events: FastPath
    webhooks: WebhookService
    payments: PaymentService
    clinics: ClinicService
    cases: CaseService
    inbound: InboundMail
    reports: ReportService
    reconciler: Reconciler
    undelivered: UndeliveredMail
    refunds: RefundService
    pay_links: PayLinkService
    checkout_notices: CheckoutNotices
    receipts: ReceiptService
    disputes: DisputeService
    payouts: PayoutService
    host_events: HostEventRelay | None = None
    inbound_smtp: Listener | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        db = Database(settings.database_url)
        signer = TokenSigner(settings.secret_key, settings.launch_token_max_ttl)
        metrics = Metrics()
        gateway = make_gateway(settings, metrics)
        domain = urlsplit(settings.public_url or "http://paygate.local").hostname
        broadcast = make_broadcast(settings.broadcast_url, namespace=hashlib.sha256(
            settings.database_url.encode()).hexdigest()[:16])
        outbox = Outbox(db, make_mail_transport(settings), settings.mail_from,
                        domain=domain or "paygate.local")
        events = FastPath(db)
        webhooks = WebhookService(db, events, gateway, metrics)
        ledger = RequestLedger(db, broadcast, outbox, settings, ReceiptWriter())
        payments = PaymentService(db, events, gateway, broadcast, outbox, settings, ledger)
        outbox.register_renderer("receipt", payments.render_receipt)
        clinics = ClinicService(db, gateway, outbox, settings, payments)
        payments.register_webhooks(webhooks)
        clinics.register_webhooks(webhooks)
        refunds = RefundService(db, gateway, ledger, outbox)
        refunds.register_webhooks(webhooks)
        disputes = DisputeService(db, gateway, outbox, settings.public_url)
        disputes.register_webhooks(webhooks)
        payouts = PayoutService(db, gateway, outbox, settings.public_url)
        payouts.register_webhooks(webhooks)
        launch = LaunchTokens.from_settings(signer, settings)
        sessions = SessionService(db, signer, launch, settings.access_token_ttl,
                                  settings.admin_session_ttl)
        cases = CaseService(db, outbox, settings)
        inbound = InboundMail(db, cases)
        clock = CaseClock(db, cases.mail, settings.case_autoclose_days)
        receipts = ReceiptService(db, outbox)
        outbox.register_attachments("receipt", receipts.email_attachments)
        outbox.register_attachments("refund_receipt", receipts.email_attachments)
        return cls(
            settings=settings, metrics=metrics, db=db, signer=signer, launch=launch,
            sessions=sessions,
            gateway=gateway, broadcast=broadcast, outbox=outbox, events=events,
            webhooks=webhooks,
            payments=payments, clinics=clinics, cases=cases,
            inbound=inbound, inbound_smtp=make_inbound_smtp(settings, inbound),
            reports=ReportService(db),
            reconciler=Reconciler(db, payments, webhooks, sessions.purge_expired,
                                  settings.reconcile_interval, clock.run_once),
            undelivered=UndeliveredMail(db, outbox),
            refunds=refunds, pay_links=PayLinkService(db, signer, sessions, payments, outbox,
                                                      broadcast, settings.payment_request_ttl),
            checkout_notices=CheckoutNotices(db, broadcast),
            host_events=HostEventRelay(db, settings.events_url, settings.events_secrets)
            if settings.events_url else None,
            disputes=disputes, payouts=payouts,
            receipts=receipts,
        )

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(coro, name=name))

    async def start(self) -> None:
        await self.broadcast.connect()
        if self.inbound_smtp is not None:
            await self.inbound_smtp.start()
        if self.settings.run_workers:
            self.spawn(self.outbox.run(), "outbox")
            if self.host_events is not None:
                # The first plan sets the baseline ("from now") before any request is
                # served: a payment made while the task was still starting is delivered.
                await self.host_events.plan()
                self.spawn(self.host_events.run(), "host events")
            self.spawn(self.reconciler.run(), "reconciler")

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self.inbound_smtp is not None:
            await self.inbound_smtp.close()
        self.metrics.close()
        await self.broadcast.disconnect()
        if self.gateway is not None:
            await self.gateway.aclose()
        await self.events.close()
        await self.db.close()

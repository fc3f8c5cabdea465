"""Pay by link: when the patient has left the call, the clinician emails them the open
request; the link opens a standalone page with the same checkout. (issue 8)

The link holds a signed token for one purpose (its own salt) naming one request. It works
while that request is open and not past its expiry; opening it gives a short patient session
for the request's call, so the page pays through the same API and Stripe Payment Element as
the in-call panel."""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature
from sqlalchemy import select

from paygate import i18n
from paygate.domain.errors import Conflict, InvalidInput, InvalidToken, NotFound
from paygate.domain.payment_requests import PAYABLE, Status
from paygate.domain.principals import Principal, Role
from paygate.logs import log_event
from paygate.services.notices import RequestView
from paygate.services.outbox import Draft, Outbox
from paygate.services.payment_ledger import clinic_label
from paygate.services.payments import PaymentService
from paygate.services.sessions import IssuedSession, SessionService
from paygate.services.tokens import TokenSigner
from paygate.store.database import Database, as_utc, utcnow
from paygate.store.models import AuthSession, Clinic, PaymentRequest, PaymentRequestEvent

logger = logging.getLogger("paygate.pay_links")

PAY_LINK_SALT = "paygate.pay-link.v1"
LINK_MAX_AGE = 30 * 24 * 3600  # the request's own expiry is what ends a link
EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
PAY_LINK = "pay_link"


@dataclass(frozen=True)
class PayLinkSent:
    to: str
    expires_at: datetime


@dataclass(frozen=True)
class LinkedRequest:
    """What a pay link's page shows: the request, and whether it can still be paid."""

    view: RequestView
    payable: bool
    locale_hint: str | None


class PayLinkService:
    def __init__(self, db: Database, signer: TokenSigner, sessions: SessionService,
                 payments: PaymentService, outbox: Outbox) -> None:
        self._db = db
        self._signer = signer
        self._serializer = signer.serializer(PAY_LINK_SALT)
        self._sessions = sessions
        self._payments = payments
        self._outbox = outbox
        i18n.load_all()

    # -- the link -----------------------------------------------------------------------
    def token_for(self, row: PaymentRequest) -> str:
        return str(self._serializer.dumps({"r": row.id}))

    def request_id(self, token: str) -> str:
        if not token or len(token) > 512:
            raise InvalidToken("This payment link is not valid.")
        try:
            data: Any = self._serializer.loads(token, max_age=LINK_MAX_AGE)
        except BadSignature:
            raise InvalidToken("This payment link is not valid. Check that you opened the "
                               "whole link from the email.") from None
        if not isinstance(data, dict) or not isinstance(data.get("r"), str):
            raise InvalidToken("This payment link is not valid.")
        return str(data["r"])

    # -- the clinician sends it ---------------------------------------------------------
    async def send(self, principal: Principal, request_id: str, *, email: str | None,
                   locale: str | None, base_url: str) -> PayLinkSent:
        row = await self._load(request_id)
        principal.require_call(row.org_id, row.clinic_id, row.call_id)
        principal.require_role(Role.CLINICIAN)
        row = await self._current(row)
        if Status(row.status) not in PAYABLE:
            raise Conflict(f"Only an open request can be sent as a payment link; this one "
                           f"is {row.status.replace('_', ' ')}.")
        patient = await self._patient_session(row)
        address = (email or "").strip() or row.receipt_email or (
            patient.email if patient else None) or ""
        if not address:
            raise InvalidInput("Enter the patient's email address.", field="email")
        if len(address) > 320 or not EMAIL.match(address):
            raise InvalidInput("Enter a valid email address.", field="email")
        language = i18n.negotiate(locale, row.receipt_locale,
                                  patient.locale if patient else None)
        url = f"{base_url.rstrip('/')}/pay/{self.token_for(row)}"
        async with self._db.transaction() as tx:
            clinic = await tx.get(Clinic, row.clinic_id)
            await self._outbox.enqueue(tx, self._draft(row, clinic, address, url, language))
            tx.add(PaymentRequestEvent(  # not a status change: a note in the history
                payment_request_id=row.id, from_status=row.status, to_status=row.status,
                actor_kind="user", actor_id=principal.user_id[:64],
                actor_name=principal.name[:200], detail=f"payment link emailed to {address}",
                created_at=utcnow()))
        self._outbox.wake()
        log_event(logger, "payment link sent", payment_request=row.id, clinic=row.clinic_id)
        return PayLinkSent(to=address, expires_at=as_utc(row.expires_at))

    def _draft(self, row: PaymentRequest, clinic: Clinic | None, to: str, url: str,
               locale: str) -> Draft:
        _ = i18n.translations(locale).gettext
        name = clinic_label(clinic)
        context = {
            "clinic": name, "url": url, "description": row.description,
            "reference": row.reference,
            "amount": i18n.format_money(row.amount, row.currency, locale),
            "expires": i18n.format_datetime(as_utc(row.expires_at), locale,
                                            clinic.time_zone if clinic else None),
        }
        env = i18n.template_env(locale)
        return Draft(
            kind=PAY_LINK, dedupe_key=f"{PAY_LINK}:{row.id}:{secrets.token_hex(8)}", to=to,
            subject=_("Payment request from {clinic} ({reference})").format(
                clinic=name, reference=row.reference),
            text=env.get_template("email/pay_link.txt").render(context),
            html=env.get_template("email/pay_link.html").render(context),
            reply_to=clinic.reply_to if clinic else None, clinic_id=row.clinic_id)

    # -- the patient opens it -----------------------------------------------------------
    async def open(self, token: str) -> LinkedRequest:
        row = await self._current(await self._load(self.request_id(token)))
        async with self._db.sessions() as tx:
            clinic = await tx.get(Clinic, row.clinic_id)
        payable = Status(row.status) in PAYABLE and as_utc(row.expires_at) > utcnow()
        return LinkedRequest(view=RequestView.of(row, clinic_label(clinic)), payable=payable,
                             locale_hint=row.receipt_locale)

    async def start_session(self, token: str, locale: str | None) -> tuple[IssuedSession,
                                                                          RequestView]:
        """A patient session for the request's call, while the request can be paid."""
        linked = await self.open(token)
        if not linked.payable:
            raise Conflict(closed_message(linked.view.status))
        async with self._db.sessions() as tx:
            row = await tx.get(PaymentRequest, linked.view.id)
        assert row is not None
        launch = self._signer.mint_launch(
            role=Role.PATIENT, org_id=row.org_id, user_id=f"paylink:{row.id}",
            name="Patient", clinic_id=row.clinic_id, call_id=row.call_id,
            email=row.receipt_email, locale=i18n.normalize(locale), ttl=60)
        issued = await self._sessions.exchange(launch)
        log_event(logger, "payment link opened", payment_request=row.id)
        return issued, linked.view

    # -- internals ----------------------------------------------------------------------
    async def _current(self, row: PaymentRequest) -> PaymentRequest:
        """The row, expired first if its time is up (as the in-call panel would)."""
        if Status(row.status) in PAYABLE and as_utc(row.expires_at) <= utcnow():
            await self._payments.expire_due(row.org_id, row.clinic_id, row.call_id)
            row = await self._load(row.id)
        return row

    async def _patient_session(self, row: PaymentRequest) -> AuthSession | None:
        """The call's patient as their launch token named them (email, language)."""
        async with self._db.sessions() as tx:
            return await tx.scalar(select(AuthSession).where(
                AuthSession.org_id == row.org_id, AuthSession.clinic_id == row.clinic_id,
                AuthSession.call_id == row.call_id, AuthSession.role == Role.PATIENT.value,
                ~AuthSession.user_id.startswith("paylink:"))
                .order_by(AuthSession.created_at.desc()).limit(1))

    async def _load(self, request_id: str) -> PaymentRequest:
        async with self._db.sessions() as tx:
            row = await tx.get(PaymentRequest, request_id)
        if row is None:
            raise NotFound("This payment link is not valid.")
        return row


def closed_message(status: str) -> str:
    if status == Status.CANCELLED:
        return "This payment request was cancelled. You have not been charged."
    if status == Status.EXPIRED:
        return "This payment link has expired. You have not been charged."
    if status in (Status.PAID, Status.PARTIALLY_REFUNDED, Status.REFUNDED):
        return "This payment has already been made."
    return "This payment request cannot be paid now."

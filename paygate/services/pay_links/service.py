"""Pay by link: when the patient has left the call, the clinician emails them the open
request; the link opens a standalone page with the same checkout. (issue 8)

The link holds a signed token for one purpose (its own salt) naming one request and one
link row. Each link has its own validity (the clinic's setting, 72 hours by default) and
keeps its request payable that long: the request's deadline is moved to the link's end,
so every expiry path (the call's list, the reconciler) leaves it open until then. A link
can be revoked (and the clinician's cancel revokes it); opening one gives a session for
that one request only (see pay_links.scope)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate import i18n
from paygate.domain.emails import parse_address
from paygate.domain.errors import Conflict, Forbidden, InvalidInput, InvalidToken, NotFound
from paygate.domain.payment_requests import PAYABLE, Status
from paygate.domain.principals import Principal, Role
from paygate.logs import log_event
from paygate.services.auth.sessions import IssuedSession, SessionService
from paygate.services.auth.tokens import TokenSigner
from paygate.services.mail.outbox import Outbox
from paygate.services.pay_links.mail import call_patient, link_email
from paygate.services.pay_links.scope import (
    LINK_EXPIRED,
    LINK_USER,
    REVOKED,
    SESSION_KIND,
    closed_message,
    revoke_links,
)
from paygate.services.payments.ledger import clinic_label
from paygate.services.payments.service import PaymentService
from paygate.services.payments.views import RequestView, call_channel, update_message
from paygate.services.ports import Broadcast
from paygate.store.database import Database, as_utc, utcnow
from paygate.store.models import (
    Clinic,
    PayLink,
    PaymentRequest,
    PaymentRequestEvent,
)

logger = logging.getLogger("paygate.pay_links")

PAY_LINK_SALT = "paygate.pay-link.v1"
LINK_MAX_AGE = 30 * 24 * 3600  # the longest validity a clinic can set; the row decides
PAY_LINK = "pay_link"


@dataclass(frozen=True)
class PayLinkSent:
    to: str
    expires_at: datetime


@dataclass(frozen=True)
class LinkedRequest:
    """What a pay link's page shows: the request, and whether it can still be paid
    (`link`: live, revoked or expired)."""

    view: RequestView
    payable: bool
    locale_hint: str | None
    link: str
    sent_to: str
    link_expires_at: datetime


class PayLinkService:
    def __init__(self, db: Database, signer: TokenSigner, sessions: SessionService,
                 payments: PaymentService, outbox: Outbox, broadcast: Broadcast,
                 request_ttl: int) -> None:
        self._db = db
        self._signer = signer
        self._serializer = signer.serializer(PAY_LINK_SALT)
        self._sessions = sessions
        self._payments = payments
        self._outbox = outbox
        self._broadcast = broadcast
        self._request_ttl = request_ttl
        i18n.load_all()

    # -- the link -----------------------------------------------------------------------
    def token_for(self, link: PayLink) -> str:
        return str(self._serializer.dumps({"r": link.payment_request_id, "l": link.id}))

    def read(self, token: str) -> tuple[str, str]:
        """The request and link a token names (its signature checked, not its state)."""
        if not token or len(token) > 512:
            raise InvalidToken("This payment link is not valid.")
        try:
            data: Any = self._serializer.loads(token, max_age=LINK_MAX_AGE)
        except BadSignature:
            raise InvalidToken("This payment link is not valid. Check that you opened the "
                               "whole link from the email.") from None
        if not (isinstance(data, dict) and isinstance(data.get("r"), str)
                and isinstance(data.get("l"), str)):
            raise InvalidToken("This payment link is not valid.")
        return str(data["r"]), str(data["l"])

    # -- the clinician sends it ---------------------------------------------------------
    async def send(self, principal: Principal, request_id: str, *, email: str | None,
                   locale: str | None, base_url: str) -> PayLinkSent:
        row = await self._load(request_id)
        principal.require_call(row.org_id, row.clinic_id, row.call_id)
        principal.require_role(Role.CLINICIAN)
        row = await self._current(row)
        self._require_open(row)
        patient = await call_patient(self._db, row)
        address = (email or "").strip() or row.receipt_email or (
            patient.email if patient else None) or ""
        if not address:
            raise InvalidInput("Enter the patient's email address.", field="email")
        address = parse_address(address, field="email", message="Enter a valid email address.")
        language = i18n.negotiate(locale, row.receipt_locale,
                                  patient.locale if patient else None)
        now = utcnow()
        async with self._db.transaction() as tx:
            row = await self._lock(tx, row.id)
            self._require_open(row)  # not expired nor paid meanwhile
            clinic = await tx.get(Clinic, row.clinic_id)
            ttl = clinic.pay_link_ttl if clinic else 72 * 3600
            link = PayLink(id="pl_" + secrets.token_urlsafe(18), payment_request_id=row.id,
                           sent_to=address, sent_by=principal.user_id[:64], created_at=now,
                           expires_at=now + timedelta(seconds=ttl))
            tx.add(link)
            # The request stays payable while its link is valid.
            row.pay_link_until = max(as_utc(row.pay_link_until or now), link.expires_at)
            row.expires_at = max(as_utc(row.expires_at), link.expires_at)
            row.version += 1
            row.updated_at = now
            url = f"{base_url.rstrip('/')}/pay/{self.token_for(link)}"
            await self._outbox.enqueue(tx, link_email(row, clinic, link, url, language))
            self._note(tx, row, principal, f"payment link emailed to {address}, valid until "
                       f"{link.expires_at.isoformat(timespec='minutes')}")
        self._outbox.wake()
        await self._announce(row)
        log_event(logger, "payment link sent", payment_request=row.id, clinic=row.clinic_id)
        return PayLinkSent(to=address, expires_at=link.expires_at)

    async def revoke(self, principal: Principal, request_id: str) -> RequestView:
        """Every standing link of the request stops working, with the sessions opened from
        them; the request keeps only its own time (and expires now if that is past)."""
        row = await self._load(request_id)
        if principal.role is Role.PATIENT:
            raise Forbidden("Only the call's clinician or a clinic admin can revoke a link.")
        if principal.role is Role.CLINICIAN:
            principal.require_call(row.org_id, row.clinic_id, row.call_id)
        else:
            principal.require_clinic_admin(row.org_id, row.clinic_id)
        now = utcnow()
        async with self._db.transaction() as tx:
            row = await self._lock(tx, row.id)
            count = await revoke_links(tx, row, now)
            if count and Status(row.status) in PAYABLE:
                own = as_utc(row.created_at) + timedelta(seconds=self._request_ttl)
                row.expires_at = max(own, now)
            if count:
                row.version += 1
                row.updated_at = now
                self._note(tx, row, principal, f"payment link revoked ({count})")
        if count:
            log_event(logger, "payment link revoked", payment_request=row.id, links=count)
            if Status(row.status) in PAYABLE and as_utc(row.expires_at) <= now:
                await self._payments.expire_due(row.org_id, row.clinic_id, row.call_id)
            else:
                await self._announce(row)
        row = await self._load(row.id)
        async with self._db.sessions() as tx:
            clinic = await tx.get(Clinic, row.clinic_id)
        return RequestView.of(row, clinic_label(clinic))

    # -- the patient opens it -----------------------------------------------------------
    async def open(self, token: str) -> LinkedRequest:
        request_id, link_id = self.read(token)
        row = await self._current(await self._load(request_id))
        async with self._db.sessions() as tx:
            link = await tx.get(PayLink, link_id)
            clinic = await tx.get(Clinic, row.clinic_id)
        if link is None or link.payment_request_id != row.id:
            raise InvalidToken("This payment link is not valid.")
        now = utcnow()
        state = ("revoked" if link.revoked_at is not None
                 else "expired" if as_utc(link.expires_at) <= now else "live")
        payable = (state == "live" and Status(row.status) in PAYABLE
                   and as_utc(row.expires_at) > now)
        return LinkedRequest(view=RequestView.of(row, clinic_label(clinic)), payable=payable,
                             locale_hint=row.receipt_locale, link=state,
                             sent_to=link.sent_to, link_expires_at=as_utc(link.expires_at))

    async def start_session(self, token: str, locale: str | None) -> tuple[IssuedSession,
                                                                          RequestView]:
        """A session for this one request (not its call), while its link can pay it."""
        request_id, link_id = self.read(token)
        linked = await self.open(token)
        if not linked.payable:
            status = linked.view.status
            if Status(status) in PAYABLE and linked.link == "revoked":
                raise Conflict(REVOKED)
            if Status(status) in PAYABLE and linked.link == "expired":
                raise Conflict(LINK_EXPIRED)
            raise Conflict(closed_message(status))
        row = await self._load(request_id)
        principal = Principal(
            user_id=LINK_USER + link_id, name="Patient", role=Role.PATIENT,
            org_id=row.org_id, clinic_id=row.clinic_id, call_id=row.call_id,
            email=linked.sent_to, locale=i18n.normalize(locale),
            payment_request_id=row.id)
        issued = await self._sessions.open_scoped(principal, SESSION_KIND,
                                                  linked.link_expires_at)
        log_event(logger, "payment link opened", payment_request=row.id)
        return issued, linked.view

    # -- internals ----------------------------------------------------------------------
    @staticmethod
    def _require_open(row: PaymentRequest) -> None:
        if Status(row.status) not in PAYABLE or as_utc(row.expires_at) <= utcnow():
            status = row.status if Status(row.status) not in PAYABLE else "expired"
            raise Conflict(f"Only an open request can be sent as a payment link; this one "
                           f"is {status.replace('_', ' ')}.")

    @staticmethod
    def _note(tx: AsyncSession, row: PaymentRequest, principal: Principal,
              detail: str) -> None:
        tx.add(PaymentRequestEvent(  # not a status change: a note in the history
            payment_request_id=row.id, from_status=row.status, to_status=row.status,
            actor_kind="user", actor_id=principal.user_id[:64],
            actor_name=principal.name[:200], detail=detail, created_at=utcnow()))

    async def _announce(self, row: PaymentRequest) -> None:
        """The call's panels see the request's new deadline (a notice is only a hint)."""
        async with self._db.sessions() as tx:
            fresh = await tx.get(PaymentRequest, row.id)
            clinic = await tx.get(Clinic, row.clinic_id)
        if fresh is None:
            return
        try:
            await self._broadcast.publish(
                call_channel(fresh.org_id, fresh.clinic_id, fresh.call_id),
                update_message(RequestView.of(fresh, clinic_label(clinic))))
        except Exception:  # every socket gets a fresh snapshot on reconnect
            logger.exception("could not publish a payment request notice")

    @staticmethod
    async def _lock(tx: AsyncSession, request_id: str) -> PaymentRequest:
        row = await tx.scalar(select(PaymentRequest).where(
            PaymentRequest.id == request_id).with_for_update())
        if row is None:
            raise NotFound("No such payment request.")
        return row

    async def _current(self, row: PaymentRequest) -> PaymentRequest:
        """The row, expired first if its time is up (as the in-call panel would)."""
        if Status(row.status) in PAYABLE and as_utc(row.expires_at) <= utcnow():
            await self._payments.expire_due(row.org_id, row.clinic_id, row.call_id)
            row = await self._load(row.id)
        return row

    async def _load(self, request_id: str) -> PaymentRequest:
        async with self._db.sessions() as tx:
            row = await tx.get(PaymentRequest, request_id)
        if row is None:
            raise NotFound("This payment link is not valid.")
        return row

"""What a pay link's session may do (issue 15): read and pay its own request only, and
only while its link stands.

A link emailed to the wrong address gives whoever opens it a patient session, so that
session is narrower than a patient's in the call: `Principal.payment_request_id` names its
one request (the domain refuses the call's list, socket and other requests), and every use
is checked here against the store, so a revoked link, or a request cancelled or expired,
ends it at once. Once its request is paid it may still read its own confirmation and set
its receipt address, never pay again (there is no checkout for a paid request)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.errors import Forbidden, LinkEnded
from paygate.domain.payment_requests import SETTLED, Status
from paygate.domain.principals import LINK_ONLY, Principal
from paygate.store.database import Database, as_utc, utcnow
from paygate.store.models import AuthSession, PayLink, PaymentRequest

LINK_USER = "paylink:"  # a pay link session's user id: this prefix and the link's id
SESSION_KIND = "pay_link"
REVOKED = "The clinic has withdrawn this payment link. You have not been charged."
LINK_EXPIRED = "This payment link has expired. You have not been charged."


def closed_message(status: str) -> str:
    if status == Status.CANCELLED:
        return "This payment request was cancelled. You have not been charged."
    if status == Status.EXPIRED:
        return LINK_EXPIRED
    if status in (Status.PAID, Status.PARTIALLY_REFUNDED, Status.REFUNDED):
        return "This payment has already been made."
    return "This payment request cannot be paid now."


def link_id_of(principal: Principal) -> str:
    return principal.user_id.removeprefix(LINK_USER)


async def authorize_request(db: Database, principal: Principal, row: PaymentRequest) -> None:
    """The call's clinician or patient, or a pay link's session for this very request."""
    if principal.payment_request_id is None:
        principal.require_call(row.org_id, row.clinic_id, row.call_id)
    else:
        await check_link_session(db, principal, row)


async def check_link_session(db: Database, principal: Principal, row: PaymentRequest) -> None:
    """Refuse a pay link's session anything but its own request, and anything at all once
    its link was revoked or its request cancelled or expired."""
    principal.require_request(row.org_id, row.clinic_id, row.call_id, row.id)
    if not principal.user_id.startswith(LINK_USER):
        raise Forbidden(LINK_ONLY)
    async with db.sessions() as tx:
        link = await tx.get(PayLink, link_id_of(principal))
    if link is None or link.payment_request_id != row.id:
        raise Forbidden(LINK_ONLY)
    status = Status(row.status)
    if status in (Status.CANCELLED, Status.EXPIRED):
        raise LinkEnded(closed_message(status))
    if link.revoked_at is not None:
        raise LinkEnded(REVOKED)
    if status in SETTLED:
        return  # its own confirmation and receipt; a paid request has no checkout
    if as_utc(link.expires_at) <= utcnow():
        raise LinkEnded(LINK_EXPIRED)


async def revoke_links(tx: AsyncSession, row: PaymentRequest, now: datetime) -> int:
    """Revoke every standing link of a request and end the sessions opened from them."""
    links = list((await tx.scalars(select(PayLink).where(
        PayLink.payment_request_id == row.id, PayLink.revoked_at.is_(None)))).all())
    for link in links:
        link.revoked_at = now
    if links:
        await tx.execute(update(AuthSession).where(
            AuthSession.kind == SESSION_KIND,
            AuthSession.user_id.in_([LINK_USER + link.id for link in links]),
            AuthSession.revoked_at.is_(None)).values(revoked_at=now))
    row.pay_link_until = None
    return len(links)


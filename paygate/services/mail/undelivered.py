"""What admins see of the email outbox: the emails that could not be sent yet (given up
on, or still being retried after a failure), and a resend.

Clinic admins see their clinic's emails (receipts) and the case emails of the enablement
requests they filed; org admins those of their organisation's clinics and cases; operators
every email."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, String, and_, cast, literal, or_, select

from paygate.domain.errors import Conflict, Forbidden, NotFound
from paygate.domain.principals import Principal, Role
from paygate.logs import log_event
from paygate.services.mail.outbox import Outbox
from paygate.store.database import Database, as_utc
from paygate.store.models import Case, Clinic, OutboxEmail

logger = logging.getLogger("paygate.outbox")
LIST_LIMIT = 200
KIND_LABELS = {"receipt": "Payment receipt", "case_update": "Service desk case update"}
# services/desk/mail.py keys each case email to its requester "case:<case id>:...": that
# names the case's org. Emails to operators are keyed "desk:...": no org sees them.
CASE_OF_EMAIL = OutboxEmail.dedupe_key.like(
    literal("case:") + cast(Case.id, String) + literal(":%"))


@dataclass(frozen=True)
class Undelivered:
    id: int
    kind: str
    kind_label: str
    to: str
    subject: str
    clinic_name: str | None
    given_up: bool  # False: still being retried
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime


def _base() -> Select[OutboxEmail, Clinic]:
    return (select(OutboxEmail, Clinic)
            .outerjoin(Clinic, Clinic.id == OutboxEmail.clinic_id)
            .outerjoin(Case, and_(OutboxEmail.clinic_id.is_(None), CASE_OF_EMAIL)))


class UndeliveredMail:
    def __init__(self, db: Database, outbox: Outbox) -> None:
        self._db = db
        self._outbox = outbox

    async def list_for(self, who: Principal) -> list[Undelivered]:
        query = self._scoped(who, _base().where(
            or_(OutboxEmail.status == "dead",
                (OutboxEmail.status == "pending") & (OutboxEmail.attempts > 0))))
        async with self._db.sessions() as tx:
            rows = (await tx.execute(query.order_by(OutboxEmail.created_at.desc(),
                                                    OutboxEmail.id.desc())
                                     .limit(LIST_LIMIT))).all()
        return [self._view(email, clinic) for email, clinic in rows]

    async def resend(self, who: Principal, email_id: int) -> Undelivered:
        """Queue an undelivered email again, as if new (attempts start over)."""
        query = self._scoped(who, _base().where(OutboxEmail.id == email_id))
        async with self._db.sessions() as tx:
            found = (await tx.execute(query)).first()
        if found is None:
            raise NotFound("No such email.")
        email, clinic = found
        if email.status == "sent":
            raise Conflict("This email has been sent already.")
        await self._outbox.resend(email.id)
        log_event(logger, "email queued again by an admin", email_id=email.id,
                  kind=email.kind, user=who.user_id)
        return self._view(email, clinic)

    @staticmethod
    def _scoped(who: Principal, query: Select[OutboxEmail, Clinic]
                ) -> Select[OutboxEmail, Clinic]:
        if who.role is Role.OPERATOR:
            return query
        if who.role is Role.ORG_ADMIN:
            return query.where(or_(Clinic.org_id == who.org_id,
                                   Case.org_id == who.org_id))
        if who.role is Role.CLINIC_ADMIN and who.clinic_id:
            return query.where(or_(
                and_(Clinic.org_id == who.org_id, Clinic.id == who.clinic_id),
                and_(Case.org_id == who.org_id,
                     Case.requester_id == who.user_id)))
        raise Forbidden("Only admins can see undelivered emails.")

    @staticmethod
    def _view(email: OutboxEmail, clinic: Clinic | None) -> Undelivered:
        return Undelivered(
            id=email.id, kind=email.kind, kind_label=KIND_LABELS.get(email.kind, email.kind),
            to=email.to_addr, subject=email.subject,
            clinic_name=(clinic.display_name or clinic.name or clinic.id) if clinic else None,
            given_up=email.status == "dead", attempts=email.attempts,
            last_error=email.last_error, created_at=as_utc(email.created_at),
            next_attempt_at=as_utc(email.next_attempt_at))

"""What time does to cases (a pass of the reconciler): a case past its target moves up a
tier and that tier's group is emailed; a proposed resolution nobody answers closes; the
files of a preview nobody submitted are deleted after a day."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from paygate.domain.cases import (
    TARGETS,
    TOP_TIER,
    WITH_OPERATORS,
    CaseStatus,
    case_number,
    parse_priority,
)
from paygate.services.desk.attachments import forget_drafts
from paygate.services.desk.mail import CaseMail
from paygate.services.desk.steps import PAYGATE, line, members, move, tell_requester
from paygate.store.database import Database, utcnow
from paygate.store.models import Case

# A preview's files wait this long for its Submit (a form left open over lunch still
# submits); after that nobody will, and they are deleted.
DRAFT_LIFETIME = timedelta(days=1)


class CaseClock:
    def __init__(self, db: Database, mail: CaseMail, autoclose_days: int) -> None:
        self._db = db
        self._mail = mail
        self._autoclose = timedelta(days=autoclose_days)

    async def run_once(self) -> int:
        moved = await self.escalate_overdue() + await self.close_unanswered()
        if moved:
            self._mail.wake()
        await self.forget_old_drafts()
        return moved

    async def forget_old_drafts(self) -> int:
        """Files uploaded for a preview nobody submitted within DRAFT_LIFETIME."""
        async with self._db.transaction() as tx:
            return await forget_drafts(tx, utcnow() - DRAFT_LIFETIME)

    async def escalate_overdue(self) -> int:
        now = utcnow()
        async with self._db.transaction() as tx:
            late = (await tx.scalars(select(Case).where(
                Case.status.in_([s.value for s in WITH_OPERATORS]),
                Case.due_at < now, Case.tier < TOP_TIER).order_by(Case.due_at)
                .limit(100).with_for_update(skip_locked=True))).all()
            for case in late:
                what = "resolution" if case.first_answered_at else "first answer"
                was_due = case.due_at
                case.tier += 1
                targets = TARGETS[parse_priority(case.priority)]
                case.due_at = now + targets.first_answer
                row = await line(tx, case, PAYGATE, "escalation", (
                    f"Escalated to tier {case.tier}: the {what} was due "
                    f"{was_due:%Y-%m-%d %H:%M} UTC." if was_due else
                    f"Escalated to tier {case.tier}."))
                group = await members(tx, tier=case.tier, department=case.department)
                for person in group:
                    if person.email:
                        await self._mail.send(
                            tx, case, f"line:{row.id}", person.email, person.name,
                            f"{case_number(case.id)} escalated to tier {case.tier}",
                            row.body + f"\n\nSubject: {case.subject or 'Enablement'}\n"
                            f"Priority: {case.priority}", desk=True)
        return len(late)

    async def close_unanswered(self) -> int:
        cutoff = utcnow() - self._autoclose
        async with self._db.transaction() as tx:
            stale = (await tx.scalars(select(Case).where(
                Case.status == CaseStatus.PROPOSED.value, Case.proposed_at < cutoff)
                .limit(100).with_for_update(skip_locked=True))).all()
            for case in stale:
                move(case, CaseStatus.CLOSED)
                case.resolved_at, case.due_at = utcnow(), None
                row = await line(tx, case, PAYGATE, "status", (
                    f"Closed: nobody answered the proposed resolution in "
                    f"{self._autoclose.days} days. Open a follow-up case if it still "
                    "needs work."))
                await tell_requester(tx, self._mail, case, row,
                                     f"{case_number(case.id)} is closed")
        return len(stale)

"""One step of a case: a line in its thread, the case's clock, and its emails."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.cases import CaseStatus, check_case_transition
from paygate.domain.errors import InvalidInput
from paygate.domain.principals import Principal
from paygate.services.desk.mail import CaseMail
from paygate.store.database import utcnow
from paygate.store.models import Case, CaseComment, DeskMember

MAX_TEXT = 4000


@dataclass(frozen=True)
class Author:
    user_id: str
    name: str
    role: str

    @classmethod
    def of(cls, who: Principal) -> Author:
        return cls(who.user_id, who.name, who.role.value)


PAYGATE = Author("paygate", "paygate", "system")  # the clock's own steps


def text_of(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput("Please write a few words.", field=field)
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"Keep it under {MAX_TEXT} characters.", field=field)
    return text


def move(case: Case, target: CaseStatus) -> None:
    check_case_transition(CaseStatus(case.status), target)
    case.status = target.value


async def line(tx: AsyncSession, case: Case, author: Author, kind: str, body: str,
               via: str = "web", message_id: str | None = None) -> CaseComment:
    now = utcnow()
    row = CaseComment(case_id=case.id, kind=kind, author_id=author.user_id,
                      author_name=author.name, author_role=author.role, body=body,
                      via=via, message_id=message_id, created_at=now)
    tx.add(row)
    case.updated_at = now
    await tx.flush()
    return row


async def tell_requester(tx: AsyncSession, mail: CaseMail, case: Case, row: CaseComment,
                         subject: str) -> None:
    if case.requester_email:
        await mail.send(tx, case, f"line:{row.id}", case.requester_email,
                        case.requester_name, subject, row.body, row.author_name)


async def members(tx: AsyncSession, *, tier: int | None = None,
                  department: str | None = None,
                  user_id: str | None = None) -> Sequence[DeskMember]:
    query = select(DeskMember).order_by(DeskMember.name)
    if user_id is not None:
        query = query.where(DeskMember.user_id == user_id)
    if tier is not None:
        query = query.where(DeskMember.tier == tier)
    if department is not None:
        query = query.where((DeskMember.department == department)
                            | DeskMember.department.is_(None))
    return (await tx.scalars(query)).all()


async def tell_operators(tx: AsyncSession, mail: CaseMail, case: Case, row: CaseComment,
                         subject: str, people: Sequence[DeskMember] | None = None) -> None:
    """The case's assignee; with none, the tier's group in its department."""
    if people is None:
        if case.assignee_id:
            people = await members(tx, user_id=case.assignee_id)
        else:
            people = await members(tx, tier=case.tier, department=case.department)
    for person in people:
        if person.email and person.user_id != row.author_id:
            await mail.send(tx, case, f"line:{row.id}", person.email, person.name, subject,
                            row.body, row.author_name, desk=True)

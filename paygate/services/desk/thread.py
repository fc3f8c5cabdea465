"""What a case looks like to the people who may see it, and who those are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.cases import (
    CLOSED,
    STATUS_LABELS,
    WITH_OPERATORS,
    CaseStatus,
    CaseType,
    case_number,
    parse_case_number,
)
from paygate.domain.errors import Forbidden, NotFound
from paygate.domain.principals import Principal, Role
from paygate.store.database import as_utc
from paygate.store.models import Case, CaseAttachment, CaseClinic, CaseComment

COMMENT = "comment"  # the other kinds of thread line are history: status, assignment, ...


@dataclass(frozen=True)
class CaseSummary:
    case: Case
    clinics: Sequence[CaseClinic]

    @property
    def number(self) -> str:
        return case_number(self.case.id)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[CaseStatus(self.case.status)]

    def overdue(self, now: datetime) -> bool:
        """Past its target while it waits for an operator."""
        return (self.case.due_at is not None and self.case.status in WITH_OPERATORS
                and as_utc(self.case.due_at) < now)

    @property
    def title(self) -> str:
        if self.case.subject:
            return self.case.subject
        names = ", ".join(c.clinic_name or c.clinic_id for c in self.clinics)
        return f"Payment Gateway add-on for {names}"


@dataclass(frozen=True)
class CaseThread(CaseSummary):
    comments: Sequence[CaseComment] = ()
    attachments: Sequence[CaseAttachment] = ()
    waiting_for_me: Sequence[CaseAttachment] = ()  # mine, sent by email, unconfirmed
    follows_up: str | None = None
    followed_by: Sequence[str] = ()

    @property
    def closed(self) -> bool:
        return self.case.status in CLOSED

    @property
    def is_enablement(self) -> bool:
        return self.case.kind == CaseType.ENABLEMENT.value

    @property
    def proposed(self) -> bool:
        return self.case.status == CaseStatus.PROPOSED.value

    def attachments_of(self, comment_id: int | None) -> list[CaseAttachment]:
        return [a for a in self.attachments if a.comment_id == comment_id]


def may_see(who: Principal, case: Case, clinics: Sequence[CaseClinic]) -> bool:
    """Operators see every case; an org's admins see its cases; a clinic's admins see the
    cases of their clinic. Nobody else."""
    if who.role is Role.OPERATOR:
        return True
    if who.org_id != case.org_id:
        return False
    if who.role is Role.ORG_ADMIN:
        return True
    return who.role is Role.CLINIC_ADMIN and any(c.clinic_id == who.clinic_id
                                                 for c in clinics)


async def find_visible(tx: AsyncSession, who: Principal,
                       number: str) -> tuple[Case, list[CaseClinic]]:
    case = await tx.get(Case, parse_case_number(number))
    if case is None:
        raise NotFound(f"There is no case {number}.")
    clinics = list((await tx.scalars(select(CaseClinic).where(
        CaseClinic.case_id == case.id).order_by(CaseClinic.clinic_id))).all())
    if not may_see(who, case, clinics):
        raise Forbidden("This case belongs to another clinic or organisation.")
    return case, clinics

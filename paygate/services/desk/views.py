"""A case as the API shows it: one definition, derived from the thread the pages show."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from paygate.domain.cases import STATUS_LABELS, CaseStatus
from paygate.services.desk.thread import COMMENT, CaseSummary, CaseThread


class CommentView(BaseModel):
    id: int
    author: str
    role: str
    body: str
    at: datetime
    via: str  # web or email
    attachments: list[str]


class HistoryView(BaseModel):
    kind: str  # status, assignment, priority, escalation
    by: str
    text: str
    at: datetime


class CaseView(BaseModel):
    number: str
    type: str
    category: str
    subject: str
    status: str
    status_label: str
    priority: str
    clinic_ids: list[str]
    reference: str | None
    department: str | None
    assignee: str | None
    tier: int
    due_at: datetime | None
    requester: str
    created_at: datetime
    updated_at: datetime
    follows_up: str | None = None


class CaseDetailView(CaseView):
    description: str
    comments: list[CommentView]
    history: list[HistoryView]
    rating: int | None


def _base(summary: CaseSummary) -> dict[str, object]:
    case = summary.case
    return dict(
        number=summary.number, type=case.kind, category=case.category, subject=summary.title,
        status=case.status, status_label=STATUS_LABELS[CaseStatus(case.status)],
        priority=case.priority, clinic_ids=[c.clinic_id for c in summary.clinics],
        reference=case.reference, department=case.department, assignee=case.assignee_name,
        tier=case.tier, due_at=case.due_at, requester=case.requester_name,
        created_at=case.created_at, updated_at=case.updated_at)


def case_view(summary: CaseSummary) -> CaseView:
    return CaseView.model_validate(_base(summary))


def case_detail(thread: CaseThread) -> CaseDetailView:
    comments = [CommentView(id=c.id, author=c.author_name, role=c.author_role, body=c.body,
                            at=c.created_at, via=c.via,
                            attachments=[a.filename for a in thread.attachments_of(c.id)])
                for c in thread.comments if c.kind == COMMENT]
    history = [HistoryView(kind=c.kind, by=c.author_name, text=c.body, at=c.created_at)
               for c in thread.comments if c.kind != COMMENT]
    return CaseDetailView.model_validate({
        **_base(thread), "follows_up": thread.follows_up, "description": thread.case.reason,
        "comments": comments, "history": history, "rating": thread.case.rating})

"""Enablement requests for the Payment Gateway add-on (service cases). (issue 4)

A request names one or more clinics; the operator assigns, replies, approves (which
enables the add-on for those clinics) or rejects it. Every status change and every
operator reply is a line in the case thread and one email to the requester."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.cases import (
    CLOSED,
    OPEN_STATUSES,
    CaseStatus,
    case_number,
    check_case_transition,
    check_rating,
    parse_case_number,
)
from paygate.domain.emails import address_or_none, one_line
from paygate.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from paygate.domain.principals import Principal, Role
from paygate.services.clinics.ownership import ensure_clinic, ensure_org
from paygate.services.mail.outbox import Draft, Outbox
from paygate.settings import Settings
from paygate.store.database import Database, utcnow
from paygate.store.models import CaseClinic, CaseComment, Clinic, EnablementCase

MAX_TEXT = 4000
STATUS_WORDS = {CaseStatus.OPEN: "Open", CaseStatus.IN_PROGRESS: "In progress",
                CaseStatus.APPROVED: "Approved", CaseStatus.REJECTED: "Rejected"}


@dataclass(frozen=True)
class RequestInput:
    clinics: Sequence[tuple[str, str]]  # (clinic id, name for a clinic paygate doesn't know)
    reason: str
    contact: str
    follows_up: str | None = None       # case number of the closed case this follows


@dataclass(frozen=True)
class CaseSummary:
    case: EnablementCase
    clinics: Sequence[CaseClinic]

    @property
    def number(self) -> str:
        return case_number(self.case.id)


@dataclass(frozen=True)
class CaseThread:
    case: EnablementCase
    clinics: Sequence[CaseClinic]
    comments: Sequence[CaseComment]
    follows_up: str | None        # number of the case this one follows up
    followed_by: Sequence[str]    # numbers of follow-up cases

    @property
    def number(self) -> str:
        return case_number(self.case.id)

    @property
    def closed(self) -> bool:
        return self.case.status in CLOSED


class CaseService:
    def __init__(self, db: Database, outbox: Outbox, settings: Settings) -> None:
        self._db = db
        self._outbox = outbox
        self._settings = settings

    # -- reading ------------------------------------------------------------------------
    async def list_for(self, who: Principal, only_open: bool = False) -> list[CaseSummary]:
        query = select(EnablementCase).order_by(EnablementCase.id.desc()).limit(200)
        if who.role is Role.ORG_ADMIN:
            query = query.where(EnablementCase.org_id == who.org_id)
        elif who.role is Role.CLINIC_ADMIN:
            query = query.where(EnablementCase.org_id == who.org_id, EnablementCase.id.in_(
                select(CaseClinic.case_id).where(CaseClinic.clinic_id == who.clinic_id)))
        elif who.role is not Role.OPERATOR:
            raise Forbidden("Your role cannot see enablement requests.")
        if only_open:
            query = query.where(EnablementCase.status.in_(OPEN_STATUSES))
        async with self._db.sessions() as tx:
            cases = list((await tx.scalars(query)).all())
            rows = (await tx.scalars(select(CaseClinic).where(
                CaseClinic.case_id.in_([c.id for c in cases])))).all()
        by_case: dict[int, list[CaseClinic]] = {}
        for row in rows:
            by_case.setdefault(row.case_id, []).append(row)
        return [CaseSummary(c, by_case.get(c.id, [])) for c in cases]

    async def thread(self, who: Principal, number: str) -> CaseThread:
        async with self._db.sessions() as tx:
            case, clinics = await self._visible(tx, who, number)
            comments = (await tx.scalars(select(CaseComment).where(
                CaseComment.case_id == case.id).order_by(CaseComment.id))).all()
            later = (await tx.scalars(select(EnablementCase.id).where(
                EnablementCase.follows_up_id == case.id).order_by(EnablementCase.id))).all()
        earlier = case_number(case.follows_up_id) if case.follows_up_id else None
        return CaseThread(case, clinics, comments, earlier, [case_number(i) for i in later])

    async def _visible(self, tx: AsyncSession, who: Principal,
                       number: str) -> tuple[EnablementCase, list[CaseClinic]]:
        case = await tx.get(EnablementCase, parse_case_number(number))
        if case is None:
            raise NotFound(f"There is no case {number}.")
        clinics = list((await tx.scalars(select(CaseClinic).where(
            CaseClinic.case_id == case.id).order_by(CaseClinic.clinic_id))).all())
        allowed = who.role is Role.OPERATOR or (
            who.role is Role.ORG_ADMIN and who.org_id == case.org_id) or (
            who.role is Role.CLINIC_ADMIN and who.org_id == case.org_id
            and any(c.clinic_id == who.clinic_id for c in clinics))
        if not allowed:
            raise Forbidden("This case belongs to another clinic or organisation.")
        return case, clinics

    # -- requester's side ---------------------------------------------------------------
    async def file(self, who: Principal, form: RequestInput) -> CaseSummary:
        if who.role not in (Role.CLINIC_ADMIN, Role.ORG_ADMIN):
            raise Forbidden("Enablement requests are filed by clinic or org admins.")
        reason, contact = _text(form.reason, "reason"), form.contact.strip()
        one_line(contact, field="contact", what="The contact")
        if not contact:
            raise InvalidInput("Tell us how to reach you (email or phone).", field="contact")
        if len(contact) > 320:
            raise InvalidInput("The contact is at most 320 characters.", field="contact")
        wanted = _clean_clinics(form.clinics)
        if who.role is Role.CLINIC_ADMIN and [c for c, _ in wanted] != [who.clinic_id]:
            raise Forbidden("A clinic admin can request the add-on for their own clinic only.")
        now = utcnow()
        async with self._db.transaction() as tx:
            earlier = None
            if form.follows_up:
                earlier, _ = await self._visible(tx, who, form.follows_up)
                if earlier.status not in CLOSED:
                    raise Conflict("That case is still open; reply on it instead.")
            await ensure_org(tx, who.org_id)
            names = []
            for clinic_id, name in wanted:
                clinic = await tx.get(Clinic, clinic_id)
                if clinic is None and who.role is Role.CLINIC_ADMIN:
                    raise Forbidden("You cannot manage this clinic.")
                clinic = await ensure_clinic(tx, who.org_id, clinic_id, name)
                if clinic.addon_enabled:
                    raise Conflict(f"The add-on is already enabled for {clinic.name}.")
                pending = await tx.scalar(select(CaseClinic.case_id).join(
                    EnablementCase, EnablementCase.id == CaseClinic.case_id).where(
                    CaseClinic.clinic_id == clinic_id, EnablementCase.org_id == who.org_id,
                    EnablementCase.status.in_(OPEN_STATUSES)).limit(1))
                if pending is not None:
                    raise Conflict(f"{clinic.name} is already requested in "
                                   f"{case_number(pending)}.")
                names.append((clinic.id, clinic.name))
            case = EnablementCase(
                org_id=who.org_id, status=CaseStatus.OPEN.value, reason=reason,
                contact=contact, requester_id=who.user_id, requester_name=who.name,
                requester_email=address_or_none(who.email) or address_or_none(contact),
                requester_role=who.role.value, created_at=now, updated_at=now,
                follows_up_id=earlier.id if earlier else None)
            tx.add(case)
            await tx.flush()
            rows = [CaseClinic(case_id=case.id, clinic_id=cid, clinic_name=name)
                    for cid, name in names]
            tx.add_all(rows)
            opened = "Request opened for " + ", ".join(n for _, n in names) + "."
            if earlier is not None:
                opened += f" Follows up {case_number(earlier.id)}."
            await self._note(tx, case, who, "status", opened,
                             f"We received your request {case_number(case.id)}")
        self._outbox.wake()
        return CaseSummary(case, rows)

    async def comment(self, who: Principal, number: str, body: str) -> None:
        text = _text(body, "body")
        async with self._db.transaction() as tx:
            case, _ = await self._visible(tx, who, number)
            if case.status in CLOSED:
                raise Conflict("This case is closed and cannot be replied to; use Follow up "
                               "to open a new case.")
            subject = f"New reply on {case_number(case.id)}" if (
                who.role is Role.OPERATOR) else None
            await self._note(tx, case, who, "comment", text, subject)
        self._outbox.wake()

    async def rate(self, who: Principal, number: str, rating: int, comment: str) -> None:
        check_rating(rating)
        if len(comment) > MAX_TEXT:
            raise InvalidInput(f"The comment is at most {MAX_TEXT} characters.",
                               field="rating_comment")
        async with self._db.transaction() as tx:
            case, _ = await self._visible(tx, who, number)
            if who.role is Role.OPERATOR:
                raise Forbidden("The requester rates the case, not the operator.")
            if case.status not in CLOSED:
                raise Conflict("A case can be rated once it is resolved.")
            case.rating, case.rating_comment = rating, comment.strip() or None
            case.updated_at = utcnow()

    # -- operator's side ----------------------------------------------------------------
    async def assign(self, who: Principal, number: str) -> None:
        who.require_role(Role.OPERATOR)
        async with self._db.transaction() as tx:
            case, _ = await self._visible(tx, who, number)
            if case.status in CLOSED:
                raise Conflict("This case is closed.")
            case.assignee_id, case.assignee_name = who.user_id, who.name
            text = f"Assigned to {who.name}."
            if case.status == CaseStatus.OPEN.value:
                check_case_transition(CaseStatus.OPEN, CaseStatus.IN_PROGRESS)
                case.status = CaseStatus.IN_PROGRESS.value
                text += " Status: in progress."
            await self._note(tx, case, who, "status", text,
                             f"{case_number(case.id)} is in progress")
        self._outbox.wake()

    async def resolve(self, who: Principal, number: str, approve: bool, note: str) -> None:
        """Approve (enable the add-on for the case's clinics) or reject with a reason."""
        who.require_role(Role.OPERATOR)
        note = note.strip()
        if not approve and not note:
            raise InvalidInput("Give the requester a reason for the rejection.",
                               field="resolution")
        if len(note) > MAX_TEXT:
            raise InvalidInput(f"The note is at most {MAX_TEXT} characters.",
                               field="resolution")
        target = CaseStatus.APPROVED if approve else CaseStatus.REJECTED
        now = utcnow()
        async with self._db.transaction() as tx:
            case, clinics = await self._visible(tx, who, number)
            check_case_transition(CaseStatus(case.status), target)
            case.status, case.resolution, case.resolved_at = target.value, note or None, now
            if case.assignee_id is None:
                case.assignee_id, case.assignee_name = who.user_id, who.name
            if approve:
                enabled, elsewhere = [], []
                for row in clinics:
                    clinic = await tx.get(Clinic, row.clinic_id)
                    if clinic is None or clinic.org_id != case.org_id:
                        # The host platform has since vouched it is another org's clinic.
                        elsewhere.append(row.clinic_name)
                        continue
                    enabled.append(row.clinic_name)
                    if not clinic.addon_enabled:
                        clinic.addon_enabled, clinic.enabled_at = True, now
                if not enabled:
                    raise Conflict("None of this case's clinics belongs to its organisation "
                                   "any more; reject the case instead.")
                text = ("Approved: the Payment Gateway add-on is enabled for "
                        f"{', '.join(enabled)}.")
                if elsewhere:
                    text += (f" Not enabled for {', '.join(elsewhere)}: paygate knows it as "
                             "a clinic of another organisation.")
                subject = f"{case_number(case.id)} approved: the add-on is enabled"
            else:
                text = "Rejected."
                subject = f"{case_number(case.id)} was rejected"
            if note:
                text += f"\n\n{note}"
            await self._note(tx, case, who, "status", text, subject)
        self._outbox.wake()

    # -- thread lines and their emails --------------------------------------------------
    async def _note(self, tx: AsyncSession, case: EnablementCase, who: Principal, kind: str,
                    body: str, email_subject: str | None) -> None:
        now = utcnow()
        comment = CaseComment(case_id=case.id, kind=kind, author_id=who.user_id,
                              author_name=who.name, author_role=who.role.value, body=body,
                              created_at=now)
        tx.add(comment)
        case.updated_at = now
        await tx.flush()
        if email_subject is None or not case.requester_email:
            return
        number = case_number(case.id)
        link = f"{(self._settings.public_url or '').rstrip('/')}/admin/requests/{number}"
        text = (f"Hello {case.requester_name},\n\n{email_subject}.\n\n"
                f"Status: {STATUS_WORDS[CaseStatus(case.status)]}\n"
                f"From {who.name}:\n{body}\n\n"
                f"See the whole case and reply: {link}\n\n"
                "Replies to this email are not read; please reply on the case page.\n")
        await self._outbox.enqueue(tx, Draft(
            kind="case_update", dedupe_key=f"case:{case.id}:comment:{comment.id}",
            to=case.requester_email, subject=f"[{number}] {email_subject}", text=text))


def _text(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput("Please write a few words.", field=field)
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"Keep it under {MAX_TEXT} characters.", field=field)
    return text


def _clean_clinics(clinics: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for clinic_id, name in clinics:
        cid = clinic_id.strip()
        if not cid:
            continue
        if len(cid) > 64 or any(ch.isspace() for ch in cid):
            raise InvalidInput(f"{cid!r} is not a clinic id (no spaces, at most 64 "
                               "characters).", field="clinics")
        one_line(name, field="new_clinic_name", what="The clinic's name")
        seen.setdefault(cid, name.strip()[:200])
    if not seen:
        raise InvalidInput("Choose at least one clinic.", field="clinics")
    return list(seen.items())

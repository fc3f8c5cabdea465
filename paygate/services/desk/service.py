"""The service desk's cases as their requesters and operators see and move them."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.cases import (
    CLOSED,
    CaseStatus,
    case_number,
    check_rating,
    closed_hint,
    next_due,
    parse_priority,
)
from paygate.domain.errors import Conflict, Forbidden, InvalidInput
from paygate.domain.principals import Principal, Role
from paygate.services.desk import attachments
from paygate.services.desk.attachments import Upload
from paygate.services.desk.filing import CaseInput, RequestInput, file_case, file_enablement
from paygate.services.desk.mail import CaseMail
from paygate.services.desk.operators import DeskOperators
from paygate.services.desk.steps import (
    MAX_TEXT,
    Author,
    line,
    move,
    tell_operators,
    tell_requester,
    text_of,
)
from paygate.services.desk.thread import CaseSummary, CaseThread, find_visible
from paygate.services.mail.outbox import Outbox
from paygate.settings import Settings
from paygate.store.database import Database, utcnow
from paygate.store.models import Case, CaseAttachment, CaseClinic, CaseComment


class _DryRun(Exception):
    """Rolls back a filing that was only checked."""


class CaseService:
    def __init__(self, db: Database, outbox: Outbox, settings: Settings) -> None:
        self._db = db
        self.mail = CaseMail(outbox, settings)
        self.operators = DeskOperators(db, self.mail, settings)

    # -- reading ------------------------------------------------------------------------
    async def list_for(self, who: Principal, only_open: bool = False,
                       status: str | None = None) -> list[CaseSummary]:
        query = select(Case).order_by(Case.id.desc()).limit(200)
        if who.role is Role.ORG_ADMIN:
            query = query.where(Case.org_id == who.org_id)
        elif who.role is Role.CLINIC_ADMIN:
            query = query.where(Case.org_id == who.org_id, Case.id.in_(
                select(CaseClinic.case_id).where(CaseClinic.clinic_id == who.clinic_id)))
        elif who.role is Role.OPERATOR:
            query = query.order_by(None).order_by(Case.due_at, Case.id)
        else:
            raise Forbidden("Your role cannot see service desk cases.")
        if only_open:
            query = query.where(Case.status.not_in([s.value for s in CLOSED]))
        if status:
            query = query.where(Case.status == CaseStatus(status).value)
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
            case, clinics = await find_visible(tx, who, number)
            comments = (await tx.scalars(select(CaseComment).where(
                CaseComment.case_id == case.id).order_by(CaseComment.id))).all()
            later = (await tx.scalars(select(Case.id).where(
                Case.follows_up_id == case.id).order_by(Case.id))).all()
            files = await attachments.of_case(tx, case.id)
        shown = [f for f in files if f.no_phi_confirmed_at is not None]
        mine = [f for f in files if f.no_phi_confirmed_at is None
                and f.uploader_id == who.user_id]
        earlier = case_number(case.follows_up_id) if case.follows_up_id else None
        return CaseThread(case, clinics, comments, shown, mine, earlier,
                          [case_number(i) for i in later])

    async def attachment(self, who: Principal, number: str,
                         attachment_id: int) -> CaseAttachment:
        async with self._db.sessions() as tx:
            case, _ = await find_visible(tx, who, number)
            row = await attachments.one(tx, case.id, attachment_id)
        if row.no_phi_confirmed_at is None and row.uploader_id != who.user_id:
            raise Forbidden("This attachment waits for its sender's confirmation.")
        return row

    # -- requester's side ---------------------------------------------------------------
    async def file(self, who: Principal, form: RequestInput) -> CaseSummary:
        """An enablement request: its clinics, why, and how to reach the requester."""
        async with self._db.transaction() as tx:
            case = await file_enablement(tx, who, form)
            await self._opened(tx, case)
            clinics = await self._clinics(tx, case)
        self.mail.wake()
        return CaseSummary(case, clinics)

    async def file_case(self, who: Principal, form: CaseInput) -> CaseSummary:
        async with self._db.transaction() as tx:
            case = await file_case(tx, who, form)
            await self._opened(tx, case)
            clinics = await self._clinics(tx, case)
        self.mail.wake()
        return CaseSummary(case, clinics)

    async def check_case(self, who: Principal, form: CaseInput) -> str:
        """Everything filing would check, with nothing kept but the files, which wait
        under the returned draft token for the submit that follows the preview."""
        try:
            async with self._db.transaction() as tx:
                await file_case(tx, who, replace(form, uploads=()))
                raise _DryRun
        except _DryRun:
            pass
        files = attachments.check(form.uploads, form.no_phi)
        if not files:
            return form.draft
        token = form.draft or secrets.token_urlsafe(24)
        async with self._db.transaction() as tx:
            attachments.store(tx, None, None, files, who.user_id, who.name, who.email,
                              True, draft=token)
        return token

    async def draft_files(self, who: Principal, token: str) -> list[CaseAttachment]:
        async with self._db.sessions() as tx:
            return await attachments.drafts(tx, token, who.user_id)

    async def _clinics(self, tx: AsyncSession, case: Case) -> list[CaseClinic]:
        return list((await tx.scalars(select(CaseClinic).where(
            CaseClinic.case_id == case.id))).all())

    async def _opened(self, tx: AsyncSession, case: Case) -> None:
        row = (await tx.scalars(select(CaseComment).where(
            CaseComment.case_id == case.id).order_by(CaseComment.id.desc()).limit(1))).one()
        number = case_number(case.id)
        await tell_requester(tx, self.mail, case, row, f"We received your request {number}")
        await tell_operators(tx, self.mail, case, row, f"New case {number}: "
                             f"{case.subject or 'Payment Gateway add-on'}")

    async def comment(self, who: Principal, number: str, body: str,
                      uploads: Sequence[Upload] = (), no_phi: bool = False,
                      wait: bool = False) -> None:
        """A reply on an open case. An operator's first answers the case (and with `wait`
        asks the requester something); a requester's answer puts it back with them."""
        text = text_of(body, "body")
        files = attachments.check(uploads, no_phi)
        async with self._db.transaction() as tx:
            case, _ = await find_visible(tx, who, number)
            await self.add_comment(tx, case, Author.of(who), who.role is Role.OPERATOR,
                                   text, who.email, files, wait)
        self.mail.wake()

    async def add_comment(self, tx: AsyncSession, case: Case, author: Author,
                          operator: bool, text: str, email: str | None,
                          files: Sequence[tuple[Upload, str]], wait: bool = False,
                          via: str = "web", confirmed: bool = True,
                          message_id: str | None = None) -> CaseComment:
        number = case_number(case.id)
        if case.status in CLOSED:
            raise Conflict(closed_hint(number))
        status = CaseStatus(case.status)
        now = utcnow()
        if operator:
            if case.first_answered_at is None:
                case.first_answered_at = now
                case.due_at = next_due(parse_priority(case.priority), case.created_at, True)
            if wait and status is not CaseStatus.WAITING:
                move(case, CaseStatus.WAITING)
            elif status is CaseStatus.NEW:
                move(case, CaseStatus.OPEN)
        elif status is CaseStatus.WAITING:
            move(case, CaseStatus.IN_PROGRESS if case.assignee_id else CaseStatus.OPEN)
        row = await line(tx, case, author, "comment", text, via, message_id)
        attachments.store(tx, case, row.id, files, author.user_id, author.name, email,
                          confirmed)
        if operator:
            await tell_requester(tx, self.mail, case, row, f"New reply on {number}")
        else:
            await tell_operators(tx, self.mail, case, row, f"The requester replied on "
                                 f"{number}")
        return row

    async def answer_resolution(self, who: Principal, number: str, resolved: bool,
                                rating: int | None = None, comment: str = "") -> None:
        """The requester's answer to a proposed resolution: resolved (and maybe a rating),
        or not resolved, saying what is still wrong (the case goes back to operators)."""
        if rating is not None:
            check_rating(rating)
        note = comment.strip()
        if len(note) > MAX_TEXT:
            raise InvalidInput(f"Keep it under {MAX_TEXT} characters.", field="comment")
        if not resolved and not note:
            raise InvalidInput("Tell us what is still wrong.", field="comment")
        async with self._db.transaction() as tx:
            case, _ = await find_visible(tx, who, number)
            if who.role is Role.OPERATOR:
                raise Forbidden("The requester says whether the case is resolved.")
            if case.status != CaseStatus.PROPOSED.value:
                raise Conflict(closed_hint(number) if case.status in CLOSED else
                               "Nothing is proposed as resolved on this case yet.")
            author = Author.of(who)
            if resolved:
                move(case, CaseStatus.RESOLVED)
                case.resolved_at, case.due_at = utcnow(), None
                if rating is not None:
                    case.rating, case.rating_comment = rating, note or None
                row = await line(tx, case, author, "status",
                                 "Marked resolved by the requester." +
                                 (f"\n\n{note}" if note else ""))
                await tell_operators(tx, self.mail, case, row, f"{number} is resolved")
            else:
                move(case, CaseStatus.NOT_RESOLVED)
                case.proposed_at = None
                case.due_at = next_due(parse_priority(case.priority), utcnow(), False)
                row = await line(tx, case, author, "status",
                                 f"Not resolved, says the requester:\n\n{note}")
                await tell_operators(tx, self.mail, case, row, f"{number} is not resolved")
        self.mail.wake()

    async def rate(self, who: Principal, number: str, rating: int, comment: str) -> None:
        check_rating(rating)
        if len(comment) > MAX_TEXT:
            raise InvalidInput(f"The comment is at most {MAX_TEXT} characters.",
                               field="rating_comment")
        async with self._db.transaction() as tx:
            case, _ = await find_visible(tx, who, number)
            if who.role is Role.OPERATOR:
                raise Forbidden("The requester rates the case, not the operator.")
            if case.status not in CLOSED:
                raise Conflict("A case can be rated once it is resolved.")
            case.rating, case.rating_comment = rating, comment.strip() or None
            case.updated_at = utcnow()

    async def confirm_attachments(self, who: Principal, number: str, keep: bool) -> int:
        """The sender of files by email confirms they hold no PHI (or discards them)."""
        async with self._db.transaction() as tx:
            case, _ = await find_visible(tx, who, number)
            waiting = [f for f in await attachments.of_case(tx, case.id)
                       if f.no_phi_confirmed_at is None and f.uploader_id == who.user_id]
            for row in waiting:
                if keep:
                    row.no_phi_confirmed_at = utcnow()
                else:
                    await tx.delete(row)
        return len(waiting)


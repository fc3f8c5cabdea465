"""The operators' side: take a case, pass it to a colleague or a department, change its
priority, propose a resolution, approve or reject; and the desk's members."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.cases import (
    CLOSED,
    DEPARTMENT_LABELS,
    PRIORITY_LABELS,
    TOP_TIER,
    CaseStatus,
    CaseType,
    case_number,
    closed_hint,
    next_due,
    parse_department,
    parse_priority,
)
from paygate.domain.emails import address_or_none
from paygate.domain.errors import Conflict, InvalidInput
from paygate.domain.principals import Principal, Role
from paygate.services.desk.mail import CaseMail
from paygate.services.desk.steps import (
    MAX_TEXT,
    Author,
    line,
    members,
    move,
    tell_operators,
    tell_requester,
    text_of,
)
from paygate.services.desk.thread import find_visible
from paygate.settings import Settings
from paygate.store.database import Database, utcnow
from paygate.store.models import Case, CaseClinic, Clinic, DeskMember


class DeskOperators:
    def __init__(self, db: Database, mail: CaseMail, settings: Settings) -> None:
        self._db = db
        self._mail = mail
        self._settings = settings

    async def _open_case(self, tx: AsyncSession, who: Principal, number: str) -> Case:
        who.require_role(Role.OPERATOR)
        case, _ = await find_visible(tx, who, number)
        if case.status in CLOSED:
            raise Conflict(closed_hint(number))
        return case

    async def assign(self, who: Principal, number: str, colleague: str = "",
                     department: str = "") -> None:
        """To me (no colleague, no department), to a colleague, or back to a department's
        queue; the thread keeps who moved it, to whom and when."""
        async with self._db.transaction() as tx:
            case = await self._open_case(tx, who, number)
            status = CaseStatus(case.status)
            if department:
                target = parse_department(department)
                case.department, case.assignee_id, case.assignee_name = target.value, None, None
                text = f"Moved to {DEPARTMENT_LABELS[target]} by {who.name}."
                if status in (CaseStatus.IN_PROGRESS,):
                    move(case, CaseStatus.OPEN)
                people = None
            else:
                if colleague:
                    found = await members(tx, user_id=colleague)
                    if not found:
                        raise InvalidInput("Choose a colleague from the list.",
                                           field="colleague")
                    person = found[0]
                else:
                    person = await self.note_operator(tx, who)
                case.assignee_id, case.assignee_name = person.user_id, person.name
                if person.department:
                    case.department = person.department
                text = (f"Assigned to {person.name}." if person.user_id == who.user_id
                        else f"Assigned to {person.name} by {who.name}.")
                if status in (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.NOT_RESOLVED):
                    move(case, CaseStatus.IN_PROGRESS)
                    text += " Status: in progress."
                people = [person]
            row = await line(tx, case, Author.of(who), "assignment", text)
            if status is CaseStatus.NEW and case.status != status.value:
                await tell_requester(tx, self._mail, case, row,
                                     f"{case_number(case.id)} is in progress")
            await tell_operators(tx, self._mail, case, row,
                                 f"{case_number(case.id)} was passed to you", people)
        self._mail.wake()

    async def set_priority(self, who: Principal, number: str, priority: str) -> None:
        value = parse_priority(priority)
        async with self._db.transaction() as tx:
            case = await self._open_case(tx, who, number)
            if case.priority == value.value:
                return
            before = PRIORITY_LABELS[parse_priority(case.priority)]
            case.priority = value.value
            if case.due_at is not None:
                case.due_at = next_due(value, case.created_at,
                                       case.first_answered_at is not None)
            await line(tx, case, Author.of(who), "priority",
                       f"Priority changed from {before.lower()} to "
                       f"{PRIORITY_LABELS[value].lower()} by {who.name}.")

    async def propose(self, who: Principal, number: str, note: str) -> None:
        """Proposed resolved: the requester confirms or says what is still wrong; left
        unanswered, the case closes by itself after the stated days."""
        text = text_of(note, "resolution")
        days = self._settings.case_autoclose_days
        async with self._db.transaction() as tx:
            case = await self._open_case(tx, who, number)
            if case.kind == CaseType.ENABLEMENT.value:
                raise Conflict("An enablement request is approved or rejected.")
            move(case, CaseStatus.PROPOSED)
            case.proposed_at, case.resolution = utcnow(), text
            if case.first_answered_at is None:
                case.first_answered_at = case.proposed_at
            if case.assignee_id is None:
                case.assignee_id, case.assignee_name = who.user_id, who.name
            row = await line(tx, case, Author.of(who), "status", (
                f"Proposed as resolved:\n\n{text}\n\nIf it is, mark it resolved; if not, "
                f"say what is still wrong. Unanswered, it closes in {days} days."))
            await tell_requester(tx, self._mail, case, row,
                                 f"{case_number(case.id)}: is it resolved?")
        self._mail.wake()

    async def decide(self, who: Principal, number: str, approve: bool, note: str) -> None:
        """Approve (an enablement request: enable the add-on for its clinics) or reject,
        with a reason."""
        note = note.strip()
        if not approve and not note:
            raise InvalidInput("Give the requester a reason for the rejection.",
                               field="resolution")
        if len(note) > MAX_TEXT:
            raise InvalidInput(f"The note is at most {MAX_TEXT} characters.",
                               field="resolution")
        now = utcnow()
        async with self._db.transaction() as tx:
            case = await self._open_case(tx, who, number)
            number = case_number(case.id)
            if approve and case.kind != CaseType.ENABLEMENT.value:
                raise Conflict("Propose a resolution; the requester confirms it.")
            move(case, CaseStatus.RESOLVED if approve else CaseStatus.REJECTED)
            case.resolution, case.resolved_at, case.due_at = note or None, now, None
            if case.assignee_id is None:
                case.assignee_id, case.assignee_name = who.user_id, who.name
            if approve:
                text = await self._enable(tx, case)
                subject = f"{number} approved: the add-on is enabled"
            else:
                text, subject = "Rejected.", f"{number} was rejected"
            if note:
                text += f"\n\n{note}"
            row = await line(tx, case, Author.of(who), "status", text)
            await tell_requester(tx, self._mail, case, row, subject)
        self._mail.wake()

    async def _enable(self, tx: AsyncSession, case: Case) -> str:
        rows = (await tx.scalars(select(CaseClinic).where(
            CaseClinic.case_id == case.id).order_by(CaseClinic.clinic_id))).all()
        enabled, elsewhere = [], []
        for row in rows:
            clinic = await tx.get(Clinic, row.clinic_id)
            if clinic is None or clinic.org_id != case.org_id:
                # The host platform has since vouched it is another org's clinic.
                elsewhere.append(row.clinic_name)
                continue
            enabled.append(row.clinic_name)
            if not clinic.addon_enabled:
                clinic.addon_enabled, clinic.enabled_at = True, case.resolved_at
        if not enabled:
            raise Conflict("None of this case's clinics belongs to its organisation any "
                           "more; reject the case instead.")
        text = f"Approved: the Payment Gateway add-on is enabled for {', '.join(enabled)}."
        if elsewhere:
            text += (f" Not enabled for {', '.join(elsewhere)}: paygate knows it as a clinic "
                     "of another organisation.")
        return text

    # -- the desk's members -------------------------------------------------------------
    async def note_operator(self, tx: AsyncSession, who: Principal) -> DeskMember:
        """Every operator who signs in is a member (tier 1, no department, until set)."""
        row = await tx.get(DeskMember, who.user_id)
        email = address_or_none(who.email)
        if row is None:
            row = DeskMember(user_id=who.user_id, name=who.name, email=email, tier=1,
                             updated_at=utcnow())
            tx.add(row)
        elif (row.name, row.email) != (who.name, email or row.email):
            row.name, row.email, row.updated_at = who.name, email or row.email, utcnow()
        await tx.flush()
        return row

    async def signed_in(self, who: Principal) -> None:
        if who.role is Role.OPERATOR:
            async with self._db.transaction() as tx:
                await self.note_operator(tx, who)

    async def team(self) -> list[DeskMember]:
        async with self._db.sessions() as tx:
            return list(await members(tx))

    async def set_member(self, who: Principal, user_id: str, department: str,
                         tier: int) -> None:
        who.require_role(Role.OPERATOR)
        if not 1 <= tier <= TOP_TIER:
            raise InvalidInput(f"A tier is 1 to {TOP_TIER}.", field="tier")
        async with self._db.transaction() as tx:
            row = await tx.get(DeskMember, user_id)
            if row is None:
                raise InvalidInput("Choose a colleague from the list.", field="user_id")
            row.department = parse_department(department).value if department else None
            row.tier, row.updated_at = tier, utcnow()

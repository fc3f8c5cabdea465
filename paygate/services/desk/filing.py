"""Filing a case: an enablement request for one or more clinics, or a payment, billing or
other case for one clinic, routed to a department or a named colleague."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.cases import (
    CLOSED,
    DEPARTMENT_FOR,
    DEPARTMENT_LABELS,
    OPEN_STATUSES,
    PRIORITY_LABELS,
    TYPE_LABELS,
    CaseStatus,
    CaseType,
    Reference,
    case_number,
    category_of,
    next_due,
    parse_department,
    parse_priority,
    parse_type,
)
from paygate.domain.emails import address_or_none, one_line
from paygate.domain.errors import Conflict, Forbidden, InvalidInput
from paygate.domain.principals import Principal, Role
from paygate.services.clinics.ownership import ensure_clinic, ensure_org
from paygate.services.desk import attachments
from paygate.services.desk.attachments import Upload
from paygate.services.desk.steps import Author, line, members, text_of
from paygate.services.desk.thread import find_visible
from paygate.store.database import utcnow
from paygate.store.models import Case, CaseClinic, Clinic, DeskMember, Dispute, PaymentRequest

_INVOICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_-]{2,39}$")


@dataclass(frozen=True)
class RequestInput:
    """An enablement request."""

    clinics: Sequence[tuple[str, str]]  # (clinic id, name for a clinic paygate doesn't know)
    reason: str
    contact: str
    follows_up: str | None = None       # case number of the closed case this follows


@dataclass(frozen=True)
class CaseInput:
    kind: str
    category: str
    subject: str
    description: str
    clinic_id: str
    priority: str = "routine"
    reference: str = ""
    department: str = ""
    colleague: str = ""                 # an operator's user id: route to them by name
    follows_up: str | None = None
    uploads: Sequence[Upload] = field(default_factory=tuple)
    no_phi: bool = False
    draft: str = ""                     # the files sent with this filing's preview


async def follows(tx: AsyncSession, who: Principal, number: str | None) -> Case | None:
    if not number:
        return None
    earlier, _ = await find_visible(tx, who, number)
    if earlier.status not in CLOSED:
        raise Conflict("That case is still open; reply on it instead.")
    return earlier


def _contact(value: str) -> str:
    contact = value.strip()
    one_line(contact, field="contact", what="The contact")
    if not contact:
        raise InvalidInput("Tell us how to reach you (email or phone).", field="contact")
    if len(contact) > 320:
        raise InvalidInput("The contact is at most 320 characters.", field="contact")
    return contact


def clean_clinics(clinics: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
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


def new_case(who: Principal, kind: CaseType, reason: str, contact: str, **values: object
             ) -> Case:
    now = utcnow()
    priority = parse_priority(str(values.pop("priority", "routine")))
    return Case(
        org_id=who.org_id, kind=kind.value, status=CaseStatus.NEW.value, reason=reason,
        contact=contact, requester_id=who.user_id, requester_name=who.name,
        requester_email=address_or_none(who.email) or address_or_none(contact),
        requester_role=who.role.value, created_at=now, updated_at=now, tier=1,
        priority=priority.value, due_at=next_due(priority, now, answered=False), **values)


async def file_enablement(tx: AsyncSession, who: Principal, form: RequestInput) -> Case:
    if who.role not in (Role.CLINIC_ADMIN, Role.ORG_ADMIN):
        raise Forbidden("Enablement requests are filed by clinic or org admins.")
    reason, contact = text_of(form.reason, "reason"), _contact(form.contact)
    wanted = clean_clinics(form.clinics)
    if who.role is Role.CLINIC_ADMIN and [c for c, _ in wanted] != [who.clinic_id]:
        raise Forbidden("A clinic admin can request the add-on for their own clinic only.")
    earlier = await follows(tx, who, form.follows_up)
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
            Case, Case.id == CaseClinic.case_id).where(
            CaseClinic.clinic_id == clinic_id, Case.org_id == who.org_id,
            Case.kind == CaseType.ENABLEMENT.value, Case.status.in_(OPEN_STATUSES)).limit(1))
        if pending is not None:
            raise Conflict(f"{clinic.name} is already requested in {case_number(pending)}.")
        names.append((clinic.id, clinic.name))
    case = new_case(who, CaseType.ENABLEMENT, reason, contact, category="addon",
                    department="onboarding", follows_up_id=earlier.id if earlier else None)
    tx.add(case)
    await tx.flush()
    tx.add_all(CaseClinic(case_id=case.id, clinic_id=cid, clinic_name=name)
               for cid, name in names)
    opened = "Request opened for " + ", ".join(n for _, n in names) + "."
    if earlier is not None:
        opened += f" Follows up {case_number(earlier.id)}."
    await line(tx, case, Author.of(who), "status", opened)
    return case


async def _clinic(tx: AsyncSession, who: Principal, clinic_id: str) -> Clinic:
    clinic = await tx.get(Clinic, clinic_id.strip()) if clinic_id.strip() else None
    if clinic is None or clinic.org_id != who.org_id or (
            who.role is Role.CLINIC_ADMIN and clinic.id != who.clinic_id):
        raise InvalidInput("Choose one of your clinics.", field="clinic_id")
    return clinic


async def payment_of(tx: AsyncSession, clinic: Clinic, reference: str) -> PaymentRequest:
    """The payment a reference names, if it is one of this clinic's: PAY-7FGE2N, the
    request's pr_ id, its PaymentIntent pi_ or a dispute's dp_ or ch_ id."""
    value = reference.strip()
    column = {"pi_": PaymentRequest.payment_intent_id, "pr_": PaymentRequest.id}.get(
        value[:3], PaymentRequest.reference)
    row = None
    if value[:3] in ("dp_", "ch_"):
        dispute = await tx.scalar(select(Dispute).where(
            (Dispute.id == value) | (Dispute.charge_id == value)).limit(1))
        if dispute is not None:
            row = await tx.get(PaymentRequest, dispute.payment_request_id)
    else:
        row = await tx.scalar(select(PaymentRequest).where(
            column == (value.upper() if column is PaymentRequest.reference else value)))
    if row is None or row.clinic_id != clinic.id:
        raise InvalidInput(f"{value} is not a payment of {clinic.name}: give its reference "
                           "(PAY-...) from the receipt or Reports, or its Stripe id.",
                           field="reference")
    return row


async def _colleague(tx: AsyncSession, user_id: str) -> DeskMember | None:
    if not user_id.strip():
        return None
    found = await members(tx, user_id=user_id.strip())
    if not found:
        raise InvalidInput("Choose a colleague from the list.", field="colleague")
    return found[0]


async def file_case(tx: AsyncSession, who: Principal, form: CaseInput) -> Case:
    if who.role not in (Role.CLINIC_ADMIN, Role.ORG_ADMIN):
        raise Forbidden("Cases are filed by clinic or org admins.")
    kind = parse_type(form.kind)
    category = category_of(kind, form.category)
    subject = form.subject.strip()
    one_line(subject, field="subject", what="The subject")
    if not subject or len(subject) > 200:
        raise InvalidInput("Give the case a subject of at most 200 characters.",
                           field="subject")
    description = text_of(form.description, "description")
    priority = parse_priority(form.priority or "routine")
    clinic = await _clinic(tx, who, form.clinic_id)
    reference, payment_id = form.reference.strip(), None
    if category.reference is None:
        reference = ""
    elif not reference and category.reference_required:
        what = "payment reference (PAY-...)" if category.reference is Reference.PAYMENT \
            else "invoice number"
        raise InvalidInput(f"This category needs the {what}.", field="reference")
    elif reference and category.reference is Reference.PAYMENT:
        payment_id = (await payment_of(tx, clinic, reference)).id
    elif reference and not _INVOICE.match(reference):
        raise InvalidInput("An invoice number is 3 to 40 letters, digits, dashes or "
                           "slashes.", field="reference")
    department = parse_department(form.department) if form.department else \
        DEPARTMENT_FOR[kind]
    colleague = await _colleague(tx, form.colleague)
    files = attachments.check(form.uploads, form.no_phi)
    earlier = await follows(tx, who, form.follows_up)
    case = new_case(who, kind, description, who.email or "", category=category.code,
                    subject=subject, priority=priority.value, reference=reference or None,
                    payment_request_id=payment_id, department=department.value,
                    assignee_id=colleague.user_id if colleague else None,
                    assignee_name=colleague.name if colleague else None,
                    follows_up_id=earlier.id if earlier else None)
    tx.add(case)
    await tx.flush()
    tx.add(CaseClinic(case_id=case.id, clinic_id=clinic.id, clinic_name=clinic.name))
    routed = (f"to {colleague.name}" if colleague else
              f"to {DEPARTMENT_LABELS[department]}")
    text = (f"Filed: {TYPE_LABELS[kind]}, {category.label.lower()}, for {clinic.name}. "
            f"Priority {PRIORITY_LABELS[priority].lower()}, sent {routed}.")
    if earlier is not None:
        text += f" Follows up {case_number(earlier.id)}."
    await line(tx, case, Author.of(who), "status", text)
    attachments.store(tx, case, None, files, who.user_id, who.name, who.email, True)
    await attachments.claim(tx, case, form.draft, who.user_id)
    return case

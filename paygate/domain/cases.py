"""Service desk cases: their types and categories, statuses and the allowed moves between
them, priorities with their targets, and the escalation tiers. (issues 4 and 24)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from paygate.domain.errors import InvalidInput, InvalidTransition


class CaseType(StrEnum):
    ENABLEMENT = "enablement"  # the Payment Gateway add-on for one or more clinics
    PAYMENT = "payment"        # an inquiry or complaint about one payment
    BILLING = "billing"        # the clinic's invoices and fees from the platform
    OTHER = "other"


TYPE_LABELS = {
    CaseType.ENABLEMENT: "Enable the Payment Gateway add-on",
    CaseType.PAYMENT: "A payment: a question or a complaint",
    CaseType.BILLING: "Billing: invoices and fees",
    CaseType.OTHER: "Something else",
}


class Reference(StrEnum):
    """What a category's reference field holds, when the category has one."""

    PAYMENT = "payment"  # PAY-7FGE2N, or the Stripe id of the payment (pi_..., ch_...)
    INVOICE = "invoice"  # the invoice number printed on the platform's invoice


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    reference: Reference | None = None
    reference_required: bool = False


CATEGORIES: dict[CaseType, tuple[Category, ...]] = {
    CaseType.ENABLEMENT: (Category("addon", "Enable the add-on for clinics"),),
    CaseType.PAYMENT: (
        Category("question", "A question about a payment", Reference.PAYMENT, True),
        Category("complaint", "A patient's complaint about a payment", Reference.PAYMENT,
                 True),
        Category("refund", "A refund that did not arrive", Reference.PAYMENT, True),
        Category("declined", "Cards are declined", Reference.PAYMENT, False),
    ),
    CaseType.BILLING: (
        Category("invoice", "A question about an invoice", Reference.INVOICE, True),
        Category("fees", "Platform fees"),
        Category("plan", "Change the clinic's plan"),
    ),
    CaseType.OTHER: (
        Category("general", "A general question"),
        Category("feedback", "Feedback or a suggestion"),
    ),
}


def category_of(kind: CaseType, code: str) -> Category:
    for category in CATEGORIES[kind]:
        if category.code == code:
            return category
    allowed = ", ".join(c.code for c in CATEGORIES[kind])
    raise InvalidInput(f"Choose a category of {kind.value} cases: {allowed}.",
                       field="category")


E = TypeVar("E", bound=StrEnum)


def _choice(kind: type[E], value: str, field: str, what: str) -> E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(e.value for e in kind)
        raise InvalidInput(f"Choose {what}: {allowed}.", field=field) from None


def parse_type(value: str) -> CaseType:
    return _choice(CaseType, value, "type", "the kind of case")


class Department(StrEnum):
    ONBOARDING = "onboarding"
    PAYMENTS = "payments"
    BILLING = "billing"
    GENERAL = "general"


DEPARTMENT_LABELS = {
    Department.ONBOARDING: "Onboarding (the add-on)",
    Department.PAYMENTS: "Payments support",
    Department.BILLING: "Billing",
    Department.GENERAL: "General support",
}
DEPARTMENT_FOR = {CaseType.ENABLEMENT: Department.ONBOARDING,
                  CaseType.PAYMENT: Department.PAYMENTS,
                  CaseType.BILLING: Department.BILLING, CaseType.OTHER: Department.GENERAL}


def parse_department(value: str) -> Department:
    return _choice(Department, value, "department", "a department")


class Priority(StrEnum):
    CRITICAL = "critical"  # payments are down for the clinic
    HIGH = "high"
    ROUTINE = "routine"
    PLANNED = "planned"    # a change the clinic plans ahead


@dataclass(frozen=True)
class Targets:
    first_answer: timedelta
    resolution: timedelta


TARGETS = {
    Priority.CRITICAL: Targets(timedelta(hours=1), timedelta(hours=4)),
    Priority.HIGH: Targets(timedelta(hours=4), timedelta(days=1)),
    Priority.ROUTINE: Targets(timedelta(days=1), timedelta(days=5)),
    Priority.PLANNED: Targets(timedelta(days=3), timedelta(days=20)),
}
PRIORITY_LABELS = {Priority.CRITICAL: "Critical", Priority.HIGH: "High",
                   Priority.ROUTINE: "Routine", Priority.PLANNED: "Planned"}


def parse_priority(value: str) -> Priority:
    return _choice(Priority, value, "priority", "a priority")


TOP_TIER = 3  # tier 1 answers first; an overdue case moves to tier 2, then 3


def next_due(priority: Priority, created_at: datetime, answered: bool) -> datetime:
    """The deadline that matters: the first answer until there is one, then the
    resolution. (An escalated case gives its new tier a fresh first-answer window.)"""
    targets = TARGETS[priority]
    return created_at + (targets.resolution if answered else targets.first_answer)


class CaseStatus(StrEnum):
    NEW = "new"                          # filed, nobody has answered
    OPEN = "open"                        # answered or reopened, nobody on it
    IN_PROGRESS = "in_progress"          # an operator has it
    WAITING = "waiting_on_requester"     # the operator asked the requester something
    PROPOSED = "proposed_resolved"       # the operator thinks it is resolved
    RESOLVED = "resolved"                # the requester agreed (or enablement approved)
    NOT_RESOLVED = "not_resolved"        # the requester said it is not; back to operators
    REJECTED = "rejected"
    CLOSED = "closed"                    # proposed resolved and left unanswered


STATUS_LABELS = {
    CaseStatus.NEW: "New", CaseStatus.OPEN: "Open", CaseStatus.IN_PROGRESS: "In progress",
    CaseStatus.WAITING: "Waiting on requester", CaseStatus.PROPOSED: "Proposed resolved",
    CaseStatus.RESOLVED: "Resolved", CaseStatus.NOT_RESOLVED: "Not resolved",
    CaseStatus.REJECTED: "Rejected", CaseStatus.CLOSED: "Closed",
}

_WORKING = frozenset({CaseStatus.OPEN, CaseStatus.IN_PROGRESS, CaseStatus.WAITING,
                      CaseStatus.PROPOSED, CaseStatus.RESOLVED, CaseStatus.REJECTED})
CASE_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: _WORKING,
    CaseStatus.OPEN: _WORKING - {CaseStatus.OPEN},
    CaseStatus.IN_PROGRESS: _WORKING - {CaseStatus.IN_PROGRESS},
    CaseStatus.WAITING: _WORKING - {CaseStatus.WAITING},
    CaseStatus.NOT_RESOLVED: _WORKING,
    CaseStatus.PROPOSED: frozenset({CaseStatus.RESOLVED, CaseStatus.NOT_RESOLVED,
                                    CaseStatus.CLOSED}),
    CaseStatus.RESOLVED: frozenset(),
    CaseStatus.REJECTED: frozenset(),
    CaseStatus.CLOSED: frozenset(),
}
CLOSED = frozenset({CaseStatus.RESOLVED, CaseStatus.REJECTED, CaseStatus.CLOSED})
# Waiting for an operator: what the console lists first and what escalates when late.
WITH_OPERATORS = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.IN_PROGRESS,
                  CaseStatus.NOT_RESOLVED)
OPEN_STATUSES = tuple(s for s in CaseStatus if s not in CLOSED)
AUTO_CLOSE_AFTER = timedelta(days=7)  # a proposed resolution nobody answers


def case_number(case_id: int) -> str:
    return f"PG-{case_id:06d}"


def parse_case_number(text: str) -> int:
    value = text.strip().upper()
    if value.startswith("PG-"):
        value = value[3:]
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput(f"{text!r} is not a case number like PG-000042.")
    return int(value)


def check_case_transition(current: CaseStatus, target: CaseStatus) -> None:
    if target not in CASE_TRANSITIONS[current]:
        raise InvalidTransition(
            f"A case that is {STATUS_LABELS[current].lower()} cannot become "
            f"{STATUS_LABELS[target].lower()}.")


def check_rating(rating: int) -> None:
    if not 1 <= rating <= 5:
        raise InvalidInput("Rate the case from 1 to 5.", field="rating")


def closed_hint(number: str) -> str:
    return (f"{number} is closed and cannot be replied to; open a follow-up case "
            f"(follows_up: {number}) to go on.")

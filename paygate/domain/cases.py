"""Enablement requests (service cases) for the Payment Gateway add-on."""

from __future__ import annotations

from enum import StrEnum

from paygate.domain.errors import InvalidInput, InvalidTransition


class CaseStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    APPROVED = "approved"
    REJECTED = "rejected"


CASE_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.APPROVED,
                                CaseStatus.REJECTED}),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.APPROVED, CaseStatus.REJECTED}),
    CaseStatus.APPROVED: frozenset(),
    CaseStatus.REJECTED: frozenset(),
}
CLOSED = frozenset({CaseStatus.APPROVED, CaseStatus.REJECTED})
OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.IN_PROGRESS)  # waiting for the operator


def case_number(case_id: int) -> str:
    return f"PG-{case_id:06d}"


def parse_case_number(text: str) -> int:
    value = text.strip().upper()
    if value.startswith("PG-"):
        value = value[3:]
    if not value.isdigit():
        raise InvalidInput(f"{text!r} is not a case number like PG-000042.")
    return int(value)


def check_case_transition(current: CaseStatus, target: CaseStatus) -> None:
    if target not in CASE_TRANSITIONS[current]:
        raise InvalidTransition(f"A case that is {current.value} cannot become {target.value}.")


def check_rating(rating: int) -> None:
    if not 1 <= rating <= 5:
        raise InvalidInput("Rate the case from 1 to 5.", field="rating")

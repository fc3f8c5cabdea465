"""The payment request and case state machines, checked over every pair of states."""

from __future__ import annotations

import itertools

import pytest

from paygate.domain.cases import (
    CASE_TRANSITIONS,
    CaseStatus,
    case_number,
    check_case_transition,
    parse_case_number,
)
from paygate.domain.errors import InvalidInput, InvalidTransition
from paygate.domain.payment_requests import (
    OPEN,
    SETTLED,
    TRANSITIONS,
    Status,
    check_transition,
    is_forward,
)

ALLOWED = {
    (Status.REQUESTED, Status.PROCESSING), (Status.REQUESTED, Status.PAID),
    (Status.REQUESTED, Status.FAILED), (Status.REQUESTED, Status.CANCELLED),
    (Status.REQUESTED, Status.EXPIRED),
    (Status.PROCESSING, Status.PAID), (Status.PROCESSING, Status.FAILED),
    (Status.PROCESSING, Status.CANCELLED), (Status.PROCESSING, Status.EXPIRED),
    (Status.FAILED, Status.PROCESSING), (Status.FAILED, Status.PAID),
    (Status.FAILED, Status.FAILED), (Status.FAILED, Status.CANCELLED),
    (Status.FAILED, Status.EXPIRED),
    (Status.PAID, Status.PARTIALLY_REFUNDED), (Status.PAID, Status.REFUNDED),
    (Status.PARTIALLY_REFUNDED, Status.PARTIALLY_REFUNDED),
    (Status.PARTIALLY_REFUNDED, Status.REFUNDED),
    # holds: authorised by the patient's card, then charged, released or left to expire
    (Status.REQUESTED, Status.AUTHORIZED), (Status.PROCESSING, Status.AUTHORIZED),
    (Status.FAILED, Status.AUTHORIZED),
    (Status.AUTHORIZED, Status.PAID), (Status.AUTHORIZED, Status.CANCELLED),
    (Status.AUTHORIZED, Status.EXPIRED),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(Status, Status)))
def test_every_pair_of_payment_states(current: Status, target: Status) -> None:
    if (current, target) in ALLOWED:
        check_transition(current, target)
    else:
        with pytest.raises(InvalidTransition):
            check_transition(current, target)


def test_paid_is_never_undone() -> None:
    for late in (Status.REQUESTED, Status.PROCESSING, Status.FAILED, Status.CANCELLED,
                 Status.EXPIRED):
        assert not is_forward(Status.PAID, late)
    assert not is_forward(Status.PROCESSING, Status.PROCESSING)


def test_terminal_and_open_sets() -> None:
    terminal = {s for s, targets in TRANSITIONS.items() if not targets}
    assert terminal == {Status.CANCELLED, Status.EXPIRED, Status.REFUNDED}
    assert OPEN.isdisjoint(SETTLED)


@pytest.mark.parametrize(("current", "target"),
                         list(itertools.product(CaseStatus, CaseStatus)))
def test_every_pair_of_case_states(current: CaseStatus, target: CaseStatus) -> None:
    if target in CASE_TRANSITIONS[current]:
        check_case_transition(current, target)
    else:
        with pytest.raises(InvalidTransition):
            check_case_transition(current, target)


def test_case_numbers() -> None:
    assert case_number(42) == "PG-000042"
    assert parse_case_number("pg-000042") == 42
    with pytest.raises(InvalidInput):
        parse_case_number("PG-x")


def test_what_a_case_may_become() -> None:
    from paygate.domain.cases import CLOSED, WITH_OPERATORS

    terminal = {s for s, targets in CASE_TRANSITIONS.items() if not targets}
    assert terminal == set(CLOSED) == {CaseStatus.RESOLVED, CaseStatus.REJECTED,
                                       CaseStatus.CLOSED}
    # Only the requester's answer (or the clock) ends a proposed resolution.
    assert CASE_TRANSITIONS[CaseStatus.PROPOSED] == {
        CaseStatus.RESOLVED, CaseStatus.NOT_RESOLVED, CaseStatus.CLOSED}
    # Closing by silence happens to proposed cases only.
    assert [s for s in CaseStatus if CaseStatus.CLOSED in CASE_TRANSITIONS[s]] == [
        CaseStatus.PROPOSED]
    # Every case waiting for an operator can be proposed resolved or rejected.
    for status in WITH_OPERATORS:
        assert {CaseStatus.PROPOSED, CaseStatus.REJECTED} <= CASE_TRANSITIONS[status]
    assert CaseStatus.NEW not in {t for ts in CASE_TRANSITIONS.values() for t in ts}

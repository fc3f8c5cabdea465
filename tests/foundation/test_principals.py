"""Role and scope checks: one place decides who may touch what."""

from __future__ import annotations

import pytest

from paygate.domain.errors import Forbidden
from paygate.domain.principals import Principal, Role


def who(role: Role, org: str = "o1", clinic: str | None = "c1",
        call: str | None = "k1") -> Principal:
    return Principal(user_id="u", name="n", role=role, org_id=org, clinic_id=clinic,
                     call_id=call)


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.PATIENT])
def test_call_members_act_only_in_their_own_call(role: Role) -> None:
    person = who(role)
    person.require_call("o1", "c1", "k1")
    for other in [("o1", "c1", "k2"), ("o1", "c2", "k1"), ("o2", "c1", "k1")]:
        with pytest.raises(Forbidden):
            person.require_call(*other)


@pytest.mark.parametrize("role", [Role.CLINIC_ADMIN, Role.ORG_ADMIN, Role.OPERATOR])
def test_admins_are_not_call_members(role: Role) -> None:
    with pytest.raises(Forbidden):
        who(role, call=None).require_call("o1", "c1", "k1")


def test_clinic_admin_manages_only_their_clinic() -> None:
    admin = who(Role.CLINIC_ADMIN, call=None)
    admin.require_clinic_admin("o1", "c1")
    with pytest.raises(Forbidden):
        admin.require_clinic_admin("o1", "c2")
    with pytest.raises(Forbidden):
        admin.require_clinic_admin("o2", "c1")


def test_org_admin_manages_every_clinic_of_their_org_only() -> None:
    admin = who(Role.ORG_ADMIN, clinic=None, call=None)
    assert admin.can_admin_clinic("o1", "c1") and admin.can_admin_clinic("o1", "c9")
    assert not admin.can_admin_clinic("o2", "c1")


def test_operator_manages_every_clinic() -> None:
    assert who(Role.OPERATOR, org="", clinic=None, call=None).can_admin_clinic("o7", "c7")


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.PATIENT])
def test_call_members_cannot_administer(role: Role) -> None:
    assert not who(role).can_admin_clinic("o1", "c1")

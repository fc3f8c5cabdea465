"""Who is acting, and the one place that decides what they may touch."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from paygate.domain.errors import Forbidden, InvalidInput


class Role(StrEnum):
    CLINICIAN = "clinician"        # team member
    CLINIC_ADMIN = "clinic_admin"  # team admin
    ORG_ADMIN = "org_admin"
    PATIENT = "patient"
    OPERATOR = "operator"          # the host platform's service desk

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(r.value for r in cls)
            raise InvalidInput(f"Unknown role {value!r}; use one of {allowed}.",
                               field="role") from None


LINK_ONLY = "A payment link opens only its own payment request."
IN_CALL_ROLES = frozenset({Role.CLINICIAN, Role.PATIENT})
ADMIN_ROLES = frozenset({Role.CLINIC_ADMIN, Role.ORG_ADMIN, Role.OPERATOR})


@dataclass(frozen=True)
class Principal:
    """The claims of a launch token, as carried by a session."""

    user_id: str
    name: str
    role: Role
    org_id: str
    clinic_id: str | None = None
    call_id: str | None = None
    email: str | None = None
    locale: str | None = None
    session_id: str = ""
    # Set for a pay link's session: it reads and pays this one request, nothing else of
    # the call (not its list, not its socket), however the link reached whoever holds it.
    payment_request_id: str | None = None

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            raise Forbidden("Your role cannot do this.")

    def require_call(self, org_id: str, clinic_id: str, call_id: str) -> None:
        """Clinicians and patients act only inside their own call of their own clinic."""
        if self.role not in IN_CALL_ROLES:
            raise Forbidden("Only the call's clinician or patient can do this.")
        if (self.org_id, self.clinic_id, self.call_id) != (org_id, clinic_id, call_id):
            raise Forbidden("This call is not yours.")
        if self.payment_request_id is not None:
            raise Forbidden(LINK_ONLY)

    def require_request(self, org_id: str, clinic_id: str, call_id: str,
                        request_id: str) -> None:
        """One payment request of the call: a pay link's session only its own."""
        if self.payment_request_id is None:
            self.require_call(org_id, clinic_id, call_id)
            return
        if (self.role is not Role.PATIENT or self.payment_request_id != request_id
                or (self.org_id, self.clinic_id, self.call_id) != (org_id, clinic_id,
                                                                   call_id)):
            raise Forbidden(LINK_ONLY)

    def require_checkout_settings(self, call_id: str) -> None:
        """The clinic's payment settings for the token's own call (currency, limits,
        Stripe.js), which a checkout needs: the call's people, and a pay link's session."""
        if self.payment_request_id is None:
            self.require_call(self.org_id, self.clinic_id or "", call_id)
        elif self.role is not Role.PATIENT or self.call_id != call_id:
            raise Forbidden(LINK_ONLY)

    def require_clinic_admin(self, org_id: str, clinic_id: str) -> None:
        """Operators: every clinic; org admins: their org's clinics; clinic admins: their own."""
        if self.role is Role.OPERATOR:
            return
        if self.role is Role.ORG_ADMIN and self.org_id == org_id:
            return
        if (self.role is Role.CLINIC_ADMIN and self.org_id == org_id
                and self.clinic_id == clinic_id):
            return
        raise Forbidden("You cannot manage this clinic.")

    def can_admin_clinic(self, org_id: str, clinic_id: str) -> bool:
        try:
            self.require_clinic_admin(org_id, clinic_id)
        except Forbidden:
            return False
        return True


def validate_claims(role: Role, org_id: str, clinic_id: str | None,
                    call_id: str | None) -> None:
    """The scope a role needs, checked when a token is minted and when it is read."""
    if role is not Role.OPERATOR and not org_id:
        raise InvalidInput("An org is required for this role.", field="org")
    if role in IN_CALL_ROLES | {Role.CLINIC_ADMIN} and not clinic_id:
        raise InvalidInput(f"A clinic is required for role {role.value}.", field="clinic")
    if role in IN_CALL_ROLES and not call_id:
        raise InvalidInput(f"A call is required for role {role.value}.", field="call")

"""Clinics, the add-on's enablement and the clinic's linked Stripe account. (issue 4)

Who may manage which clinic, what Configure > Client Payments shows, the Stripe Connect
OAuth round trip (state signed, bound to the admin session, used once) and paygate-side
settings. Linking itself lives in paygate.services.clinics.stripe_links."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.cases import OPEN_STATUSES
from paygate.domain.emails import one_line, parse_address
from paygate.domain.errors import (
    AddonNotEnabled,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PaymentProviderError,
)
from paygate.domain.money import normalize_currency
from paygate.domain.principals import Principal, Role
from paygate.domain.time_zones import is_zone
from paygate.services.auth.tokens import STATE_SALT, TokenSigner
from paygate.services.clinics.account_health import AccountHealth
from paygate.services.clinics.fees import set_org_fee
from paygate.services.clinics.onboarding import Onboarding
from paygate.services.clinics.ownership import ensure_clinic, ensure_org
from paygate.services.clinics.stripe_links import REMOVED, REVOKED, StripeLinks
from paygate.services.mail.contacts import remember_admin
from paygate.services.mail.outbox import Outbox
from paygate.services.payments.service import PaymentService
from paygate.services.ports import PaymentGateway
from paygate.services.webhooks.inbox import WebhookService
from paygate.settings import Settings
from paygate.store.database import Database, utcnow
from paygate.store.models import (
    Case,
    CaseClinic,
    Clinic,
    StripeAccountLink,
    UsedLaunchToken,
)

logger = logging.getLogger("paygate.clinics")

STATE_MAX_AGE = 15 * 60


@dataclass(frozen=True)
class ClinicOverview:
    """Everything Configure > Client Payments shows for one clinic."""

    clinic: Clinic
    latest_case: Case | None
    link: StripeAccountLink | None       # the active link
    revoked: StripeAccountLink | None    # the last link, when Stripe's side revoked it
    history: Sequence[StripeAccountLink]

    @property
    def addon(self) -> str:
        if self.clinic.addon_enabled:
            return "enabled"
        if self.latest_case is not None and self.latest_case.status in OPEN_STATUSES:
            return "requested"
        return "not_enabled"


DEFAULT_LINK_HOURS = 72
MAX_LINK_HOURS = 720  # paygate.services.pay_links.LINK_MAX_AGE: a link's signature lasts 30 days


@dataclass(frozen=True)
class ClinicSettingsInput:
    display_name: str
    default_currency: str
    reply_to: str
    share_description: bool
    pay_link_hours: str = ""  # empty: the default, 72
    time_zone: str = ""      # an IANA name; empty keeps the clinic's
    hold_hours: str = ""     # empty: the default, 24
    default_capture: str = ""  # automatic or manual; empty keeps the clinic's
    redirect_methods: bool = False  # bank redirects allowed (a return page brings them back)


@dataclass(frozen=True)
class ClinicRow:
    clinic: Clinic
    link: StripeAccountLink | None


class ClinicService:
    def __init__(self, db: Database, gateway: PaymentGateway | None, outbox: Outbox,
                 settings: Settings, payments: PaymentService) -> None:
        self._db = db
        self._gateway = gateway
        self._outbox = outbox
        self._settings = settings
        self._payments = payments
        self._links = StripeLinks(db, gateway, payments,
                                  AccountHealth(outbox, settings.public_url))
        self.onboarding = Onboarding(db, self._links, self.clinic)
        self._state = TokenSigner(settings.secret_key).serializer(STATE_SALT)

    def register_webhooks(self, webhooks: WebhookService) -> None:
        """Register handlers for account.updated / account.application.deauthorized."""
        self._links.register_webhooks(webhooks)

    # -- who may see what ---------------------------------------------------------------
    async def note_admin_login(self, who: Principal) -> None:
        """Remember the organisation and (for a clinic admin) the clinic from the claims."""
        if who.role is Role.OPERATOR and not who.org_id:
            return
        async with self._db.transaction() as tx:
            await ensure_org(tx, who.org_id)
            if who.role is Role.CLINIC_ADMIN and who.clinic_id:
                await ensure_clinic(tx, who.org_id, who.clinic_id, None, vouched=True)
            await remember_admin(tx, who)  # whom to email about the clinic's money

    async def clinics_for(self, who: Principal) -> list[ClinicRow]:
        query = select(Clinic).order_by(Clinic.org_id, Clinic.name, Clinic.id)
        if who.role is Role.ORG_ADMIN:
            query = query.where(Clinic.org_id == who.org_id)
        elif who.role is Role.CLINIC_ADMIN:
            query = query.where(Clinic.org_id == who.org_id, Clinic.id == who.clinic_id)
        elif who.role is not Role.OPERATOR:
            raise Forbidden("Only clinic admins, org admins and operators manage clinics.")
        async with self._db.sessions() as tx:
            clinics = list((await tx.scalars(query)).all())
            links = {row.clinic_id: row for row in (await tx.scalars(
                select(StripeAccountLink).where(StripeAccountLink.active.is_(True)))).all()}
        return [ClinicRow(c, links.get(c.id)) for c in clinics]

    async def clinic(self, who: Principal, clinic_id: str) -> Clinic:
        async with self._db.sessions() as tx:
            return await self._allowed(tx, who, clinic_id)

    async def _allowed(self, tx: AsyncSession, who: Principal, clinic_id: str) -> Clinic:
        clinic = await tx.get(Clinic, clinic_id)
        if clinic is None:
            if who.role is Role.OPERATOR or who.role is Role.ORG_ADMIN:
                raise NotFound(f"paygate does not know a clinic {clinic_id!r}.")
            raise Forbidden("You cannot manage this clinic.")
        who.require_clinic_admin(clinic.org_id, clinic.id)
        return clinic

    async def overview(self, who: Principal, clinic_id: str) -> ClinicOverview:
        async with self._db.sessions() as tx:
            clinic = await self._allowed(tx, who, clinic_id)
            case = await tx.scalar(
                select(Case).join(CaseClinic, CaseClinic.case_id == Case.id)
                .where(CaseClinic.clinic_id == clinic_id, Case.kind == "enablement",
                       Case.org_id == clinic.org_id)
                .order_by(Case.id.desc()).limit(1))
            history = list((await tx.scalars(
                select(StripeAccountLink).where(StripeAccountLink.clinic_id == clinic_id)
                .order_by(StripeAccountLink.id.desc()).limit(10))).all())
        active = next((h for h in history if h.active), None)
        revoked = None
        if active is None and history and history[0].unlink_reason == REVOKED:
            revoked = history[0]
        return ClinicOverview(clinic, case, active, revoked, history)

    # -- Stripe Connect OAuth -----------------------------------------------------------
    async def begin_link(self, who: Principal, clinic_id: str, redirect_uri: str) -> str:
        """The Stripe consent URL, with a state bound to this admin session and clinic."""
        gateway = self._links.gateway()
        clinic = await self.clinic(who, clinic_id)
        if not clinic.addon_enabled:
            raise AddonNotEnabled("The Payment Gateway add-on is not enabled for this clinic "
                                  "yet; request it first.")
        if not self._settings.stripe_client_id:
            raise PaymentProviderError("paygate has no Stripe Connect client id "
                                       "(PAYGATE_STRIPE_CLIENT_ID).")
        state = self._state.dumps({"sid": who.session_id, "clinic": clinic.id,
                                   "nonce": secrets.token_urlsafe(16)})
        return gateway.authorize_url(state, redirect_uri)

    async def finish_link(self, who: Principal, state: str, code: str | None,
                          error: str | None) -> tuple[str, bool]:
        """Handle Stripe's redirect. Returns (clinic id, linked?); a Deny links nothing.
        The state is checked and burnt first, so a forged or replayed one changes nothing."""
        clinic_id = await self._burn_state(who, state)
        if error or not code:
            return clinic_id, False
        gateway = self._links.gateway()
        account_id = await gateway.exchange_oauth_code(code)
        await self.link_account(clinic_id, account_id, who.name or who.user_id)
        return clinic_id, True

    async def _burn_state(self, who: Principal, state: str) -> str:
        failed = InvalidInput("The answer from Stripe could not be verified, so nothing was "
                              "linked. Start again from Go to Stripe.")
        try:
            data = self._state.loads(state, max_age=STATE_MAX_AGE)
        except SignatureExpired:
            raise InvalidInput("The Stripe sign-in took too long, so nothing was linked. "
                               "Start again from Go to Stripe.") from None
        except BadSignature:
            raise failed from None
        if not isinstance(data, dict) or data.get("sid") != who.session_id:
            raise failed
        clinic_id, nonce = str(data.get("clinic", "")), str(data.get("nonce", ""))
        await self.clinic(who, clinic_id)
        # Spent states are remembered beside spent launch tokens (same one-use idea).
        try:
            async with self._db.transaction() as tx:
                tx.add(UsedLaunchToken(jti=f"oauth:{nonce}", expires_at=utcnow()
                                       + timedelta(seconds=STATE_MAX_AGE)))
        except IntegrityError:
            raise Conflict("This Stripe answer was already used; nothing more was "
                           "linked.") from None
        return clinic_id

    # -- linking, unlinking -------------------------------------------------------------
    async def link_account(self, clinic_id: str, account_id: str,
                           linked_by: str) -> StripeAccountLink:
        return await self._links.link(clinic_id, account_id, linked_by)

    async def unlink(self, who: Principal, clinic_id: str) -> StripeAccountLink:
        await self.clinic(who, clinic_id)
        return await self.unlink_clinic(clinic_id, who, REMOVED)

    async def unlink_clinic(self, clinic_id: str, who: Principal | None,
                            reason: str = REMOVED) -> StripeAccountLink:
        return await self._links.unlink(clinic_id, who, reason)

    async def refresh(self, who: Principal, clinic_id: str) -> None:
        await self.clinic(who, clinic_id)
        await self._links.refresh(clinic_id)

    async def save_settings(self, who: Principal, clinic_id: str,
                            form: ClinicSettingsInput) -> None:
        currency = normalize_currency(form.default_currency)
        name = one_line(form.display_name.strip(), field="display_name",
                        what="The name shown to patients")
        reply_to = form.reply_to.strip()
        if len(name) > 200:
            raise InvalidInput("The name shown to patients is at most 200 characters.",
                               field="display_name")
        if reply_to:
            reply_to = parse_address(reply_to, field="reply_to", message=(
                "The reply-to address must be an email address like "
                "billing@clinic.example."))
        hours = _link_hours(form.pay_link_hours)
        hold = _hold_hours(form.hold_hours)
        capture = form.default_capture.strip()
        if capture not in ("", "automatic", "manual"):
            raise InvalidInput("New requests either charge now or hold now and charge at the "
                               "end; pick one.", field="default_capture")
        zone = form.time_zone.strip()
        if zone and not is_zone(zone):
            raise InvalidInput(f"There is no time zone {zone[:64]!r}; pick one from the list.",
                               field="time_zone")
        async with self._db.transaction() as tx:
            clinic = await self._allowed(tx, who, clinic_id)
            clinic.pay_link_ttl = hours * 3600
            clinic.hold_hours = hold
            if capture:
                clinic.default_capture = capture
            if zone:
                clinic.time_zone = zone
            clinic.display_name = name or None
            clinic.default_currency = currency
            clinic.reply_to = reply_to or None
            clinic.share_description = form.share_description
            clinic.redirect_methods = form.redirect_methods

    # -- provisioning (operators, CLI) --------------------------------------------------
    async def enable(self, org_id: str, clinic_id: str, name: str | None) -> Clinic:
        if name:
            one_line(name, field="name", what="The clinic's name")
        async with self._db.transaction() as tx:
            await ensure_org(tx, org_id)
            clinic = await ensure_clinic(tx, org_id, clinic_id, name, vouched=True)
            if name and name.strip():
                clinic.name = name.strip()[:200]
            if not clinic.addon_enabled:
                clinic.addon_enabled, clinic.enabled_at = True, utcnow()
        return clinic

    async def set_application_fee(self, org_id: str, fee: str | None) -> str | None:
        return await set_org_fee(self._db, org_id, fee)

    async def all_clinics(self) -> list[ClinicRow]:
        return await self.clinics_for(Principal(user_id="cli", name="paygate CLI",
                                                role=Role.OPERATOR, org_id=""))


def _hold_hours(text: str) -> int:
    """How long a card hold may stay uncharged before paygate releases it: 1 to 144 hours
    (6 days, before Stripe's own 7-day expiry)."""
    value = text.strip() or "24"
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 144:
        raise InvalidInput("Holds are released after 1 to 144 hours (6 days); enter a whole "
                           "number of hours.", field="hold_hours")
    return int(value)


def _link_hours(text: str) -> int:
    """How long a payment link stays valid, in whole hours: 1 to 720 (30 days)."""
    value = text.strip() or str(DEFAULT_LINK_HOURS)
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_LINK_HOURS:
        raise InvalidInput(f"Payment links stay valid for 1 to {MAX_LINK_HOURS} hours; "
                           "enter a whole number of hours.", field="pay_link_hours")
    return int(value)

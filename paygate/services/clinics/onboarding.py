"""A clinic without a Stripe account: paygate creates one and Stripe onboards it.

The account is made with Stripe's `controller` properties (full Stripe Dashboard, the
account pays Stripe's fees, Stripe collects requirements and carries losses) and linked
to the clinic at once, so a half-finished onboarding is never lost: Client Payments
offers to continue it with a fresh Account Link (`account_onboarding`; Stripe allows no
`account_update` links for accounts with a Stripe-hosted Dashboard)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from paygate.domain.errors import AddonNotEnabled, Conflict, InvalidInput
from paygate.domain.principals import Principal
from paygate.domain.time_zones import COUNTRY_ZONES
from paygate.services.clinics.stripe_links import StripeLinks
from paygate.store.database import Database
from paygate.store.models import Clinic, StripeAccountLink

ONBOARDING = "account_onboarding"
# Countries a clinic may create its Stripe account in (those paygate knows a zone for).
COUNTRIES = tuple(sorted(COUNTRY_ZONES))


@dataclass(frozen=True)
class OnboardingUrls:
    """Where Stripe sends the admin back: done (or left), or the link had expired."""

    return_url: str
    refresh_url: str


class Onboarding:
    def __init__(self, db: Database, links: StripeLinks,
                 clinic_of: Callable[[Principal, str], Awaitable[Clinic]]) -> None:
        self._db = db
        self._links = links
        self._clinic_of = clinic_of

    async def create_account(self, who: Principal, clinic_id: str, country: str,
                             urls: OnboardingUrls) -> str:
        """Create and link the clinic's Stripe account; the URL of its onboarding. Sent
        twice (a double click), the second continues the first account's onboarding."""
        clinic = await self._clinic_of(who, clinic_id)
        if not clinic.addon_enabled:
            raise AddonNotEnabled("The Payment Gateway add-on is not enabled for this clinic "
                                  "yet; request it first.")
        # Counted before the link is looked for: a second click that counts the first
        # click's new link also finds it active, and one that counts before it shares the
        # first click's idempotency key. Either way one account.
        async with self._db.sessions() as tx:
            earlier = await tx.scalar(select(func.count()).select_from(StripeAccountLink)
                                      .where(StripeAccountLink.clinic_id == clinic_id))
        current = await self._active(clinic_id)
        if current is not None:
            if current.created_by_paygate:
                return await self._link_url(current.account_id, urls)
            raise Conflict("This clinic already has a linked Stripe account; remove it "
                           "first to create a new one.")
        country = country.strip().upper()
        if country not in COUNTRIES:
            raise InvalidInput("Choose the country the clinic's business is registered in.",
                               field="country")
        gateway = self._links.gateway()
        # One key per clinic and link generation: a retried or doubled request makes one
        # account at Stripe, never two.
        info = await gateway.create_account(
            country=country, email=who.email,
            idempotency_key=f"paygate-account-{clinic_id}-{earlier or 0}")
        await self._links.link(clinic_id, info.id, who.name or who.user_id,
                               created_by_paygate=True)
        return await self._link_url(info.id, urls)

    async def continue_url(self, who: Principal, clinic_id: str, urls: OnboardingUrls) -> str:
        """A fresh onboarding link for the clinic's paygate-made account (also what the
        refresh_url of an expired or used link asks for)."""
        await self._clinic_of(who, clinic_id)
        current = await self._active(clinic_id)
        if current is None:
            raise Conflict("This clinic has no linked Stripe account.")
        if not current.created_by_paygate:
            raise Conflict("This Stripe account was linked from Stripe, so its details are "
                           "updated in the Stripe dashboard.")
        return await self._link_url(current.account_id, urls)

    async def _active(self, clinic_id: str) -> StripeAccountLink | None:
        async with self._db.sessions() as tx:
            found: StripeAccountLink | None = await tx.scalar(select(StripeAccountLink).where(
                StripeAccountLink.clinic_id == clinic_id, StripeAccountLink.active.is_(True)))
            return found

    async def _link_url(self, account_id: str, urls: OnboardingUrls) -> str:
        return await self._links.gateway().create_account_link(
            account_id, link_type=ONBOARDING, return_url=urls.return_url,
            refresh_url=urls.refresh_url)

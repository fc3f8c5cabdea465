"""Seeding a clinic that is enabled and linked to a Stripe account, straight into the store.

The demo and the payment tests use it; in production a clinic gets there through an
enablement case and "Go to Stripe" (Configure > Client Payments)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from paygate.store.database import Database, utcnow
from paygate.store.models import Clinic, Organisation, StripeAccountLink


@dataclass(frozen=True)
class ClinicSeed:
    org_id: str
    clinic_id: str
    account_id: str | None
    org_name: str = "Demo Health"
    clinic_name: str = "Sunrise Clinic"
    currency: str = "usd"
    addon_enabled: bool = True
    max_amount: int | None = None
    share_description: bool = False
    reply_to: str | None = None
    pay_link_ttl: int = 72 * 3600  # seconds an emailed payment link stays valid
    time_zone: str | None = None


async def seed_clinic(db: Database, seed: ClinicSeed) -> None:
    """Create (or update) the org, the clinic and its active Stripe account link."""
    now = utcnow()
    async with db.transaction() as tx:
        if await tx.get(Organisation, seed.org_id) is None:
            tx.add(Organisation(id=seed.org_id, name=seed.org_name, created_at=now))
            await tx.flush()
        clinic = await tx.get(Clinic, seed.clinic_id)
        if clinic is None:
            clinic = Clinic(id=seed.clinic_id, org_id=seed.org_id, created_at=now)
            tx.add(clinic)
        clinic.name = seed.clinic_name
        clinic.display_name = seed.clinic_name
        clinic.addon_enabled = seed.addon_enabled
        clinic.enabled_at = now if seed.addon_enabled else None
        clinic.default_currency = seed.currency
        clinic.max_amount = seed.max_amount
        clinic.share_description = seed.share_description
        clinic.reply_to = seed.reply_to
        clinic.pay_link_ttl = seed.pay_link_ttl
        clinic.time_zone = seed.time_zone
        await tx.flush()
        await tx.execute(update(StripeAccountLink).where(
            StripeAccountLink.clinic_id == seed.clinic_id, StripeAccountLink.active.is_(True)
        ).values(active=False, unlinked_at=now, unlink_reason="replaced"))
        if seed.account_id is not None:
            tx.add(StripeAccountLink(
                clinic_id=seed.clinic_id, account_id=seed.account_id, active=True,
                name=seed.clinic_name, country="US", default_currency=seed.currency,
                charges_enabled=True, payouts_enabled=True, livemode=False,
                linked_by="seed", linked_at=now, updated_at=now))

"""Whose clinic a clinic id is.

Clinic ids are the host platform's, and only the host platform says which organisation a
clinic belongs to: a launch token it signed naming (org, clinic), or an operator. An org
admin naming a clinic in an enablement request is not its word. So a clinic row made only
from such a request stays unvouched, whatever was done with it since (approved by an
operator, linked to a Stripe account from the org admin's session), and the first launch
token that names the clinic with another organisation takes it back: the org that named
it first keeps nothing of it. A vouched row, or one with payments, stays its
organisation's."""

from __future__ import annotations

import logging

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.errors import Conflict, TokenRefused
from paygate.domain.principals import Principal, Role
from paygate.logs import log_event
from paygate.store.database import utcnow
from paygate.store.models import Clinic, Organisation, PaymentRequest, StripeAccountLink

logger = logging.getLogger("paygate.clinics")

# Roles whose launch tokens name their clinic (an org admin's names none).
CLINIC_ROLES = frozenset({Role.CLINICIAN, Role.PATIENT, Role.CLINIC_ADMIN})


async def ensure_org(tx: AsyncSession, org_id: str) -> Organisation:
    org = await tx.get(Organisation, org_id)
    if org is None:
        org = Organisation(id=org_id, name=org_id, created_at=utcnow())
        tx.add(org)
        await tx.flush()
    return org


async def ensure_clinic(tx: AsyncSession, org_id: str, clinic_id: str,
                        name: str | None, *, vouched: bool = False) -> Clinic:
    """The clinic row, created if new (its name is its id until someone names it).

    `vouched`: the host platform itself says this clinic is `org_id`'s. Unvouched, a row
    of another organisation is a conflict; vouched, it is taken back unless the other
    organisation's claim was vouched too or took payments."""
    clinic = await tx.get(Clinic, clinic_id)
    if clinic is not None and clinic.org_id != org_id:
        if not (vouched and await _reclaimable(tx, clinic)):
            raise Conflict(f"Clinic {clinic_id!r} belongs to another organisation.")
        await _take_back(tx, clinic, org_id, name)
    if clinic is None:
        clinic = Clinic(id=clinic_id, org_id=org_id, name=name or clinic_id,
                        addon_enabled=False, default_currency="usd",
                        share_description=False, created_at=utcnow())
        tx.add(clinic)
        await tx.flush()
    elif name and name.strip() and clinic.name in ("", clinic.id):
        clinic.name = name.strip()
    if vouched and clinic.vouched_at is None:
        clinic.vouched_at = utcnow()
    return clinic


async def vouch(tx: AsyncSession, who: Principal) -> None:
    """A host-signed launch token names `who`'s clinic: the clinic, if paygate knows it,
    is that organisation's from now on (taken back if only another org had named it). A
    token naming another organisation's clinic is refused, and spends nothing."""
    if who.role not in CLINIC_ROLES or not who.clinic_id:
        return
    clinic = await tx.get(Clinic, who.clinic_id)
    if clinic is None or (clinic.org_id == who.org_id and clinic.vouched_at is not None):
        return
    if clinic.org_id != who.org_id:
        if not await _reclaimable(tx, clinic):
            raise TokenRefused("clinic_of_another_org",
                               f"Clinic {who.clinic_id!r} belongs to another organisation "
                               "than the launch token's.")
        await ensure_org(tx, who.org_id)
        await _take_back(tx, clinic, who.org_id, None)
    clinic.vouched_at = utcnow()


async def _reclaimable(tx: AsyncSession, clinic: Clinic) -> bool:
    if clinic.vouched_at is not None:
        return False
    paid = await tx.scalar(select(PaymentRequest.id).where(
        PaymentRequest.clinic_id == clinic.id).limit(1))
    return paid is None


async def _take_back(tx: AsyncSession, clinic: Clinic, org_id: str,
                     name: str | None) -> None:
    """A fresh clinic of `org_id`: nothing the other organisation set or linked survives."""
    log_event(logger, "clinic id taken back by the organisation the host platform "
              "vouched for", logging.WARNING, clinic_id=clinic.id, org=org_id,
              named_by=clinic.org_id, was_enabled=clinic.addon_enabled)
    await tx.execute(delete(StripeAccountLink).where(StripeAccountLink.clinic_id == clinic.id))
    clinic.org_id, clinic.name = org_id, (name or "").strip() or clinic.id
    clinic.display_name = clinic.reply_to = clinic.max_amount = clinic.time_zone = None
    clinic.default_currency, clinic.share_description = "usd", False
    clinic.addon_enabled, clinic.enabled_at, clinic.vouched_at = False, None, None
    clinic.created_at = utcnow()
    await tx.flush()

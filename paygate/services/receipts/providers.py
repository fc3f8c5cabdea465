"""Clinicians' provider numbers: the launch token's optional `provider_number` claim,
kept from the latest sign-in that carried one, or set by a clinic admin (whose number
wins: it is the deliberate one)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.principals import Principal, Role
from paygate.domain.receipts import check_provider_number
from paygate.store.database import utcnow
from paygate.store.models import ProviderNumber


async def remember_from_token(tx: AsyncSession, principal: Principal,
                              number: str | None) -> None:
    """At sign-in: the clinician is known to the clinic (so an admin can give them a
    number), and a token that names a provider number records it."""
    if principal.role is not Role.CLINICIAN or not principal.clinic_id:
        return
    row = await tx.get(ProviderNumber, (principal.clinic_id, principal.user_id))
    if row is None:
        row = ProviderNumber(clinic_id=principal.clinic_id, user_id=principal.user_id)
        tx.add(row)
    row.name, row.updated_at = principal.name, utcnow()
    if number:
        row.from_token = number


async def set_by_admin(tx: AsyncSession, clinic_id: str, user_id: str,
                       number: str) -> ProviderNumber | None:
    """An admin's number for a clinician the clinic knows (empty: back to the token's)."""
    row = await tx.get(ProviderNumber, (clinic_id, user_id))
    if row is None:
        return None
    row.from_admin = check_provider_number(number, field=f"provider_number.{user_id}")
    row.updated_at = utcnow()
    return row


async def number_for(tx: AsyncSession, clinic_id: str, user_id: str) -> str | None:
    row = await tx.get(ProviderNumber, (clinic_id, user_id))
    return None if row is None else row.from_admin or row.from_token


async def clinicians(tx: AsyncSession, clinic_id: str) -> list[ProviderNumber]:
    return list((await tx.scalars(select(ProviderNumber).where(
        ProviderNumber.clinic_id == clinic_id).order_by(ProviderNumber.name,
                                                        ProviderNumber.user_id))).all())

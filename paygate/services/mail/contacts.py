"""Whom paygate emails about a clinic's money: the clinic's admins and its org's admins
that have signed in to the admin pages with an email address (launch tokens carry it)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.principals import Principal, Role
from paygate.store.database import utcnow
from paygate.store.models import AdminContact

ADMIN_ROLES = (Role.CLINIC_ADMIN, Role.ORG_ADMIN)


async def remember_admin(tx: AsyncSession, who: Principal) -> None:
    """Keep (or refresh) a signed-in admin's address for the clinic or org they manage."""
    if who.role not in ADMIN_ROLES or not who.email:
        return
    clinic_id = who.clinic_id if who.role is Role.CLINIC_ADMIN and who.clinic_id else ""
    values = {"org_id": who.org_id, "clinic_id": clinic_id, "user_id": who.user_id[:64],
              "role": who.role.value, "name": who.name[:200], "email": who.email[:320],
              "seen_at": utcnow()}
    insert = pg_insert if tx.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(AdminContact).values(**values)
    await tx.execute(statement.on_conflict_do_update(
        index_elements=["org_id", "clinic_id", "user_id"],
        set_={k: statement.excluded[k] for k in ("role", "name", "email", "seen_at")}))


async def admin_addresses(tx: AsyncSession, org_id: str, clinic_id: str) -> list[str]:
    """The clinic's admins' and its org admins' addresses, each once (lower-cased), sorted."""
    rows = await tx.scalars(select(AdminContact.email).where(
        AdminContact.org_id == org_id,
        or_(AdminContact.clinic_id == clinic_id, AdminContact.clinic_id == "")))
    return sorted({address.strip().lower() for address in rows if address.strip()})

"""clinics: the time zone for the times in a clinic's emails, set from the country of its
linked Stripe account

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from paygate.domain.time_zones import zone_for_country

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
    clinics = sa.table("clinics", sa.column("id", sa.String), sa.column("time_zone", sa.String))
    links = sa.table("stripe_account_links", sa.column("clinic_id", sa.String),
                     sa.column("country", sa.String), sa.column("active", sa.Boolean))
    bind = op.get_bind()
    found = bind.execute(sa.select(links.c.clinic_id, links.c.country)
                         .where(links.c.active.is_(True))).all()
    for clinic_id, country in found:
        bind.execute(clinics.update().where(clinics.c.id == clinic_id)
                     .values(time_zone=zone_for_country(country)))


def downgrade() -> None:
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.drop_column("time_zone")

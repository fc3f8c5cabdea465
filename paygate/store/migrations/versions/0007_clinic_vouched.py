"""clinics: when the host platform first vouched for the clinic's organisation (a launch
token naming both, or an operator); a clinic only named in an org admin's enablement
request has none, and the organisation the host platform vouches for takes it back

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vouched_at", sa.DateTime(timezone=True),
                                      nullable=True))
    # Existing clinics keep their organisation: no row changes hands by a migration.
    clinics = sa.table("clinics", sa.column("created_at", sa.DateTime(timezone=True)),
                       sa.column("vouched_at", sa.DateTime(timezone=True)))
    op.get_bind().execute(clinics.update().values(vouched_at=clinics.c.created_at))


def downgrade() -> None:
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.drop_column("vouched_at")

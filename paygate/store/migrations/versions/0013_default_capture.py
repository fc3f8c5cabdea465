"""clinics: the default request type a clinician's panel and the API start from
(automatic: charge now; manual: hold now, charge at the end)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("default_capture", sa.String(length=16), nullable=False,
                                      server_default="automatic"))


def downgrade() -> None:
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.drop_column("default_capture")

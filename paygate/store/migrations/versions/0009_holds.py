"""holds: a payment request's capture method and the amount captured, and how long a
clinic's holds may stay uncaptured

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("capture_method", sa.String(length=16), nullable=False,
                                      server_default="automatic"))
        batch_op.add_column(sa.Column("amount_paid", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hold_hours", sa.Integer(), nullable=False,
                                      server_default="24"))


def downgrade() -> None:
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.drop_column("hold_hours")
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.drop_column("amount_paid")
        batch_op.drop_column("capture_method")

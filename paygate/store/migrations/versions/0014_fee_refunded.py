"""payment_requests: how much of the platform's fee went back to the clinic with refunds
(Stripe's ApplicationFee.amount_refunded), so reports count the fee the platform kept

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 19:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("application_fee_refunded", sa.BigInteger(),
                                      nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.drop_column("application_fee_refunded")

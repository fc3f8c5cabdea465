"""stripe account links: Stripe's requirements on the account (what is due, by when, why
charges are disabled), whether paygate created it, and when that state was observed

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = ("details_submitted", "currently_due", "past_due", "disabled_reason",
           "current_deadline", "created_by_paygate", "observed_at")


def upgrade() -> None:
    with op.batch_alter_table("stripe_account_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details_submitted", sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column("currently_due", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("past_due", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("disabled_reason", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("current_deadline", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("created_by_paygate", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("observed_at", sa.BigInteger(), nullable=False,
                                      server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("stripe_account_links", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)

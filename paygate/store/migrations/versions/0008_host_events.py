"""host event deliveries: the signed events paygate sends the host platform (Standard
Webhooks), one per status change in payment_request_events, with their attempts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_event_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("webhook_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=48), nullable=False),
        sa.Column("payment_request_id", sa.String(length=40), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_event_deliveries")),
        sa.UniqueConstraint("webhook_id", name=op.f("uq_host_event_deliveries_webhook_id")),
    )
    with op.batch_alter_table("host_event_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_host_event_deliveries_status"), ["status"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("host_event_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_host_event_deliveries_status"))
    op.drop_table("host_event_deliveries")

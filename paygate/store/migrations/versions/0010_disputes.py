"""the clinic's money after the payment: when a linked account's charges were paused (so
its admins are emailed once), the admins paygate knows of per clinic, disputes, and the
platform's fee (an organisation's own rule, each payment's fee amount)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stripe_account_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("application_fee", sa.String(length=32), nullable=True))
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("application_fee_amount", sa.BigInteger(),
                                      nullable=False, server_default="0"))
    op.create_table(
        "admin_contacts",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("clinic_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "clinic_id", "user_id",
                                name=op.f("pk_admin_contacts")),
    )
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("payment_request_id", sa.String(length=40), nullable=False),
        sa.Column("clinic_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("charge_id", sa.String(length=64), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("evidence_due_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("observed_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["payment_request_id"], ["payment_requests.id"],
                                name=op.f("fk_disputes_payment_request_id_payment_requests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    op.create_index(op.f("ix_disputes_payment_request_id"), "disputes",
                    ["payment_request_id"], unique=False)
    op.create_index(op.f("ix_disputes_clinic_id"), "disputes", ["clinic_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_disputes_clinic_id"), table_name="disputes")
    op.drop_index(op.f("ix_disputes_payment_request_id"), table_name="disputes")
    op.drop_table("disputes")
    op.drop_table("admin_contacts")
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.drop_column("application_fee_amount")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("application_fee")
    with op.batch_alter_table("stripe_account_links", schema=None) as batch_op:
        batch_op.drop_column("paused_at")

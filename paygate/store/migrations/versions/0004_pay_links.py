"""pay links: their own validity (a clinic setting), each link sent, and how long it
keeps its request payable

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pay_link_ttl", sa.Integer(), nullable=False,
                                      server_default="259200"))
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pay_link_until", sa.DateTime(timezone=True),
                                      nullable=True))
    op.create_table(
        "pay_links",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("payment_request_id", sa.String(length=40), nullable=False),
        sa.Column("sent_to", sa.String(length=320), nullable=False),
        sa.Column("sent_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["payment_request_id"], ["payment_requests.id"],
            name=op.f("fk_pay_links_payment_request_id_payment_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pay_links")),
    )
    with op.batch_alter_table("pay_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pay_links_payment_request_id"),
                              ["payment_request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pay_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pay_links_payment_request_id"))
    op.drop_table("pay_links")
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.drop_column("pay_link_until")
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.drop_column("pay_link_ttl")

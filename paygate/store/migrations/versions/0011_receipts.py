"""receipts a patient can claim with: the clinic's receipt details (legal name, tax id,
GST registration, address, phone, footer), clinicians' provider numbers, and each
payment request's date of service, provider and line items

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "clinic_receipt_profiles",
        sa.Column("clinic_id", sa.String(64), sa.ForeignKey(
            "clinics.id", name="fk_clinic_receipt_profiles_clinic_id_clinics"), nullable=False),
        sa.Column("legal_name", sa.String(200), nullable=False),
        sa.Column("tax_id_kind", sa.String(8), nullable=True),
        sa.Column("tax_id", sa.String(40), nullable=True),
        sa.Column("tax_id_label", sa.String(30), nullable=True),
        sa.Column("gst_registered", sa.Boolean(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("footer", sa.Text(), nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("clinic_id", name="pk_clinic_receipt_profiles"),
    )
    op.create_table(
        "provider_numbers",
        sa.Column("clinic_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("from_token", sa.String(32), nullable=True),
        sa.Column("from_admin", sa.String(32), nullable=True),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("clinic_id", "user_id", name="pk_provider_numbers"),
    )
    op.create_table(
        "payment_receipt_details",
        sa.Column("payment_request_id", sa.String(40), sa.ForeignKey(
            "payment_requests.id",
            name="fk_payment_receipt_details_payment_request_id_payment_requests"),
            nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("provider_name", sa.String(200), nullable=False),
        sa.Column("provider_number", sa.String(32), nullable=True),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("payment_request_id", name="pk_payment_receipt_details"),
    )


def downgrade() -> None:
    op.drop_table("payment_receipt_details")
    op.drop_table("provider_numbers")
    op.drop_table("clinic_receipt_profiles")

"""the service desk: case types, categories, priority, routing, tiers and due times;
comments say whether they came by web or email; attachments; the desk's members

Existing enablement requests keep their meaning: open (nobody answered) becomes new,
approved becomes resolved.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("enablement_cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(16), nullable=False,
                                      server_default="enablement"))
        batch_op.add_column(sa.Column("category", sa.String(32), nullable=False,
                                      server_default="addon"))
        batch_op.add_column(sa.Column("subject", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("priority", sa.String(16), nullable=False,
                                      server_default="routine"))
        batch_op.add_column(sa.Column("reference", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("payment_request_id", sa.String(40), nullable=True))
        batch_op.add_column(sa.Column("department", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("tier", sa.Integer(), nullable=False,
                                      server_default="1"))
        batch_op.add_column(sa.Column("due_at", Timestamp, nullable=True))
        batch_op.add_column(sa.Column("first_answered_at", Timestamp, nullable=True))
        batch_op.add_column(sa.Column("proposed_at", Timestamp, nullable=True))
        batch_op.alter_column("status", existing_type=sa.String(16), type_=sa.String(32),
                              existing_nullable=False)
        batch_op.create_index("ix_enablement_cases_due_at", ["due_at"], unique=False)
    op.execute("UPDATE enablement_cases SET status = 'new' WHERE status = 'open'")
    op.execute("UPDATE enablement_cases SET status = 'resolved' WHERE status = 'approved'")
    op.execute("UPDATE enablement_cases SET department = 'onboarding'")
    with op.batch_alter_table("case_comments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("via", sa.String(8), nullable=False,
                                      server_default="web"))
        batch_op.add_column(sa.Column("message_id", sa.String(200), nullable=True))
    op.create_table(
        "case_attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey(
            "enablement_cases.id", name="fk_case_attachments_case_id_enablement_cases"),
            nullable=True),
        sa.Column("draft", sa.String(48), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploader_id", sa.String(64), nullable=False),
        sa.Column("uploader_name", sa.String(200), nullable=False),
        sa.Column("uploader_email", sa.String(320), nullable=True),
        sa.Column("no_phi_confirmed_at", Timestamp, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_attachments"),
    )
    op.create_index("ix_case_attachments_case_id", "case_attachments", ["case_id"])
    op.create_index("ix_case_attachments_draft", "case_attachments", ["draft"])
    op.create_table(
        "desk_members",
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("department", sa.String(32), nullable=True),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_desk_members"),
    )


def downgrade() -> None:
    op.drop_table("desk_members")
    op.drop_index("ix_case_attachments_draft", table_name="case_attachments")
    op.drop_index("ix_case_attachments_case_id", table_name="case_attachments")
    op.drop_table("case_attachments")
    with op.batch_alter_table("case_comments", schema=None) as batch_op:
        batch_op.drop_column("message_id")
        batch_op.drop_column("via")
    op.execute("UPDATE enablement_cases SET status = 'approved' WHERE status = 'resolved'")
    op.execute("UPDATE enablement_cases SET status = 'open' WHERE status IN "
               "('new', 'open', 'waiting_on_requester', 'not_resolved')")
    op.execute("UPDATE enablement_cases SET status = 'in_progress' WHERE status = "
               "'proposed_resolved'")
    op.execute("UPDATE enablement_cases SET status = 'rejected' WHERE status = 'closed'")
    op.execute("DELETE FROM case_comments WHERE case_id IN (SELECT id FROM "
               "enablement_cases WHERE kind <> 'enablement')")
    op.execute("DELETE FROM case_clinics WHERE case_id IN (SELECT id FROM "
               "enablement_cases WHERE kind <> 'enablement')")
    op.execute("DELETE FROM enablement_cases WHERE kind <> 'enablement'")
    with op.batch_alter_table("enablement_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_enablement_cases_due_at")
        batch_op.alter_column("status", existing_type=sa.String(32), type_=sa.String(16),
                              existing_nullable=False)
        for column in ("proposed_at", "first_answered_at", "due_at", "tier", "department",
                       "payment_request_id", "reference", "priority", "subject", "category",
                       "kind"):
            batch_op.drop_column(column)

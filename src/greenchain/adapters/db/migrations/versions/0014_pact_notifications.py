"""pact notifications: PublishedEvents queued for customers, and the policy for requests of
products a supplier has no footprint of

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 17:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pact_credentials") as batch:
        batch.add_column(
            sa.Column("reject_unknown", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "pact_notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivery", sa.String(length=12), nullable=False),
        sa.Column("delivery_attempts", sa.Integer(), nullable=False),
        sa.Column("delivery_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_pact_notifications_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["pact_credentials.id"],
            name=op.f("fk_pact_notifications_credential_id_pact_credentials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_notifications")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_pact_notifications_org", "pact_notifications", ["org_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_pact_notifications_org", table_name="pact_notifications")
    op.drop_table("pact_notifications")
    with op.batch_alter_table("pact_credentials") as batch:
        batch.drop_column("reject_unknown")

"""supplier links: a buyer's supplier record operated by a supplier organisation

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supplier_links",
        sa.Column("buyer_org_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.String(length=64), nullable=False),
        sa.Column("supplier_org_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_org_id"],
            ["organisations.id"],
            name=op.f("fk_supplier_links_buyer_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_org_id"],
            ["organisations.id"],
            name=op.f("fk_supplier_links_supplier_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("buyer_org_id", "supplier_id", name=op.f("pk_supplier_links")),
    )
    with op.batch_alter_table("supplier_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supplier_links_supplier_org_id"), ["supplier_org_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("supplier_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_links_supplier_org_id"))
    op.drop_table("supplier_links")

"""a supplier's emissions allocated to each requesting customer, and the allocation carried
into the customer's supplier data

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supplier_allocations",
        sa.Column(
            "recipient_id",
            sa.Integer,
            sa.ForeignKey("request_recipients.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "supplier_org_id",
            sa.Integer,
            sa.ForeignKey("organisations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("customer_value", sa.Float, nullable=False),
        sa.Column("total_value", sa.Float, nullable=False),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("include_upstream", sa.Boolean, nullable=False),
        sa.Column("uncertainty_pct", sa.Float),
        sa.Column("share", sa.Float, nullable=False),
        sa.Column("scope1_t", sa.Float, nullable=False),
        sa.Column("scope2_market_t", sa.Float, nullable=False),
        sa.Column("scope3_upstream_t", sa.Float),
        sa.Column("allocated_t", sa.Float, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("supplier_data") as batch:
        batch.add_column(sa.Column("allocated_t", sa.Float, nullable=True))
        batch.add_column(sa.Column("allocation_method", sa.String(20), nullable=True))
        batch.add_column(sa.Column("allocation_share", sa.Float, nullable=True))
        batch.add_column(sa.Column("allocation_uncertainty_pct", sa.Float, nullable=True))
        batch.add_column(sa.Column("allocation_includes_upstream", sa.Boolean, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("supplier_data") as batch:
        for name in (
            "allocation_includes_upstream",
            "allocation_uncertainty_pct",
            "allocation_share",
            "allocation_method",
            "allocated_t",
        ):
            batch.drop_column(name)
    op.drop_table("supplier_allocations")

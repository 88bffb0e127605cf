"""sold products taken back per product line and year, with what became of them

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARES = ("reused", "refurbished", "recycled", "incinerated", "landfilled")


def upgrade() -> None:
    op.create_table(
        "take_back",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("product_line", sa.String(120), nullable=False),
        sa.Column("units_returned", sa.BigInteger()),
        sa.Column("tonnes_returned", sa.Float(), nullable=False),
        *(sa.Column(f"share_{s}", sa.Float(), nullable=False) for s in SHARES),
        sa.Column("import_id", sa.Integer()),
        sa.Column("row_sha256", sa.String(64)),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_take_back_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "record_id", name=op.f("pk_take_back")),
    )


def downgrade() -> None:
    op.drop_table("take_back")

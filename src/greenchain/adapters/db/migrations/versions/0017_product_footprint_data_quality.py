"""product footprints keep their primary data share and data quality ratings; activity rows
may name their Scope 3 category

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "primary_data_share",
    "dqr_technological",
    "dqr_temporal",
    "dqr_geographical",
    "dqr_completeness",
    "dqr_reliability",
)


def upgrade() -> None:
    with op.batch_alter_table("product_footprints") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
    with op.batch_alter_table("activity_data") as batch:
        batch.add_column(sa.Column("scope3_category", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activity_data") as batch:
        batch.drop_column("scope3_category")
    with op.batch_alter_table("product_footprints") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)

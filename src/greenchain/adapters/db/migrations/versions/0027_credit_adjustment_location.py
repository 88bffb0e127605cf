"""carbon credits: the host country's corresponding adjustment and the project's location
(EU or non-EU), for ESRS E1-7

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # nullable: blocks recorded before are "not known"; their ledger digests leave an empty
    # added field out (services/ledger.py, ADDED_LATER), so their entries still match
    with op.batch_alter_table("carbon_credits") as batch:
        batch.add_column(sa.Column("corresponding_adjustment", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("location", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("carbon_credits") as batch:
        batch.drop_column("location")
        batch.drop_column("corresponding_adjustment")

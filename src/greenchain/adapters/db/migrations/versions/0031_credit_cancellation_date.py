"""carbon credits: the date the registry cancelled a block, so ESRS E1-7 and CDP C11.2a report
the credits cancelled in the reporting year

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # nullable: a block recorded before has none and counts in the year it was recorded; its
    # ledger digest leaves the empty added field out (services/ledger.py, ADDED_LATER)
    with op.batch_alter_table("carbon_credits") as batch:
        batch.add_column(sa.Column("cancelled_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("carbon_credits") as batch:
        batch.drop_column("cancelled_on")

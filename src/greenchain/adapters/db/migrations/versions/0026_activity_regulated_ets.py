"""activity rows say whether their installation is under a regulated emissions trading scheme

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # nullable: the rows stored before keep their row hashes (an empty column is left out)
    with op.batch_alter_table("activity_data") as batch:
        batch.add_column(sa.Column("regulated_ets", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activity_data") as batch:
        batch.drop_column("regulated_ets")

"""suppliers' own take-back reuse and recycling rates on their reports

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("supplier_data") as batch:
        batch.add_column(sa.Column("takeback_reuse_share", sa.Float(), nullable=True))
        batch.add_column(sa.Column("recycling_share", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("supplier_data") as batch:
        batch.drop_column("recycling_share")
        batch.drop_column("takeback_reuse_share")

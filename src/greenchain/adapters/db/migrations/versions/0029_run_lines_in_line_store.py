"""the result lines of calculation runs move from the database to files of the line store

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 23:50:00

The schema change only: ``lines_arrow`` may be empty and ``lines_format`` names the file's
format. The lines themselves are moved by the workspace right after the upgrade
(``SqlWorkspace.move_lines_to_store``), since only it knows where the line store is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calculation_runs") as batch:
        batch.alter_column("lines_arrow", existing_type=sa.LargeBinary(), nullable=True)
        batch.add_column(sa.Column("lines_format", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calculation_runs") as batch:
        batch.drop_column("lines_format")
        batch.alter_column("lines_arrow", existing_type=sa.LargeBinary(), nullable=False)

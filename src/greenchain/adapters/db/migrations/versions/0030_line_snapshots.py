"""purchase lines kept as Parquet snapshots in the line store

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 23:40:00

The table only; the rows of ``purchase_lines`` are moved by the workspace right after the
upgrade (``line_snapshots.move_rows_to_snapshots``), since only it knows the line store.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "line_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "org_id",
            sa.Integer,
            sa.ForeignKey("organisations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("table_name", sa.String(40), nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("imports.id", ondelete="SET NULL")),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("state_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_line_snapshots_org_table", "line_snapshots", ["org_id", "table_name", "id"])


def downgrade() -> None:
    op.drop_index("ix_line_snapshots_org_table", table_name="line_snapshots")
    op.drop_table("line_snapshots")

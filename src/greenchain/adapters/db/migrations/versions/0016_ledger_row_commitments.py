"""ledger commitments to the rows each entry rests on: a row hash on every data row, and
runs are served only when an entry records them (leaf hashes indexed)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 03:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "purchase_lines",
    "activity_data",
    "supplier_data",
    "energy_attributes",
    "product_footprints",
)


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("row_sha256", sa.String(64)))
    op.create_index("ix_ledger_entries_leaf_hash", "ledger_entries", ["leaf_hash"])


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_leaf_hash", "ledger_entries")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("row_sha256")

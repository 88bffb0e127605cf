"""activity rows name the fluorinated gas (species or refrigerant blend), the semiconductor
process it was fed to and the abatement fraction; sold products their use-phase electricity;
waste its material and treatment; a Scope 3 activity its supplier; a purchase line the
material it bought

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activity_data") as batch:
        batch.add_column(sa.Column("gas", sa.String(40), nullable=True))
        batch.add_column(sa.Column("process", sa.String(40), nullable=True))
        batch.add_column(sa.Column("abatement", sa.Float(), nullable=True))
        batch.add_column(sa.Column("kwh_per_unit_year", sa.Float(), nullable=True))
        batch.add_column(sa.Column("lifetime_years", sa.Float(), nullable=True))
        batch.add_column(sa.Column("material", sa.String(120), nullable=True))
        batch.add_column(sa.Column("treatment", sa.String(60), nullable=True))
        batch.add_column(sa.Column("supplier_id", sa.String(64), nullable=True))
    with op.batch_alter_table("purchase_lines") as batch:
        batch.add_column(sa.Column("material", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("purchase_lines") as batch:
        batch.drop_column("material")
    with op.batch_alter_table("activity_data") as batch:
        batch.drop_column("supplier_id")
        batch.drop_column("treatment")
        batch.drop_column("material")
        batch.drop_column("lifetime_years")
        batch.drop_column("kwh_per_unit_year")
        batch.drop_column("abatement")
        batch.drop_column("process")
        batch.drop_column("gas")

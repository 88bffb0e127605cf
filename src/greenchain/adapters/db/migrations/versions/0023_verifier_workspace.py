"""what a verifier is engaged for, the samples it draws, what it checked and its findings

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _org(name: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [name],
        ["organisations.id"],
        name=op.f(f"fk_{table}_{name}_organisations"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("verifier_engagements") as batch:
        batch.add_column(sa.Column("year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("scope", sa.String(500), nullable=True))
        batch.add_column(sa.Column("assurance_level", sa.String(20), nullable=True))
        batch.add_column(sa.Column("deadline", sa.Date(), nullable=True))
    op.create_table(
        "verification_samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("verifier_org_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("materiality", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _org("org_id", "verification_samples"),
        _org("verifier_org_id", "verification_samples"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_samples")),
    )
    op.create_table(
        "verification_checks",
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_id", sa.String(160), nullable=False),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("note", sa.String(2000), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["verification_samples.id"],
            name=op.f("fk_verification_checks_sample_id_verification_samples"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "sample_id", "source", "source_id", name=op.f("pk_verification_checks")
        ),
    )
    op.create_table(
        "verification_findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("verifier_org_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("description", sa.String(4000), nullable=False),
        sa.Column("source_id", sa.String(160), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _org("org_id", "verification_findings"),
        _org("verifier_org_id", "verification_findings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_findings")),
    )


def downgrade() -> None:
    op.drop_table("verification_findings")
    op.drop_table("verification_checks")
    op.drop_table("verification_samples")
    with op.batch_alter_table("verifier_engagements") as batch:
        batch.drop_column("deadline")
        batch.drop_column("assurance_level")
        batch.drop_column("scope")
        batch.drop_column("year")

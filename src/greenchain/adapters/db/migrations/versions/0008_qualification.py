"""green supplier qualification, audits, scorecards, requirements and incentives

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_id"],
        ["organisations.id"],
        name=op.f(f"fk_{table}_org_id_organisations"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "qualification_programs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _org_fk("qualification_programs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualification_programs")),
        sa.UniqueConstraint("org_id", "name", name="uq_qualification_programs_org_name"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "qualification_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.String(length=64), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _org_fk("qualification_cases"),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["qualification_programs.id"],
            name=op.f("fk_qualification_cases_program_id_qualification_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualification_cases")),
        sa.UniqueConstraint(
            "org_id", "program_id", "supplier_id", name="uq_qualification_cases_org_case"
        ),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "qualification_transitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=60), nullable=False),
        sa.Column("to_stage", sa.String(length=60), nullable=False),
        sa.Column("who", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("ledger_seq", sa.Integer(), nullable=True),
        _org_fk("qualification_transitions"),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["qualification_cases.id"],
            name=op.f("fk_qualification_transitions_case_id_qualification_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualification_transitions")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_qualification_transitions_case",
        "qualification_transitions",
        ["case_id", "id"],
        unique=False,
    )
    op.create_table(
        "supplier_audits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("supplier_id", sa.String(length=64), nullable=False),
        sa.Column("checklist", sa.String(length=60), nullable=False),
        sa.Column("auditor", sa.String(length=200), nullable=False),
        sa.Column("audited_on", sa.Date(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _org_fk("supplier_audits"),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["qualification_cases.id"],
            name=op.f("fk_supplier_audits_case_id_qualification_cases"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_audits")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_supplier_audits_org_supplier",
        "supplier_audits",
        ["org_id", "supplier_id"],
        unique=False,
    )
    op.create_table(
        "audit_findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _org_fk("audit_findings"),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["supplier_audits.id"],
            name=op.f("fk_audit_findings_audit_id_supplier_audits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_findings")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "corrective_actions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        _org_fk("corrective_actions"),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["qualification_cases.id"],
            name=op.f("fk_corrective_actions_case_id_qualification_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["audit_findings.id"],
            name=op.f("fk_corrective_actions_finding_id_audit_findings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_actions")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "supplier_attributes",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.String(length=64), nullable=False),
        sa.Column("iso_14001", sa.Boolean(), nullable=True),
        sa.Column("iso_14001_expires_on", sa.Date(), nullable=True),
        sa.Column("iso_50001", sa.Boolean(), nullable=True),
        sa.Column("iso_50001_expires_on", sa.Date(), nullable=True),
        sa.Column("rba_member", sa.Boolean(), nullable=True),
        sa.Column("training_completion_share", sa.Float(), nullable=True),
        sa.Column("participation_share", sa.Float(), nullable=True),
        sa.Column("takeback_reuse_share", sa.Float(), nullable=True),
        sa.Column("recycling_share", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _org_fk("supplier_attributes"),
        sa.PrimaryKeyConstraint("org_id", "supplier_id", name=op.f("pk_supplier_attributes")),
    )
    op.create_table(
        "scorecard_weights",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("missing_policy", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _org_fk("scorecard_weights"),
        sa.PrimaryKeyConstraint("org_id", "indicator", name=op.f("pk_scorecard_weights")),
    )
    op.create_table(
        "supplier_requirements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("applies_to", sa.String(length=20), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _org_fk("supplier_requirements"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_requirements")),
        sa.UniqueConstraint("org_id", "name", name="uq_supplier_requirements_org_name"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "supplier_incentives",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _org_fk("supplier_incentives"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_incentives")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_supplier_incentives_org_supplier",
        "supplier_incentives",
        ["org_id", "supplier_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_supplier_incentives_org_supplier", table_name="supplier_incentives")
    op.drop_table("supplier_incentives")
    op.drop_table("supplier_requirements")
    op.drop_table("scorecard_weights")
    op.drop_table("supplier_attributes")
    op.drop_table("corrective_actions")
    op.drop_table("audit_findings")
    op.drop_index("ix_supplier_audits_org_supplier", table_name="supplier_audits")
    op.drop_table("supplier_audits")
    op.drop_index("ix_qualification_transitions_case", table_name="qualification_transitions")
    op.drop_table("qualification_transitions")
    op.drop_table("qualification_cases")
    op.drop_table("qualification_programs")

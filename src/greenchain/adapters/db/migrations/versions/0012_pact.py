"""PACT v3 host: product footprints, their search keys, customer credentials, shares,
footprint requests and inbound events

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _org_fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["organisations.id"],
        name=op.f(f"fk_{table}_{column}_organisations"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "pact_footprints",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("product_name", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("deprecated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaced_by", sa.String(length=36), nullable=True),
        _org_fk("org_id", "pact_footprints"),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_pact_footprints")),
        sa.UniqueConstraint("id", name=op.f("uq_pact_footprints_id")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_pact_footprints_org_seq", "pact_footprints", ["org_id", "seq"])
    op.create_table(
        "pact_footprint_keys",
        sa.Column("footprint_seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["footprint_seq"],
            ["pact_footprints.seq"],
            name=op.f("fk_pact_footprint_keys_footprint_seq_pact_footprints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "footprint_seq", "kind", "value", name=op.f("pk_pact_footprint_keys")
        ),
    )
    op.create_index("ix_pact_footprint_keys_kind_value", "pact_footprint_keys", ["kind", "value"])
    op.create_table(
        "pact_credentials",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=300), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("customer_org_id", sa.Integer(), nullable=True),
        sa.Column("share_all", sa.Boolean(), nullable=False),
        sa.Column("events_url", sa.String(length=500), nullable=True),
        sa.Column("callback_client_id", sa.String(length=200), nullable=True),
        sa.Column("callback_secret", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        _org_fk("org_id", "pact_credentials"),
        _org_fk("customer_org_id", "pact_credentials"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_credentials")),
        sa.UniqueConstraint("client_id", name=op.f("uq_pact_credentials_client_id")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_pact_credentials_org", "pact_credentials", ["org_id"])
    op.create_table(
        "pact_shares",
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("footprint_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["pact_credentials.id"],
            name=op.f("fk_pact_shares_credential_id_pact_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["footprint_seq"],
            ["pact_footprints.seq"],
            name=op.f("fk_pact_shares_footprint_seq_pact_footprints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("credential_id", "footprint_seq", name=op.f("pk_pact_shares")),
    )
    op.create_table(
        "pact_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("delivery", sa.String(length=12), nullable=False),
        sa.Column("delivery_attempts", sa.Integer(), nullable=False),
        sa.Column("delivery_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        _org_fk("org_id", "pact_requests"),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["pact_credentials.id"],
            name=op.f("fk_pact_requests_credential_id_pact_credentials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_requests")),
        sa.UniqueConstraint(
            "credential_id", "source", "event_id", name="uq_pact_requests_credential_event"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_pact_requests_org", "pact_requests", ["org_id", "id"])
    op.create_table(
        "pact_inbound_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        _org_fk("org_id", "pact_inbound_events"),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["pact_credentials.id"],
            name=op.f("fk_pact_inbound_events_credential_id_pact_credentials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pact_inbound_events")),
        sa.UniqueConstraint(
            "credential_id",
            "source",
            "event_id",
            name="uq_pact_inbound_events_credential_event",
        ),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("pact_inbound_events")
    op.drop_index("ix_pact_requests_org", table_name="pact_requests")
    op.drop_table("pact_requests")
    op.drop_table("pact_shares")
    op.drop_index("ix_pact_credentials_org", table_name="pact_credentials")
    op.drop_table("pact_credentials")
    op.drop_index("ix_pact_footprint_keys_kind_value", table_name="pact_footprint_keys")
    op.drop_table("pact_footprint_keys")
    op.drop_index("ix_pact_footprints_org_seq", table_name="pact_footprints")
    op.drop_table("pact_footprints")

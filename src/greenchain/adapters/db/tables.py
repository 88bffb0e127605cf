"""The relational schema (SQLAlchemy 2 Core). Alembic migrations in ``migrations/`` create it.

Every tenant-owned table carries ``org_id``; repositories always filter on it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,  # ids are never reused (caches key on them)
)

factor_sets = Table(
    "factor_sets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("version", String(40), nullable=False),
    Column("publisher", String(200), nullable=False),
    Column("source_url", String(500), nullable=False),
    Column("licence", String(200), nullable=False),
    Column("gwp_basis", String(8), nullable=False),
    Column("currency", String(3)),
    Column("price_year", Integer),
    Column("price_basis", String(40)),
    Column("reference_year", Integer),
    Column("files_sha256", String(64), nullable=False),
    Column("factor_count", Integer, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)

#: Exchange rates imported by the workspace (``greenchain fx import``); they win over the bundled
#: ECB rates for their currency and year. ``month`` 0 is the annual average.
#: Scope 3 categories an organisation declares excluded from a year's inventory, with the
#: justification the GHG Protocol Scope 3 Standard (ch. 6.3, 11.1) asks it to disclose.
category_exclusions = Table(
    "category_exclusions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("category", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("declared_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "year", "category", name="uq_category_exclusions_org_year_cat"),
)

fx_rates = Table(
    "fx_rates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("currency", String(3), nullable=False),
    Column("year", Integer, nullable=False),
    Column("month", Integer, nullable=False),
    Column("usd_per_unit", Float, nullable=False),
    Column("source", String(300), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("currency", "year", "month", name="uq_fx_rates_currency_year_month"),
)

factors = Table(
    "factors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "factor_set_id", Integer, ForeignKey("factor_sets.id", ondelete="CASCADE"), nullable=False
    ),
    Column("factor_id", String(120), nullable=False),
    Column("name", Text, nullable=False),
    Column("unit", String(60), nullable=False),
    Column("kg_co2e_per_unit", Float, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("region", String(60)),
    Column("scope", String(20)),
    Column("gases", JSON, nullable=False),
    Column("extra", JSON, nullable=False),
    UniqueConstraint("factor_set_id", "factor_id", name="uq_factors_set_factor"),
)

suppliers = Table(
    "suppliers",
    metadata,
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("supplier_id", String(64), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("country", String(2), nullable=False),
    Column("naics_code", String(6)),
    Column("lei", String(20)),
    Column("duns", String(9)),
    Column("vat_id", String(20)),
    Column("strategic", Boolean, nullable=False),
    Column("import_id", Integer),
    # who answers climate data requests at the supplier
    Column("contact_name", String(200)),
    Column("contact_email", String(320)),
)

# A buyer's supplier record operated by a supplier organisation on the platform: its users see
# the buyer's requests, qualification and their own ratings, never other suppliers'.
supplier_links = Table(
    "supplier_links",
    metadata,
    Column(
        "buyer_org_id",
        Integer,
        ForeignKey("organisations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("supplier_id", String(64), primary_key=True),
    Column(
        "supplier_org_id",
        Integer,
        ForeignKey("organisations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("linked_at", DateTime(timezone=True), nullable=False),
)

# A buyer's request to link one of its supplier records to another organisation; the link exists
# only once an admin of that organisation accepts (status pending -> accepted | declined).
supplier_link_invitations = Table(
    "supplier_link_invitations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "buyer_org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("supplier_id", String(64), nullable=False),
    Column(
        "supplier_org_id",
        Integer,
        ForeignKey("organisations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("status", String(10), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
    Index("ix_supplier_link_invitations_supplier_org", "supplier_org_id", "status"),
    sqlite_autoincrement=True,
)

_ORG_FK = "organisations.id"

# A buyer's request for climate data, sent to some of its suppliers.
data_requests = Table(
    "data_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("buyer_org_id", Integer, ForeignKey(_ORG_FK, ondelete="CASCADE"), nullable=False),
    Column("template", String(40), nullable=False),
    Column("template_version", Integer, nullable=False),
    Column("year", Integer, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)

# One supplier of a request: its status, contact and (once submitted) the answer it shared.
request_recipients = Table(
    "request_recipients",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "request_id", Integer, ForeignKey("data_requests.id", ondelete="CASCADE"), nullable=False
    ),
    Column("buyer_org_id", Integer, ForeignKey(_ORG_FK, ondelete="CASCADE"), nullable=False),
    Column("supplier_id", String(64), nullable=False),
    Column("email", String(320), nullable=False),
    Column("status", String(20), nullable=False),
    Column("signup_token_sha256", String(64), unique=True),
    Column("response_id", Integer),
    Column("comment", Text),
    Column("opened_at", DateTime(timezone=True)),
    Column("submitted_at", DateTime(timezone=True)),
    Column("decided_at", DateTime(timezone=True)),
    Column("reminded_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("request_id", "supplier_id"),
    sqlite_autoincrement=True,
)

# A supplier organisation's answer, given once per questionnaire and year.
supplier_responses = Table(
    "supplier_responses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("supplier_org_id", Integer, ForeignKey(_ORG_FK, ondelete="CASCADE"), nullable=False),
    Column("template", String(40), nullable=False),
    Column("template_version", Integer, nullable=False),
    Column("year", Integer, nullable=False),
    Column("answers", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True)),
    UniqueConstraint("supplier_org_id", "template", "year"),
    sqlite_autoincrement=True,
)

# Which customers may see an answer; revoking stops future use.
consent_grants = Table(
    "consent_grants",
    metadata,
    Column(
        "response_id",
        Integer,
        ForeignKey("supplier_responses.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("buyer_org_id", Integer, ForeignKey(_ORG_FK, ondelete="CASCADE"), primary_key=True),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

evidence_files = Table(
    "evidence_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "response_id",
        Integer,
        ForeignKey("supplier_responses.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("file_name", String(300), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)

# Supplier engagement programs, run by one or more sponsoring buyers.
programs = Table(
    "programs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("goals", Text, nullable=False),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("owner_org_id", Integer, ForeignKey(_ORG_FK, ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)
program_sponsors = Table(
    "program_sponsors",
    metadata,
    Column("program_id", Integer, ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, ForeignKey(_ORG_FK, ondelete="CASCADE"), primary_key=True),
    Column("invited_at", DateTime(timezone=True), nullable=False),
    Column("accepted_at", DateTime(timezone=True)),
)
program_members = Table(
    "program_members",
    metadata,
    Column("program_id", Integer, ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, ForeignKey(_ORG_FK, ondelete="CASCADE"), primary_key=True),
    Column("supplier_id", String(64), primary_key=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("improvement_areas", Text, nullable=False, default=""),
)
supplier_matches = Table(
    "supplier_matches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("program_id", Integer, ForeignKey("programs.id", ondelete="CASCADE"), nullable=False),
    Column("org_a_id", Integer, nullable=False),
    Column("supplier_a", String(64), nullable=False),
    Column("org_b_id", Integer, nullable=False),
    Column("supplier_b", String(64), nullable=False),
    Column("basis", String(20), nullable=False),
    Column("score", Float, nullable=False),
    Column("status", String(20), nullable=False),  # pending | confirmed | rejected
    Column("decided_by_org_id", Integer),
    Column("decided_at", DateTime(timezone=True)),
    sqlite_autoincrement=True,
)
program_activities = Table(
    "program_activities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("program_id", Integer, ForeignKey("programs.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("date", Date, nullable=False),
    Column("agenda", Text, nullable=False),
    Column("materials", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)
activity_invitees = Table(
    "activity_invitees",
    metadata,
    Column(
        "activity_id",
        Integer,
        ForeignKey("program_activities.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("org_id", Integer, primary_key=True),
    Column("supplier_id", String(64), primary_key=True),
    Column("attended", Boolean, nullable=False),
)
action_items = Table(
    "action_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "activity_id",
        Integer,
        ForeignKey("program_activities.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("org_id", Integer, nullable=False),
    Column("supplier_id", String(64)),
    Column("description", Text, nullable=False),
    Column("owner", String(200), nullable=False),
    Column("due", Date, nullable=False),
    Column("status", String(20), nullable=False),  # open | done
    sqlite_autoincrement=True,
)
library_articles = Table(
    "library_articles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("program_id", Integer, ForeignKey("programs.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(300), nullable=False),
    Column("category", String(60), nullable=False),
    Column("sector", String(60), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)
program_projects = Table(
    "program_projects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("program_id", Integer, ForeignKey("programs.id", ondelete="CASCADE"), nullable=False),
    Column("org_id", Integer, ForeignKey(_ORG_FK, ondelete="CASCADE"), nullable=False),
    Column("supplier_id", String(64), nullable=False),
    Column("type", String(40), nullable=False),
    Column("title", String(200), nullable=False),
    Column("baseline_t", Float, nullable=False),
    Column("expected_t", Float, nullable=False),
    Column("measured_t", Float),
    Column("status", String(20), nullable=False),
    Column("incentive", String(300), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)

# A buyer's connection to a supplier's PACT v3 host (client credentials, secret sealed at rest).
pact_connections = Table(
    "pact_connections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey(_ORG_FK, ondelete="CASCADE"), nullable=False),
    Column("supplier_id", String(64), nullable=False),
    Column("base_url", String(500), nullable=False),
    Column("client_id", String(200), nullable=False),
    Column("secret_sealed", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_pull_at", DateTime(timezone=True)),
    Column("last_result", Text),
    sqlite_autoincrement=True,
)

purchase_lines = Table(
    "purchase_lines",
    metadata,
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("line_id", String(64), primary_key=True),
    Column("supplier_id", String(64), nullable=False),
    Column("date", Date, nullable=False),
    Column("amount", Float, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("naics_code", String(6), nullable=False),
    Column("description", Text),
    Column("scope3_category", Integer, nullable=False),
    Column("quantity", Float),
    Column("unit", String(30)),
    Column("product_id", String(64)),
    Column("import_id", Integer),
    Column("row_sha256", String(64)),  # see adapters/db/row_hashes.py
    # category 1 average-data: the material bought (DEFRA "Material use"), with quantity
    Column("material", String(120)),
)

# The purchase lines of an organisation are not rows of ``purchase_lines`` (kept for the
# migration of older workspaces): each import writes the organisation's whole set of lines
# after it as one Parquet file of the line store, named by its SHA-256 (see
# adapters/db/line_snapshots.py); the newest snapshot of an organisation is its lines.
line_snapshots = Table(
    "line_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("table_name", String(40), nullable=False),
    Column("import_id", Integer, ForeignKey("imports.id", ondelete="SET NULL")),
    Column("sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    # the table state (see row_hashes.state_digest) of these rows, as the ledger records it
    Column("state_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_line_snapshots_org_table", "org_id", "table_name", "id"),
    sqlite_autoincrement=True,
)

supplier_data = Table(
    "supplier_data",
    metadata,
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("supplier_id", String(64), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("revenue", Float, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("scope1_t", Float, nullable=False),
    Column("scope2_market_t", Float, nullable=False),
    Column("scope2_location_t", Float),
    Column("scope3_upstream_t", Float),
    Column("verified", Boolean, nullable=False),
    Column("import_id", Integer),
    Column("sbt_status", String(20)),
    Column("renewable_share", Float),
    Column("takeback_reuse_share", Float),
    Column("recycling_share", Float),
    # the supplier's own allocation to this buyer (CDP SC1.1): used instead of spend/revenue
    Column("allocated_t", Float),
    Column("allocation_method", String(20)),
    Column("allocation_share", Float),
    Column("allocation_uncertainty_pct", Float),
    Column("allocation_includes_upstream", Boolean),
    # set when the row came from an accepted answer in the supplier portal
    Column("source_response_id", Integer),
    Column("row_sha256", String(64)),  # see adapters/db/row_hashes.py
)

#: A supplier's allocation of its emissions to the customer of one request (CDP SC1.1); the
#: customer's acceptance copies it into its supplier data.
supplier_allocations = Table(
    "supplier_allocations",
    metadata,
    Column(
        "recipient_id",
        Integer,
        ForeignKey("request_recipients.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "supplier_org_id",
        Integer,
        ForeignKey("organisations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("method", String(20), nullable=False),
    Column("customer_value", Float, nullable=False),
    Column("total_value", Float, nullable=False),
    Column("unit", String(40), nullable=False),
    Column("include_upstream", Boolean, nullable=False),
    Column("uncertainty_pct", Float),
    Column("share", Float, nullable=False),
    Column("scope1_t", Float, nullable=False),
    Column("scope2_market_t", Float, nullable=False),
    Column("scope3_upstream_t", Float),
    Column("allocated_t", Float, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

activity_data = Table(
    "activity_data",
    metadata,
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("activity_id", String(64), primary_key=True),
    Column("date", Date, nullable=False),
    Column("activity", String(120), nullable=False),
    Column("amount", Float, nullable=False),
    Column("unit", String(30), nullable=False),
    Column("country", String(20), nullable=False),
    Column("import_id", Integer),
    Column("scope3_category", Integer),
    Column("row_sha256", String(64)),  # see adapters/db/row_hashes.py
    # fluorinated gases: the species or blend, a semiconductor process and its abatement
    Column("gas", String(40)),
    Column("process", String(40)),
    Column("abatement", Float),
    # sold_product_use: electricity a sold unit uses a year, and for how many years
    Column("kwh_per_unit_year", Float),
    Column("lifetime_years", Float),
    # waste and end of life of sold products: the DEFRA material and treatment
    Column("material", String(120)),
    Column("treatment", String(60)),
    # a Scope 3 activity of a supplier (its freight): replaces the spend estimate of the
    # supplier's purchase lines of the same category
    Column("supplier_id", String(64)),
    # the installation's emissions fall under a regulated ETS (ESRS E1-6 para. 48(b))
    Column("regulated_ets", Boolean),
)

#: Sold products taken back, per product line and year, and the shares of the returned tonnes
#: reused, refurbished, recycled, incinerated and landfilled (circularity, kept apart from
#: emissions).
take_back = Table(
    "take_back",
    metadata,
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("product_line", String(120), nullable=False),
    Column("units_returned", BigInteger),
    Column("tonnes_returned", Float, nullable=False),
    Column("share_reused", Float, nullable=False),
    Column("share_refurbished", Float, nullable=False),
    Column("share_recycled", Float, nullable=False),
    Column("share_incinerated", Float, nullable=False),
    Column("share_landfilled", Float, nullable=False),
    Column("import_id", Integer),
    Column("row_sha256", String(64)),  # see adapters/db/row_hashes.py
)

energy_attributes = Table(
    "energy_attributes",
    metadata,
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("instrument_id", String(64), primary_key=True),
    Column("instrument", String(10), nullable=False),
    Column("mwh", Float, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("country", String(2), nullable=False),
    Column("registry", String(100)),
    Column("registry_id", String(200)),
    Column("source", String(40)),
    Column("import_id", Integer),
    Column("row_sha256", String(64)),  # see adapters/db/row_hashes.py
)
product_footprints = Table(
    "product_footprints",
    metadata,
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", String(64), primary_key=True),
    Column("supplier_id", String(64), nullable=False),
    Column("declared_unit", String(30), nullable=False),
    Column("kg_co2e_per_unit", Float, nullable=False),
    Column("reference_year", Integer),
    Column("verified", Boolean, nullable=False),
    Column("import_id", Integer),
    # PACT: share of primary data (fraction 0..1) and data quality ratings (1 best .. 3)
    Column("primary_data_share", Float),
    Column("dqr_technological", Float),
    Column("dqr_temporal", Float),
    Column("dqr_geographical", Float),
    Column("dqr_completeness", Float),
    Column("dqr_reliability", Float),
    Column("row_sha256", String(64)),  # see adapters/db/row_hashes.py
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("rows_total", Integer, nullable=False),
    Column("rows_imported", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("rows_unchanged", Integer, nullable=False),
    Column("rejected_report", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The leaf hash of the ledger entry that recorded this import.
    Column("ledger_leaf_hash", String(64)),
)

calculation_runs = Table(
    "calculation_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("gwp_set", String(8), nullable=False),
    Column("previous_run_id", Integer),
    Column("inputs_sha256", String(64), nullable=False),
    Column("factor_sets", JSON, nullable=False),
    Column("summary", JSON, nullable=False),
    Column("line_count", Integer, nullable=False),
    Column("rejected_count", Integer, nullable=False),
    # The result lines of a run, immutable: every line with its lineage (method, factor,
    # conversions, gases, quality ratings), in a file of the line store named by
    # ``lines_sha256`` in ``lines_format`` ("parquet"; "arrow" for runs calculated before the
    # store existed). ``lines_arrow`` held them in the database before; it is emptied when the
    # workspace is migrated.
    Column("lines_arrow", LargeBinary),
    Column("lines_sha256", String(64), nullable=False),
    Column("lines_format", String(16)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("ledger_leaf_hash", String(64)),
    Index("ix_calculation_runs_org_year", "org_id", "year"),
    sqlite_autoincrement=True,  # ids are never reused (caches key on them)
)

rejected_lines = Table(
    "rejected_lines",
    metadata,
    Column(
        "run_id", Integer, ForeignKey("calculation_runs.id", ondelete="CASCADE"), nullable=False
    ),
    Column("source", String(10), nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("reason", Text, nullable=False),
)

restatements = Table(
    "restatements",
    metadata,
    Column(
        "run_id", Integer, ForeignKey("calculation_runs.id", ondelete="CASCADE"), nullable=False
    ),
    Column("supplier_id", String(64)),
    Column("previous_method", String(20)),
    Column("new_method", String(20)),
    Column("previous_t_co2e", Float, nullable=False),
    Column("new_t_co2e", Float, nullable=False),
    Column("reason", Text, nullable=False),
)

# people, access and the web platform ---------------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(200)),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
)

one_time_tokens = Table(
    "one_time_tokens",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("purpose", String(20), nullable=False),  # invitation | password_reset
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE")),
    Column("role", String(20)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(400), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Index("ix_login_attempts_key_at", "key", "at"),
)

# A browser's login: the cookie holds a random token, only its SHA-256 is stored. Every request
# reads the row (one indexed query), so ending a session takes effect at once in every process.
user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("client", String(100), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Index("ix_user_sessions_user_id", "user_id"),
    sqlite_autoincrement=True,
)

# Failed logins per key ("account:", "client:", "account+client:"): a row is locked (SQLite
# BEGIN IMMEDIATE, PostgreSQL SELECT ... FOR UPDATE) while an attempt is counted, so parallel
# attempts cannot all pass the check before any of them is recorded.
login_throttles = Table(
    "login_throttles",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", DateTime(timezone=True)),
    Column("blocked_until", DateTime(timezone=True)),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recipient", String(320), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE")),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("action", String(60), nullable=False),
    Column("target", String(200), nullable=False),
    Column("details", JSON, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_audit_log_org_at", "org_id", "at"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("kind", String(30), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(12), nullable=False),  # queued | running | done | failed
    Column("progress", Float, nullable=False),
    Column("message", Text),
    Column("result", JSON),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("worker", String(100)),
    Column("heartbeat_at", DateTime(timezone=True)),
    Index("ix_jobs_status_id", "status", "id"),
)

# the transparency log -------------------------------------------------------------------------

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # NULL: the log's own key. No foreign key: public keys outlive their organisation, so the
    # entries it signed can still be checked.
    Column("org_id", Integer),
    Column("public_key", String(64), nullable=False, unique=True),
    Column("private_key_pem", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True)),
    sqlite_autoincrement=True,
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="SET NULL")),
    Column("kind", String(40), nullable=False),
    Column("entry", Text, nullable=False),
    # Indexed: reports serve only runs whose leaf hash is an entry's.
    Column("leaf_hash", String(64), nullable=False, index=True),
    Column("signature", String(128), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # For a verification statement: the entry it reviews.
    Column("subject_seq", Integer, index=True),
)

tree_heads = Table(
    "tree_heads",
    metadata,
    Column("tree_size", Integer, primary_key=True, autoincrement=False),
    Column("root_hash", String(64), nullable=False),
    Column("timestamp", String(40), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("public_key", String(64), nullable=False),
)

witness_signatures = Table(
    "witness_signatures",
    metadata,
    Column("tree_size", Integer, ForeignKey("tree_heads.tree_size"), primary_key=True),
    Column("org_id", Integer, primary_key=True),
    Column("signature", String(128), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),
)

verifier_engagements = Table(
    "verifier_engagements",
    metadata,
    Column(
        "org_id",
        Integer,
        ForeignKey("organisations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "verifier_org_id",
        Integer,
        ForeignKey("organisations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # what the verifier is engaged for (set by the organisation; empty for older engagements)
    Column("year", Integer),
    Column("scope", String(500)),
    Column("assurance_level", String(20)),
    Column("deadline", Date),
)

#: Lines of a run a verifier drew to check: monetary-unit sampling by kg CO2e from ``seed``
#: (the lines are drawn again from the stored run, so only the parameters are kept).
verification_samples = Table(
    "verification_samples",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column(
        "verifier_org_id",
        Integer,
        ForeignKey("organisations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("run_id", Integer, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("materiality", Float, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: What the verifier checked on a sampled line and found.
verification_checks = Table(
    "verification_checks",
    metadata,
    Column(
        "sample_id",
        Integer,
        ForeignKey("verification_samples.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("source", String(20), primary_key=True),
    Column("source_id", String(160), primary_key=True),
    Column("result", String(20), nullable=False),
    Column("note", String(2000), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

#: Findings a verifier sends the organisation about a run.
verification_findings = Table(
    "verification_findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column(
        "verifier_org_id",
        Integer,
        ForeignKey("organisations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("run_id", Integer, nullable=False),
    Column("severity", String(10), nullable=False),
    Column("description", String(4000), nullable=False),
    Column("source_id", String(160)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

reduction_claims = Table(
    "reduction_claims",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),  # activity | project_result
    Column("name", String(200), nullable=False),
    Column("scope", String(12), nullable=False),
    Column("year", Integer, nullable=False),
    Column("t_co2e", Float, nullable=False),
    Column("description", Text, nullable=False),
    Column("supplier_id", String(100)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("ledger_leaf_hash", String(64)),
    sqlite_autoincrement=True,
)

# climate targets, entered history and carbon credits ------------------------------------------


history_totals = Table(
    "history_totals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("scope", String(12), nullable=False),  # 1 | 2_market | 2_location | 3
    Column("t_co2e", Float, nullable=False),
    Column("source", String(300), nullable=False),
    UniqueConstraint("org_id", "year", "scope", name="uq_history_totals_org_year_scope"),
)

history_revenue = Table(
    "history_revenue",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("revenue", Float, nullable=False),  # in units of ``currency`` (not millions)
    Column("currency", String(3), nullable=False),
    UniqueConstraint("org_id", "year", name="uq_history_revenue_org_year"),
)

targets = Table(
    "targets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("base_year", Integer, nullable=False),
    Column("target_year", Integer, nullable=False),
    Column("reduction", Float),
    Column("target_share", Float),
    Column("denominator", String(60)),
    Column("coverage", Float, nullable=False),
    Column("engagement_basis", String(20)),
    Column("base_share", Float, nullable=False),
    Column("neutralise_residual", Boolean, nullable=False),
    Column("submitted_year", Integer),
    Column("milestones", JSON, nullable=False),  # [[year, value], ...]
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("removed_at", DateTime(timezone=True)),
    Column("ledger_leaf_hash", String(64)),
    sqlite_autoincrement=True,
)

# A name is unique among an organisation's current targets; a removed target's name is free.
Index(
    "uq_targets_org_current_name",
    targets.c.org_id,
    targets.c.name,
    unique=True,
    sqlite_where=targets.c.removed_at.is_(None),
    postgresql_where=targets.c.removed_at.is_(None),
)

carbon_credits = Table(
    "carbon_credits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("registry", String(100), nullable=False),
    Column("serial_start", BigInteger, nullable=False),
    Column("serial_end", BigInteger, nullable=False),
    Column("vintage", Integer, nullable=False),
    Column("project_type", String(20), nullable=False),  # avoidance | removal
    Column("standard", String(100), nullable=False),
    Column("quantity_t", Float, nullable=False),
    Column("retired_for", String(300)),
    Column("retired_at", DateTime(timezone=True)),
    Column("ledger_leaf_hash", String(64)),
    # ESRS E1-7: the host country's corresponding adjustment, and EU or non-EU
    Column("corresponding_adjustment", Boolean),
    Column("location", String(10)),
    # the date the registry cancelled the block (ESRS E1-7: credits cancelled in the year)
    Column("cancelled_on", Date),
    Index("ix_carbon_credits_registry_serials", "registry", "serial_start", "serial_end"),
    sqlite_autoincrement=True,
)

progress_reports = Table(
    "progress_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("html", Text, nullable=False),
    Column("pdf", LargeBinary, nullable=False),
    Column("pdf_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("ledger_leaf_hash", String(64)),
    Index("ix_progress_reports_org_year", "org_id", "year"),
    sqlite_autoincrement=True,
)

#: Disclosure documents (ESRS E1, CDP, GHG Protocol, IFRS S2) as issued: the file in one
#: format, its SHA-256 (which the ledger entry of kind ``disclosure`` records) and the run it
#: rests on.
disclosures = Table(
    "disclosures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("year", Integer, nullable=False),
    Column("run_id", Integer, nullable=False),
    Column("format", String(10), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("ledger_leaf_hash", String(64)),
    Index("ix_disclosures_org_year", "org_id", "year"),
    sqlite_autoincrement=True,
)

roadmap_scenarios = Table(
    "roadmap_scenarios",
    metadata,
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("levers", JSON, nullable=False),  # the what-if levers, as the roadmap takes them
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# green supplier qualification, audits, scorecards, requirements and incentives ------------------

qualification_programs = Table(
    "qualification_programs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("stages", JSON, nullable=False),  # [{name, documents, audit_checklist, ...}, ...]
    Column("window_days", Integer, nullable=False),
    Column("validity_days", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "name", name="uq_qualification_programs_org_name"),
    sqlite_autoincrement=True,
)

qualification_cases = Table(
    "qualification_cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column(
        "program_id",
        Integer,
        ForeignKey("qualification_programs.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("supplier_id", String(64), nullable=False),
    Column("cycle", Integer, nullable=False),
    Column("stage", String(60), nullable=False),
    # in_progress | qualified | conditionally_qualified | rejected | expired
    Column("status", String(30), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("decided_on", Date),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "program_id", "supplier_id", name="uq_qualification_cases_org_case"),
    sqlite_autoincrement=True,
)

qualification_transitions = Table(
    "qualification_transitions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column(
        "case_id",
        Integer,
        ForeignKey("qualification_cases.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("cycle", Integer, nullable=False),
    Column("from_stage", String(60), nullable=False),
    Column("to_stage", String(60), nullable=False),
    Column("who", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("why", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("ledger_seq", Integer),
    Index("ix_qualification_transitions_case", "case_id", "id"),
    sqlite_autoincrement=True,
)

supplier_audits = Table(
    "supplier_audits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("case_id", Integer, ForeignKey("qualification_cases.id", ondelete="SET NULL")),
    Column("supplier_id", String(64), nullable=False),
    Column("checklist", String(60), nullable=False),
    Column("auditor", String(200), nullable=False),
    Column("audited_on", Date, nullable=False),
    Column("results", JSON, nullable=False),  # {item code: passed}
    Column("score", Float, nullable=False),  # 0..100
    Column("verdict", String(10), nullable=False),  # passed | failed
    Column("evidence", JSON, nullable=False),  # [reference, ...]
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_supplier_audits_org_supplier", "org_id", "supplier_id"),
    sqlite_autoincrement=True,
)

audit_findings = Table(
    "audit_findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column(
        "audit_id", Integer, ForeignKey("supplier_audits.id", ondelete="CASCADE"), nullable=False
    ),
    Column("item_code", String(20), nullable=False),
    Column("severity", String(10), nullable=False),  # minor | major | critical
    Column("description", Text, nullable=False),
    sqlite_autoincrement=True,
)

corrective_actions = Table(
    "corrective_actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("supplier_id", String(64), nullable=False),
    Column("case_id", Integer, ForeignKey("qualification_cases.id", ondelete="CASCADE")),
    Column("finding_id", Integer, ForeignKey("audit_findings.id", ondelete="CASCADE")),
    Column("description", Text, nullable=False),
    Column("owner", String(200), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("status", String(12), nullable=False),  # open | in_progress | done
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    sqlite_autoincrement=True,
)

supplier_attributes = Table(
    "supplier_attributes",
    metadata,
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("supplier_id", String(64), primary_key=True),
    Column("iso_14001", Boolean),
    Column("iso_14001_expires_on", Date),
    Column("iso_50001", Boolean),
    Column("iso_50001_expires_on", Date),
    Column("rba_member", Boolean),
    Column("training_completion_share", Float),
    Column("participation_share", Float),
    Column("takeback_reuse_share", Float),
    Column("recycling_share", Float),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

scorecard_weights = Table(
    "scorecard_weights",
    metadata,
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("indicator", String(40), primary_key=True),
    Column("weight", Float, nullable=False),
    Column("missing_policy", String(10), nullable=False),  # zero | exclude
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

supplier_requirements = Table(
    "supplier_requirements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("applies_to", String(20), nullable=False),  # all | strategic
    Column("conditions", JSON, nullable=False),  # ["sbt:validated", "rba_member", ...]
    Column("due_on", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("org_id", "name", name="uq_supplier_requirements_org_name"),
    sqlite_autoincrement=True,
)

supplier_incentives = Table(
    "supplier_incentives",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("supplier_id", String(64), nullable=False),
    Column("kind", String(40), nullable=False),  # preferred_volume | innovation_incentive | ...
    Column("amount", Float),
    Column("currency", String(3)),
    Column("reason", Text, nullable=False),
    Column("granted_on", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_supplier_incentives_org_supplier", "org_id", "supplier_id"),
    sqlite_autoincrement=True,
)

# --- PACT v3 host: product footprints shared with customers ------------------------------
pact_footprints = Table(
    "pact_footprints",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # keyset pagination
    Column("id", String(36), nullable=False, unique=True),  # the footprint's UUID, lower case
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(12), nullable=False),  # Active | Deprecated
    Column("product_name", String(300), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
    Column("document", Text, nullable=False),  # canonical JSON of the ProductFootprint
    Column("deprecated_at", DateTime(timezone=True)),
    Column("replaced_by", String(36)),
    Index("ix_pact_footprints_org_seq", "org_id", "seq"),
    sqlite_autoincrement=True,
)

pact_footprint_keys = Table(
    "pact_footprint_keys",
    metadata,
    Column(
        "footprint_seq",
        Integer,
        ForeignKey("pact_footprints.seq", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(16), primary_key=True),  # product | company | classification | geography
    Column("value", String(500), primary_key=True),  # lower case
    Index("ix_pact_footprint_keys_kind_value", "kind", "value"),
)

pact_credentials = Table(
    "pact_credentials",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("secret_hash", String(300), nullable=False),
    Column("customer_name", String(200), nullable=False),
    Column("customer_org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE")),
    Column("share_all", Boolean, nullable=False),
    Column("events_url", String(500)),  # the customer's PACT Events endpoint
    Column("callback_client_id", String(200)),
    Column("callback_secret", Text),  # sealed (Fernet) with the host's key
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    # reject at once a request none of the supplier's footprints matches
    Column("reject_unknown", Boolean, nullable=False, server_default=false()),
    Index("ix_pact_credentials_org", "org_id"),
    sqlite_autoincrement=True,
)

pact_shares = Table(
    "pact_shares",
    metadata,
    Column(
        "credential_id",
        Integer,
        ForeignKey("pact_credentials.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "footprint_seq",
        Integer,
        ForeignKey("pact_footprints.seq", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def _delivery_columns() -> list[Column[Any]]:
    """How far sending an event to a customer got (retried with backoff)."""
    return [
        Column("delivery", String(12), nullable=False),
        Column("delivery_attempts", Integer, nullable=False),
        Column("delivery_error", Text),
        Column("next_attempt_at", DateTime(timezone=True)),
    ]


pact_requests = Table(
    "pact_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column(
        "credential_id",
        Integer,
        ForeignKey("pact_credentials.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_id", String(200), nullable=False),
    Column("source", String(500), nullable=False),
    Column("criteria", JSON, nullable=False),
    Column("comment", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("status", String(12), nullable=False),  # pending | fulfilled | rejected
    Column("answered_at", DateTime(timezone=True)),
    Column("answer", JSON),  # the RequestFulfilled / RequestRejected event sent back
    *_delivery_columns(),  # delivery: none | pending | delivered | abandoned
    UniqueConstraint(
        "credential_id", "source", "event_id", name="uq_pact_requests_credential_event"
    ),
    Index("ix_pact_requests_org", "org_id", "id"),
    sqlite_autoincrement=True,
)

pact_notifications = Table(
    "pact_notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column(
        "credential_id",
        Integer,
        ForeignKey("pact_credentials.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event", JSON, nullable=False),  # the PublishedEvent
    Column("created_at", DateTime(timezone=True), nullable=False),
    *_delivery_columns(),  # delivery: pending | delivered | abandoned
    Index("ix_pact_notifications_org", "org_id", "id"),
    sqlite_autoincrement=True,
)

pact_inbound_events = Table(
    "pact_inbound_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", Integer, ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False),
    Column(
        "credential_id",
        Integer,
        ForeignKey("pact_credentials.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("type", String(100), nullable=False),
    Column("event_id", String(200), nullable=False),
    Column("source", String(500), nullable=False),
    Column("body", JSON, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint(
        "credential_id", "source", "event_id", name="uq_pact_inbound_events_credential_event"
    ),
    sqlite_autoincrement=True,
)

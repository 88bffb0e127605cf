"""The one place that wires adapters into services."""

from __future__ import annotations

import functools

from greenchain.adapters.compute.engine import DuckDbEngine
from greenchain.adapters.db.accounts import SqlAccounts
from greenchain.adapters.db.engagement import SqlEngagement
from greenchain.adapters.db.exclusions import SqlExclusions
from greenchain.adapters.db.fx import SqlConversions
from greenchain.adapters.db.jobs import SqlJobQueue
from greenchain.adapters.db.ledger import SqlLedger
from greenchain.adapters.db.programs import SqlPrograms
from greenchain.adapters.db.qualification import SqlQualification
from greenchain.adapters.db.row_hashes import row_hash_of
from greenchain.adapters.db.targets import SqlTargets
from greenchain.adapters.db.verification import SqlVerification
from greenchain.adapters.db.workspace import SqlWorkspace
from greenchain.adapters.files import (
    PublicFactorFiles,
    SpreadsheetFiles,
    SystemClock,
    write_demo_files,
)
from greenchain.adapters.importers.tabular import WorkbookLimits
from greenchain.adapters.linestore import LineStore, default_location
from greenchain.adapters.security import Argon2PasswordHasher, SmtpTransport
from greenchain.adapters.signing import Ed25519Keys, verify_signature
from greenchain.config import Settings
from greenchain.services.context import Context, Progress, silent_progress
from greenchain.services.ports import CalculationEngine


def calculation_engine(settings: Settings) -> CalculationEngine:
    """The engine of ``GREENCHAIN_ENGINE``: DuckDB, or Spark (imported only then)."""
    if settings.engine == "spark":
        from greenchain.adapters.compute.spark_engine import SparkEngine

        return SparkEngine(settings.spark_master)
    return DuckDbEngine()


def bootstrap(settings: Settings | None = None, *, progress: Progress = silent_progress) -> Context:
    """A ready context: the database migrated to the newest schema. The workspace's sealing
    keys are read when a signing key is first made or opened (MissingSecretsError then if the
    workspace has none); entry points that need them check up front."""
    settings = settings or Settings()
    resolved = settings

    @functools.cache
    def sealing_keys() -> tuple[str, ...]:
        return resolved.secrets().sealing_keys

    workspace = SqlWorkspace(
        settings.database_url,
        LineStore(settings.line_store or default_location(settings.database_url)),
    )
    workspace.migrate()
    return Context(
        workspace=workspace,
        conversions=SqlConversions(workspace.engine),
        engine=calculation_engine(settings),
        tabular=SpreadsheetFiles(
            WorkbookLimits(
                max_rows=settings.xlsx_max_rows,
                max_unpacked_bytes=settings.xlsx_max_unpacked_mb * 2**20,
            )
        ),
        factor_files=PublicFactorFiles(settings.factors_dir),
        clock=SystemClock(),
        demo_writer=write_demo_files,
        accounts=SqlAccounts(workspace.engine),
        hasher=Argon2PasswordHasher(),
        jobs=SqlJobQueue(workspace.engine),
        ledger=SqlLedger(workspace.engine, workspace.lines),
        targets=SqlTargets(workspace.engine),
        engagement=SqlEngagement(workspace.engine),
        qualification=SqlQualification(workspace.engine),
        programs=SqlPrograms(workspace.engine),
        exclusions=SqlExclusions(workspace.engine),
        verification=SqlVerification(workspace.engine),
        keys=Ed25519Keys(sealing_keys),
        mail_transport=(
            SmtpTransport(settings.smtp_host, settings.smtp_port, settings.mail_from)
            if settings.smtp_host
            else None
        ),
        settings_hotspot_share=settings.hotspot_share,
        settings_supplier_data_max_age_years=settings.supplier_data_max_age_years,
        progress=progress,
    )


#: Ed25519 signature check for offline verification (no database needed).
signature_verifier = verify_signature
#: The hash of one data row from its values, for offline checks of line proofs.
row_hasher = row_hash_of

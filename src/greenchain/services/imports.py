"""Import spreadsheets (CSV, XLSX) of suppliers, purchases, supplier data, activity data and
product footprints: validated as a whole, written atomically, idempotent on re-import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from greenchain.domain.errors import FileRejectedError, InvalidDataError
from greenchain.domain.records import ROW_HASHED_TABLES, SCHEMAS, Reference
from greenchain.services.context import Context
from greenchain.services.inventory import EEIO_SET
from greenchain.services.ports import OrganisationRecord, ValidatedRows


@dataclass(frozen=True)
class ImportSummary:
    kind: str
    file_name: str
    total_rows: int
    inserted: int
    updated: int
    rejected: int
    already_imported: bool
    rejected_report: Path | None
    import_id: int | None


def import_records(
    ctx: Context,
    org_slug: str,
    kind: str,
    path: Path,
    *,
    skip_invalid: bool = False,
    rejected_out: Path | None = None,
    file_name: str | None = None,
    problems_out: Path | None = None,
) -> ImportSummary:
    """Validate ``path`` against the ``kind`` format and store it for the organisation.

    A file with any bad row is rejected whole (nothing written) unless ``skip_invalid``; then
    the good rows are stored and the bad ones written to a rejected-rows CSV. Rows are keyed
    (line_id, supplier_id...), so importing the same file again changes nothing. ``file_name``
    is the name messages use (an upload's original name), default the path's. When a file is
    rejected whole and ``problems_out`` is given, every problem is listed there (CSV).

    The rows are read, validated and written in bounded batches: memory does not grow with
    the file.
    """
    shown = file_name or path.name
    if kind not in SCHEMAS:
        raise InvalidDataError(f"unknown import kind '{kind}'; use one of {', '.join(SCHEMAS)}")
    schema = SCHEMAS[kind]
    ws = ctx.workspace
    org = ws.get_org(org_slug)
    references: dict[Reference, set[str] | frozenset[str]] = {}
    needed = {c.reference for c in schema.columns if c.reference is not None}
    if Reference.SUPPLIER in needed:
        references[Reference.SUPPLIER] = ws.supplier_ids(org.id)
    if Reference.NAICS in needed:
        naics = ws.factor_ids(EEIO_SET)
        if not naics:
            raise InvalidDataError(
                "the EPA supply-chain factor set is not imported; run 'greenchain factors import'"
            )
        references[Reference.NAICS] = naics
    if Reference.CURRENCY in needed:
        references[Reference.CURRENCY] = ctx.conversions.iso_currencies()
    with ctx.progress(f"Importing {kind} from {shown}") as step:
        validated = ctx.tabular.validate(path, schema, references, shown)
        try:
            step("validated")
            report, outcome = _store(
                ctx,
                org,
                kind,
                validated,
                path,
                shown,
                skip_invalid=skip_invalid,
                rejected_out=rejected_out,
                problems_out=problems_out,
            )
        finally:
            validated.close()
        step("stored and recorded in the ledger")
    return ImportSummary(
        kind=kind,
        file_name=shown,
        total_rows=validated.total_rows,
        inserted=outcome.inserted,
        updated=outcome.updated,
        rejected=validated.rejected_rows,
        already_imported=outcome.already_imported,
        rejected_report=report,
        import_id=outcome.import_id,
    )


@dataclass(frozen=True)
class _Stored:
    import_id: int
    inserted: int
    updated: int
    already_imported: bool


def _store(
    ctx: Context,
    org: OrganisationRecord,
    kind: str,
    validated: ValidatedRows,
    path: Path,
    shown: str,
    *,
    skip_invalid: bool,
    rejected_out: Path | None,
    problems_out: Path | None,
) -> tuple[Path | None, _Stored]:
    """Write the report of the rejected rows, then the good rows, the import record and its
    ledger entry (one transaction)."""
    schema = SCHEMAS[kind]
    ws = ctx.workspace
    report: Path | None = None
    if validated.problems:
        if not skip_invalid:
            written = ctx.tabular.write_problems(validated, problems_out) if problems_out else None
            raise FileRejectedError(
                shown,
                validated.problems,
                validated.total_rows,
                problem_count=validated.problem_count,
                report=str(written) if written else None,
            )
        report = rejected_out or path.with_name(f"{path.stem}.rejected.csv")
        ctx.tabular.write_rejected(validated, report)
    previous = ws.find_import(org.id, kind, validated.sha256)
    record_entry = None
    if ctx.ledger is not None:
        from greenchain.services import ledger

        # Keys are made before the import's transaction opens (it holds the write lock).
        ledger.ensure_key(ctx, org.id)
        ledger.ensure_key(ctx, None)
        payload = {
            "kind": kind,
            "file_name": shown,
            "file_sha256": validated.sha256,
            "rows_total": validated.total_rows,
            "rows_imported": validated.clean.num_rows,
            "rows_rejected": validated.rejected_rows,
        }
        states = [(schema.table, org.id)] if schema.table in ROW_HASHED_TABLES else []

        def record_entry(transaction: object, import_id: int) -> object:
            return ledger.record(
                ctx,
                org.id,
                org.slug,
                "import",
                payload,
                row=("imports", import_id),
                states=states,
                within=transaction,
            )

    outcome = ws.apply_import(
        org.id,
        schema,
        validated.clean,
        file_name=shown,
        sha256=validated.sha256,
        total_rows=validated.total_rows,
        rejected_rows=validated.rejected_rows,
        rejected_report=str(report) if report else None,
        now=ctx.clock.now(),
        then=record_entry,
    )
    return report, _Stored(
        outcome.import_id, outcome.inserted, outcome.updated, previous is not None
    )

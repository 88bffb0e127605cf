"""Long work as background jobs: uploads and calculation runs.

A job is a row in the queue; any worker (a thread of a web worker, or ``greenchain worker``)
claims it, reports progress and stores the result. The page polls the job's status.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import GreenchainError, InvalidDataError
from greenchain.domain.ghg import GwpSet
from greenchain.domain.records import SCHEMAS
from greenchain.services import accounts as account_service
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory

log = logging.getLogger("greenchain.jobs")

#: A running job whose worker has not beaten for this long is taken back into the queue.
STALE_AFTER = dt.timedelta(minutes=5)
#: How often a worker beats while it runs a job (well under ``STALE_AFTER``).
BEAT_EVERY_S = 30.0
KINDS = ("import", "calculate")


def _queue(ctx: Context) -> Any:
    if ctx.jobs is None:  # pragma: no cover - wiring error
        raise RuntimeError("no job queue wired")
    return ctx.jobs


def submit_import(
    ctx: Context,
    principal: Principal,
    org_slug: str,
    kind: str,
    stored_file: Path,
    original_name: str,
    skip_invalid: bool,
) -> int:
    member = principal.membership(org_slug, Role.ANALYST)
    if kind not in SCHEMAS:
        raise InvalidDataError(f"unknown import kind '{kind}'; use one of {', '.join(SCHEMAS)}")
    payload = {
        "kind": kind,
        "path": str(stored_file),
        "name": original_name,
        "skip_invalid": skip_invalid,
        "org": org_slug,
    }
    job_id = int(
        _queue(ctx).enqueue(member.org_id, principal.user_id, "import", payload, ctx.clock.now())
    )
    account_service.record(
        ctx, principal, member.org_id, "upload.submit", original_name, kind=kind, job=job_id
    )
    return job_id


def submit_calculation(
    ctx: Context, principal: Principal, org_slug: str, year: int, gwp: GwpSet
) -> int:
    member = principal.membership(org_slug, Role.ANALYST)
    payload = {"year": year, "gwp": gwp.value, "org": org_slug}
    job_id = int(
        _queue(ctx).enqueue(member.org_id, principal.user_id, "calculate", payload, ctx.clock.now())
    )
    account_service.record(
        ctx, principal, member.org_id, "calculation.submit", str(year), gwp=gwp.value, job=job_id
    )
    return job_id


def get_job(ctx: Context, principal: Principal, org_slug: str, job_id: int) -> dict[str, Any]:
    member = principal.membership(org_slug)
    job: dict[str, Any] = _queue(ctx).get(member.org_id, job_id)
    return job


def list_jobs(ctx: Context, principal: Principal, org_slug: str) -> list[dict[str, Any]]:
    member = principal.membership(org_slug)
    jobs: list[dict[str, Any]] = _queue(ctx).list(member.org_id)
    return jobs


def run_one(ctx: Context, worker: str | None = None) -> bool:
    """Claim and run one job; ``False`` when the queue is empty."""
    queue = _queue(ctx)
    name = worker or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    job = queue.claim(name, ctx.clock.now(), STALE_AFTER)
    if job is None:
        return False
    job_id = int(job["id"])
    payload = dict(job["payload"])
    what = f"job {job_id} ({job['kind']}, org {payload.get('org')})"
    log.info("%s claimed by %s", what, name)
    with _beating(ctx, queue, job_id, name):
        return _run(ctx, queue, job, job_id, payload, what)


@contextmanager
def _beating(ctx: Context, queue: Any, job_id: int, worker: str) -> Iterator[None]:
    """Beat for the job every ``BEAT_EVERY_S`` while it runs, so that a long import is never
    taken for a job whose worker died, and a job whose worker did die is (after
    ``STALE_AFTER``) run again by another worker instead of staying "running"."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(BEAT_EVERY_S):
            try:
                queue.beat(job_id, worker, ctx.clock.now())
            except Exception:  # the database may be briefly unavailable: beat again later
                log.warning("job %s: heartbeat not stored", job_id, exc_info=True)

    beater = threading.Thread(target=beat, name=f"greenchain-job-{job_id}-beat", daemon=True)
    beater.start()
    try:
        yield
    finally:
        done.set()
        beater.join()


def _run(
    ctx: Context, queue: Any, job: dict[str, Any], job_id: int, payload: dict[str, Any], what: str
) -> bool:
    try:
        if job["kind"] == "import":
            queue.progress(job_id, 0.1, "validating", ctx.clock.now())
            path = Path(payload["path"])
            summary = import_records(
                ctx,
                payload["org"],
                payload["kind"],
                path,
                skip_invalid=bool(payload["skip_invalid"]),
                rejected_out=path.with_name(path.stem + ".rejected.csv"),
                file_name=payload["name"],
                problems_out=path.with_name(path.stem + ".rejected.csv"),
            )
            result = {
                "kind": summary.kind,
                "file_name": payload["name"],
                "total_rows": summary.total_rows,
                "inserted": summary.inserted,
                "updated": summary.updated,
                "rejected": summary.rejected,
                "rejected_report": str(summary.rejected_report)
                if summary.rejected_report
                else None,
            }
            message = (
                f"{summary.total_rows} rows: {summary.inserted} new, {summary.updated} "
                f"updated, {summary.rejected} rejected"
            )
        elif job["kind"] == "calculate":
            queue.progress(job_id, 0.2, "calculating", ctx.clock.now())
            report = calculate_inventory(
                ctx, payload["org"], int(payload["year"]), GwpSet(payload["gwp"])
            )
            result = {
                "run_id": report.run_id,
                "total_t_co2e": report.total_t_co2e,
                "restatements": len(report.restatements),
            }
            message = f"run {report.run_id}: {report.total_t_co2e:,.1f} t CO2e"
        else:
            raise InvalidDataError(f"unknown job kind '{job['kind']}'")
    except GreenchainError as exc:
        result = {"code": exc.code}
        problems = getattr(exc, "problems", None)
        if problems:
            result["problems"] = [p.__dict__ for p in problems[:200]]
            path = Path(payload.get("path", ""))
            if path.name:
                report_path = path.with_name(path.stem + ".rejected.csv")
                if getattr(exc, "report", None) != str(report_path):
                    # the import lists every problem itself; other errors list theirs here
                    rows = [[p.row, p.field, p.value, p.reason] for p in problems]
                    header = ["row", "field", "value", "reason"]
                    ctx.tabular.write_rows([header, *rows], report_path)
                result["rejected_report"] = str(report_path)
        log.warning("%s failed: %s (%s)", what, exc.message, exc.code)
        queue.finish(job_id, ok=False, message=exc.message, result=result, now=ctx.clock.now())
        return True
    except Exception as exc:  # a job must never take its worker down
        log.exception("%s failed with an internal error (%s)", what, type(exc).__name__)
        queue.finish(
            job_id,
            ok=False,
            message=f"internal error ({type(exc).__name__})",
            result=None,
            now=ctx.clock.now(),
        )
        return True
    queue.finish(job_id, ok=True, message=message, result=result, now=ctx.clock.now())
    log.info("%s done: %s", what, message)
    return True


def run_until_empty(ctx: Context) -> int:
    count = 0
    while run_one(ctx):
        count += 1
    return count


class WorkerThread(threading.Thread):
    """Polls the queue in the background of a web worker."""

    def __init__(self, ctx: Context, interval_s: float = 0.5) -> None:
        super().__init__(name="greenchain-jobs", daemon=True)
        self.ctx = ctx
        self.interval_s = interval_s
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                busy = run_one(self.ctx)
            except Exception:  # keep polling: the database may be briefly unavailable
                log.warning("job queue unavailable; polling again", exc_info=True)
                busy = False
            if not busy:
                self.stopping.wait(self.interval_s)

    def stop(self) -> None:
        self.stopping.set()

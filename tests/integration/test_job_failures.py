"""Background jobs on SQLite and PostgreSQL: every failure is logged with its job, kind,
organisation and reason; a worker beats while it runs a job; and a job whose worker died is
taken back and finished by another worker instead of staying "running"."""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from greenchain.domain.access import Role
from greenchain.domain.ghg import GwpSet
from greenchain.services import jobs as job_service
from greenchain.services.accounts import add_user, get_principal
from greenchain.services.context import Context
from greenchain.services.orgs import add_organisation
from tests.factories import purchase, write_csv

PASSWORD = "jobs-Failing-2291-pw"


@pytest.fixture
def analyst(ctx: Context) -> Any:
    add_organisation(ctx, "acme")
    user = add_user(ctx, "ann@acme.example", PASSWORD, "acme", Role.ANALYST)
    return get_principal(ctx, user.user_id)


def _job(ctx: Context, job_id: int) -> dict[str, Any]:
    return dict(ctx.jobs.get(1, job_id))  # type: ignore[union-attr]


def test_a_rejected_file_fails_its_job_and_is_logged_with_the_reason(
    ctx: Context, analyst: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    write_csv(tmp_path / "p.csv", "purchases", [purchase("L1", "S-UNKNOWN")])
    job_id = job_service.submit_import(
        ctx, analyst, "acme", "purchases", tmp_path / "p.csv", "p.csv", False
    )
    with caplog.at_level(logging.INFO, logger="greenchain.jobs"):
        assert job_service.run_one(ctx, "w1")
    assert _job(ctx, job_id)["status"] == "failed"
    failed = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(failed) == 1
    message = failed[0].getMessage()
    assert f"job {job_id} (import, org acme) failed" in message
    assert "unknown supplier" in message


def test_an_internal_error_is_logged_with_its_traceback_and_fails_the_job(
    ctx: Context, analyst: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(job_service, "calculate_inventory", broken)
    job_id = job_service.submit_calculation(ctx, analyst, "acme", 2024, GwpSet.AR5)
    with caplog.at_level(logging.INFO, logger="greenchain.jobs"):
        assert job_service.run_one(ctx, "w1")
    job = _job(ctx, job_id)
    assert job["status"] == "failed"
    assert job["message"] == "internal error (RuntimeError)"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "failed with an internal error (RuntimeError)" in errors[0].getMessage()
    assert errors[0].exc_info is not None


def test_a_worker_beats_while_a_long_job_runs(
    ctx: Context, analyst: Any, monkeypatch: pytest.MonkeyPatch
):
    beats: list[int] = []
    queue = ctx.jobs
    real_beat = queue.beat  # type: ignore[union-attr]

    def counting_beat(job_id: int, worker: str, now: dt.datetime) -> None:
        beats.append(job_id)
        real_beat(job_id, worker, now)

    monkeypatch.setattr(queue, "beat", counting_beat)
    monkeypatch.setattr(job_service, "BEAT_EVERY_S", 0.05)

    def slow(*args: object, **kwargs: object) -> None:
        time.sleep(0.4)
        raise RuntimeError("slow and broken")

    monkeypatch.setattr(job_service, "calculate_inventory", slow)
    job_id = job_service.submit_calculation(ctx, analyst, "acme", 2024, GwpSet.AR5)
    job_service.run_one(ctx, "w1")
    assert len(beats) >= 3
    assert set(beats) == {job_id}


def test_a_job_whose_worker_died_is_run_again_instead_of_staying_running(
    ctx: Context, analyst: Any, tmp_path: Path
):
    write_csv(tmp_path / "p.csv", "purchases", [purchase("L1", "S-UNKNOWN")])
    job_id = job_service.submit_import(
        ctx, analyst, "acme", "purchases", tmp_path / "p.csv", "p.csv", False
    )
    queue = ctx.jobs
    assert queue is not None
    claimed = queue.claim("dead-worker", ctx.clock.now(), job_service.STALE_AFTER)
    assert claimed is not None
    assert int(claimed["id"]) == job_id
    assert _job(ctx, job_id)["status"] == "running"
    assert not job_service.run_one(ctx, "w2")  # not stale yet: nothing to do
    ctx.clock.current += job_service.STALE_AFTER + dt.timedelta(seconds=5)  # type: ignore[attr-defined]
    assert job_service.run_one(ctx, "w2")
    job = _job(ctx, job_id)
    assert job["status"] == "failed"  # run to its end by w2 (the file is rejected)
    assert job["worker"] == "w2"

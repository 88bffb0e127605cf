"""The web app served for real on a free local port, and Debian's chromium to drive it: what
the browser tests share."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from greenchain.config import Settings
from greenchain.entrypoints.web.app import create_app
from greenchain.services.context import Context
from greenchain.services.jobs import WorkerThread

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(
    ctx: Context, tmp_path: Path, *, jobs: bool = False, settings: Settings | None = None
) -> Iterator[str]:
    """The app on ``ctx`` at the base URL yielded; ``jobs`` also runs the background worker
    (uploads and calculations started in the browser)."""
    base = settings or Settings()
    app = create_app(base.model_copy(update={"upload_dir": tmp_path / "uploads",
                                             "job_workers": 0}), ctx)  # fmt: skip
    worker = WorkerThread(ctx, interval_s=0.2) if jobs else None
    if worker is not None:
        worker.start()
    port = free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert uv.started, "the web app did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        if worker is not None:
            worker.stop()
        thread.join(timeout=10)


def launch(playwright: Any) -> Any:
    """Debian's chromium, headless."""
    assert Path(CHROMIUM).is_file(), "Debian's chromium is missing: run scripts/ensure-chromium.sh"
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def watch_errors(page: Any) -> list[str]:
    """Script errors and console errors of ``page``, collected as they happen."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    return problems

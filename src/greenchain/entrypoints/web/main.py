"""The ASGI application for uvicorn workers: ``greenchain.entrypoints.web.main:app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from greenchain.config import Settings
from greenchain.entrypoints.web.app import create_app
from greenchain.services.jobs import WorkerThread


def build() -> FastAPI:
    settings = Settings()
    application = create_app(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        threads = [WorkerThread(application.state.ctx) for _ in range(settings.job_workers)]
        for thread in threads:
            thread.start()
        yield
        for thread in threads:
            thread.stop()

    application.router.lifespan_context = lifespan
    return application


app = build()

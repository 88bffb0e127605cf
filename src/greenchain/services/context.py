"""The collaborators every use case receives, wired by ``greenchain.bootstrap``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from greenchain.services.ports import (
    CalculationEngine,
    Clock,
    Conversions,
    FactorFiles,
    TabularFiles,
    Workspace,
)

Step = Callable[[str], None]


class Progress(Protocol):
    def __call__(self, label: str) -> AbstractContextManager[Step]: ...


class DemoWriter(Protocol):
    def __call__(self, folder: Path, *, seed: int) -> dict[str, Path]: ...


@contextmanager
def silent_progress(label: str) -> Iterator[Step]:
    yield lambda _step: None


@dataclass
class Context:
    workspace: Workspace
    conversions: Conversions
    engine: CalculationEngine
    tabular: TabularFiles
    factor_files: FactorFiles
    clock: Clock
    demo_writer: DemoWriter
    settings_hotspot_share: float = 0.67
    progress: Progress = field(default=silent_progress)

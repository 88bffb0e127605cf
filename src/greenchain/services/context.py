"""The collaborators every use case receives, wired by ``greenchain.bootstrap``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from greenchain.services.ports import (
    Accounts,
    CalculationEngine,
    Clock,
    Conversions,
    EngagementStore,
    ExclusionStore,
    FactorFiles,
    JobQueue,
    KeyRing,
    LedgerStore,
    MailTransport,
    PasswordHasher,
    ProgramStore,
    QualificationStore,
    TabularFiles,
    TargetStore,
    VerificationStore,
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
    accounts: Accounts | None = None
    hasher: PasswordHasher | None = None
    mail_transport: MailTransport | None = None
    jobs: JobQueue | None = None
    ledger: LedgerStore | None = None
    keys: KeyRing | None = None
    targets: TargetStore | None = None
    engagement: EngagementStore | None = None
    qualification: QualificationStore | None = None
    programs: ProgramStore | None = None
    exclusions: ExclusionStore | None = None
    verification: VerificationStore | None = None
    settings_hotspot_share: float = 0.67
    settings_supplier_data_max_age_years: int = 2
    progress: Progress = field(default=silent_progress)

    def require_accounts(self) -> tuple[Accounts, PasswordHasher]:
        if self.accounts is None or self.hasher is None:  # pragma: no cover - wiring error
            raise RuntimeError("accounts are not wired in this context")
        return self.accounts, self.hasher

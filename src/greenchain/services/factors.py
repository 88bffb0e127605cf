"""Use cases of the factor library."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from greenchain.domain.errors import InvalidDataError
from greenchain.services.context import Context


@dataclass(frozen=True)
class ImportedFactorSet:
    key: str
    name: str
    version: str
    factor_count: int
    sha256: str


def import_factor_sets(ctx: Context, sources: list[str] | None = None) -> list[ImportedFactorSet]:
    """Read public factor files and store each as a versioned set (re-import replaces it)."""
    known = list(ctx.factor_files.sources())
    chosen = sources or known
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise InvalidDataError(
            f"unknown factor source(s) {', '.join(unknown)}; known: {', '.join(known)}"
        )
    imported: list[ImportedFactorSet] = []
    with ctx.progress("Importing factor sets") as step:
        for source in chosen:
            data, sha256 = ctx.factor_files.read(source)
            ctx.workspace.save_factor_set(data, sha256, ctx.clock.now())
            imported.append(
                ImportedFactorSet(
                    data.info.key, data.info.name, data.info.version, len(data.factors), sha256
                )
            )
            step(source)
    return imported


def list_factor_sets(ctx: Context) -> list[dict[str, Any]]:
    return ctx.workspace.list_factor_sets()

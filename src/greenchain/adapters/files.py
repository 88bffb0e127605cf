"""File-based adapters: public factor files, spreadsheets and the demo workspace writer."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from greenchain.adapters.exports import write_csv
from greenchain.adapters.importers.factor_files import (
    read_defra_2025,
    read_epa_hub_2025,
    read_epa_supply_chain,
    read_world_grid,
    world_grid_path,
)
from greenchain.adapters.importers.tabular import (
    CsvSource,
    ValidatedFile,
    WorkbookLimits,
    file_sha256,
    open_source,
    validate_table,
    write_problems_report,
    write_rejected_report,
)
from greenchain.domain.errors import ConfigurationError, InvalidDataError
from greenchain.domain.factors import FactorSetData
from greenchain.domain.records import RecordSchema, Reference


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class PublicFactorFiles:
    """The factor sets under the data folder (``GREENCHAIN_DATA_DIR``/factors)."""

    LOCATIONS: Mapping[str, str] = {
        "epa-supply-chain-v1.3": "epa-supply-chain-v1.3",
        "defra-2025": "defra-2025/ghg-conversion-factors-2025-flat-format.csv",
        "epa-hub-2025": "epa-hub-2025/ghg-emission-factors-hub-2025.xlsx",
    }

    def __init__(self, factors_dir: Path) -> None:
        self.factors_dir = factors_dir

    #: Factor sets shipped inside installed packages, not in the data folder.
    PACKAGED = ("world-grid-ember",)

    def sources(self) -> Sequence[str]:
        return [*self.LOCATIONS, *self.PACKAGED]

    def read(self, source: str) -> tuple[FactorSetData, str]:
        if not self.factors_dir.is_dir():
            raise ConfigurationError(
                f"factor data folder {self.factors_dir} not found; set GREENCHAIN_DATA_DIR to the "
                "folder that holds factors/ (the shared reference data)"
            )
        if source == "world-grid-ember":
            path = world_grid_path()
            return read_world_grid(path), file_sha256(path)
        path = self.factors_dir / self.LOCATIONS[source]
        if source == "epa-supply-chain-v1.3":
            data = read_epa_supply_chain(path)
        elif source == "defra-2025":
            data = read_defra_2025(path)
        elif source == "epa-hub-2025":
            data = read_epa_hub_2025(path)
        else:
            raise InvalidDataError(f"unknown factor source '{source}'")
        files = sorted(path.iterdir()) if path.is_dir() else [path]
        digest = hashlib.sha256()
        for file in files:
            digest.update(file_sha256(file).encode())
        return data, digest.hexdigest()


class SpreadsheetFiles:
    """Spreadsheet imports (CSV, XLSX) and the CSV files written for people."""

    def __init__(self, limits: WorkbookLimits | None = None) -> None:
        self.limits = limits or WorkbookLimits()

    def validate(
        self,
        path: Path,
        schema: RecordSchema,
        references: Mapping[Reference, Iterable[str]],
        file_name: str | None = None,
    ) -> ValidatedFile:
        # Hash the file while DuckDB reads it (hashlib releases the GIL on large blocks).
        with ThreadPoolExecutor(max_workers=1) as pool:
            digest = pool.submit(file_sha256, path)
            table = open_source(path, file_name, self.limits)
            sha256 = digest.result()
        try:
            return validate_table(
                table,
                schema,
                file_name=file_name or path.name,
                sha256=sha256,
                references={k: list(v) for k, v in references.items()},
            )
        finally:
            if isinstance(table, CsvSource):
                table.close()

    def write_rejected(self, validated: ValidatedFile, out: Path) -> Path:
        return write_rejected_report(validated, out)

    def write_problems(self, validated: ValidatedFile, out: Path) -> Path:
        return write_problems_report(validated, out)

    def write_rows(self, rows: Iterable[Sequence[Any]], out: Path) -> Path:
        write_csv(out, rows)
        return out


def write_demo_files(folder: Path, *, seed: int) -> dict[str, Path]:
    from greenchain.adapters.demo_data import write_demo_workspace

    files = write_demo_workspace(folder, seed=seed)
    return {
        "suppliers": files.suppliers,
        "purchases": files.purchases,
        "supplier_data": files.supplier_data,
        "activity": files.activity,
        "product_footprints": files.product_footprints,
        "energy_attributes": files.folder / "energy_attributes.csv",
        "take_back": files.folder / "take_back.csv",
        "partner_suppliers": files.folder / "partner_suppliers.csv",
        "partner_purchases": files.folder / "partner_purchases.csv",
        "partner_activity": files.folder / "partner_activity.csv",
        "supplier_activity": files.folder / "supplier_activity.csv",
        "supplier_energy_attributes": files.folder / "supplier_energy_attributes.csv",
    }

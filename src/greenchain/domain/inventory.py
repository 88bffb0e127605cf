"""Inventory results: the report of a calculation run, restatements and hotspots.

A calculation run is immutable; this module turns its aggregated numbers into the report every
entry point shows (``report inventory --format json`` and the API give the same object) and
compares a run with the previous run of the same organisation and year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from greenchain.domain.energy import ENERGY_GROUPS, FOSSIL_GROUPS
from greenchain.domain.ghg import Gas
from greenchain.domain.methods import Method

SCOPE_KEYS: tuple[str, ...] = ("1", "2_location", "2_market", "3")
CATEGORY_KEYS: tuple[str, ...] = tuple(str(c) for c in range(1, 16))

SCOPE3_CATEGORY_NAMES: Mapping[int, str] = {
    1: "Purchased goods and services",
    2: "Capital goods",
    3: "Fuel- and energy-related activities",
    4: "Upstream transportation and distribution",
    5: "Waste generated in operations",
    6: "Business travel",
    7: "Employee commuting",
    8: "Upstream leased assets",
    9: "Downstream transportation and distribution",
    10: "Processing of sold products",
    11: "Use of sold products",
    12: "End-of-life treatment of sold products",
    13: "Downstream leased assets",
    14: "Franchises",
    15: "Investments",
}


@dataclass(frozen=True)
class SupplierTotal:
    """A supplier's Scope 3 of a run: tonnes, the dominant method, spend and the tonnes by
    method (empty in runs stored before it was kept)."""

    supplier_id: str
    t_co2e: float
    method: str
    name: str = ""
    spend_usd: float = 0.0
    t_by_method: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Restatement:
    supplier_id: str | None
    previous_method: str | None
    new_method: str | None
    previous_t_co2e: float
    new_t_co2e: float
    reason: str


@dataclass(frozen=True)
class RejectedLines:
    """Input lines that could not be calculated for one reason: how many, how much of what
    (``amount`` in ``unit``: the activity unit, or the currency of purchase lines) and the
    first few line ids."""

    reason: str
    lines: int
    amount: float
    unit: str
    examples: list[str] = field(default_factory=list)

    def describe(self) -> str:
        ids = ", ".join(self.examples) + (", ..." if self.lines > len(self.examples) else "")
        return f"{self.lines} line(s), {readable(self.amount)} {self.unit} ({ids}): {self.reason}"


def readable(amount: float) -> str:
    """An amount for people: thousands separated, no exponent, decimals only where they count
    (1,500,000; 1,234.5; 0.0123)."""
    if abs(amount) >= 1000:
        return f"{amount:,.0f}"
    if abs(amount) >= 1:
        return f"{amount:,.2f}".rstrip("0").rstrip(".")
    return f"{amount:.3g}"


@dataclass(frozen=True)
class CategoryExclusion:
    """A Scope 3 category the organisation declared excluded from the year, with the
    justification it discloses (GHG Protocol Scope 3 Standard, 6.3 and 11.1).
    ``calculated_t``: emissions the run still found in it (0 for a proper exclusion)."""

    category: int
    reason: str
    calculated_t: float = 0.0


@dataclass(frozen=True)
class InventoryReport:
    """The inventory of one organisation and reporting year, in tonnes CO2e.

    ``total_t_co2e`` = Scope 1 + Scope 2 market-based + Scope 3. ``by_category``, ``by_method``
    and ``by_gas`` cover the same emissions as the total (location-based Scope 2 is reported
    beside it). ``primary_data_share`` is the fraction of Scope 3 from supplier data.
    """

    org: str
    year: int
    gwp: str
    run_id: int
    total_t_co2e: float
    by_scope: dict[str, float]
    by_category: dict[str, float]
    by_method: dict[str, float]
    by_gas: dict[str, float]
    by_supplier: list[SupplierTotal]
    primary_data_share: float
    data_quality_score: float
    lines: int
    rejected_lines: int
    factor_sets: list[str] = field(default_factory=list)
    restatements: list[Restatement] = field(default_factory=list)
    previous_run_id: int | None = None
    created_at: str = ""
    #: Purchased electricity of the year and the share of it covered by contractual
    #: instruments (REC, GO, I-REC, PPA) retired for the organisation (None: no electricity).
    electricity_mwh: float = 0.0
    renewable_electricity_share: float | None = None
    #: why the ``rejected_lines`` were not calculated, by reason
    rejected: list[RejectedLines] = field(default_factory=list)
    #: Scope 3 tonnes per category and method: how each category was calculated
    category_methods: dict[str, dict[str, float]] = field(default_factory=dict)
    #: categories declared excluded when the run was calculated, with their justification
    exclusions: list[CategoryExclusion] = field(default_factory=list)
    #: take-back of sold products in the year: tonnes and units returned, reuse rate
    #: (reused or refurbished), recycling rate (of what could not be reused), per product
    #: line; reported beside the emissions, never netted against them
    circularity: dict[str, Any] = field(default_factory=dict)
    #: Scope 1 tonnes of the activity rows flagged as under a regulated emissions trading
    #: scheme (EU ETS, UK ETS...), for ESRS E1-6 para. 48(b); None in runs stored before the
    #: flag was kept
    scope_1_regulated_ets_t: float | None = None
    #: t CO2 of burning biomass (wood, biofuels, biogas, the biofuel part of forecourt fuels),
    #: outside the scopes and the total (ESRS E1-6 AR 43(c)); None in runs stored before it
    #: was kept
    biogenic_co2_t: float | None = None
    #: MWh of the fuels burnt, by ESRS E1 AR 34 group (``greenchain.domain.energy``:
    #: coal_and_coal_products, crude_oil_and_petroleum_products, natural_gas, other_fossil,
    #: renewable_fuels; every group present, 0 when none); None in runs stored before
    fuel_energy_mwh: dict[str, float] | None = None
    #: t CO2e by scope ("1", "2_location", "2_market", "3") and gas, for the GHG Protocol's
    #: emissions by scope and gas (Corporate Standard ch. 9); None in runs stored before
    by_scope_gas: dict[str, dict[str, float]] | None = None

    @property
    def fossil_fuel_energy_mwh(self) -> float | None:
        """MWh of the fossil fuels burnt (ESRS E1-5 para. 37(a) (i)-(iii) and other fossil)."""
        if self.fuel_energy_mwh is None:
            return None
        return round(sum(self.fuel_energy_mwh.get(g, 0.0) for g in FOSSIL_GROUPS), 3)

    @property
    def scope_1_regulated_ets_share(self) -> float | None:
        """Share of gross Scope 1 under a regulated ETS, 0 to 1 (ESRS E1-6 para. 48(b)); None
        when the run has no Scope 1 or did not keep the flag."""
        scope1 = self.by_scope.get("1", 0.0)
        if self.scope_1_regulated_ets_t is None or not scope1:
            return None
        return round(self.scope_1_regulated_ets_t / scope1, 6)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["by_supplier"] = [
            {
                "supplier_id": s.supplier_id,
                "name": s.name,
                "t_co2e": s.t_co2e,
                "method": s.method,
                "spend_usd": s.spend_usd,
                "t_by_method": s.t_by_method,
            }
            for s in self.by_supplier
        ]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InventoryReport:
        values = dict(data)
        values["by_supplier"] = [SupplierTotal(**s) for s in data.get("by_supplier", [])]
        values["restatements"] = [Restatement(**r) for r in data.get("restatements", [])]
        values["rejected"] = [RejectedLines(**r) for r in data.get("rejected", [])]
        values["exclusions"] = [CategoryExclusion(**e) for e in data.get("exclusions", [])]
        return cls(**values)


def _tonnes(kg: float) -> float:
    return round(kg / 1000.0, 6)


def build_report(
    *,
    org: str,
    year: int,
    gwp: str,
    run_id: int,
    kg_by_scope: Mapping[str, float],
    kg_by_category: Mapping[int, float],
    kg_by_method: Mapping[str, float],
    kg_by_gas: Mapping[str, float],
    suppliers: Sequence[SupplierTotal],
    primary_scope3_kg: float,
    data_quality_score: float,
    lines: int,
    rejected_lines: int,
    factor_sets: Sequence[str] = (),
    restatements: Sequence[Restatement] = (),
    previous_run_id: int | None = None,
    created_at: str = "",
    electricity_mwh: float = 0.0,
    instrument_mwh: float = 0.0,
    rejected: Sequence[RejectedLines] = (),
    kg_by_category_method: Mapping[int, Mapping[str, float]] | None = None,
    exclusions: Sequence[tuple[int, str]] = (),
    circularity: Mapping[str, Any] | None = None,
    scope1_regulated_ets_kg: float = 0.0,
    biogenic_co2_kg: float = 0.0,
    fuel_energy_mwh: Mapping[str, float] | None = None,
    kg_by_scope_gas: Mapping[str, Mapping[str, float]] | None = None,
) -> InventoryReport:
    """Assemble the report from kilogram aggregates; every key is present, zero when empty."""
    by_scope = {k: _tonnes(kg_by_scope.get(k, 0.0)) for k in SCOPE_KEYS}
    total_kg = sum(kg_by_scope.get(k, 0.0) for k in ("1", "2_market", "3"))
    scope3_kg = kg_by_scope.get("3", 0.0)
    return InventoryReport(
        org=org,
        year=year,
        gwp=gwp,
        run_id=run_id,
        total_t_co2e=_tonnes(total_kg),
        by_scope=by_scope,
        by_category={k: _tonnes(kg_by_category.get(int(k), 0.0)) for k in CATEGORY_KEYS},
        by_method={m.value: _tonnes(kg_by_method.get(m.value, 0.0)) for m in Method},
        by_gas={g.value: _tonnes(kg_by_gas.get(g.value, 0.0)) for g in Gas},
        by_supplier=sorted(suppliers, key=lambda s: (-s.t_co2e, s.supplier_id)),
        primary_data_share=round(primary_scope3_kg / scope3_kg, 6) if scope3_kg else 0.0,
        data_quality_score=round(data_quality_score, 4),
        lines=lines,
        rejected_lines=rejected_lines,
        factor_sets=list(factor_sets),
        restatements=list(restatements),
        previous_run_id=previous_run_id,
        created_at=created_at,
        electricity_mwh=round(electricity_mwh, 3),
        renewable_electricity_share=(
            round(min(1.0, instrument_mwh / electricity_mwh), 6) if electricity_mwh > 0 else None
        ),
        rejected=list(rejected),
        category_methods={
            str(c): {m: _tonnes(kg) for m, kg in methods.items()}
            for c, methods in sorted((kg_by_category_method or {}).items())
        },
        exclusions=[
            CategoryExclusion(c, reason, _tonnes(kg_by_category.get(c, 0.0)))
            for c, reason in exclusions
        ],
        circularity=dict(circularity or {}),
        scope_1_regulated_ets_t=_tonnes(scope1_regulated_ets_kg),
        biogenic_co2_t=_tonnes(biogenic_co2_kg),
        fuel_energy_mwh={g: round((fuel_energy_mwh or {}).get(g, 0.0), 3) for g in ENERGY_GROUPS},
        by_scope_gas={
            k: {g.value: _tonnes((kg_by_scope_gas or {}).get(k, {}).get(g.value, 0.0)) for g in Gas}
            for k in SCOPE_KEYS
        },
    )


_METHOD_WORDS = {
    Method.PRODUCT_LEVEL.value: "product footprints",
    Method.SUPPLIER_SPECIFIC.value: "supplier-specific data",
    Method.AVERAGE_DATA.value: "average activity data",
    Method.SPEND_BASED.value: "spend-based estimate",
}


def compare_runs(
    previous: Sequence[SupplierTotal],
    current: Sequence[SupplierTotal],
    *,
    previous_gwp: str,
    current_gwp: str,
    tolerance_fraction: float = 1e-6,
) -> list[Restatement]:
    """Why supplier emissions differ between two runs of the same organisation and year.

    A method change is a restatement with its reason (supplier data replacing a spend estimate,
    or data withdrawn); a value change with the same method is put down to the GWP set when it
    changed, otherwise to changed input data. Changes within ``tolerance_fraction`` are ignored.
    """
    before = {s.supplier_id: s for s in previous}
    after = {s.supplier_id: s for s in current}
    result: list[Restatement] = []
    for supplier_id in sorted(before.keys() | after.keys()):
        old, new = before.get(supplier_id), after.get(supplier_id)
        if old is None and new is not None:
            reason = "new in this run (purchases in the reporting year added)"
        elif new is None and old is not None:
            reason = "no longer in the inventory (its purchase lines were removed)"
        elif old is not None and new is not None:
            by_method = _method_changes(old, new, tolerance_fraction)
            if by_method is not None:
                if not by_method:
                    continue
                reason = (
                    f"GWP set changed from {previous_gwp} to {current_gwp}"
                    if previous_gwp != current_gwp and _same_methods(old, new)
                    else by_method
                )
            elif old.method != new.method:
                new_words = _METHOD_WORDS.get(new.method, new.method)
                old_words = _METHOD_WORDS.get(old.method, old.method)
                if _rank(new.method) < _rank(old.method):
                    reason = f"{new_words} replaced the {old_words}"
                else:
                    reason = f"{old_words} no longer available; back to the {new_words}"
            else:
                scale = max(abs(old.t_co2e), abs(new.t_co2e), 1e-12)
                if abs(new.t_co2e - old.t_co2e) / scale <= tolerance_fraction:
                    continue
                if previous_gwp != current_gwp:
                    reason = f"GWP set changed from {previous_gwp} to {current_gwp}"
                else:
                    reason = f"input data changed ({_METHOD_WORDS.get(new.method, new.method)})"
        else:  # pragma: no cover - the union of keys never yields neither
            continue
        result.append(
            Restatement(
                supplier_id=supplier_id,
                previous_method=old.method if old else None,
                new_method=new.method if new else None,
                previous_t_co2e=old.t_co2e if old else 0.0,
                new_t_co2e=new.t_co2e if new else 0.0,
                reason=reason,
            )
        )
    return result


def _same_methods(old: SupplierTotal, new: SupplierTotal) -> bool:
    return {m for m, t in old.t_by_method.items() if t} == {
        m for m, t in new.t_by_method.items() if t
    }


def _method_changes(old: SupplierTotal, new: SupplierTotal, tolerance: float) -> str | None:
    """What replaced what, line by line of the supplier's methods: "supplier-specific data
    replaced the spend-based estimate", "supplier-specific data changed (1,200.0 to 950.0 t)".
    None when either run did not keep its tonnes by method; "" when nothing changed."""
    if not old.t_by_method or not new.t_by_method:
        return None
    scale = max(abs(old.t_co2e), abs(new.t_co2e), 1e-12)
    gained, lost, changed = [], [], []
    for method in sorted(old.t_by_method.keys() | new.t_by_method.keys(), key=_rank):
        before, after = old.t_by_method.get(method, 0.0), new.t_by_method.get(method, 0.0)
        if abs(after - before) / scale <= tolerance:
            continue
        words = _METHOD_WORDS.get(method, method)
        if not before:
            gained.append(words)
        elif not after:
            lost.append(words)
        else:
            changed.append(f"{words} changed ({before:,.1f} to {after:,.1f} t)")
    parts = []
    if gained and lost:
        parts.append(f"{' and '.join(gained)} replaced the {' and '.join(lost)}")
    elif gained:
        parts.append(f"{' and '.join(gained)} added")
    elif lost:
        parts.append(f"{' and '.join(lost)} no longer available")
    return "; ".join(parts + changed)


def _rank(method: str) -> int:
    order = [m.value for m in Method]
    return order.index(method) if method in order else len(order)


@dataclass(frozen=True)
class ParetoRow:
    key: str
    label: str
    t_co2e: float
    share: float
    cumulative_share: float
    in_hotspot: bool


def pareto(items: Sequence[tuple[str, str, float]], *, cutoff_share: float) -> list[ParetoRow]:
    """Rank ``(key, label, t_co2e)`` by emissions with their cumulative share.

    ``in_hotspot`` marks the smallest leading set whose cumulative share reaches
    ``cutoff_share`` (e.g. 0.67: where supplier engagement starts).
    """
    ranked = sorted((i for i in items if i[2] > 0), key=lambda i: (-i[2], i[0]))
    total = sum(i[2] for i in ranked)
    rows: list[ParetoRow] = []
    cumulative = 0.0
    reached = False
    for key, label, value in ranked:
        share = value / total if total else 0.0
        cumulative += share
        rows.append(
            ParetoRow(
                key, label, value, round(share, 6), round(min(cumulative, 1.0), 6), not reached
            )
        )
        reached = reached or cumulative >= cutoff_share - 1e-12
    return rows

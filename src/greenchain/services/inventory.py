"""Use cases of the accounting core: calculate an inventory, read reports and hotspots."""

from __future__ import annotations

import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from greenchain.domain.errors import (
    InvalidDataError,
    NotFoundError,
    UnsupportedConversionError,
)
from greenchain.domain.ghg import GwpSet
from greenchain.domain.inventory import (
    InventoryReport,
    ParetoRow,
    RejectedLines,
    Restatement,
    SupplierTotal,
    build_report,
    compare_runs,
    pareto,
    readable,
)
from greenchain.services import factor_maps
from greenchain.services.context import Context
from greenchain.services.custom_factors import CustomFactors
from greenchain.services.factor_maps import factor_gas_columns

EEIO_SET = "epa-supply-chain-v1.3"


def _year_rates(ctx: Context, currencies: set[str], year: int) -> dict[str, float]:
    """USD per unit of each of ``currencies`` with reference rates in ``year`` (others are left
    out, so lines in them are reported as rejected with the reason)."""
    rates: dict[str, float] = {}
    for currency in sorted(currencies & ctx.conversions.currencies()):
        try:
            rates[currency] = ctx.conversions.usd_per_unit(currency, year)
        except UnsupportedConversionError:
            continue
    return rates


def _refuse_negative_net_spend(suppliers: list[SupplierTotal], year: int) -> None:
    """Credit notes (negative amounts) reduce their supplier's spend; more credit than
    purchases in a year is an error in the data (a credit note dated in another year than its
    purchase, or a sign slip), not negative emissions."""
    negative = [s for s in suppliers if s.spend_usd < 0]
    if negative:
        shown = ", ".join(
            f"{s.supplier_id} ({s.name}: {readable(s.spend_usd)} USD)"
            if s.name
            else f"{s.supplier_id} ({readable(s.spend_usd)} USD)"
            for s in negative[:5]
        )
        more = f" and {len(negative) - 5} more" if len(negative) > 5 else ""
        raise InvalidDataError(
            f"net spend below zero in {year} for supplier {shown}{more}: its credit notes "
            "exceed its purchases of the year; date each credit note in the year of its "
            "purchase, or correct the amounts"
        )


def calculate_inventory(
    ctx: Context, org_slug: str, year: int, gwp_set: GwpSet = GwpSet.AR5
) -> InventoryReport:
    """Calculate and store the inventory of ``org_slug`` for reporting ``year``.

    Each purchase line gets the best available method (product-level, supplier-specific,
    spend-based); each activity line the average-data method. The run is stored immutably
    with its lines; differences from the previous run are recorded as restatements.
    """
    ws = ctx.workspace
    org = ws.get_org(org_slug)
    max_age = ctx.settings_supplier_data_max_age_years
    inputs = ws.load_calculation_inputs(org.id, year, max_age)
    if all(ctx.engine.row_count(inputs[k]) == 0 for k in ("purchases", "activities")):
        raise NotFoundError(
            f"no purchase lines or activity data dated {year} for '{org_slug}'; import them first"
        )
    eeio_info, eeio_factors = ws.get_factor_set(EEIO_SET)
    factor_year = eeio_info.price_year or year
    cpi_factor, _ = ctx.conversions.cpi_index(factor_year)
    cpi_spend, cpi_year = ctx.conversions.cpi_index(year)
    spend_note = (
        f"spend x mean {year} FX to USD x CPI-U {factor_year}/{cpi_year} "
        f"({cpi_factor:g}/{cpi_spend:g}) x EPA factor with margins"
    )
    if cpi_year != year:
        spend_note += f"; CPI-U {year} not yet published, {cpi_year} used"
    fx = _year_rates(ctx, ctx.engine.distinct_currencies(inputs), year)
    imported = sorted({str(r["currency"]) for r in ctx.conversions.imported_rates(year)} & set(fx))
    if imported:
        spend_note += "; " + "; ".join(
            f"{c} {ctx.conversions.rate_source(c, year)}" for c in imported
        )
    fx_monthly = {k: v for k, v in ctx.conversions.monthly_rates(year).items() if k[0] in fx}
    eeio = [
        {"naics_code": f.factor_id, **factor_gas_columns(f, gwp_set, eeio_info.gwp_basis)}
        for f in eeio_factors
    ]
    keys = ctx.engine.distinct_activities(inputs["activities"])
    custom = CustomFactors.load(ctx)  # the imported custom sets, read once for the run
    activity_map, activity_sets = factor_maps.activity_map(ctx, keys, gwp_set, year, custom)
    upstream_map, upstream_sets = factor_maps.upstream_map(ctx, activity_map, gwp_set, year)
    activity_sets |= upstream_sets
    residual_mix, residual_sets = factor_maps.residual_mix(ctx, activity_map, gwp_set, year, custom)
    activity_sets |= residual_sets
    regional_eeio, regional_sets = factor_maps.regional_eeio(ctx, gwp_set, year, custom)
    activity_sets |= regional_sets
    material_map, material_sets = factor_maps.material_map(
        ctx, ctx.engine.distinct_materials(inputs["purchases"]), gwp_set
    )
    activity_sets |= material_sets
    with (
        ctx.progress(f"Calculating {org_slug} {year} ({gwp_set.value})") as step,
        ThreadPoolExecutor(max_workers=1) as pool,
        ExitStack() as cleanup,
    ):
        digest = pool.submit(ctx.engine.digest, inputs)  # overlaps with the calculation
        result = ctx.engine.calculate(
            year=year,
            inputs=inputs,
            activity_map=activity_map,
            eeio=eeio,
            fx=fx,
            cpi_ratio=cpi_factor / cpi_spend,
            eeio_set_key=EEIO_SET,
            eeio_data_year=factor_year,
            spend_note=spend_note,
            supplier_data_max_age_years=max_age,
            fx_monthly=fx_monthly,
            upstream_map=upstream_map,
            residual_mix=residual_mix,
            material_map=material_map,
            regional_eeio=regional_eeio,
        )
        cleanup.callback(result.close)  # the lines' file, once stored (or refused)
        step("calculated")
        names = ws.supplier_names(org.id)
        suppliers = [
            SupplierTotal(
                s,
                round(kg / 1000.0, 6),
                m,
                names.get(s, ""),
                round(spend, 2),
                {method: round(part / 1000.0, 6) for method, part in parts.items()},
            )
            for s, kg, m, spend, parts in result.suppliers
        ]
        _refuse_negative_net_spend(suppliers, year)
        previous = ws.latest_run(org.id, year)
        restatements: list[Restatement] = []
        if previous is not None:
            before = InventoryReport.from_dict({**previous.summary, "run_id": previous.id})
            restatements = compare_runs(
                before.by_supplier, suppliers, previous_gwp=before.gwp, current_gwp=gwp_set.value
            )
        factor_sets = sorted({f"{eeio_info.key} {eeio_info.version}", *activity_sets})
        now = ctx.clock.now()
        report = build_report(
            org=org.slug,
            year=year,
            gwp=gwp_set.value,
            run_id=0,
            kg_by_scope=result.kg_by_scope,
            kg_by_category=result.kg_by_category,
            kg_by_category_method=result.kg_by_category_method,
            circularity=ctx.engine.circularity(inputs.get("take_back")),
            exclusions=[
                (int(e["category"]), str(e["reason"]))
                for e in (ctx.exclusions.of_year(org.id, year) if ctx.exclusions else [])
            ],
            kg_by_method=result.kg_by_method,
            kg_by_gas=result.kg_by_gas,
            suppliers=suppliers,
            primary_scope3_kg=result.primary_scope3_kg,
            data_quality_score=result.data_quality_score,
            lines=result.line_count,
            rejected_lines=ctx.engine.row_count(result.rejected),
            factor_sets=factor_sets,
            restatements=restatements,
            previous_run_id=previous.id if previous else None,
            created_at=now.isoformat(timespec="seconds"),
            electricity_mwh=result.electricity_mwh,
            instrument_mwh=result.instrument_mwh,
            scope1_regulated_ets_kg=result.scope1_regulated_ets_kg,
            biogenic_co2_kg=result.biogenic_co2_kg,
            fuel_energy_mwh=result.fuel_energy_mwh,
            kg_by_scope_gas=result.kg_by_scope_gas,
            rejected=[
                RejectedLines(reason, n, round(amount, 6), unit, ids)
                for reason, n, amount, unit, ids in result.rejected_summary
            ],
        )
        summary = report.to_dict()
        summary.pop("run_id")
        record_entry = None
        if ctx.ledger is not None:
            from greenchain.services import ledger

            def record_entry(transaction: object, run_id: int) -> object:
                return ledger.record(
                    ctx,
                    org.id,
                    org.slug,
                    "calculation_run",
                    {
                        "run_id": run_id,
                        "year": year,
                        "gwp": gwp_set.value,
                        "total_t_co2e": report.total_t_co2e,
                        "factor_sets": factor_sets,
                    },
                    row=("calculation_runs", run_id),
                    within=transaction,
                )

        run_id = ws.save_run(
            org_id=org.id,
            year=year,
            gwp_set=gwp_set.value,
            previous_run_id=previous.id if previous else None,
            inputs_sha256=digest.result(),
            factor_sets=factor_sets,
            summary=summary,
            lines=result.lines,
            rejected=result.rejected,
            restatements=[r.__dict__ for r in restatements],
            now=now,
            then=record_entry,
        )
        step("stored and recorded in the ledger")
    return InventoryReport.from_dict({**summary, "run_id": run_id})


def get_inventory_report(
    ctx: Context, org_slug: str, year: int, run_id: int | None = None
) -> InventoryReport:
    """The stored report of a run (the latest of the year unless ``run_id`` is given)."""
    ws = ctx.workspace
    org = ws.get_org(org_slug)
    chosen = run_id if run_id is not None else ws.latest_run_id(org.id, year)
    if chosen is None:
        raise NotFoundError(
            f"no calculation run for '{org_slug}' {year}: calculate the year first (the Runs "
            f"page, or 'greenchain calc --org {org_slug} --year {year}')"
        )
    run = ws.get_run(org.id, chosen)
    return InventoryReport.from_dict({**run.summary, "run_id": run.id})


#: Serialised reports per workspace, by (organisation id, run id).
_REPORT_JSON: WeakKeyDictionary[Any, dict[tuple[int, int], bytes]] = WeakKeyDictionary()


def get_inventory_json(
    ctx: Context, org_slug: str, year: int, run_id: int | None = None
) -> tuple[int, bytes]:
    """The report as JSON bytes (run id, body). Runs are immutable, so the serialised form
    of each is kept (a few dozen per process) and served without rebuilding it."""
    ws = ctx.workspace
    org = ws.get_org(org_slug)
    chosen = run_id if run_id is not None else ws.latest_run_id(org.id, year)
    cache = _REPORT_JSON.setdefault(ws, {})
    cached = cache.get((org.id, chosen)) if chosen is not None else None
    if cached is not None and chosen is not None:
        return chosen, cached
    report = get_inventory_report(ctx, org_slug, year, chosen)
    body = json.dumps(report.to_dict()).encode()
    if len(cache) >= 64:
        cache.pop(next(iter(cache)))
    cache[(org.id, report.run_id)] = body
    return report.run_id, body


def get_run_lines(ctx: Context, org_slug: str, run_id: int, with_rejected: bool = False) -> Any:
    """The result lines of a run; ``with_rejected``: and after them the input lines that were
    not calculated, each with its ``reject_reason``."""
    org = ctx.workspace.get_org(org_slug)
    return ctx.workspace.run_lines(org.id, run_id, with_rejected)


@dataclass(frozen=True)
class Hotspots:
    report: InventoryReport
    suppliers: list[ParetoRow]
    categories: list[ParetoRow]
    cutoff_share: float

    @property
    def engagement_set(self) -> list[ParetoRow]:
        return [r for r in self.suppliers if r.in_hotspot]

    def to_dict(self, top: int) -> dict[str, Any]:
        """The JSON form the CLI (``hotspots --format json``) and the API share."""
        return {
            "org": self.report.org,
            "year": self.report.year,
            "cutoff_share": self.cutoff_share,
            "engagement_suppliers": len(self.engagement_set),
            "suppliers": [r.__dict__ for r in self.suppliers[:top]],
            "categories": [r.__dict__ for r in self.categories],
        }


def get_hotspots(
    ctx: Context, org_slug: str, year: int, cutoff_share: float | None = None
) -> Hotspots:
    """Pareto of Scope 3 by supplier and by category; the suppliers covering ``cutoff_share``."""
    report = get_inventory_report(ctx, org_slug, year)
    cutoff = cutoff_share if cutoff_share is not None else ctx.settings_hotspot_share
    from greenchain.domain.inventory import SCOPE3_CATEGORY_NAMES

    suppliers = pareto(
        [(s.supplier_id, s.name, s.t_co2e) for s in report.by_supplier], cutoff_share=cutoff
    )
    categories = pareto(
        [(k, SCOPE3_CATEGORY_NAMES[int(k)], v) for k, v in report.by_category.items()],
        cutoff_share=cutoff,
    )
    return Hotspots(report, suppliers, categories, cutoff)


def summarise_restatements(report: InventoryReport) -> Mapping[str, int]:
    counts: dict[str, int] = {}
    for r in report.restatements:
        counts[r.reason] = counts.get(r.reason, 0) + 1
    return counts

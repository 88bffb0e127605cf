"""The factor library's kept factors: read once per import of a set, read anew after another."""

from __future__ import annotations

import datetime as dt

from greenchain.adapters.db.workspace import SqlWorkspace
from greenchain.domain.factors import EmissionFactor, FactorKind, FactorSetData, FactorSetInfo
from greenchain.domain.ghg import GwpSet
from greenchain.services.context import Context

NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def _set(kg: float) -> FactorSetData:
    info = FactorSetInfo(
        key="test-spend",
        name="Test spend factors",
        version="1",
        publisher="Test",
        source_url="https://example.org",
        licence="CC0",
        gwp_basis=GwpSet.AR5,
        currency="USD",
        price_year=2022,
    )
    factor = EmissionFactor(
        factor_id="331110",
        name="Iron and steel mills",
        unit="USD",
        kg_co2e_per_unit=kg,
        kind=FactorKind.EEIO,
        gases_kg_per_unit={"CO2": kg},
    )
    return FactorSetData(info, (factor,))


def _kg(ws: SqlWorkspace) -> float:
    return ws.get_factor_set("test-spend")[1][0].kg_co2e_per_unit


def test_a_factor_set_read_twice_gives_the_same_factors(ctx: Context):
    ws: SqlWorkspace = ctx.workspace  # type: ignore[assignment]
    ws.save_factor_set(_set(0.787), "a" * 64, NOW)
    first, second = ws.get_factor_set("test-spend"), ws.get_factor_set("test-spend")
    assert first == second
    assert _kg(ws) == 0.787


def test_a_factor_set_imported_again_is_read_anew_in_the_same_process(ctx: Context):
    ws: SqlWorkspace = ctx.workspace  # type: ignore[assignment]
    ws.save_factor_set(_set(0.787), "a" * 64, NOW)
    assert _kg(ws) == 0.787
    ws.save_factor_set(_set(0.9), "b" * 64, NOW + dt.timedelta(minutes=1))
    assert _kg(ws) == 0.9


def test_a_factor_set_imported_again_by_another_process_is_read_anew(ctx: Context):
    ws: SqlWorkspace = ctx.workspace  # type: ignore[assignment]
    ws.save_factor_set(_set(0.787), "a" * 64, NOW)
    assert _kg(ws) == 0.787  # kept by this workspace
    other = SqlWorkspace(ws.url, ws.lines)  # another process's workspace on the same database
    try:
        # the same file hash, a later import: what is kept is not used
        other.save_factor_set(_set(0.9), "a" * 64, NOW + dt.timedelta(minutes=1))
    finally:
        other.close()
    assert _kg(ws) == 0.9

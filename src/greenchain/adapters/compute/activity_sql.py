"""The SQL of the activity rows: average-data lines, location- and market-based Scope 2, the
use phase of sold products and the category 3 lines of fuel and electricity."""

from __future__ import annotations

from greenchain.adapters.compute.columns import GAS_COLS, MAX_YEAR_GAP, select_list


def key_join(alias: str) -> str:
    """Join condition of an activity row ``a`` and a map row on the activity key."""
    return (
        f"ON {alias}.activity = a.activity AND {alias}.country = a.country "
        f"AND {alias}.unit = a.unit AND {alias}.gas = COALESCE(a.gas, '') "
        f"AND {alias}.process = COALESCE(a.process, '') "
        f"AND {alias}.abatement = CAST(COALESCE(a.abatement, 0) AS DOUBLE) "
        f"AND {alias}.material = COALESCE(a.material, '') "
        f"AND {alias}.treatment = COALESCE(a.treatment, '')"
    )


def _plain(column: str) -> str:
    """SQL text of a number without a trailing '.0' (12.0 -> 12, 2.5 -> 2.5); Spark writes a
    double of 10 million or more (or below 0.001) in scientific notation, DuckDB does not."""
    return f"regexp_replace(CAST({column} AS VARCHAR), '\\.0$', '')"


def activity_sql(year: int) -> str:
    """One SELECT of the result lines of every activity row, in the columns ``WORK_COLUMNS``."""
    # a use-phase row (units sold) counts its lifetime kWh: units x kWh/year x years
    quantity = (
        "CAST(a.amount AS DOUBLE) * am.multiplier * CASE WHEN am.use_phase "
        "THEN COALESCE(a.kwh_per_unit_year * a.lifetime_years, 0) ELSE 1 END"
    )
    # electricity no instrument covers: at the market's residual mix where one is imported,
    # else at the location-based grid factor (GHG Protocol Scope 2 Guidance, 6.11)
    uncovered = {
        c: f"CASE WHEN rm.market IS NOT NULL "
        f"THEN e.mwh * 1000.0 * (1 - COALESCE(c.coverage, 0)) * rm.{c} "
        f"ELSE b.{c} * (1 - COALESCE(c.coverage, 0)) END"
        for c in GAS_COLS
    }
    rest = (
        "CASE WHEN rm.market IS NOT NULL THEN 'the residual mix of ' || rm.market || ' ('"
        " || rm.factor_set || ':' || rm.factor_id || ')' "
        "ELSE 'the location-based grid factor (no residual mix imported for ' "
        "|| e.market || ')' END"
    )
    base = {
        "source": "'activity'",
        "source_id": "a.activity_id",
        "supplier_id": "CASE WHEN am.scope = '3' THEN a.supplier_id END",
        "scope": "am.scope",
        "scope3_category": "CASE WHEN am.scope = '3' "
        "THEN COALESCE(a.scope3_category, am.scope3_category) END",
        "method": "CASE WHEN am.error IS NULL AND am.factor_id IS NOT NULL THEN 'average_data' END",
        "factor_set": "am.factor_set",
        "factor_id": "am.factor_id",
        "activity_amount": quantity,
        "activity_unit": "am.factor_unit",
        **{c: f"{quantity} * am.{c}" for c in GAS_COLS},
        "q_verified": "false",
        "q_region": "COALESCE(am.region_matches, false)",
        "q_partial": "false",
        "primary_kg_co2e": "0.0",
        "q_gap": f"least(abs({year} - COALESCE(am.factor_year, {year})), {MAX_YEAR_GAP})",
        "is_primary": "false",
        "input_amount": "CAST(a.amount AS DOUBLE)",
        "input_unit": "a.unit",
        "regulated_ets": "COALESCE(a.regulated_ets, false)",
        "kg_biogenic_co2": f"{quantity} * COALESCE(am.kg_biogenic_co2, 0)",
        "energy_group": "am.energy_group",
        "energy_mwh": "CAST(a.amount AS DOUBLE) * am.energy_mwh_per_unit",
        "note": f"""CASE WHEN am.use_phase THEN 'use phase: ' || {_plain("a.amount")} || ' units x '
                    || {_plain("a.kwh_per_unit_year")} || ' kWh a year x '
                    || {_plain("a.lifetime_years")}
                    || ' years of direct use-phase electricity at the grid factor of '
                    || a.country || ' (GHG Protocol Scope 3 Standard, category 11)'
                    WHEN a.supplier_id IS NOT NULL AND am.scope = '3' THEN concat_ws('; ',
                        am.note, 'supplier ' || a.supplier_id || '''s own activity: replaces '
                        || 'the estimate of its category '
                        || COALESCE(a.scope3_category, am.scope3_category) || ' purchase lines')
                    ELSE am.note END""",
        "reject_reason": """CASE WHEN am.error IS NULL AND am.factor_id IS NULL
                    THEN 'no factor for activity ' || a.activity
                    WHEN am.error IS NULL AND am.scope = '3' AND a.scope3_category IS NULL
                         AND am.scope3_category IS NULL THEN am.category_error
                    WHEN am.error IS NULL AND am.use_phase AND a.kwh_per_unit_year IS NULL
                         THEN a.activity || ' needs kwh_per_unit_year and lifetime_years'
                    ELSE am.error END""",
    }
    # every row once (Scope 2 as its location-based line) ...
    location = {name: name for name in base} | {
        "scope": "CASE WHEN scope = '2' THEN '2_location' ELSE scope END"
    }
    # ... electricity once more, market-based ...
    market = {name: f"b.{name}" for name in base} | {
        "scope": "'2_market'",
        **uncovered,
        "note": f"""CASE WHEN c.coverage IS NULL THEN
               'market-based: no contractual instruments recorded; all of it at ' || {rest}
               || ' (GHG Protocol Scope 2 Guidance, 6.11)'
           ELSE
               'market-based: contractual instruments (REC, GO, I-REC, PPA) of '
               || round(c.instrument_mwh, 1) || ' MWh cover ' || round(c.coverage * 100, 1)
               || ' % of the year''s electricity in ' || c.market
               || '; the rest at ' || {rest}
           END""",
        "electricity_mwh": "e.mwh",
        "covered_mwh": "e.mwh * COALESCE(c.coverage, 0)",
    }
    # ... and the category 3 parts of fuel and electricity
    upstream = {
        "source": "'upstream'",
        "source_id": "a.activity_id || '#' || um.part",
        "scope": "'3'",
        "scope3_category": "3",
        "method": "'average_data'",
        "factor_set": "um.factor_set",
        "factor_id": "um.factor_id",
        "activity_amount": "CAST(a.amount AS DOUBLE) * um.multiplier",
        "activity_unit": "um.factor_unit",
        **{c: f"a.amount * um.multiplier * um.{c}" for c in GAS_COLS},
        "q_verified": "false",
        "q_region": "um.region_matches",
        "q_partial": "false",
        "primary_kg_co2e": "0.0",
        "q_gap": f"least(abs({year} - COALESCE(um.factor_year, {year})), {MAX_YEAR_GAP})",
        "is_primary": "false",
        "input_amount": "CAST(a.amount AS DOUBLE)",
        "input_unit": "a.unit",
        "note": "um.note",
        "regulated_ets": "false",
        "kg_biogenic_co2": "0.0",
    }

    first, last = f"DATE '{year}-01-01'", f"DATE '{year}-12-31'"
    return f"""
    WITH base AS (
        SELECT {select_list(base, complete=False)}
        FROM activities a
        LEFT JOIN activity_map am {key_join("am")}
    ),
    electricity AS (
        SELECT b.source_id, upper(left(a.country, 2)) AS market,
               CASE b.activity_unit WHEN 'MWh' THEN b.activity_amount
                                    WHEN 'kWh' THEN b.activity_amount / 1000.0
                                    WHEN 'GWh' THEN b.activity_amount * 1000.0 END AS mwh
        FROM base b JOIN activities a ON a.activity_id = b.source_id
        WHERE b.scope = '2' AND b.reject_reason IS NULL
    ),
    markets AS (
        SELECT e.market, sum(e.mwh) AS mwh, COALESCE(max(i.mwh), 0) AS instrument_mwh
        FROM electricity e
        LEFT JOIN (
            SELECT upper(country) AS market,
                   sum(mwh * greatest(0, date_diff('day', greatest(period_start, {first}),
                                                    least(period_end, {last})) + 1)
                       / greatest(1, date_diff('day', period_start, period_end) + 1)) AS mwh
            FROM instruments GROUP BY 1
        ) i ON i.market = e.market
        GROUP BY 1
    ),
    coverage AS (
        SELECT e.source_id, m.market, m.instrument_mwh,
               least(1.0, m.instrument_mwh / nullif(m.mwh, 0)) AS coverage
        FROM electricity e JOIN markets m ON m.market = e.market
        WHERE m.instrument_mwh > 0
    )
    SELECT {select_list(location)}
    FROM base
    UNION ALL
    SELECT {select_list(market)}
    FROM base b
    LEFT JOIN coverage c ON c.source_id = b.source_id
    LEFT JOIN electricity e ON e.source_id = b.source_id
    LEFT JOIN residual rm ON rm.market = e.market
    WHERE b.scope = '2'
    UNION ALL
    SELECT {select_list(upstream)}
    FROM activities a
    JOIN activity_map am {key_join("am")}
    JOIN upstream_map um {key_join("um")}
    WHERE am.error IS NULL AND am.factor_id IS NOT NULL
    """

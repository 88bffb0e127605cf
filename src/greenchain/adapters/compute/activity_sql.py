"""The SQL of the activity rows: average-data lines, location- and market-based Scope 2, the
use phase of sold products and the category 3 lines of fuel and electricity."""

from __future__ import annotations

from greenchain.adapters.compute.columns import GAS_COLS, MAX_YEAR_GAP


def key_join(alias: str) -> str:
    """Join condition of an activity row ``a`` and a map row on the activity key."""
    return (
        f"ON {alias}.activity = a.activity AND {alias}.country = a.country "
        f"AND {alias}.unit = a.unit AND {alias}.gas = COALESCE(a.gas, '') "
        f"AND {alias}.process = COALESCE(a.process, '') "
        f"AND {alias}.abatement = COALESCE(a.abatement, 0)::DOUBLE "
        f"AND {alias}.material = COALESCE(a.material, '') "
        f"AND {alias}.treatment = COALESCE(a.treatment, '')"
    )


def _plain(column: str) -> str:
    """SQL text of a number without a trailing '.0' (12.0 -> 12, 2.5 -> 2.5)."""
    return f"regexp_replace(CAST({column} AS VARCHAR), '\\.0$', '')"


def activity_sql(year: int) -> str:
    # a use-phase row (units sold) counts its lifetime kWh: units x kWh/year x years
    quantity = (
        "a.amount::DOUBLE * am.multiplier * CASE WHEN am.use_phase "
        "THEN COALESCE(a.kwh_per_unit_year * a.lifetime_years, 0) ELSE 1 END"
    )
    gases = ", ".join(f"{quantity} * am.{c} AS {c}" for c in GAS_COLS)
    # electricity no instrument covers: at the market's residual mix where one is imported,
    # else at the location-based grid factor (GHG Protocol Scope 2 Guidance, 6.11)
    uncovered = ", ".join(
        f"CASE WHEN rm.market IS NOT NULL "
        f"THEN e.mwh * 1000.0 * (1 - COALESCE(c.coverage, 0)) * rm.{c} "
        f"ELSE b.{c} * (1 - COALESCE(c.coverage, 0)) END AS {c}"
        for c in GAS_COLS
    )
    rest = (
        "CASE WHEN rm.market IS NOT NULL THEN 'the residual mix of ' || rm.market || ' ('"
        " || rm.factor_set || ':' || rm.factor_id || ')' "
        "ELSE 'the location-based grid factor (no residual mix imported for ' "
        "|| e.market || ')' END"
    )
    upstream_gases = ", ".join(f"a.amount * um.multiplier * um.{c} AS {c}" for c in GAS_COLS)

    first, last = f"DATE '{year}-01-01'", f"DATE '{year}-12-31'"
    return f"""
    CREATE TEMP TABLE activity_results AS
    WITH base AS (
        SELECT 'activity' AS source, a.activity_id AS source_id,
               CASE WHEN am.scope = '3' THEN a.supplier_id END AS supplier_id,
               am.scope AS scope,
               CASE WHEN am.scope = '3' THEN COALESCE(a.scope3_category, am.scope3_category) END
                   AS scope3_category,
               CASE WHEN am.error IS NULL AND am.factor_id IS NOT NULL THEN 'average_data' END
                   AS method,
               am.factor_set, am.factor_id,
               {quantity} AS activity_amount, am.factor_unit AS activity_unit,
               NULL::DOUBLE AS fx_usd_per_unit, NULL::DOUBLE AS cpi_ratio, {gases},
               false AS q_verified, COALESCE(am.region_matches, false) AS q_region,
               false AS q_partial, 0.0 AS primary_kg_co2e,
               least(abs({year} - COALESCE(am.factor_year, {year})), {MAX_YEAR_GAP}) AS q_gap,
               false AS is_primary, a.amount::DOUBLE AS input_amount, a.unit AS input_unit,
               COALESCE(a.regulated_ets, false) AS regulated_ets,
               {quantity} * COALESCE(am.kg_biogenic_co2, 0) AS kg_biogenic_co2,
               am.energy_group, a.amount::DOUBLE * am.energy_mwh_per_unit AS energy_mwh,
               CASE WHEN am.use_phase THEN 'use phase: ' || {_plain("a.amount")} || ' units x '
                    || {_plain("a.kwh_per_unit_year")} || ' kWh a year x '
                    || {_plain("a.lifetime_years")}
                    || ' years of direct use-phase electricity at the grid factor of '
                    || a.country || ' (GHG Protocol Scope 3 Standard, category 11)'
                    WHEN a.supplier_id IS NOT NULL AND am.scope = '3' THEN concat_ws('; ',
                        am.note, 'supplier ' || a.supplier_id || '''s own activity: replaces '
                        || 'the estimate of its category '
                        || COALESCE(a.scope3_category, am.scope3_category) || ' purchase lines')
                    ELSE am.note END AS note,
               CASE WHEN am.error IS NULL AND am.factor_id IS NULL
                    THEN 'no factor for activity ' || a.activity
                    WHEN am.error IS NULL AND am.scope = '3' AND a.scope3_category IS NULL
                         AND am.scope3_category IS NULL THEN am.category_error
                    WHEN am.error IS NULL AND am.use_phase AND a.kwh_per_unit_year IS NULL
                         THEN a.activity || ' needs kwh_per_unit_year and lifetime_years'
                    ELSE am.error END
                   AS reject_reason
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
        FROM electricity e JOIN markets m USING (market)
        WHERE m.instrument_mwh > 0
    )
    SELECT * REPLACE (CASE WHEN scope = '2' THEN '2_location' ELSE scope END AS scope),
           NULL::DOUBLE AS electricity_mwh, NULL::DOUBLE AS covered_mwh
    FROM base
    UNION ALL
    SELECT b.* REPLACE ('2_market' AS scope, {uncovered},
           CASE WHEN c.coverage IS NULL THEN
               'market-based: no contractual instruments recorded; all of it at ' || {rest}
               || ' (GHG Protocol Scope 2 Guidance, 6.11)'
           ELSE
               'market-based: contractual instruments (REC, GO, I-REC, PPA) of '
               || round(c.instrument_mwh, 1) || ' MWh cover ' || round(c.coverage * 100, 1)
               || ' % of the year''s electricity in ' || c.market
               || '; the rest at ' || {rest}
           END AS note),
           e.mwh AS electricity_mwh, e.mwh * COALESCE(c.coverage, 0) AS covered_mwh
    FROM base b
    LEFT JOIN coverage c ON c.source_id = b.source_id
    LEFT JOIN electricity e ON e.source_id = b.source_id
    LEFT JOIN residual rm ON rm.market = e.market
    WHERE b.scope = '2'
    UNION ALL BY NAME
    SELECT 'upstream' AS source, a.activity_id || '#' || um.part AS source_id,
           NULL::VARCHAR AS supplier_id, '3' AS scope, 3 AS scope3_category,
           'average_data' AS method, um.factor_set, um.factor_id,
           a.amount::DOUBLE * um.multiplier AS activity_amount, um.factor_unit AS activity_unit,
           NULL::DOUBLE AS fx_usd_per_unit, NULL::DOUBLE AS cpi_ratio, {upstream_gases},
           false AS q_verified, um.region_matches AS q_region, false AS q_partial,
           0.0 AS primary_kg_co2e,
           least(abs({year} - COALESCE(um.factor_year, {year})), {MAX_YEAR_GAP}) AS q_gap,
           false AS is_primary, a.amount::DOUBLE AS input_amount, a.unit AS input_unit,
           um.note AS note, NULL::VARCHAR AS reject_reason, false AS regulated_ets,
           0.0 AS kg_biogenic_co2,
           NULL::DOUBLE AS electricity_mwh, NULL::DOUBLE AS covered_mwh
    FROM activities a
    JOIN activity_map am {key_join("am")}
    JOIN upstream_map um {key_join("um")}
    WHERE am.error IS NULL AND am.factor_id IS NOT NULL
    """

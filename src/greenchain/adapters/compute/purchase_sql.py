"""The SQL of the purchase lines: the method hierarchy (product-level, supplier-specific,
average-data by material, spend-based with the hybrid upstream fill) over all lines at once."""

from __future__ import annotations

from greenchain.adapters.compute.activity_sql import key_join
from greenchain.adapters.compute.columns import (
    DQ_COLUMNS,
    GAS_COLS,
    MAX_YEAR_GAP,
    WORK_COLUMNS,
    select_list,
)

#: The columns of a purchase line's result (``r`` below); the others of ``WORK_COLUMNS`` are NULL
_R_COLUMNS = (
    "source",
    "source_id",
    "supplier_id",
    "scope",
    "scope3_category",
    "method",
    "factor_set",
    "factor_id",
    "activity_amount",
    "activity_unit",
    "fx_usd_per_unit",
    "spend_usd",
    "cpi_ratio",
    *GAS_COLS,
    "primary_kg_co2e",
    "q_verified",
    "q_region",
    "q_partial",
    "q_gap",
    "is_primary",
    *(f"pf_{d}" for d in DQ_COLUMNS),
    "input_amount",
    "input_unit",
    "note",
    "reject_reason",
)


def _pact_ratings() -> str:
    """The data quality ratings a product footprint declares (PACT v3 ``dqi``: DQRs from 1 best
    to 3, PACT Methodology table 9) on this model's scale of 1 best to 5 (GHG Protocol Scope 3
    Standard table 7.6), linearly: 1 -> 1, 2 -> 3, 3 -> 5; NULL where not declared."""
    return ", ".join(
        f"CAST(CASE WHEN pf.dqr_{d.removeprefix('dq_')} IS NOT NULL THEN least(5, greatest(1, "
        f"round(1 + (pf.dqr_{d.removeprefix('dq_')} - 1) * 2))) END AS INTEGER) AS pf_{d}"
        for d in DQ_COLUMNS
    )


def purchase_sql(
    year: int,
    cpi_ratio: float,
    eeio_key: str,
    eeio_year: int,
    spend_note: str,
    max_age: int = 0,
    monthly_fx: bool = False,
) -> str:
    note = spend_note.replace("'", "''")
    e_total = "nullif(" + " + ".join(f"e_{c}" for c in GAS_COLS) + ", 0)"
    spend_gases = ", ".join(
        f"CASE WHEN method = 'spend_based' THEN spend_fusd * e_{c} "
        f"WHEN method = 'supplier_specific' THEN upstream_fill_kg * e_{c} / ({e_total}) "
        f"WHEN method = 'average_data' THEN quantity * mat_{c} "
        f"ELSE 0 END AS {c}"
        for c in GAS_COLS[:-1]
    )
    # a line replaced by its supplier's own activity counts 0 here
    final = {name: name for name in WORK_COLUMNS if name in _R_COLUMNS} | {
        c: f"CASE WHEN replaced_by IS NULL THEN {c} ELSE 0 END"
        for c in (*GAS_COLS, "primary_kg_co2e")
    }
    lines = _lines_sql(year, cpi_ratio, max_age, monthly_fx)
    return f"""
    {lines},
    mr AS (
        -- an allocation by the supplier is spread over its supplier-specific lines by spend
        SELECT m.*,
               CASE WHEN supplier_allocated_kg IS NOT NULL AND method = 'supplier_specific'
                    THEN supplier_allocated_kg * amount * fx_rate / nullif(al.spend_usd, 0)
                    ELSE revenue_allocated_kg END AS allocated_kg,
               rp.activity_ids AS replaced_by
        FROM m LEFT JOIN allocation_spend al ON al.supplier_id = m.supplier_id
        LEFT JOIN replaced rp
               ON rp.supplier_id = m.supplier_id AND rp.category = m.scope3_category
              AND m.method IN ('spend_based', 'supplier_specific')
    ),
    h AS (
        -- Hybrid (GHG Protocol Scope 3 Calculation Guidance, ch. 1, category 1): a supplier's
        -- reported Scope 1 + 2 allocated by spend / revenue is primary; an upstream Scope 3 it
        -- did not report is filled with a secondary estimate, the line's spend-based EEIO
        -- cradle-to-gate emissions less the supplier's own (what the sector's supply chain adds
        -- before the supplier's gate), split by gas like the EEIO factor.
        SELECT mr.*,
               CASE WHEN method = 'supplier_specific' AND upstream_missing
                    -- a credit note (negative spend) takes back the fill of its amount
                    THEN sign(spend_fusd) * greatest(
                        abs(COALESCE(spend_fusd * ({e_total}), 0)) - abs(allocated_kg), 0)
                    ELSE 0 END
                   AS upstream_fill_kg
        FROM mr
    ),
    r AS (
        SELECT 'purchase' AS source, line_id AS source_id, supplier_id, '3' AS scope,
               scope3_category, method,
               CASE method WHEN 'spend_based' THEN COALESCE(reg_set, '{eeio_key}')
                           WHEN 'average_data' THEN mat_set END AS factor_set,
               CASE method WHEN 'spend_based' THEN COALESCE(reg_id, naics_code)
                           WHEN 'average_data' THEN mat_id
                           WHEN 'product_level' THEN product_id END AS factor_id,
               CASE WHEN method IN ('product_level', 'average_data') THEN quantity
                    ELSE amount END AS activity_amount,
               CASE WHEN method IN ('product_level', 'average_data') THEN unit
                    ELSE currency END AS activity_unit,
               fx_rate AS fx_usd_per_unit, amount * fx_rate AS spend_usd,
               CASE method WHEN 'spend_based' THEN COALESCE(reg_cpi, {cpi_ratio!r})
               END AS cpi_ratio,
               {spend_gases},
               CASE method
                   WHEN 'product_level' THEN quantity * pcf
                   WHEN 'supplier_specific'
                        THEN allocated_kg
                             + COALESCE(upstream_fill_kg * e_kg_unspecified / ({e_total}), 0)
                   WHEN 'spend_based' THEN spend_fusd * e_kg_unspecified
                   WHEN 'average_data' THEN quantity * mat_kg_unspecified
                   ELSE 0 END AS kg_unspecified,
               CASE method WHEN 'product_level'
                                THEN quantity * pcf * COALESCE(pcf_primary_share, 1.0)
                           WHEN 'supplier_specific' THEN allocated_kg
                           ELSE 0 END AS primary_kg_co2e,
               CASE method WHEN 'product_level' THEN pcf_verified
                           WHEN 'supplier_specific' THEN sd_verified ELSE false END AS q_verified,
               CASE method WHEN 'spend_based' THEN supplier_country = 'US' OR reg_id IS NOT NULL
                           WHEN 'average_data' THEN supplier_country = 'GB' ELSE true END
                   AS q_region,
               method = 'supplier_specific' AND upstream_missing AS q_partial,
               least(greatest(CASE method
                   WHEN 'product_level' THEN abs({year} - COALESCE(pcf_year, {year}))
                   WHEN 'supplier_specific' THEN {year} - data_year
                   WHEN 'average_data' THEN abs({year} - COALESCE(mat_year, {year}))
                   ELSE abs({year} - COALESCE(reg_year, {eeio_year})) END, 0), {MAX_YEAR_GAP})
                   AS q_gap,
               method IN ('product_level', 'supplier_specific') AS is_primary,
               {", ".join(f"pf_{d}" for d in DQ_COLUMNS)},
               CASE method
                   WHEN 'spend_based' THEN CASE WHEN reg_id IS NULL THEN '{note}' ELSE
                        'spend x mean {year} FX to USD x CPI-U ' || reg_year || '/{year} x the '
                        || 'regional spend-based factor of ' || supplier_country || ' for NAICS '
                        || naics_code || ' (' || reg_set || ':' || reg_id || ')' END
                   WHEN 'supplier_specific' THEN CASE
                        WHEN supplier_allocated_kg IS NOT NULL THEN
                        'the supplier''s own allocation of its emissions to you (CDP SC1.1), '
                        || 'spread over its lines by spend'
                        || CASE WHEN upstream_missing THEN '; upstream scope 3 not included, '
                           || 'filled with the spend-based EEIO cradle-to-gate estimate of the '
                           || 'line less the supplier''s own (secondary)' ELSE '' END
                        WHEN upstream_missing THEN
                        'hybrid: supplier scope 1 + 2 market allocated by spend / supplier '
                        || 'revenue (primary); upstream scope 3 not reported, filled with the '
                        || 'spend-based EEIO cradle-to-gate estimate of the line less the '
                        || 'supplier''s own (secondary; GHG Protocol Scope 3 Calculation '
                        || 'Guidance ch. 1, hybrid method)'
                        ELSE 'allocated by spend / supplier revenue '
                        || '(scope 1 + 2 market + reported upstream scope 3)' END
                        || CASE WHEN data_year < {year} THEN '; supplier data of '
                           || data_year || ' (' || ({year} - data_year) || ' year(s) before '
                           || 'the reporting year, none reported for {year}; temporal '
                           || 'rating lowered)' ELSE '' END
                   WHEN 'average_data' THEN 'quantity x DEFRA 2025 material-use factor (primary '
                        || 'material production, cradle-to-gate) of ' || material
                   WHEN 'product_level' THEN 'quantity x product footprint'
                        || CASE WHEN pcf_primary_share IS NOT NULL THEN '; primary data '
                           || round(pcf_primary_share * 100, 1) || ' % of it (PACT '
                           || 'primaryDataShare)' ELSE '' END
                        || CASE WHEN pf_dq_technological IS NOT NULL
                                  OR pf_dq_reliability IS NOT NULL
                           THEN '; data quality from the footprint''s PACT DQRs' ELSE '' END
                   WHEN NULL THEN NULL END
                   || CASE WHEN amount < 0 THEN '; credit note: the negative amount reduces '
                      || 'the spend and emissions of its supplier and category' ELSE '' END
                   || CASE WHEN mat_error IS NOT NULL AND method = 'spend_based'
                      THEN '; material not used: ' || mat_error ELSE '' END
                   || CASE WHEN replaced_by IS NOT NULL
                      THEN '; replaced by the supplier''s activity data (' || replaced_by
                      || ', same category): counted there, 0 here' ELSE '' END
                   AS note,
               replaced_by,
               amount AS input_amount, currency AS input_unit,
               CASE WHEN method IS NULL THEN
                   CASE WHEN fx_rate IS NULL THEN 'no exchange rate for ' || currency
                            || ' in {year}; import one with ''greenchain fx import'''
                        ELSE 'no spend-based factor for NAICS ' || naics_code END
               END AS reject_reason
        FROM h
    )
    SELECT {select_list(final)} FROM r
    """


def _lines_sql(year: int, cpi_ratio: float, max_age: int, monthly_fx: bool) -> str:
    """The CTEs up to ``m``: each purchase line with what decides its method (its supplier's
    report, product footprint, factors, material) and the method. Read by the calculation of
    the lines and by :func:`allocation_sql`."""
    fx_rate, fx_month_join = "fx.usd_per_unit", ""
    if monthly_fx:
        fx_rate = "COALESCE(fm.usd_per_unit, fx.usd_per_unit)"
        fx_month_join = (
            "\n        LEFT JOIN fx_month fm ON fm.currency = p.currency AND fm.month = p.month"
        )
    return f"""    WITH p AS (
        SELECT p.line_id, p.supplier_id, CAST(p.amount AS DOUBLE) AS amount, p.currency,
               p.naics_code, CAST(p.scope3_category AS INTEGER) AS scope3_category,
               CAST(p.quantity AS DOUBLE) AS quantity, p.unit, p.product_id, p.material,
               s.country AS supplier_country, {fx_rate} AS fx_rate
        FROM purchases p
        LEFT JOIN suppliers s ON s.supplier_id = p.supplier_id
        LEFT JOIN fx ON fx.currency = p.currency{fx_month_join}
    ),
    -- the supplier's latest report of the years considered
    sd AS (
        SELECT * FROM (
        SELECT d.supplier_id, d.revenue * fx.usd_per_unit AS revenue_usd,
               (d.scope1_t + d.scope2_market_t + COALESCE(d.scope3_upstream_t, 0)) * 1000.0
                   AS supplier_kg,
               -- the supplier's own allocation to this buyer replaces spend / revenue; the
               -- upstream it did not include is filled like an unreported one
               CASE WHEN d.allocated_t IS NOT NULL
                    THEN NOT COALESCE(d.allocation_includes_upstream, false)
                    ELSE d.scope3_upstream_t IS NULL END AS upstream_missing,
               d.allocated_t * 1000.0 AS supplier_allocated_kg,
               CAST(d.verified AS BOOLEAN) AS verified, d.year AS data_year,
               row_number() OVER (PARTITION BY d.supplier_id ORDER BY d.year DESC) AS latest
        FROM supplier_data d JOIN fx ON fx.currency = d.currency
        WHERE d.year BETWEEN {year - max_age} AND {year}
        ) d WHERE latest = 1
    ),
    e AS (SELECT naics_code, {", ".join(f"{c} AS e_{c}" for c in GAS_COLS)} FROM eeio),
    er AS (
        SELECT country, naics_code, factor_set AS reg_set, factor_id AS reg_id,
               factor_year AS reg_year, cpi_ratio AS reg_cpi,
               {", ".join(f"{c} AS er_{c}" for c in GAS_COLS)}
        FROM eeio_regional
    ),
    -- a supplier's own Scope 3 activity (its freight) replaces the estimate of its purchase
    -- lines of the same category
    replaced AS (
        SELECT a.supplier_id,
               CAST(COALESCE(a.scope3_category, am.scope3_category) AS INTEGER) AS category,
               string_agg(a.activity_id, ', ' ORDER BY a.activity_id) AS activity_ids
        FROM activities a JOIN activity_map am {key_join("am")}
        WHERE a.supplier_id IS NOT NULL AND am.error IS NULL AND am.scope = '3'
        GROUP BY 1, 2
    ),
    m AS (
        SELECT p.*, pf.kg_co2e_per_unit AS pcf, CAST(pf.verified AS BOOLEAN) AS pcf_verified,
               pf.reference_year AS pcf_year, pf.primary_data_share AS pcf_primary_share,
               {_pact_ratings()}, sd.revenue_usd, sd.supplier_kg,
               sd.upstream_missing, sd.verified AS sd_verified, sd.data_year,
               sd.supplier_allocated_kg,
               COALESCE(e.naics_code, er.naics_code) AS e_naics,
               {", ".join(f"COALESCE(er.er_{c}, e.e_{c}) AS e_{c}" for c in GAS_COLS)},
               er.reg_set, er.reg_id, er.reg_year, er.reg_cpi,
               mm.factor_set AS mat_set, mm.factor_id AS mat_id, mm.error AS mat_error,
               mm.factor_year AS mat_year,
               {", ".join(f"mm.{c} AS mat_{c}" for c in GAS_COLS)},
               CASE WHEN pf.product_id IS NOT NULL AND p.amount > 0 THEN 'product_level'
                    WHEN sd.supplier_id IS NOT NULL AND p.fx_rate IS NOT NULL
                         THEN 'supplier_specific'
                    WHEN mm.factor_id IS NOT NULL AND mm.error IS NULL AND p.amount > 0
                         THEN 'average_data'
                    WHEN COALESCE(e.naics_code, er.naics_code) IS NOT NULL
                         AND p.fx_rate IS NOT NULL THEN 'spend_based'
               END AS method,
               p.amount * p.fx_rate * COALESCE(er.reg_cpi, {cpi_ratio!r}) AS spend_fusd,
               p.amount * p.fx_rate / sd.revenue_usd * sd.supplier_kg AS revenue_allocated_kg
        FROM p
        LEFT JOIN product_footprints pf
               ON pf.product_id = p.product_id AND pf.supplier_id = p.supplier_id
              AND lower(pf.declared_unit) = lower(p.unit) AND p.quantity IS NOT NULL
        LEFT JOIN sd ON sd.supplier_id = p.supplier_id
        LEFT JOIN e ON e.naics_code = p.naics_code
        LEFT JOIN er ON er.naics_code = p.naics_code AND er.country = p.supplier_country
        LEFT JOIN material_map mm ON mm.material = p.material AND mm.unit = p.unit
    )
    """


def allocation_sql(year: int, cpi_ratio: float, max_age: int = 0, monthly_fx: bool = False) -> str:
    """Per supplier that allocated its emissions to the buyer itself, the spend (USD) of its
    supplier-specific lines, over which :func:`purchase_sql` spreads the allocation (table
    ``allocation_spend``). A statement of its own: the lines are not kept whole to be read
    twice."""
    return f"""
    {_lines_sql(year, cpi_ratio, max_age, monthly_fx)}
    SELECT supplier_id, sum(amount * fx_rate) AS spend_usd FROM m
    WHERE supplier_allocated_kg IS NOT NULL AND method = 'supplier_specific'
    GROUP BY supplier_id
    """

"""The input formats a user keeps in spreadsheets, declared once.

Each :class:`RecordSchema` lists its columns with type and rules; the importers validate every
row against it and name the file, row and field of each problem. ``docs/formats.md`` documents
the same formats for people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ColumnType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    BOOLEAN = "boolean"


class Reference(StrEnum):
    """Values that must exist elsewhere: checked against the workspace and the factor library."""

    SUPPLIER = "supplier"
    NAICS = "naics"
    CURRENCY = "currency"


REFERENCE_HINTS: dict[Reference, str] = {
    Reference.SUPPLIER: "unknown supplier (add it to the supplier list first: a suppliers file)",
    Reference.NAICS: "unknown NAICS code (not in the EPA supply-chain factors v1.3)",
    Reference.CURRENCY: "unknown currency (not an ISO 4217 code)",
}


#: The data tables whose every row carries its own hash, and whose state (row count and digest
#: of the row hashes) the ledger entry of each write records: what the numbers rest on.
ROW_HASHED_TABLES = (
    "purchase_lines",
    "activity_data",
    "supplier_data",
    "energy_attributes",
    "product_footprints",
    "take_back",
)

#: The largest id a stored row can have: primary keys are INTEGER columns, 32-bit on
#: PostgreSQL. Ids given in a path or on the command line are checked against it at the edge.
MAX_ROW_ID = 2**31 - 1

#: Plausibility limits, far above any real figure of one company and far below what breaks
#: arithmetic (1e308 passes a number check but overflows sums). Money is in the row's own
#: currency, so the limit leaves room for currencies of small units (a large Korean or
#: Vietnamese company reports revenue of 1e14-1e16 KRW or VND). Documented in docs/formats.md.
MAX_MONEY = 1e17
#: Tonnes CO2e a year of one company: the largest emitters report ~1e8-1e9 t.
MAX_TONNES = 1e10
#: Quantities and activity amounts (kWh, kg, km, t.km, units...): 1e13 kWh is 10,000 TWh.
MAX_AMOUNT = 1e13
#: kg CO2e per declared unit of a product.
MAX_KG_PER_UNIT = 1e9
#: MWh of one energy attribute instrument.
MAX_MWH = 1e9


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: ColumnType = ColumnType.TEXT
    required: bool = True
    default: str | None = None
    minimum: float | None = None
    exclusive_minimum: bool = False
    maximum: float | None = None
    #: Plausibility limit of the magnitude: a larger value (or a negative one beyond its
    #: opposite) is a typing or unit error, not data (see MAX_MONEY...).
    plausible_maximum: float | None = None
    #: 0 is not a value (a purchase line of no money); negative values pass unless ``minimum``.
    nonzero: bool = False
    max_length: int | None = None
    pattern: str | None = None
    pattern_hint: str = ""
    upper: bool = False
    reference: Reference | None = None
    help: str = ""
    #: Other headings a file may give the column under (the first one present is read).
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordSchema:
    kind: str
    table: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    description: str
    #: (a, b): when column ``a`` has a value, column ``b`` must have one too.
    requires: tuple[tuple[str, str], ...] = field(default=())
    #: (columns, limit): the columns of a row may add up to at most ``limit`` (shares).
    sums: tuple[tuple[tuple[str, ...], float], ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


_ID = {
    "max_length": 64,
    "pattern": r"[A-Za-z0-9][A-Za-z0-9._:/-]*",
    "pattern_hint": "letters, digits and . _ : / - only",
}

#: Largest US dollars for one unit of a currency: the strongest currency (KWD) is about 3.3.
MAX_USD_PER_UNIT = 1e4

FX_RATES = RecordSchema(
    kind="fx-rates",
    table="fx_rates",
    key=("currency", "year", "month"),
    description="Exchange rates to US dollars: annual averages, or monthly with a month.",
    columns=(
        ColumnSpec(
            "currency",
            upper=True,
            reference=Reference.CURRENCY,
            help="ISO 4217 code, e.g. TWD",
        ),
        ColumnSpec("year", ColumnType.INTEGER, minimum=1990, maximum=2100),
        ColumnSpec(
            "month",
            ColumnType.INTEGER,
            required=False,
            minimum=1,
            maximum=12,
            help="1-12 for a monthly average; empty for the annual average",
        ),
        ColumnSpec(
            "usd_per_unit",
            ColumnType.DECIMAL,
            minimum=0,
            exclusive_minimum=True,
            plausible_maximum=MAX_USD_PER_UNIT,
            help="US dollars for one unit of the currency, average of the year or month",
        ),
    ),
)

CUSTOM_FACTORS = RecordSchema(
    kind="custom-factors",
    table="factors",
    key=("factor_id",),
    description="A factor set of your own: national grid factors, residual mixes, utility rates.",
    columns=(
        ColumnSpec("factor_id", **_ID),  # type: ignore[arg-type]
        ColumnSpec(
            "activity",
            max_length=120,
            help="the activity it is for (electricity, natural_gas... or a name of your own)",
        ),
        ColumnSpec("unit", max_length=30, help="the unit one factor value is per (kWh, litres)"),
        ColumnSpec(
            "country",
            upper=True,
            pattern=r"[A-Z]{2}(-[A-Z0-9]{1,8})?|\*",
            pattern_hint="ISO 3166 alpha-2 code (optionally -<subregion>), or * for anywhere",
        ),
        ColumnSpec("year", ColumnType.INTEGER, minimum=1990, maximum=2100),
        ColumnSpec("kg_co2e", ColumnType.DECIMAL, minimum=0, plausible_maximum=MAX_KG_PER_UNIT),
        ColumnSpec(
            "scope",
            required=False,
            pattern="1|2|3",
            pattern_hint="1, 2 or 3",
            help="default: the scope of the built-in activity of that name",
        ),
        ColumnSpec("scope3_category", ColumnType.INTEGER, required=False, minimum=1, maximum=15),
        ColumnSpec(
            "basis",
            required=False,
            default="combustion",
            pattern="combustion|lifecycle",
            pattern_hint="combustion or lifecycle",
        ),
        ColumnSpec("kg_co2", ColumnType.DECIMAL, required=False, minimum=0),
        ColumnSpec("kg_ch4", ColumnType.DECIMAL, required=False, minimum=0),
        ColumnSpec("kg_n2o", ColumnType.DECIMAL, required=False, minimum=0),
        ColumnSpec(
            "naics_code",
            required=False,
            pattern="[1-9][0-9]{1,5}",
            pattern_hint="a 2017 NAICS code",
            help="spend factors (activity 'spend', unit USD): the sector they are for",
        ),
    ),
)

#: An email address as data requests need one: something@domain.tld, no spaces.
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s]+"

SUPPLIERS = RecordSchema(
    kind="suppliers",
    table="suppliers",
    key=("supplier_id",),
    description="The organisation's suppliers; purchase lines and supplier data refer to them.",
    columns=(
        ColumnSpec("supplier_id", help="your identifier of the supplier", **_ID),  # type: ignore[arg-type]
        ColumnSpec("name", max_length=300),
        ColumnSpec("country", upper=True, pattern="[A-Z]{2}", pattern_hint="ISO 3166 alpha-2 code"),
        ColumnSpec(
            "naics_code",
            required=False,
            reference=Reference.NAICS,
            help="main 2017 NAICS-6 code of what the supplier sells",
        ),
        ColumnSpec(
            "lei",
            required=False,
            upper=True,
            pattern="[A-Z0-9]{20}",
            pattern_hint="20 letters or digits (ISO 17442)",
        ),
        ColumnSpec("duns", required=False, pattern="[0-9]{9}", pattern_hint="9 digits"),
        ColumnSpec("vat_id", required=False, upper=True, max_length=20),
        ColumnSpec("strategic", ColumnType.BOOLEAN, required=False, default="false"),
        ColumnSpec(
            "contact_name",
            required=False,
            max_length=200,
            help="who answers climate data requests at the supplier",
        ),
        ColumnSpec(
            "contact_email",
            required=False,
            max_length=320,
            pattern=EMAIL_PATTERN,
            pattern_hint="an email address",
            help="where climate data requests go",
        ),
    ),
)

PURCHASES = RecordSchema(
    kind="purchases",
    table="purchase_lines",
    key=("line_id",),
    description="Purchase ledger lines: spend per supplier and category.",
    columns=(
        ColumnSpec("line_id", **_ID),  # type: ignore[arg-type]
        ColumnSpec("supplier_id", reference=Reference.SUPPLIER),
        ColumnSpec("date", ColumnType.DATE),
        ColumnSpec(
            "amount",
            ColumnType.DECIMAL,
            nonzero=True,
            plausible_maximum=MAX_MONEY,
            help="spend in `currency`, purchaser price, excluding VAT; negative for a credit note",
        ),
        ColumnSpec("currency", upper=True, reference=Reference.CURRENCY),
        ColumnSpec("naics_code", reference=Reference.NAICS),
        ColumnSpec("description", required=False, max_length=500),
        ColumnSpec(
            "scope3_category",
            ColumnType.INTEGER,
            required=False,
            default="1",
            minimum=1,
            maximum=15,
        ),
        ColumnSpec(
            "quantity",
            ColumnType.DECIMAL,
            required=False,
            minimum=0,
            exclusive_minimum=True,
            plausible_maximum=MAX_AMOUNT,
        ),
        ColumnSpec("unit", required=False, max_length=30),
        ColumnSpec("product_id", required=False, max_length=64),
        ColumnSpec(
            "material",
            required=False,
            max_length=120,
            help="the material bought, by DEFRA 2025 'Material use' name (e.g. 'Plastics: "
            "average plastics'); with quantity and a mass unit the line is average-data",
        ),
    ),
    requires=(("quantity", "unit"), ("product_id", "quantity"), ("material", "quantity")),
)

SUPPLIER_DATA = RecordSchema(
    kind="supplier-data",
    table="supplier_data",
    key=("supplier_id", "year"),
    description="Emissions and revenue that suppliers reported for a year.",
    columns=(
        ColumnSpec("supplier_id", reference=Reference.SUPPLIER),
        ColumnSpec("year", ColumnType.INTEGER, minimum=1990, maximum=2100),
        ColumnSpec(
            "revenue",
            ColumnType.DECIMAL,
            minimum=0,
            exclusive_minimum=True,
            plausible_maximum=MAX_MONEY,
        ),
        ColumnSpec("currency", upper=True, reference=Reference.CURRENCY),
        ColumnSpec("scope1_t", ColumnType.DECIMAL, minimum=0, plausible_maximum=MAX_TONNES),
        ColumnSpec("scope2_market_t", ColumnType.DECIMAL, minimum=0, plausible_maximum=MAX_TONNES),
        ColumnSpec(
            "scope2_location_t",
            ColumnType.DECIMAL,
            required=False,
            minimum=0,
            plausible_maximum=MAX_TONNES,
        ),
        ColumnSpec(
            "scope3_upstream_t",
            ColumnType.DECIMAL,
            required=False,
            minimum=0,
            plausible_maximum=MAX_TONNES,
        ),
        ColumnSpec("verified", ColumnType.BOOLEAN, required=False, default="false"),
        ColumnSpec(
            "sbt_status",
            required=False,
            default="none",
            pattern="none|committed|targets_set|validated",
            pattern_hint="one of none, committed, targets_set, validated",
            help="science-based target status (SBTi): validated targets count for engagement",
        ),
        ColumnSpec(
            "renewable_share",
            ColumnType.DECIMAL,
            required=False,
            minimum=0,
            maximum=1,
            help="share of the supplier's electricity from renewable sources, 0 to 1",
        ),
        ColumnSpec(
            "takeback_reuse_share",
            ColumnType.DECIMAL,
            required=False,
            minimum=0,
            maximum=1,
            help="share of the supplier's taken-back products reused or refurbished, 0 to 1",
        ),
        ColumnSpec(
            "recycling_share",
            ColumnType.DECIMAL,
            required=False,
            minimum=0,
            maximum=1,
            help="share of the supplier's taken-back products (not reused) recycled, 0 to 1",
        ),
        ColumnSpec(
            "allocated_t",
            ColumnType.DECIMAL,
            required=False,
            minimum=0,
            plausible_maximum=MAX_TONNES,
            help="t CO2e the supplier allocated to you itself (CDP SC1.1); used instead of "
            "your spend over its revenue",
        ),
        ColumnSpec(
            "allocation_method",
            required=False,
            pattern="revenue|quantity",
            pattern_hint="revenue or quantity",
            help="how the supplier allocated: by revenue from you or by quantity sold to you",
        ),
        ColumnSpec(
            "allocation_includes_upstream",
            ColumnType.BOOLEAN,
            required=False,
            help="whether the allocation includes the supplier's upstream Scope 3",
        ),
    ),
)

ACTIVITY = RecordSchema(
    kind="activity",
    table="activity_data",
    key=("activity_id",),
    description="Activity data: fuel, electricity, travel and freight amounts.",
    columns=(
        ColumnSpec("activity_id", **_ID),  # type: ignore[arg-type]
        ColumnSpec("date", ColumnType.DATE),
        ColumnSpec("activity", max_length=120),
        ColumnSpec("amount", ColumnType.DECIMAL, minimum=0, plausible_maximum=MAX_AMOUNT),
        ColumnSpec("unit", max_length=30),
        ColumnSpec(
            "country",
            upper=True,
            max_length=20,
            help="ISO alpha-2, or US-<eGRID subregion> for US electricity",
        ),
        ColumnSpec(
            "scope3_category",
            ColumnType.INTEGER,
            required=False,
            minimum=1,
            maximum=15,
            help="Scope 3 category of a Scope 3 activity where it can be either (freight 4 or "
            "9, car travel 6 or 7); default: the activity's or the factor's own",
        ),
        ColumnSpec(
            "gas",
            required=False,
            max_length=40,
            help="refrigerant_leak, fgas_emission, process_gas: the species (NF3, CF4, "
            "HFC-134a...) or refrigerant blend (R-410A...)",
        ),
        ColumnSpec(
            "process",
            required=False,
            pattern="etch|chamber_clean|remote_plasma_clean|thermal_clean",
            pattern_hint="one of etch, chamber_clean, remote_plasma_clean, thermal_clean",
            help="process_gas: the semiconductor process the gas was fed to",
        ),
        ColumnSpec(
            "abatement",
            ColumnType.DECIMAL,
            required=False,
            minimum=0,
            maximum=1,
            help="process_gas: fraction of the emissions destroyed by abatement, 0 to 1",
        ),
        ColumnSpec(
            "kwh_per_unit_year",
            ColumnType.DECIMAL,
            required=False,
            minimum=0,
            plausible_maximum=MAX_AMOUNT,
            help="sold_product_use: electricity one unit uses a year in the field (kWh)",
        ),
        ColumnSpec(
            "lifetime_years",
            ColumnType.DECIMAL,
            required=False,
            minimum=0,
            exclusive_minimum=True,
            maximum=100,
            help="sold_product_use: years one unit is used",
        ),
        ColumnSpec(
            "material",
            required=False,
            max_length=120,
            help="waste, sold_product_end_of_life: the DEFRA waste material, e.g. "
            "'WEEE - mixed', 'Plastics: average plastics', 'Commercial and industrial waste'",
        ),
        ColumnSpec(
            "treatment",
            required=False,
            max_length=60,
            help="waste, sold_product_end_of_life: landfill, incineration, open-loop, "
            "closed-loop, composting or anaerobic digestion",
        ),
        ColumnSpec(
            "supplier_id",
            required=False,
            reference=Reference.SUPPLIER,
            help="a Scope 3 activity a supplier performed (its freight): the activity replaces "
            "the spend-based estimate of that supplier's purchase lines of the same category",
        ),
        ColumnSpec(
            "regulated_ets",
            ColumnType.BOOLEAN,
            required=False,
            aliases=("ets",),
            help="yes when the installation's emissions fall under a regulated emissions "
            "trading scheme (EU ETS, UK ETS...): the Scope 1 tonnes under it are disclosed "
            "apart (ESRS E1-6 para. 48(b)); heading 'ets' also read",
        ),
    ),
    requires=(
        ("kwh_per_unit_year", "lifetime_years"),
        ("lifetime_years", "kwh_per_unit_year"),
        ("material", "treatment"),
        ("treatment", "material"),
    ),
)

PRODUCT_FOOTPRINTS = RecordSchema(
    kind="product-footprints",
    table="product_footprints",
    key=("product_id",),
    description="Product carbon footprints (cradle-to-gate) that suppliers declared.",
    columns=(
        ColumnSpec("product_id", **_ID),  # type: ignore[arg-type]
        ColumnSpec("supplier_id", reference=Reference.SUPPLIER),
        ColumnSpec("declared_unit", max_length=30),
        ColumnSpec(
            "kg_co2e_per_unit", ColumnType.DECIMAL, minimum=0, plausible_maximum=MAX_KG_PER_UNIT
        ),
        ColumnSpec(
            "reference_year", ColumnType.INTEGER, required=False, minimum=1990, maximum=2100
        ),
        ColumnSpec("verified", ColumnType.BOOLEAN, required=False, default="false"),
    ),
)

ENERGY_ATTRIBUTES = RecordSchema(
    kind="energy-attributes",
    table="energy_attributes",
    key=("instrument_id",),
    description=(
        "Contractual instruments for market-based Scope 2: energy attribute certificates "
        "(REC, GO, I-REC) and power purchase agreements, retired for the organisation."
    ),
    columns=(
        ColumnSpec("instrument_id", **_ID),  # type: ignore[arg-type]
        ColumnSpec(
            "instrument",
            upper=True,
            pattern="REC|GO|I-REC|PPA",
            pattern_hint="one of REC, GO, I-REC, PPA",
        ),
        ColumnSpec(
            "mwh", ColumnType.DECIMAL, minimum=0, exclusive_minimum=True, plausible_maximum=MAX_MWH
        ),
        ColumnSpec("period_start", ColumnType.DATE, help="first day of generation covered"),
        ColumnSpec("period_end", ColumnType.DATE, help="last day of generation covered"),
        ColumnSpec(
            "country",
            upper=True,
            pattern="[A-Z]{2}",
            pattern_hint="ISO 3166 alpha-2 code of the market the electricity is used in",
        ),
        ColumnSpec("registry", required=False, max_length=100, help="e.g. M-RETS, AIB, I-TRACK"),
        ColumnSpec("registry_id", required=False, max_length=200, help="serial or contract id"),
        ColumnSpec("source", required=False, max_length=40, help="e.g. solar, wind, hydro"),
    ),
)

_SHARE = {"type": ColumnType.DECIMAL, "required": False, "default": "0", "minimum": 0, "maximum": 1}
TAKE_BACK_SHARES = ("reused", "refurbished", "recycled", "incinerated", "landfilled")

TAKE_BACK = RecordSchema(
    kind="take-back",
    table="take_back",
    key=("record_id",),
    description="Sold products taken back in a year, per product line, and what became of them.",
    columns=(
        ColumnSpec("record_id", **_ID),  # type: ignore[arg-type]
        ColumnSpec("year", ColumnType.INTEGER, minimum=1990, maximum=2100),
        ColumnSpec("product_line", max_length=120),
        ColumnSpec(
            "units_returned", ColumnType.INTEGER, required=False, minimum=0, maximum=MAX_AMOUNT
        ),
        ColumnSpec(
            "tonnes_returned",
            ColumnType.DECIMAL,
            minimum=0,
            exclusive_minimum=True,
            plausible_maximum=MAX_AMOUNT,
        ),
        *(
            ColumnSpec(f"share_{s}", help=f"share of the returned tonnes {s}, 0 to 1", **_SHARE)  # type: ignore[arg-type]
            for s in TAKE_BACK_SHARES
        ),
    ),
    sums=((tuple(f"share_{s}" for s in TAKE_BACK_SHARES), 1.0),),
)

SCHEMAS: dict[str, RecordSchema] = {
    s.kind: s
    for s in (
        SUPPLIERS,
        PURCHASES,
        SUPPLIER_DATA,
        ACTIVITY,
        PRODUCT_FOOTPRINTS,
        ENERGY_ATTRIBUTES,
        TAKE_BACK,
    )
}

TRUE_WORDS = ("true", "yes", "y", "1", "x")
FALSE_WORDS = ("false", "no", "n", "0")

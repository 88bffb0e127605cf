"""Supplier engagement: the questionnaires buyers send, the answers suppliers give once and share
with the customers they choose, and the life of a data request.

* :data:`CLIMATE_TEMPLATE` is the built-in climate questionnaire (versioned: an answer keeps the
  template version it was given under);
* :func:`validate_answers` checks answers field by field and names each problem; drafts may
  leave required fields empty, submissions may not;
* :class:`RequestStatus` with :func:`next_status` is the request life cycle for one supplier:
  invited → opened → in progress → submitted → accepted, or returned for correction and
  submitted again.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from greenchain.domain.errors import FieldsRejectedError, InvalidDataError
from greenchain.domain.inventory import InventoryReport
from greenchain.domain.numbers import parse_number


class FieldType(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    CHOICE = "choice"
    CHOICES = "choices"  # several of the options
    DATE = "date"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class QuestionField:
    name: str
    label: str
    type: FieldType
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    options: tuple[str, ...] = ()
    max_length: int = 2000
    help: str = ""
    section: str = ""


@dataclass(frozen=True)
class Template:
    key: str
    version: int
    title: str
    fields: tuple[QuestionField, ...]

    def field(self, name: str) -> QuestionField:
        for f in self.fields:
            if f.name == name:
                return f
        raise InvalidDataError(f"field '{name}': not in the {self.title} questionnaire")

    @property
    def sections(self) -> list[tuple[str, list[QuestionField]]]:
        order: dict[str, list[QuestionField]] = {}
        for f in self.fields:
            order.setdefault(f.section, []).append(f)
        return list(order.items())


SBT_STATUSES = ("none", "committed", "targets_set", "validated")
#: What people read for the options' codes (the codes stay in the API and the data).
OPTION_LABELS: dict[str, str] = {
    "ghg_protocol": "GHG Protocol",
    "iso_14064_1": "ISO 14064-1",
    "other": "Other",
    "none": "None",
    "limited": "Limited assurance",
    "reasonable": "Reasonable assurance",
    "committed": "Committed",
    "targets_set": "Targets set",
    "validated": "Validated by the SBTi",
    "1.5C": "1.5 °C",
    "well_below_2C": "Well below 2 °C",
    "2C": "2 °C",
    "iso_14001": "ISO 14001",
    "iso_50001": "ISO 50001",
    "rba_member": "RBA member",
    "rba_audit": "RBA audit",
}


def answer_text(spec: QuestionField, value: Any) -> str:
    """An answer as people read it: years plain, tonnes and money with thousands separators,
    shares (fields from 0 to 1) in percent, options by their label."""
    if value is None:
        return ""
    if spec.type is FieldType.CHOICES:
        return ", ".join(OPTION_LABELS.get(str(v), str(v)) for v in value)
    if spec.type is FieldType.CHOICE:
        return OPTION_LABELS.get(str(value), str(value))
    if spec.type is FieldType.INTEGER:
        return str(int(value))
    if spec.type is FieldType.DECIMAL:
        number = float(value)
        if spec.maximum == 1 and spec.minimum == 0:
            return f"{number * 100:.4g} %"
        if number.is_integer():
            return f"{number:,.0f}"
        return f"{number:,.2f}".rstrip("0").rstrip(".")
    if spec.type is FieldType.BOOLEAN:
        return "yes" if value else "no"
    return str(value)


CERTIFICATIONS = ("iso_14001", "iso_50001", "rba_member", "rba_audit")

#: The largest figures a supplier's answer can hold: the largest companies report under a
#: billion tonnes a year, and the largest revenues are below 10^15 in any currency (in KRW or
#: JPY included); beyond these a figure is a typing error, not a company.
MAX_TONNES = 1e10
MAX_REVENUE = 1e16

CLIMATE_TEMPLATE = Template(
    key="climate",
    version=1,
    title="Climate data request",
    fields=(
        QuestionField(
            "reporting_year",
            "Reporting year",
            FieldType.INTEGER,
            True,
            1990,
            2100,
            section="Company",
        ),
        QuestionField(
            "revenue",
            "Revenue in the reporting year",
            FieldType.DECIMAL,
            True,
            0,
            MAX_REVENUE,
            help="Total revenue, in the currency below",
            section="Company",
        ),
        QuestionField(
            "currency",
            "Currency",
            FieldType.TEXT,
            True,
            max_length=3,
            help="ISO 4217 code, e.g. USD, EUR, JPY",
            section="Company",
        ),
        QuestionField(
            "scope1_t",
            "Scope 1 (t CO2e)",
            FieldType.DECIMAL,
            True,
            0,
            MAX_TONNES,
            section="Emissions",
        ),
        QuestionField(
            "scope2_location_t",
            "Scope 2 location-based (t CO2e)",
            FieldType.DECIMAL,
            False,
            0,
            MAX_TONNES,
            section="Emissions",
        ),
        QuestionField(
            "scope2_market_t",
            "Scope 2 market-based (t CO2e)",
            FieldType.DECIMAL,
            True,
            0,
            MAX_TONNES,
            section="Emissions",
        ),
        QuestionField(
            "scope3_upstream_t",
            "Upstream Scope 3, categories 1-4 (t CO2e)",
            FieldType.DECIMAL,
            False,
            0,
            MAX_TONNES,
            section="Emissions",
        ),
        QuestionField(
            "method",
            "Calculation method",
            FieldType.CHOICE,
            True,
            options=("ghg_protocol", "iso_14064_1", "other"),
            section="Emissions",
        ),
        QuestionField(
            "verification",
            "Third-party verification",
            FieldType.CHOICE,
            True,
            options=("none", "limited", "reasonable"),
            section="Emissions",
            help="Level of assurance of the figures above",
        ),
        QuestionField(
            "verifier",
            "Verification body",
            FieldType.TEXT,
            False,
            max_length=200,
            section="Emissions",
        ),
        QuestionField(
            "sbt_status",
            "Science-based target status",
            FieldType.CHOICE,
            True,
            options=SBT_STATUSES,
            section="Targets",
        ),
        QuestionField(
            "sbt_date",
            "Date of the commitment or validation",
            FieldType.DATE,
            False,
            section="Targets",
        ),
        QuestionField(
            "sbt_ambition",
            "Target ambition",
            FieldType.CHOICE,
            False,
            options=("1.5C", "well_below_2C", "2C"),
            section="Targets",
        ),
        QuestionField(
            "net_zero_year",
            "Net-zero commitment year",
            FieldType.INTEGER,
            False,
            2025,
            2070,
            section="Targets",
        ),
        QuestionField(
            "renewable_share",
            "Renewable electricity share (0 to 1)",
            FieldType.DECIMAL,
            False,
            0,
            1,
            section="Energy",
        ),
        QuestionField(
            "certifications",
            "Certifications and memberships",
            FieldType.CHOICES,
            False,
            options=CERTIFICATIONS,
            section="Management systems",
            help="ISO 14001, ISO 50001, RBA membership, RBA audit",
        ),
        QuestionField(
            "reduction_projects",
            "Reduction projects under way",
            FieldType.TEXT,
            False,
            max_length=4000,
            section="Reduction",
        ),
    ),
)

#: Version 2 adds the circularity of the supplier's own sold products: what share of the
#: products taken back was reused or refurbished, and what share was recycled (the rates of its
#: take-back records; they feed the circularity indicator of the buyer's supplier ratings).
CLIMATE_TEMPLATE_V2 = replace(
    CLIMATE_TEMPLATE,
    version=2,
    fields=(
        *CLIMATE_TEMPLATE.fields,
        QuestionField(
            "takeback_reuse_share",
            "Take-back reuse rate (0 to 1)",
            FieldType.DECIMAL,
            False,
            0,
            1,
            section="Circularity",
            help="Share of the products you took back that were reused or refurbished",
        ),
        QuestionField(
            "recycling_share",
            "Recycling rate of taken-back products (0 to 1)",
            FieldType.DECIMAL,
            False,
            0,
            1,
            section="Circularity",
            help="Share of the rest (not reused) that was recycled",
        ),
    ),
)

TEMPLATES: dict[tuple[str, int], Template] = {
    (t.key, t.version): t for t in (CLIMATE_TEMPLATE, CLIMATE_TEMPLATE_V2)
}


def template(key: str, version: int | None = None) -> Template:
    """A questionnaire template by key (the newest version unless ``version`` is given)."""
    versions = sorted(v for k, v in TEMPLATES if k == key)
    if not versions:
        raise InvalidDataError(f"unknown questionnaire template '{key}'")
    wanted = versions[-1] if version is None else version
    if (key, wanted) not in TEMPLATES:
        raise InvalidDataError(f"questionnaire '{key}' has no version {wanted}")
    return TEMPLATES[(key, wanted)]


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str
    label: str = ""

    def __str__(self) -> str:
        return f"{self.label or self.field}: {self.message}"


@dataclass(frozen=True)
class Checked:
    values: dict[str, Any]
    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _figure(number: float) -> str:
    """A bound or a value in a message: 10,000,000,000 rather than 1e+10."""
    return f"{number:,.0f}" if 1000 <= abs(number) < 1e18 else f"{number:g}"


def _check(spec: QuestionField, raw: Any, currencies: Collection[str] = ()) -> Any:
    """The clean value of one answer; raises ValueError with the message to show."""
    if spec.type in (FieldType.INTEGER, FieldType.DECIMAL):
        try:
            number = parse_number(raw) if isinstance(raw, str) else float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"'{raw}' is not a number") from None
        if not math.isfinite(number):
            raise ValueError(f"'{raw}' is not a number")
        if spec.type is FieldType.INTEGER:
            if number != int(number):
                raise ValueError(f"'{raw}' is not a whole number")
            number = int(number)
        if spec.minimum is not None and number < spec.minimum:
            raise ValueError(f"{_figure(number)} is below the minimum {_figure(spec.minimum)}")
        if spec.maximum is not None and number > spec.maximum:
            raise ValueError(f"{_figure(number)} is above the maximum {_figure(spec.maximum)}")
        return number
    if spec.type is FieldType.CHOICE:
        value = str(raw).strip()
        if value not in spec.options:
            raise ValueError(f"'{value}' is not one of {', '.join(spec.options)}")
        return value
    if spec.type is FieldType.CHOICES:
        items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
        values = sorted({str(p).strip() for p in items if str(p).strip()})
        unknown = [v for v in values if v not in spec.options]
        if unknown:
            raise ValueError(f"'{unknown[0]}' is not one of {', '.join(spec.options)}")
        return values
    if spec.type is FieldType.DATE:
        try:
            return dt.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ValueError(f"'{raw}' is not a date (YYYY-MM-DD)") from None
    if spec.type is FieldType.BOOLEAN:
        text = str(raw).strip().lower()
        if text in ("true", "yes", "1", "on"):
            return True
        if text in ("false", "no", "0", "off"):
            return False
        raise ValueError(f"'{raw}' is not yes or no")
    value = str(raw).strip()
    if len(value) > spec.max_length:
        raise ValueError(f"longer than {spec.max_length} characters")
    if spec.name == "currency":
        value = value.upper()
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"'{raw}' is not a three-letter currency code")
        if currencies and value not in currencies:
            raise ValueError(f"'{value}' is not an ISO 4217 currency code (USD, EUR, JPY...)")
    return value


def validate_answers(
    tmpl: Template,
    answers: Mapping[str, Any],
    *,
    final: bool,
    year: int | None = None,
    currencies: Collection[str] = (),
) -> Checked:
    """Check ``answers`` against ``tmpl``. Unknown fields are problems; empty fields are left
    out; with ``final`` every required field must be there, and the reporting year must be
    the requested ``year`` when one is given; a currency must be one of ``currencies`` (the
    ISO 4217 codes) when they are given. Cross-field rules: the verification body is
    needed for verified figures, the target date for a validated target."""
    problems: list[FieldProblem] = []
    values: dict[str, Any] = {}
    known = {f.name for f in tmpl.fields}
    for name in answers:
        if name not in known:
            problems.append(FieldProblem(name, "not a question of this questionnaire"))
    for spec in tmpl.fields:
        raw = answers.get(spec.name)
        if _empty(raw):
            if final and spec.required:
                problems.append(FieldProblem(spec.name, "required"))
            continue
        try:
            values[spec.name] = _check(spec, raw, currencies)
        except ValueError as exc:
            problems.append(FieldProblem(spec.name, str(exc)))
    if final:
        if year is not None and values.get("reporting_year") not in (None, year):
            problems.append(
                FieldProblem(
                    "reporting_year", f"the request is for {year}, not {values['reporting_year']}"
                )
            )
        if values.get("verification") in ("limited", "reasonable") and not values.get("verifier"):
            problems.append(FieldProblem("verifier", "name the body that verified the figures"))
        if values.get("sbt_status") == "validated" and not values.get("sbt_date"):
            problems.append(FieldProblem("sbt_date", "give the date the target was validated"))
    labels = {f.name: f.label for f in tmpl.fields}
    return Checked(values, [replace(p, label=labels.get(p.field, p.field)) for p in problems])


def require_valid(checked: Checked) -> dict[str, Any]:
    """The checked values, or every problem at its field (``FieldsRejectedError``)."""
    if checked.problems:
        raise FieldsRejectedError("; ".join(str(p) for p in checked.problems), checked.problems)
    return checked.values


class RequestStatus(StrEnum):
    INVITED = "invited"
    OPENED = "opened"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


_NEXT: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.INVITED: frozenset(
        {RequestStatus.OPENED, RequestStatus.IN_PROGRESS, RequestStatus.SUBMITTED}
    ),
    RequestStatus.OPENED: frozenset({RequestStatus.IN_PROGRESS, RequestStatus.SUBMITTED}),
    RequestStatus.IN_PROGRESS: frozenset({RequestStatus.SUBMITTED}),
    RequestStatus.SUBMITTED: frozenset(
        {RequestStatus.ACCEPTED, RequestStatus.RETURNED, RequestStatus.SUBMITTED}
    ),
    RequestStatus.RETURNED: frozenset({RequestStatus.IN_PROGRESS, RequestStatus.SUBMITTED}),
    # an accepted answer the supplier updates goes back to its customer for review
    RequestStatus.ACCEPTED: frozenset({RequestStatus.SUBMITTED}),
}


def next_status(current: RequestStatus, wanted: RequestStatus) -> RequestStatus:
    """The status after a step, or InvalidDataError naming both when the step is not allowed.
    Opening or drafting never moves a request backwards (a submitted answer stays submitted)."""
    if wanted in (RequestStatus.OPENED, RequestStatus.IN_PROGRESS) and wanted not in _NEXT[current]:
        return current
    if wanted not in _NEXT[current]:
        raise InvalidDataError(
            f"a request that is {current.value.replace('_', ' ')} cannot become "
            f"{wanted.value.replace('_', ' ')}"
        )
    return wanted


UPSTREAM_CATEGORIES = ("1", "2", "3", "4")


def answers_from_inventory(report: InventoryReport) -> dict[str, Any]:
    """The answers a supplier's own calculated inventory of the year gives to the climate
    questionnaire, so a supplier on the platform answers from its data instead of retyping it:
    Scope 1, Scope 2 by both methods, upstream Scope 3 (categories 1 to 4, when any was
    calculated), the renewable electricity share (instruments over purchased electricity)
    and the take-back reuse and recycling rates. Method is the GHG Protocol, which the
    calculation follows. Nothing is submitted: the supplier checks and completes the rest."""
    found: dict[str, Any] = {
        "reporting_year": report.year,
        "scope1_t": report.by_scope.get("1", 0.0),
        "scope2_location_t": report.by_scope.get("2_location", 0.0),
        "scope2_market_t": report.by_scope.get("2_market", 0.0),
        "method": "ghg_protocol",
    }
    upstream = sum(report.by_category.get(c, 0.0) for c in UPSTREAM_CATEGORIES)
    if upstream > 0:
        found["scope3_upstream_t"] = round(upstream, 6)
    if report.renewable_electricity_share is not None:
        found["renewable_share"] = report.renewable_electricity_share
    for key, rate in (
        ("takeback_reuse_share", "reuse_rate"),
        ("recycling_share", "recycling_rate"),
    ):
        if report.circularity.get(rate) is not None:
            found[key] = report.circularity[rate]
    return found


def supplier_report(values: Mapping[str, Any], verified: bool | None = None) -> dict[str, Any]:
    """The supplier-data record an accepted answer becomes in the buyer's inventory inputs."""
    return {
        "year": int(values["reporting_year"]),
        "revenue": float(values["revenue"]),
        "currency": str(values["currency"]),
        "scope1_t": float(values["scope1_t"]),
        "scope2_market_t": float(values["scope2_market_t"]),
        "scope2_location_t": values.get("scope2_location_t"),
        "scope3_upstream_t": values.get("scope3_upstream_t"),
        "verified": (
            values.get("verification") in ("limited", "reasonable")
            if verified is None
            else verified
        ),
        "sbt_status": values.get("sbt_status", "none"),
        "renewable_share": values.get("renewable_share"),
        "takeback_reuse_share": values.get("takeback_reuse_share"),
        "recycling_share": values.get("recycling_share"),
    }

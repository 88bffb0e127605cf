"""Supplier climate scorecards, requirements and sourcing tiers.

A scorecard rates a supplier for a buyer and a year on weighted indicators. Each indicator is
measured (a value with its unit), normalised to 0..100 points (the rules are in each
``_points_*`` function and in ``INDICATORS``), and weighted::

    weight share_i = weight_i / sum of the weights of the indicators that count
    contribution_i = weight share_i x points_i
    score          = sum of contribution_i                       (0..100)

so the contributions always add up to the score. An indicator without data is never scored
silently: by the ``zero`` policy (the default) it gets 0 points and is listed as ``missing``;
by the ``exclude`` policy it is listed as ``excluded`` and its weight goes to the others
(re-weighting). The rating is A (score >= 80), B (>= 65), C (>= 50), D (>= 35), else E.

Requirements ("strategic suppliers need a validated science-based target and RBA membership
by 2026-12-31") are checked against each supplier's standing; the sourcing tier follows from
the rating and the qualification (``TIER_RULES``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from greenchain.domain.errors import InvalidDataError

# --- inputs ---------------------------------------------------------------------------------------

SBT_ORDER: tuple[str, ...] = ("none", "committed", "targets_set", "validated")


@dataclass(frozen=True)
class SupplierReport:
    """What a supplier reported for a year: revenue in millions of one common currency (the
    buyer's services convert to USD; None when it could not be converted), Scope 1 and
    Scope 2 (market-based) emissions in t CO2e, verification, SBT status, renewable share,
    and the take-back reuse and recycling rates of its own sold products (fractions 0..1)."""

    year: int
    revenue_million: float | None
    scope1_t: float
    scope2_market_t: float
    verified: bool = False
    sbt_status: str | None = None
    renewable_share: float | None = None
    takeback_reuse_share: float | None = None
    recycling_share: float | None = None

    @property
    def emissions_t(self) -> float:
        """Scope 1 + Scope 2 market-based, t CO2e."""
        return self.scope1_t + self.scope2_market_t

    @property
    def intensity(self) -> float | None:
        """t CO2e (Scope 1 + 2 market-based) per million of revenue."""
        if self.revenue_million is None or self.revenue_million <= 0:
            return None
        return self.emissions_t / self.revenue_million


def _check_fraction(value: float | None, what: str) -> None:
    if value is not None and not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise InvalidDataError(f"{what} {value} must be a fraction from 0 to 1")


@dataclass(frozen=True)
class SupplierAttributes:
    """What the buyer records about a supplier; None means "not recorded" (missing), which
    differs from ``False`` (known not to hold). Certificates are valid up to and including
    their expiry date (None: no expiry recorded). Rates are fractions 0..1."""

    iso_14001: bool | None = None
    iso_14001_expires_on: dt.date | None = None
    iso_50001: bool | None = None
    iso_50001_expires_on: dt.date | None = None
    rba_member: bool | None = None
    training_completion_share: float | None = None
    participation_share: float | None = None
    takeback_reuse_share: float | None = None
    recycling_share: float | None = None

    def __post_init__(self) -> None:
        _check_fraction(self.training_completion_share, "training completion")
        _check_fraction(self.participation_share, "participation")
        _check_fraction(self.takeback_reuse_share, "take-back reuse rate")
        _check_fraction(self.recycling_share, "recycling rate")

    def certificate_valid(self, which: str, as_of: dt.date) -> bool | None:
        """``which`` is ``iso_14001`` or ``iso_50001``; None when nothing is recorded."""
        held: bool | None = getattr(self, which)
        expires: dt.date | None = getattr(self, f"{which}_expires_on")
        if held is None:
            return None
        return bool(held) and (expires is None or expires >= as_of)


# --- measurement and normalisation --------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """An indicator's measured value (None: no data), its unit and where it comes from."""

    value: float | str | bool | None
    unit: str = ""
    note: str = ""


INTENSITY_BEST = 50.0  # t CO2e per million of revenue: 100 points at or below
INTENSITY_WORST = 500.0  # 0 points at or above
TREND_BEST = -0.07  # intensity change per year: 100 points at or below (-7 %/yr)
TREND_WORST = 0.05  # 0 points at or above (+5 %/yr)
REDUCTION_BEST = -0.042  # year-on-year change of emissions: 100 points (SBTi 1.5 °C, 4.2 %)
REDUCTION_WORST = 0.05  # 0 points at +5 % or more
TREND_YEARS = 3  # the trend spans at most the last 3 years of reports
SBT_POINTS: Mapping[str, float] = MappingProxyType(
    {"validated": 100.0, "targets_set": 75.0, "committed": 40.0, "none": 0.0}
)
DATA_QUALITY_POINTS: Mapping[str, float] = MappingProxyType({"verified": 100.0, "unverified": 50.0})


def _linear(value: float, worst: float, best: float) -> float:
    """Points 0..100 on a straight line from ``worst`` (0) to ``best`` (100), clipped."""
    share = (value - worst) / (best - worst)
    return 100.0 * min(1.0, max(0.0, share))


def _points_intensity(value: Any) -> float:
    """Linear: <= 50 t CO2e per million -> 100 points, >= 500 -> 0 (lower is better)."""
    return _linear(float(value), INTENSITY_WORST, INTENSITY_BEST)


def _points_trend(value: Any) -> float:
    """Linear on the compound yearly change of intensity: <= -7 %/yr -> 100, >= +5 %/yr -> 0."""
    return _linear(float(value), TREND_WORST, TREND_BEST)


def _points_reduction(value: Any) -> float:
    """Linear on the change of Scope 1 + 2 emissions against the previous year: a cut of 4.2 %
    or more (the SBTi 1.5 °C linear annual rate) -> 100, a rise of 5 % or more -> 0."""
    return _linear(float(value), REDUCTION_WORST, REDUCTION_BEST)


def _points_sbt(value: Any) -> float:
    """Mapped: validated 100, targets set 75, committed 40, none 0."""
    return SBT_POINTS[str(value)]


def _points_fraction(value: Any) -> float:
    """Linear: the fraction 0..1 times 100."""
    return 100.0 * min(1.0, max(0.0, float(value)))


def _points_data_quality(value: Any) -> float:
    """Mapped: third-party verified 100, reported but unverified 50."""
    return DATA_QUALITY_POINTS[str(value)]


def _points_yes_no(value: Any) -> float:
    """Mapped: yes (valid certificate, member) 100, no 0."""
    return 100.0 if value is True or value == "yes" else 0.0


@dataclass(frozen=True)
class Inputs:
    """Everything known about one supplier for the year rated."""

    reports: Sequence[SupplierReport]
    attributes: SupplierAttributes
    year: int
    as_of: dt.date

    def latest(self) -> SupplierReport | None:
        usable = [r for r in self.reports if r.year <= self.year]
        return max(usable, key=lambda r: r.year) if usable else None

    def report(self, year: int) -> SupplierReport | None:
        return next((r for r in self.reports if r.year == year), None)


def _from(report: SupplierReport) -> str:
    return f"reported for {report.year}"


def _measure_intensity(data: Inputs) -> Measurement:
    report = data.latest()
    unit = "t CO2e / million revenue"
    if report is None:
        return Measurement(None, unit, "no emissions reported")
    intensity = report.intensity
    if intensity is None:
        return Measurement(None, unit, f"{_from(report)}: revenue not in a convertible currency")
    return Measurement(intensity, unit, f"Scope 1 + 2 market-based, {_from(report)}")


def _measure_trend(data: Inputs) -> Measurement:
    unit = "fraction per year"
    latest = data.latest()
    if latest is None or latest.intensity is None:
        return Measurement(None, unit, "needs intensities of two years")
    window = [
        r
        for r in data.reports
        if latest.year - TREND_YEARS <= r.year < latest.year and r.intensity is not None
    ]
    if not window:
        return Measurement(None, unit, "needs intensities of two years")
    first = min(window, key=lambda r: r.year)
    assert first.intensity is not None
    years = latest.year - first.year
    if first.intensity <= 0:
        return Measurement(None, unit, f"intensity {first.year} is zero: no trend")
    rate = (latest.intensity / first.intensity) ** (1.0 / years) - 1.0
    return Measurement(rate, unit, f"compound change {first.year}-{latest.year}")


def _measure_reduction(data: Inputs) -> Measurement:
    unit = "fraction"
    latest = data.latest()
    if latest is None:
        return Measurement(None, unit, "no emissions reported")
    previous = data.report(latest.year - 1)
    if previous is None:
        return Measurement(None, unit, f"no report for {latest.year - 1} to compare with")
    if previous.emissions_t <= 0:
        return Measurement(None, unit, f"no emissions in {previous.year} to compare with")
    change = latest.emissions_t / previous.emissions_t - 1.0
    return Measurement(change, unit, f"Scope 1 + 2, {latest.year} against {previous.year}")


def _measure_sbt(data: Inputs) -> Measurement:
    report = data.latest()
    if report is None:
        return Measurement(None, "status", "no report")
    return Measurement(report.sbt_status or "none", "status", _from(report))


def _measure_renewable(data: Inputs) -> Measurement:
    report = data.latest()
    if report is None or report.renewable_share is None:
        return Measurement(None, "fraction", "renewable share not reported")
    return Measurement(report.renewable_share, "fraction", _from(report))


def _measure_data_quality(data: Inputs) -> Measurement:
    report = data.latest()
    if report is None:
        return Measurement(None, "status", "no report")
    return Measurement("verified" if report.verified else "unverified", "status", _from(report))


def _certificate(which: str, data: Inputs) -> Measurement:
    valid = data.attributes.certificate_valid(which, data.as_of)
    if valid is None:
        return Measurement(None, "certificate", "not recorded")
    expires: dt.date | None = getattr(data.attributes, f"{which}_expires_on")
    held = bool(getattr(data.attributes, which))
    if valid:
        note = f"valid until {expires.isoformat()}" if expires else "valid"
    elif held and expires is not None:
        note = f"expired on {expires.isoformat()}"
    else:
        note = "no certificate"
    return Measurement(valid, "certificate", note)


def _measure_iso_14001(data: Inputs) -> Measurement:
    return _certificate("iso_14001", data)


def _measure_iso_50001(data: Inputs) -> Measurement:
    return _certificate("iso_50001", data)


def _measure_rba(data: Inputs) -> Measurement:
    member = data.attributes.rba_member
    if member is None:
        return Measurement(None, "membership", "not recorded")
    return Measurement(member, "membership", "member" if member else "not a member")


def _share(value: float | None, what: str) -> Measurement:
    if value is None:
        return Measurement(None, "fraction", f"{what} not recorded")
    return Measurement(value, "fraction", what)


def _measure_training(data: Inputs) -> Measurement:
    return _share(data.attributes.training_completion_share, "training completed")


def _measure_participation(data: Inputs) -> Measurement:
    return _share(data.attributes.participation_share, "program activities attended")


def _measure_circularity(data: Inputs) -> Measurement:
    """The mean of the take-back reuse and recycling rates. What the buyer recorded about the
    supplier wins; a rate it did not record comes from the supplier's latest report that
    gives it (its own take-back, shared with the buyer through a data request)."""
    recorded = data.attributes
    rates: dict[str, tuple[float, str]] = {}
    for key, label in (
        ("takeback_reuse_share", "take-back reuse"),
        ("recycling_share", "recycling"),
    ):
        value = getattr(recorded, key)
        if value is not None:
            rates[label] = (value, "recorded")
            continue
        report = next(
            (
                r
                for r in sorted(data.reports, key=lambda r: -r.year)
                if r.year <= data.year and getattr(r, key) is not None
            ),
            None,
        )
        if report is not None:
            rates[label] = (getattr(report, key), _from(report))
    if not rates:
        return Measurement(None, "fraction", "take-back reuse and recycling rates not recorded")
    mean = sum(v for v, _ in rates.values()) / len(rates)
    sources = sorted({where for _, where in rates.values()})
    return Measurement(
        mean,
        "fraction",
        "mean of " + " and ".join(rates) + " rates (" + "; ".join(sources) + ")",
    )


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    default_weight: float
    measure: Callable[[Inputs], Measurement]
    points: Callable[[Any], float]

    @property
    def normalisation(self) -> str:
        """How values become points (the points function's docstring)."""
        return (self.points.__doc__ or "").strip()


INDICATORS: tuple[Indicator, ...] = (
    Indicator("carbon_intensity", "Carbon intensity", 20, _measure_intensity, _points_intensity),
    Indicator("intensity_trend", "Intensity trend", 10, _measure_trend, _points_trend),
    Indicator("reduction", "Reduction vs previous year", 10, _measure_reduction, _points_reduction),
    Indicator("sbt_status", "Science-based target", 15, _measure_sbt, _points_sbt),
    Indicator("renewable_share", "Renewable electricity", 10, _measure_renewable, _points_fraction),
    Indicator("data_quality", "Data verification", 10, _measure_data_quality, _points_data_quality),
    Indicator("iso_14001", "ISO 14001", 5, _measure_iso_14001, _points_yes_no),
    Indicator("iso_50001", "ISO 50001", 5, _measure_iso_50001, _points_yes_no),
    Indicator("rba_membership", "RBA membership", 5, _measure_rba, _points_yes_no),
    Indicator("training", "Training completion", 4, _measure_training, _points_fraction),
    Indicator(
        "participation", "Program participation", 3, _measure_participation, _points_fraction
    ),
    Indicator("circularity", "Circularity", 3, _measure_circularity, _points_fraction),
)
INDICATOR_KEYS: tuple[str, ...] = tuple(i.key for i in INDICATORS)
_BY_KEY: Mapping[str, Indicator] = MappingProxyType({i.key: i for i in INDICATORS})
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {i.key: float(i.default_weight) for i in INDICATORS}
)


def indicator(key: str) -> Indicator:
    try:
        return _BY_KEY[key]
    except KeyError:
        raise InvalidDataError(
            f"unknown indicator '{key}' (known: {', '.join(INDICATOR_KEYS)})"
        ) from None


def measure(data: Inputs) -> dict[str, Measurement]:
    """Every built-in indicator measured for one supplier."""
    return {i.key: i.measure(data) for i in INDICATORS}


# --- configuration and scoring ------------------------------------------------------------------


class MissingPolicy(StrEnum):
    ZERO = "zero"  # 0 points, listed as missing
    EXCLUDE = "exclude"  # left out, its weight shared by the others


@dataclass(frozen=True)
class ScorecardConfig:
    """A buyer's weights (>= 0, any scale: they are shared out) and missing-data policies;
    indicators not named keep their default weight and the ``zero`` policy."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    missing: Mapping[str, MissingPolicy] = field(default_factory=dict)

    def __post_init__(self) -> None:
        weights = dict(DEFAULT_WEIGHTS)
        for key, value in self.weights.items():
            indicator(key)
            if not (math.isfinite(value) and value >= 0):
                raise InvalidDataError(f"weight of '{key}' is {value}: give a number >= 0")
            weights[key] = float(value)
        if sum(weights.values()) <= 0:
            raise InvalidDataError("at least one indicator needs a weight above 0")
        missing: dict[str, MissingPolicy] = {}
        for key, policy in self.missing.items():
            indicator(key)
            try:
                missing[key] = MissingPolicy(policy)
            except ValueError:
                raise InvalidDataError(
                    f"missing-data policy '{policy}' of '{key}' is not zero or exclude"
                ) from None
        object.__setattr__(self, "weights", MappingProxyType(weights))
        object.__setattr__(self, "missing", MappingProxyType(missing))

    def policy(self, key: str) -> MissingPolicy:
        return self.missing.get(key, MissingPolicy.ZERO)


@dataclass(frozen=True)
class IndicatorScore:
    """One line of a scorecard. ``status``: ``scored``, ``missing`` (0 points, counted) or
    ``excluded`` (no data, weight shared by the others). ``weight_share`` is the weight's share
    among the indicators that count; ``potential_gain`` the points the score would gain with
    full marks on this indicator."""

    key: str
    label: str
    value: float | str | bool | None
    unit: str
    note: str
    points: float | None
    weight: float
    weight_share: float
    contribution: float
    status: str
    potential_gain: float


#: A rating is an assessment for sourcing only when indicators holding at least half of the
#: buyer's weights have data: below that, a low score says "we know little", not "performs
#: badly", and the supplier is "not assessed" (asked for data) rather than blocked.
MIN_ASSESSED_COVERAGE = 0.5


def rating_for(score: float) -> str:
    """A >= 80, B >= 65, C >= 50, D >= 35, else E (score 0..100)."""
    for rating, floor in (("A", 80.0), ("B", 65.0), ("C", 50.0), ("D", 35.0)):
        if score >= floor - 1e-9:
            return rating
    return "E"


RATINGS: tuple[str, ...] = ("A", "B", "C", "D", "E")


@dataclass(frozen=True)
class Scorecard:
    supplier_id: str
    year: int
    score: float
    rating: str
    indicators: tuple[IndicatorScore, ...]

    @property
    def missing(self) -> list[str]:
        """Weighted indicators without data (scored 0 or excluded)."""
        return [i.key for i in self.indicators if i.status != "scored" and i.weight > 0]

    @property
    def coverage(self) -> float:
        """The share of the buyer's weights held by indicators with data, 0..1: how much of
        the rating rests on what is known of the supplier."""
        weighted = [i for i in self.indicators if i.weight > 0]
        total = sum(i.weight for i in weighted)
        known = sum(i.weight for i in weighted if i.status == "scored")
        return known / total if total > 0 else 0.0

    @property
    def assessed(self) -> bool:
        """Whether the rating rests on enough data to source on (``MIN_ASSESSED_COVERAGE``)."""
        return self.coverage >= MIN_ASSESSED_COVERAGE - 1e-9

    def improvements(self, limit: int = 5) -> list[str]:
        """What would raise the score most: indicators by points to gain, data gaps named."""
        ranked = sorted(
            (
                i
                for i in self.indicators
                if i.weight > 0 and (i.potential_gain > 0.005 or i.status == "excluded")
            ),
            key=lambda i: (-i.potential_gain, i.key),
        )
        found = []
        for line in ranked[:limit]:
            if line.status == "excluded":
                found.append(f"{line.label}: no data ({line.note}); report it to be rated on it")
            elif line.status == "missing":
                found.append(
                    f"{line.label}: no data ({line.note}), up to +{line.potential_gain:.1f} points"
                )
            else:
                found.append(
                    f"{line.label}: {line.points:.0f}/100 now, up to "
                    f"+{line.potential_gain:.1f} points"
                )
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "supplier_id": self.supplier_id,
            "year": self.year,
            "score": self.score,
            "rating": self.rating,
            "coverage": self.coverage,
            "missing": self.missing,
            "indicators": [dict(i.__dict__) for i in self.indicators],
        }


def score(
    supplier_id: str,
    year: int,
    measurements: Mapping[str, Measurement],
    config: ScorecardConfig | None = None,
) -> Scorecard:
    """Weight and add the indicators' points (see the module docstring for the arithmetic).

    An indicator with weight 0 counts for nothing (share 0) but is still shown.
    """
    config = config or ScorecardConfig()
    present = {k: m for k, m in measurements.items() if m.value is not None}
    counted = [k for k in INDICATOR_KEYS if k in present or config.policy(k) is MissingPolicy.ZERO]
    total = sum(config.weights[k] for k in counted)
    lines: list[IndicatorScore] = []
    for ind in INDICATORS:
        found = measurements.get(ind.key, Measurement(None, "", "not measured"))
        weight = config.weights[ind.key]
        share = weight / total if ind.key in counted and total > 0 else 0.0
        if found.value is None:
            status = "missing" if ind.key in counted else "excluded"
            points = None
            contribution = 0.0
            gain = share * 100.0
        else:
            status = "scored"
            points = ind.points(found.value)
            contribution = share * points
            gain = share * (100.0 - points)
        lines.append(
            IndicatorScore(
                key=ind.key,
                label=ind.label,
                value=found.value,
                unit=found.unit,
                note=found.note,
                points=points,
                weight=weight,
                weight_share=share,
                contribution=contribution,
                status=status,
                potential_gain=gain,
            )
        )
    total_score = sum(line.contribution for line in lines)
    return Scorecard(supplier_id, year, total_score, rating_for(total_score), tuple(lines))


def rate(supplier_id: str, data: Inputs, config: ScorecardConfig | None = None) -> Scorecard:
    """Measure and score one supplier for ``data.year``."""
    return score(supplier_id, data.year, measure(data), config)


# --- requirements -------------------------------------------------------------------------------


class AppliesTo(StrEnum):
    ALL = "all"
    STRATEGIC = "strategic"


@dataclass(frozen=True)
class Standing:
    """A supplier's standing for requirement checks (None: unknown)."""

    supplier_id: str
    strategic: bool = False
    sbt_status: str | None = None
    rba_member: bool | None = None
    iso_14001: bool | None = None
    iso_50001: bool | None = None
    verified: bool | None = None
    renewable_share: float | None = None
    qualification: str | None = None
    rating: str | None = None


#: Conditions a requirement may combine; ``sbt:LEVEL``, ``rating:LETTER`` and
#: ``renewable:FRACTION`` take a parameter.
CONDITION_HELP: Mapping[str, str] = MappingProxyType(
    {
        "sbt:LEVEL": "science-based target at least LEVEL (committed, targets_set, validated)",
        "rba_member": "member of the Responsible Business Alliance",
        "iso_14001": "valid ISO 14001 certificate",
        "iso_50001": "valid ISO 50001 certificate",
        "verified_data": "emissions data verified by a third party",
        "qualified": "qualified (or conditionally qualified) in the green supply chain",
        "rating:LETTER": "scorecard rating LETTER or better",
        "renewable:FRACTION": "renewable electricity share at least FRACTION",
    }
)


@dataclass(frozen=True)
class Condition:
    kind: str
    parameter: str | None = None

    @classmethod
    def parse(cls, text: str) -> Condition:
        kind, _, parameter = text.strip().lower().partition(":")
        if kind in ("rba_member", "iso_14001", "iso_50001", "verified_data", "qualified"):
            if parameter:
                raise InvalidDataError(f"condition '{text}' takes no parameter")
            return cls(kind)
        if kind == "sbt" and parameter in SBT_ORDER[1:]:
            return cls(kind, parameter)
        if kind == "rating" and parameter.upper() in RATINGS:
            return cls(kind, parameter.upper())
        if kind == "renewable":
            try:
                share = float(parameter)
            except ValueError:
                share = -1.0
            if 0 <= share <= 1:
                return cls(kind, f"{share:g}")
        known = ", ".join(CONDITION_HELP)
        raise InvalidDataError(f"condition '{text}' is not understood (use {known})")

    def __str__(self) -> str:
        return f"{self.kind}:{self.parameter}" if self.parameter else self.kind

    def check(self, s: Standing) -> tuple[bool, str]:
        """Whether ``s`` meets the condition, and why (unknown data does not meet it)."""
        if self.kind == "sbt":
            want = str(self.parameter)
            have = s.sbt_status
            if have is None:
                return False, "science-based target status not reported"
            ok = SBT_ORDER.index(have) >= SBT_ORDER.index(want)
            return ok, f"science-based target {have}" + ("" if ok else f" (needs {want})")
        if self.kind in ("rba_member", "iso_14001", "iso_50001", "verified_data"):
            attribute = {"verified_data": "verified"}.get(self.kind, self.kind)
            value: bool | None = getattr(s, attribute)
            label = {
                "rba_member": ("RBA member", "not an RBA member", "RBA membership not recorded"),
                "iso_14001": (
                    "valid ISO 14001",
                    "no valid ISO 14001 certificate",
                    "ISO 14001 not recorded",
                ),
                "iso_50001": (
                    "valid ISO 50001",
                    "no valid ISO 50001 certificate",
                    "ISO 50001 not recorded",
                ),
                "verified_data": (
                    "verified emissions data",
                    "emissions data not verified",
                    "no emissions data reported",
                ),
            }[self.kind]
            if value is None:
                return False, label[2]
            return bool(value), label[0] if value else label[1]
        if self.kind == "qualified":
            ok = s.qualification in ("qualified", "conditionally_qualified")
            state = s.qualification or "no qualification"
            return ok, f"qualification: {state}"
        if self.kind == "rating":
            if s.rating is None:
                return False, "no rating"
            ok = RATINGS.index(s.rating) <= RATINGS.index(str(self.parameter))
            return ok, f"rating {s.rating}" + ("" if ok else f" (needs {self.parameter})")
        # renewable
        want_share = float(str(self.parameter))
        if s.renewable_share is None:
            return False, "renewable electricity share not reported"
        ok = s.renewable_share >= want_share - 1e-9
        need = "" if ok else f" (needs {want_share:.0%})"
        return ok, f"renewable electricity {s.renewable_share:.0%}{need}"


@dataclass(frozen=True)
class Requirement:
    """A rule for (strategic or all) suppliers: every condition must hold by ``due_on``."""

    name: str
    applies_to: AppliesTo
    conditions: tuple[Condition, ...]
    due_on: dt.date

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidDataError("a requirement needs a name")
        try:
            object.__setattr__(self, "applies_to", AppliesTo(self.applies_to))
        except ValueError:
            raise InvalidDataError(
                f"a requirement applies to 'all' or 'strategic' suppliers, not '{self.applies_to}'"
            ) from None
        if not self.conditions:
            raise InvalidDataError(f"requirement '{self.name}' needs at least one condition")

    def applies(self, s: Standing) -> bool:
        return self.applies_to is AppliesTo.ALL or s.strategic


@dataclass(frozen=True)
class Compliance:
    requirement: str
    supplier_id: str
    meets: bool
    reasons: tuple[str, ...]
    due_on: dt.date
    overdue: bool

    @property
    def status(self) -> str:
        return "meets" if self.meets else "does_not_meet"


def check_requirement(requirement: Requirement, s: Standing, today: dt.date) -> Compliance | None:
    """Whether the supplier meets every condition (None: the rule does not apply to it).
    ``reasons`` list each condition's finding; ``overdue`` when unmet after the due date."""
    if not requirement.applies(s):
        return None
    results = [c.check(s) for c in requirement.conditions]
    meets = all(ok for ok, _ in results)
    return Compliance(
        requirement=requirement.name,
        supplier_id=s.supplier_id,
        meets=meets,
        reasons=tuple(reason for _, reason in results),
        due_on=requirement.due_on,
        overdue=not meets and today > requirement.due_on,
    )


# --- sourcing tiers -----------------------------------------------------------------------------


class Tier(StrEnum):
    PREFERRED = "preferred"
    APPROVED = "approved"
    CONDITIONAL = "conditional"
    NOT_ASSESSED = "not_assessed"
    BLOCKED = "blocked"


#: What each tier means for procurement (the sourcing page and the export explain them).
TIER_MEANINGS: Mapping[str, str] = MappingProxyType(
    {
        Tier.PREFERRED.value: "qualified and well rated: first choice for new business",
        Tier.APPROVED.value: "may be sourced from as usual",
        Tier.CONDITIONAL.value: "may be sourced from while it improves (a plan or a "
        "requirement to meet)",
        Tier.NOT_ASSESSED.value: "too little known to rate it: ask for its climate data "
        "before new business",
        Tier.BLOCKED.value: "no new business: qualification rejected or rated E on its data",
    }
)

#: The tier rules, first match wins: (qualification, ratings, tier). ``lapsed`` is a
#: qualification whose validity has passed; "not assessed" is a rating resting on data for
#: less than ``MIN_ASSESSED_COVERAGE`` of the weights. Afterwards, a preferred or approved
#: supplier with a requirement unmet after its due date drops to conditional.
TIER_RULES: tuple[tuple[str, str, Tier], ...] = (
    ("rejected", "any", Tier.BLOCKED),
    ("qualified", "not assessed", Tier.APPROVED),
    ("conditionally_qualified", "not assessed", Tier.CONDITIONAL),
    ("none, in_progress, expired, lapsed", "not assessed", Tier.NOT_ASSESSED),
    ("any", "E", Tier.BLOCKED),
    ("qualified", "A, B", Tier.PREFERRED),
    ("qualified", "C", Tier.APPROVED),
    ("conditionally_qualified", "A, B, C", Tier.APPROVED),
    ("qualified or conditionally_qualified", "D", Tier.CONDITIONAL),
    ("none, in_progress, expired, lapsed", "A, B, C, D", Tier.CONDITIONAL),
)


def sourcing_tier(
    rating: str,
    qualification: str | None,
    overdue_requirements: int = 0,
    coverage: float = 1.0,
) -> tuple[Tier, str]:
    """The tier by ``TIER_RULES``; a preferred or approved supplier with requirements unmet
    after their due date drops to conditional. ``coverage`` is the share of the rating's
    weights with data (``Scorecard.coverage``). Returns the tier and the rule's reason."""
    if qualification == "rejected":
        return Tier.BLOCKED, "qualification rejected"
    state = (qualification or "not qualified").replace("_", " ")
    tier: Tier
    if coverage < MIN_ASSESSED_COVERAGE - 1e-9:
        known = f"rating not assessed (data for {coverage:.0%} of its weight)"
        if qualification == "qualified":
            tier, reason = Tier.APPROVED, f"qualified; {known}"
        elif qualification == "conditionally_qualified":
            tier, reason = Tier.CONDITIONAL, f"conditionally qualified; {known}"
        else:
            return Tier.NOT_ASSESSED, f"{state}; {known}: request its climate data"
    elif rating == "E":
        return Tier.BLOCKED, f"rating E on data for {coverage:.0%} of its weight"
    elif qualification == "qualified" and rating in ("A", "B"):
        tier, reason = Tier.PREFERRED, f"qualified, rating {rating}"
    elif qualification == "qualified" and rating == "C":
        tier, reason = Tier.APPROVED, "qualified, rating C"
    elif qualification == "conditionally_qualified" and rating in ("A", "B", "C"):
        tier, reason = Tier.APPROVED, f"conditionally qualified, rating {rating}"
    else:
        tier, reason = Tier.CONDITIONAL, f"{state}, rating {rating}"
    if overdue_requirements and tier in (Tier.PREFERRED, Tier.APPROVED):
        tier = Tier.CONDITIONAL
        reason += f"; {overdue_requirements} requirement(s) overdue"
    return tier, reason

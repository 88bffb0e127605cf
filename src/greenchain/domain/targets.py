"""Climate targets: SBTi criteria checks, progress tracking, credits and roadmap what-ifs.

Emission targets (absolute, intensity, net zero) are measured in t CO2e on the target's scopes;
share targets (supplier engagement, renewable electricity) as a fraction 0..1. Carbon credits
never count towards a reduction target: ``progress`` does not take them, and ``neutralisation``
reports on them separately (only removals neutralise residual emissions of a net-zero target).
The checks follow ``CRITERIA_VERSION``; a criterion that cannot be judged from the inputs
reports ``passed=None`` with the reason.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

from greenchain.domain.errors import ConflictError, InvalidDataError, NotFoundError

CRITERIA_VERSION = (
    "SBTi Corporate Near-Term Criteria v5.2 (2024) and Corporate Net-Zero Standard v1.2"
)

_EPS = 1e-9

MIN_RATE_SCOPE_1_2 = 0.042  # 1.5 °C: linear annual reduction, Scope 1 and 2
MIN_RATE_SCOPE_3 = 0.025  # well-below 2 °C: linear annual reduction, Scope-3-only targets
#: Scope 3 economic intensity (per unit of value added or revenue): at least 7 % year on year,
#: compounding (SBTi Corporate Near-Term Criteria v5.x, Scope 3 level of ambition).
MIN_YOY_SCOPE_3_ECONOMIC_INTENSITY = 0.07
ECONOMIC_DENOMINATORS = frozenset({"revenue"})
MIN_COVERAGE_SCOPE_1_2 = 0.95
MIN_COVERAGE_SCOPE_3_NEAR_TERM = 0.67
MIN_COVERAGE_SCOPE_3_LONG_TERM = 0.90
SCOPE_3_THRESHOLD_SHARE = 0.40
EARLIEST_BASE_YEAR = 2015
NEAR_TERM_MIN_YEARS = 5
NEAR_TERM_MAX_YEARS = 10
SUPPLIER_ENGAGEMENT_MAX_YEARS = 5
NET_ZERO_MIN_REDUCTION = 0.90
NET_ZERO_LATEST_YEAR = 2050


class TargetKind(StrEnum):
    ABSOLUTE = "absolute"
    INTENSITY = "intensity"
    SUPPLIER_ENGAGEMENT = "supplier_engagement"
    RENEWABLE_ELECTRICITY = "renewable_electricity"
    NET_ZERO = "net_zero"


class Scope(StrEnum):
    SCOPE_1 = "1"
    SCOPE_2_MARKET = "2_market"
    SCOPE_2_LOCATION = "2_location"
    SCOPE_3 = "3"


class EngagementBasis(StrEnum):
    EMISSIONS = "emissions"
    SPEND = "spend"


class ProjectType(StrEnum):
    AVOIDANCE = "avoidance"
    REMOVAL = "removal"


EMISSION_KINDS = frozenset({TargetKind.ABSOLUTE, TargetKind.INTENSITY, TargetKind.NET_ZERO})
SHARE_KINDS = frozenset({TargetKind.SUPPLIER_ENGAGEMENT, TargetKind.RENEWABLE_ELECTRICITY})
_SCOPE_2 = frozenset({Scope.SCOPE_2_MARKET.value, Scope.SCOPE_2_LOCATION.value})
_KNOWN_SCOPES = tuple(s.value for s in Scope)


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.2f} %"


def _is_fraction(value: float, *, allow_zero: bool = True) -> bool:
    if not math.isfinite(value) or value > 1.0 or value < 0.0:
        return False
    return allow_zero or value > 0.0


@dataclass(frozen=True)
class Target:
    """A climate target as set (or submitted) by an organisation.

    ``reduction`` is the fraction (0..1] cut from the base year for absolute, intensity and net
    zero targets; ``target_share`` the fraction to reach for supplier engagement and renewable
    electricity targets (from ``base_share``). ``denominator`` names an intensity target's
    denominator: ``"revenue"`` (t CO2e per million of revenue) or a physical unit (a key of
    ``YearData.activity``). ``coverage`` is the fraction of the scopes' emissions inside the
    target boundary. ``milestones`` are interim ``(year, value)`` points, value in the same
    terms as ``reduction`` or ``target_share``.
    """

    name: str
    kind: TargetKind
    scopes: tuple[str, ...]
    base_year: int
    target_year: int
    reduction: float | None = None
    target_share: float | None = None
    denominator: str | None = None
    coverage: float = 1.0
    engagement_basis: EngagementBasis | None = None
    base_share: float = 0.0
    neutralise_residual: bool = False
    submitted_year: int | None = None
    milestones: tuple[tuple[int, float], ...] = ()

    def __post_init__(self) -> None:
        label = f"target '{self.name}'"
        if not self.name.strip():
            raise InvalidDataError("a target needs a name")
        try:
            kind = TargetKind(self.kind)
        except ValueError:
            known = ", ".join(k.value for k in TargetKind)
            raise InvalidDataError(
                f"{label}: unknown kind '{self.kind}' (expected one of {known})"
            ) from None
        object.__setattr__(self, "kind", kind)
        self._check_scopes(label, kind)
        if self.target_year <= self.base_year:
            raise InvalidDataError(
                f"{label}: target year {self.target_year} must be after base year {self.base_year}"
            )
        if self.submitted_year is not None and not (
            self.base_year <= self.submitted_year < self.target_year
        ):
            raise InvalidDataError(
                f"{label}: submitted year {self.submitted_year} must be from the base year "
                f"{self.base_year} and before the target year {self.target_year}"
            )
        if not _is_fraction(self.coverage, allow_zero=False):
            raise InvalidDataError(f"{label}: coverage {self.coverage} must be in (0, 1]")
        if kind in EMISSION_KINDS:
            self._check_emission_target(label, kind)
        else:
            self._check_share_target(label, kind)
        if self.neutralise_residual and kind is not TargetKind.NET_ZERO:
            raise InvalidDataError(f"{label}: only net-zero targets neutralise residual emissions")
        self._check_milestones(label)

    def _check_scopes(self, label: str, kind: TargetKind) -> None:
        scopes = tuple(self.scopes)
        if not scopes:
            raise InvalidDataError(f"{label}: at least one scope is needed")
        unknown = [s for s in scopes if s not in _KNOWN_SCOPES]
        if unknown:
            raise InvalidDataError(
                f"{label}: unknown scope '{unknown[0]}' (expected one of "
                f"{', '.join(_KNOWN_SCOPES)})"
            )
        if len(set(scopes)) != len(scopes):
            raise InvalidDataError(f"{label}: a scope is listed twice in {', '.join(scopes)}")
        if set(scopes) >= _SCOPE_2:
            raise InvalidDataError(
                f"{label}: choose market-based or location-based Scope 2, not both "
                "(they measure the same emissions)"
            )
        if kind is TargetKind.SUPPLIER_ENGAGEMENT and scopes != ("3",):
            raise InvalidDataError(f"{label}: a supplier engagement target covers Scope 3 only")
        object.__setattr__(self, "scopes", tuple(str(Scope(s).value) for s in scopes))

    def _check_emission_target(self, label: str, kind: TargetKind) -> None:
        if self.reduction is None or not _is_fraction(self.reduction, allow_zero=False):
            raise InvalidDataError(
                f"{label}: reduction {self.reduction} must be a fraction in (0, 1] "
                "(0.42 for a 42 % cut)"
            )
        if self.target_share is not None:
            raise InvalidDataError(f"{label}: a {kind.value} target has a reduction, not a share")
        if self.engagement_basis is not None:
            raise InvalidDataError(f"{label}: engagement basis is for supplier engagement only")
        if kind is TargetKind.INTENSITY:
            if self.denominator is None or not self.denominator.strip():
                raise InvalidDataError(
                    f"{label}: an intensity target needs a denominator "
                    "('revenue' or a physical unit)"
                )
        elif self.denominator is not None:
            raise InvalidDataError(f"{label}: only intensity targets have a denominator")

    def _check_share_target(self, label: str, kind: TargetKind) -> None:
        if self.reduction is not None:
            raise InvalidDataError(
                f"{label}: a {kind.value} target has a target share, not a reduction"
            )
        if self.denominator is not None:
            raise InvalidDataError(f"{label}: only intensity targets have a denominator")
        if not _is_fraction(self.base_share) or self.base_share >= 1.0:
            raise InvalidDataError(f"{label}: base share {self.base_share} must be in [0, 1)")
        if self.target_share is None or not _is_fraction(self.target_share, allow_zero=False):
            raise InvalidDataError(
                f"{label}: target share {self.target_share} must be a fraction in (0, 1]"
            )
        if self.target_share <= self.base_share:
            raise InvalidDataError(
                f"{label}: target share {self.target_share} must exceed the base share "
                f"{self.base_share}"
            )
        if kind is TargetKind.SUPPLIER_ENGAGEMENT:
            if self.engagement_basis is None:
                raise InvalidDataError(
                    f"{label}: a supplier engagement target needs an engagement basis "
                    "('emissions' or 'spend')"
                )
            try:
                basis = EngagementBasis(self.engagement_basis)
            except ValueError:
                raise InvalidDataError(
                    f"{label}: engagement basis '{self.engagement_basis}' must be "
                    "'emissions' or 'spend'"
                ) from None
            object.__setattr__(self, "engagement_basis", basis)
        elif self.engagement_basis is not None:
            raise InvalidDataError(f"{label}: engagement basis is for supplier engagement only")

    def _check_milestones(self, label: str) -> None:
        milestones = tuple((int(y), float(v)) for y, v in self.milestones)
        low, high = (
            (0.0, self.reduction)
            if self.reduction is not None
            else (self.base_share, self.target_share)
        )
        assert high is not None
        previous_year, previous_value = self.base_year, low
        for year, value in milestones:
            if not previous_year < year < self.target_year:
                raise InvalidDataError(
                    f"{label}: milestone year {year} must be after {previous_year} and before "
                    f"the target year {self.target_year}"
                )
            if not (previous_value - _EPS <= value <= high + _EPS):
                raise InvalidDataError(
                    f"{label}: milestone {year} value {value} must lie between {previous_value} "
                    f"and {high} (milestones move steadily towards the target)"
                )
            previous_year, previous_value = year, value
        object.__setattr__(self, "milestones", milestones)

    @property
    def is_emission_target(self) -> bool:
        return self.kind in EMISSION_KINDS

    @property
    def unit(self) -> str:
        """Unit of the tracked value (``t_co2e``, ``t_co2e_per_<denominator>``, ``fraction``)."""
        if self.kind is TargetKind.INTENSITY:
            assert self.denominator is not None
            if self.denominator == "revenue":
                return "t_co2e_per_million_revenue"
            return f"t_co2e_per_{self.denominator}"
        if self.is_emission_target:
            return "t_co2e"
        return "fraction"


@dataclass(frozen=True)
class YearData:
    """What one reporting year measured, as the input to checks and progress.

    ``emissions`` maps scope key to t CO2e; ``revenue_million`` is revenue in millions (of the
    reporting currency); ``activity`` maps a physical denominator (e.g. ``"t_steel"``) to its
    amount; shares are fractions 0..1.
    """

    year: int
    emissions: Mapping[str, float] = field(default_factory=dict)
    revenue_million: float | None = None
    activity: Mapping[str, float] = field(default_factory=dict)
    supplier_sbt_share_by_emissions: float | None = None
    supplier_sbt_share_by_spend: float | None = None
    renewable_share: float | None = None

    def __post_init__(self) -> None:
        for scope, value in self.emissions.items():
            if scope not in _KNOWN_SCOPES:
                raise InvalidDataError(f"year {self.year}: unknown scope '{scope}'")
            if not math.isfinite(value) or value < 0:
                raise InvalidDataError(
                    f"year {self.year}: Scope {scope} emissions {value} t CO2e must be >= 0"
                )
        if self.revenue_million is not None and not (
            math.isfinite(self.revenue_million) and self.revenue_million > 0
        ):
            raise InvalidDataError(
                f"year {self.year}: revenue {self.revenue_million} million must be > 0"
            )
        for unit, amount in self.activity.items():
            if not math.isfinite(amount) or amount <= 0:
                raise InvalidDataError(f"year {self.year}: activity '{unit}' {amount} must be > 0")
        for name in (
            "supplier_sbt_share_by_emissions",
            "supplier_sbt_share_by_spend",
            "renewable_share",
        ):
            value = getattr(self, name)
            if value is not None and not _is_fraction(value):
                raise InvalidDataError(f"year {self.year}: {name} {value} must be in [0, 1]")

    def scope3_share(self) -> float | None:
        """Scope 3 / (Scope 1 + Scope 2 market (else location) + Scope 3); None if unknown."""
        if "3" not in self.emissions:
            return None
        scope2 = self.emissions.get("2_market", self.emissions.get("2_location", 0.0))
        total = self.emissions.get("1", 0.0) + scope2 + self.emissions["3"]
        return self.emissions["3"] / total if total > 0 else None


def history_from(years: Sequence[YearData]) -> dict[int, YearData]:
    """Index year data by year; a year given twice is an error."""
    history: dict[int, YearData] = {}
    for data in years:
        if data.year in history:
            raise InvalidDataError(f"year {data.year} is given twice")
        history[data.year] = data
    return history


# --- SBTi criteria -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionResult:
    """One criterion: ``passed`` is None when it does not apply or cannot be judged."""

    code: str
    name: str
    passed: bool | None
    reason: str


@dataclass(frozen=True)
class TargetCheck:
    target_name: str
    kind: TargetKind
    criteria: tuple[CriterionResult, ...]
    criteria_version: str = CRITERIA_VERSION

    @property
    def meets_all(self) -> bool:
        """No criterion failed; those that could not be judged are in ``undetermined``."""
        return all(c.passed is not False for c in self.criteria)

    @property
    def failed(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if c.passed is False)

    @property
    def undetermined(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if c.passed is None)

    def get(self, code: str) -> CriterionResult:
        for criterion in self.criteria:
            if criterion.code == code:
                return criterion
        raise NotFoundError(f"target '{self.target_name}': no criterion '{code}' was checked")


def linear_annual_reduction(target: Target) -> float:
    """Linear annual reduction rate: ``reduction / (target_year - base_year)``, fraction/yr."""
    if target.reduction is None:
        raise InvalidDataError(f"target '{target.name}' is a share target, not a reduction")
    return target.reduction / (target.target_year - target.base_year)


def check_target(
    target: Target,
    history: Mapping[int, YearData],
    *,
    submitted_year: int | None = None,
) -> TargetCheck:
    """Check a target against the SBTi criteria of ``CRITERIA_VERSION``.

    ``submitted_year`` is the year the target is set or submitted (the caller passes the
    current year; the domain has no clock); without it ``target.submitted_year`` is used, and
    without either the timeframe criteria are undetermined. ``history`` gives the base-year
    inventory used for the Scope 3 share.
    """
    year = submitted_year if submitted_year is not None else target.submitted_year
    results: list[CriterionResult] = [_base_year(target)]
    if target.kind in (TargetKind.ABSOLUTE, TargetKind.INTENSITY):
        results.append(_ambition(target))
        results.extend(_boundary(target, history, long_term=False))
        results.append(_near_term_timeframe(target, year))
    elif target.kind is TargetKind.NET_ZERO:
        results.extend(_net_zero(target))
        results.extend(_boundary(target, history, long_term=True))
    elif target.kind is TargetKind.SUPPLIER_ENGAGEMENT:
        results.extend(_supplier_engagement(target, year))
    else:
        results.append(_renewable_electricity(target))
    return TargetCheck(target_name=target.name, kind=target.kind, criteria=tuple(results))


def _base_year(target: Target) -> CriterionResult:
    ok = target.base_year >= EARLIEST_BASE_YEAR
    verb = "is" if ok else "is before"
    return CriterionResult(
        "base_year",
        "Base year no earlier than 2015",
        ok,
        f"base year {target.base_year} {verb} {'no earlier than ' if ok else ''}"
        f"{EARLIEST_BASE_YEAR}",
    )


def _ambition(target: Target) -> CriterionResult:
    if target.kind is TargetKind.INTENSITY:
        return _intensity_ambition(target)
    rate = linear_annual_reduction(target)
    has_scope_1_2 = "1" in target.scopes or bool(_SCOPE_2 & set(target.scopes))
    if has_scope_1_2:
        minimum, pathway, group = MIN_RATE_SCOPE_1_2, "1.5 °C", "Scope 1+2"
    else:
        minimum, pathway, group = MIN_RATE_SCOPE_3, "well-below 2 °C", "Scope 3"
    ok = rate >= minimum - _EPS
    years = target.target_year - target.base_year
    reason = (
        f"{rate * 100:.2f} %/yr linear reduction ({_pct(target.reduction or 0.0)} over {years} "
        f"years) {'meets' if ok else 'is below'} the {minimum * 100:g} %/yr minimum for "
        f"{pathway} ({group})"
    )
    return CriterionResult("ambition", "Ambition (linear annual reduction)", ok, reason)


def year_on_year_reduction(target: Target) -> float:
    """Compound annual reduction rate: ``1 - (1 - reduction) ** (1 / years)``, fraction/yr."""
    if target.reduction is None:
        raise InvalidDataError(f"target '{target.name}' is a share target, not a reduction")
    years = target.target_year - target.base_year
    return 1.0 - float((1.0 - target.reduction) ** (1.0 / years))


def _intensity_ambition(target: Target) -> CriterionResult:
    """Ambition of an intensity target (SBTi Corporate Near-Term Criteria v5.x).

    Scope 1 and 2 economic intensity (per revenue) is not an eligible target-setting method;
    Scope 3 economic intensity needs at least 7 % a year, year on year; a physical intensity
    target (per tonne, per unit...) follows the sector pathway of the Sectoral Decarbonization
    Approach, which is judged only against that pathway (none is held here: undetermined).
    """
    name = "Ambition (intensity)"
    years = target.target_year - target.base_year
    has_scope_1_2 = "1" in target.scopes or bool(_SCOPE_2 & set(target.scopes))
    economic = (target.denominator or "") in ECONOMIC_DENOMINATORS
    cut = f"{_pct(target.reduction or 0.0)} over {years} years"
    if economic and has_scope_1_2:
        return CriterionResult(
            "ambition",
            name,
            False,
            f"economic intensity ({target.denominator}) is not an eligible method for Scope 1 "
            "and 2 targets (SBTi near-term criteria v5.x); set an absolute target of at least "
            f"{MIN_RATE_SCOPE_1_2 * 100:g} %/yr (1.5 °C) or a physical intensity target on a "
            "sector pathway",
        )
    if economic:
        rate = year_on_year_reduction(target)
        ok = rate >= MIN_YOY_SCOPE_3_ECONOMIC_INTENSITY - _EPS
        return CriterionResult(
            "ambition",
            name,
            ok,
            f"{rate * 100:.2f} %/yr year-on-year economic intensity reduction ({cut}) "
            f"{'meets' if ok else 'is below'} the "
            f"{MIN_YOY_SCOPE_3_ECONOMIC_INTENSITY * 100:g} %/yr minimum for Scope 3 economic "
            "intensity targets",
        )
    rate = linear_annual_reduction(target)
    return CriterionResult(
        "ambition",
        name,
        None,
        f"{rate * 100:.2f} %/yr linear physical intensity reduction ({cut}) per "
        f"{target.denominator}: a physical intensity target must follow its sector's pathway "
        "(SBTi Sectoral Decarbonization Approach); no sector pathway is available in "
        "Greenchain, so its ambition is not judged here",
    )


def _boundary(
    target: Target, history: Mapping[int, YearData], *, long_term: bool
) -> list[CriterionResult]:
    results: list[CriterionResult] = []
    scopes = set(target.scopes)
    if "1" in scopes or _SCOPE_2 & scopes:
        ok = target.coverage >= MIN_COVERAGE_SCOPE_1_2 - _EPS
        results.append(
            CriterionResult(
                "boundary_scope_1_2",
                "Scope 1+2 boundary coverage",
                ok,
                f"covers {_pct(target.coverage)} of Scope 1+2 emissions; at least "
                f"{MIN_COVERAGE_SCOPE_1_2 * 100:g} % is required",
            )
        )
    base = history.get(target.base_year)
    share = base.scope3_share() if base is not None else None
    share_text = (
        f"Scope 3 is {_pct(share)} of base-year emissions"
        if share is not None
        else f"no Scope 3 figure for base year {target.base_year}"
    )
    name = "Scope 3 boundary coverage"
    if long_term:
        minimum = MIN_COVERAGE_SCOPE_3_LONG_TERM
        if "3" in scopes:
            ok = target.coverage >= minimum - _EPS
            reason = (
                f"covers {_pct(target.coverage)} of Scope 3 emissions; a net-zero target needs "
                f"at least {minimum * 100:g} %"
            )
            results.append(CriterionResult("boundary_scope_3", name, ok, reason))
        else:
            reason = f"a net-zero target must cover at least {minimum * 100:g} % of Scope 3"
            results.append(CriterionResult("boundary_scope_3", name, False, reason))
        return results
    minimum = MIN_COVERAGE_SCOPE_3_NEAR_TERM
    threshold = SCOPE_3_THRESHOLD_SHARE * 100
    if share is None:
        reason = f"{share_text}: cannot tell whether a Scope 3 target is required"
        results.append(CriterionResult("boundary_scope_3", name, None, reason))
    elif share < SCOPE_3_THRESHOLD_SHARE:
        reason = f"{share_text}, under {threshold:g} %: a Scope 3 target is not required"
        results.append(CriterionResult("boundary_scope_3", name, None, reason))
    elif "3" in scopes:
        ok = target.coverage >= minimum - _EPS
        reason = (
            f"{share_text} (at least {threshold:g} %); the target covers "
            f"{_pct(target.coverage)} of Scope 3, at least {minimum * 100:g} % is required"
        )
        results.append(CriterionResult("boundary_scope_3", name, ok, reason))
    else:
        reason = (
            f"{share_text} (at least {threshold:g} %): a separate Scope 3 target covering at "
            f"least {minimum * 100:g} % of Scope 3 is required"
        )
        results.append(CriterionResult("boundary_scope_3", name, None, reason))
    return results


def _near_term_timeframe(target: Target, submitted_year: int | None) -> CriterionResult:
    name = "Near-term timeframe (5 to 10 years from submission)"
    if submitted_year is None:
        return CriterionResult(
            "timeframe", name, None, "submission year unknown: cannot check the timeframe"
        )
    years = target.target_year - submitted_year
    ok = NEAR_TERM_MIN_YEARS <= years <= NEAR_TERM_MAX_YEARS
    reason = (
        f"target year {target.target_year} is {years} years from submission in "
        f"{submitted_year}; near-term targets need {NEAR_TERM_MIN_YEARS} to "
        f"{NEAR_TERM_MAX_YEARS} years"
    )
    return CriterionResult("timeframe", name, ok, reason)


def _net_zero(target: Target) -> list[CriterionResult]:
    reduction = target.reduction or 0.0
    depth_ok = reduction >= NET_ZERO_MIN_REDUCTION - _EPS
    year_ok = target.target_year <= NET_ZERO_LATEST_YEAR
    return [
        CriterionResult(
            "net_zero_depth",
            "Net-zero deep reduction",
            depth_ok,
            f"{_pct(reduction)} reduction {'meets' if depth_ok else 'is below'} the "
            f"{NET_ZERO_MIN_REDUCTION * 100:g} % minimum for net zero",
        ),
        CriterionResult(
            "net_zero_year",
            "Net zero no later than 2050",
            year_ok,
            f"target year {target.target_year} is {'no later than' if year_ok else 'after'} "
            f"{NET_ZERO_LATEST_YEAR}",
        ),
        CriterionResult(
            "neutralisation",
            "Neutralisation of residual emissions",
            target.neutralise_residual,
            "residual emissions are to be neutralised with carbon removals"
            if target.neutralise_residual
            else "net zero requires neutralising residual emissions with carbon removals",
        ),
    ]


def _supplier_engagement(target: Target, submitted_year: int | None) -> list[CriterionResult]:
    basis = target.engagement_basis.value if target.engagement_basis else "emissions"
    name = f"Supplier engagement timeframe (within {SUPPLIER_ENGAGEMENT_MAX_YEARS} years)"
    if submitted_year is None:
        timeframe = CriterionResult(
            "timeframe", name, None, "submission year unknown: cannot check the timeframe"
        )
    else:
        years = target.target_year - submitted_year
        ok = 0 < years <= SUPPLIER_ENGAGEMENT_MAX_YEARS
        timeframe = CriterionResult(
            "timeframe",
            name,
            ok,
            f"target year {target.target_year} is {years} years from submission in "
            f"{submitted_year}; supplier engagement targets need at most "
            f"{SUPPLIER_ENGAGEMENT_MAX_YEARS} years",
        )
    share = CriterionResult(
        "supplier_engagement_share",
        "Supplier engagement share",
        True,
        f"{_pct(target.target_share or 0.0)} of suppliers by {basis} to have science-based "
        f"targets by {target.target_year} (from {_pct(target.base_share)} in "
        f"{target.base_year})",
    )
    return [timeframe, share]


def _renewable_electricity(target: Target) -> CriterionResult:
    name = "Renewable electricity (80 % by 2025, 100 % by 2030)"
    if not _SCOPE_2 & set(target.scopes):
        return CriterionResult(
            "renewable_electricity", name, None, "not a Scope 2 target: criterion not applied"
        )
    share = target.target_share or 0.0
    ok = (share >= 0.8 - _EPS and target.target_year <= 2025) or (
        share >= 1.0 - _EPS and target.target_year <= 2030
    )
    reason = (
        f"{_pct(share)} renewable electricity by {target.target_year} "
        f"{'is' if ok else 'is not'} aligned with 1.5 °C for Scope 2 "
        "(SBTi accepts 80 % by 2025 or 100 % by 2030)"
    )
    return CriterionResult("renewable_electricity", name, ok, reason)


# --- Progress ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Where a target stands in ``year``.

    Values are in ``unit``. ``expected_value`` follows the linear path (through milestones)
    from base to target. ``gap`` is signed so positive means behind the path.
    ``required_annual_reduction`` is, for emission targets, the linear cut per remaining year
    needed from ``actual_value`` to ``target_value`` as a fraction of ``base_value``; for share
    targets the share increase per remaining year; None from the target year on.
    """

    name: str
    kind: TargetKind
    scopes: tuple[str, ...]
    base_year: int
    base_value: float
    target_year: int
    target_value: float
    year: int
    actual_value: float
    expected_value: float
    on_track: bool
    gap: float
    required_annual_reduction: float | None
    unit: str

    @property
    def achieved_reduction(self) -> float | None:
        """Fraction cut from the base value so far (emission targets), else None."""
        if self.kind not in EMISSION_KINDS:
            return None
        return 1.0 - self.actual_value / self.base_value


def value_for(target: Target, data: YearData) -> float:
    """The tracked value of a target in one year (t CO2e, intensity or share fraction)."""
    where = f"target '{target.name}', year {data.year}"
    if target.kind in SHARE_KINDS:
        share = _share(target, data)
        if share is None:
            raise NotFoundError(f"{where}: no {_share_name(target)} recorded")
        return share
    missing = [s for s in target.scopes if s not in data.emissions]
    if missing:
        raise NotFoundError(f"{where}: no Scope {missing[0]} emissions recorded")
    emissions = sum(data.emissions[s] for s in target.scopes)
    if target.kind is not TargetKind.INTENSITY:
        return emissions
    assert target.denominator is not None
    if target.denominator == "revenue":
        if data.revenue_million is None:
            raise NotFoundError(f"{where}: no revenue recorded for the intensity denominator")
        return emissions / data.revenue_million
    amount = data.activity.get(target.denominator)
    if amount is None:
        raise NotFoundError(f"{where}: no activity '{target.denominator}' recorded")
    return emissions / amount


def _share_name(target: Target) -> str:
    if target.kind is TargetKind.RENEWABLE_ELECTRICITY:
        return "renewable electricity share"
    basis = target.engagement_basis.value if target.engagement_basis else "emissions"
    return f"supplier SBT share by {basis}"


def _share(target: Target, data: YearData) -> float | None:
    if target.kind is TargetKind.RENEWABLE_ELECTRICITY:
        return data.renewable_share
    if target.engagement_basis is EngagementBasis.SPEND:
        return data.supplier_sbt_share_by_spend
    return data.supplier_sbt_share_by_emissions


def _year_data(target: Target, history: Mapping[int, YearData], year: int, role: str) -> YearData:
    data = history.get(year)
    if data is None:
        raise NotFoundError(f"target '{target.name}': no data for {role} {year}")
    if data.year != year:
        raise InvalidDataError(
            f"target '{target.name}': history key {year} holds data for year {data.year}"
        )
    return data


def path_points(target: Target, base_value: float) -> tuple[tuple[int, float], ...]:
    """The (year, value) points of the target path: base, milestones, target."""
    if target.is_emission_target:
        assert target.reduction is not None
        points = [(target.base_year, base_value)]
        points += [(y, base_value * (1.0 - m)) for y, m in target.milestones]
        points.append((target.target_year, base_value * (1.0 - target.reduction)))
    else:
        assert target.target_share is not None
        points = [(target.base_year, base_value), *target.milestones]
        points.append((target.target_year, target.target_share))
    return tuple(points)


def expected_value(points: Sequence[tuple[int, float]], year: int) -> float:
    """Piecewise linear value at ``year`` along ``points``, clamped to the first and last."""
    if year <= points[0][0]:
        return points[0][1]
    for (y0, v0), (y1, v1) in pairwise(points):
        if year <= y1:
            return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
    return points[-1][1]


def progress(target: Target, history: Mapping[int, YearData], year: int) -> Progress:
    """Progress of ``target`` in ``year`` against its linear (milestone) path.

    Absolute and net-zero targets track the sum of the target scopes' emissions (t CO2e);
    intensity targets that sum per million of revenue or per unit of ``denominator``; share
    targets the share recorded in ``YearData``. A share target's base value is the base year's
    recorded share when there is one, else ``target.base_share``. Carbon credits play no part.
    """
    data = _year_data(target, history, year, "year")
    if target.is_emission_target:
        base_value = value_for(target, _year_data(target, history, target.base_year, "base year"))
        if base_value <= 0:
            raise InvalidDataError(
                f"target '{target.name}': base year {target.base_year} value is zero; "
                "there is nothing to reduce"
            )
    else:
        base_data = history.get(target.base_year)
        recorded = _share(target, base_data) if base_data is not None else None
        base_value = recorded if recorded is not None else target.base_share
    actual = value_for(target, data)
    points = path_points(target, base_value)
    expected = expected_value(points, year)
    target_value = points[-1][1]
    remaining = target.target_year - year
    required: float | None
    if target.is_emission_target:
        gap = actual - expected
        on_track = actual <= expected + _EPS * max(1.0, abs(expected))
        required = (
            max(0.0, actual - target_value) / remaining / base_value if remaining > 0 else None
        )
    else:
        gap = expected - actual
        on_track = actual >= expected - _EPS
        required = max(0.0, target_value - actual) / remaining if remaining > 0 else None
    return Progress(
        name=target.name,
        kind=target.kind,
        scopes=target.scopes,
        base_year=target.base_year,
        base_value=base_value,
        target_year=target.target_year,
        target_value=target_value,
        year=year,
        actual_value=actual,
        expected_value=expected,
        on_track=on_track,
        gap=gap,
        required_annual_reduction=required,
        unit=target.unit,
    )


# --- Carbon credits ------------------------------------------------------------------------------


#: The smallest quantity a credit block can hold: one kilogram. Registries issue whole tonnes
#: and some allow fractions retired; below a kilogram a figure is a unit error, not data.
MIN_CREDIT_T = 0.001


#: What a credit block is described by, in the order registries and disclosures list them
#: (ESRS E1-7, the ledger's record of a block).
CREDIT_FIELDS: tuple[str, ...] = (
    "registry",
    "serial_start",
    "serial_end",
    "vintage",
    "project_type",
    "standard",
    "quantity_t",
    "retired_for",
    "corresponding_adjustment",
    "location",
    "cancelled_on",
)

#: The credit fields added after the first blocks were recorded: a block recorded before has
#: them empty, and its ledger entry vouches for the fields it had (an empty one is left out
#: of the row digest, so the entry still matches).
CREDIT_FIELDS_ADDED_LATER = frozenset({"corresponding_adjustment", "location", "cancelled_on"})

#: Where a credit's project is, as ESRS E1-7 (para. 59-60, AR 62) splits them.
CREDIT_LOCATIONS = ("EU", "non-EU")

#: EU member states (ISO 3166 alpha-2), for the location of a project given by its country.
EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
})  # fmt: skip


def credit_location(text: str | None) -> str | None:
    """ "EU" or "non-EU" from what a person writes: either word (case, spaces and dashes
    aside) or the project's country as ISO 3166 alpha-2 (an EU member state is "EU"; "EL"
    is Greece). None when empty."""
    if text is None or not text.strip():
        return None
    key = text.strip().upper().replace(" ", "").replace("-", "").replace("_", "")
    if key == "EU":
        return "EU"
    if key in ("NONEU", "OUTSIDEEU"):
        return "non-EU"
    if len(key) == 2 and key.isalpha():
        return "EU" if key in EU_COUNTRIES or key == "EL" else "non-EU"
    raise InvalidDataError(
        f"credit location '{text}' must be EU, non-EU or the project's country (ISO 3166 "
        "alpha-2, e.g. DE or BR)"
    )


@dataclass(frozen=True)
class Credit:
    """A block of carbon credits (1 credit = 1 t CO2e) with serials ``serial_start..serial_end``.

    ``retired_for`` names the beneficiary or claim the block was retired for; None = not
    retired (held).
    """

    serial_start: int
    serial_end: int
    registry: str
    vintage: int
    project_type: ProjectType
    standard: str
    quantity_t: float
    retired_for: str | None = None
    #: the host country applied a corresponding adjustment (Paris Agreement Art. 6), None when
    #: not known; ``location``: "EU" or "non-EU" (ESRS E1-7 AR 62), None when not known
    corresponding_adjustment: bool | None = None
    location: str | None = None
    #: the date the registry cancelled (retired) the block: ESRS E1-7 para. 59 and CDP C11.2a
    #: report the credits cancelled in the reporting year. None: not given (recorded before
    #: the date was kept; such a block counts in the year it was recorded)
    cancelled_on: dt.date | None = None

    def __post_init__(self) -> None:
        label = f"credits {self.serial_start}-{self.serial_end} in registry '{self.registry}'"
        if not self.registry.strip():
            raise InvalidDataError(f"credits {self.serial_start}-{self.serial_end}: no registry")
        if self.serial_end < self.serial_start:
            raise InvalidDataError(f"{label}: serial range ends before it starts")
        try:
            object.__setattr__(self, "project_type", ProjectType(self.project_type))
        except ValueError:
            raise InvalidDataError(
                f"{label}: project type '{self.project_type}' must be 'avoidance' or 'removal'"
            ) from None
        if self.location is not None and self.location not in CREDIT_LOCATIONS:
            raise InvalidDataError(f"{label}: location '{self.location}' is not EU or non-EU")
        if self.cancelled_on is not None and self.cancelled_on.year < self.vintage:
            raise InvalidDataError(
                f"{label}: cancelled on {self.cancelled_on.isoformat()}, before its vintage "
                f"{self.vintage} (a credit is issued for reductions of its vintage year, then "
                "cancelled)"
            )
        count = self.serial_end - self.serial_start + 1
        if not (math.isfinite(self.quantity_t) and MIN_CREDIT_T <= self.quantity_t <= count):
            raise InvalidDataError(
                f"{label}: quantity {self.quantity_t} t must be at least {MIN_CREDIT_T} t (one "
                f"kilogram) and at most the {count} serials of the block"
            )

    @property
    def is_retired(self) -> bool:
        return self.retired_for is not None

    def overlaps(self, other: Credit) -> bool:
        return (
            self.registry.strip().casefold() == other.registry.strip().casefold()
            and self.serial_start <= other.serial_end
            and other.serial_start <= self.serial_end
        )


def check_no_double_retirement(existing: Sequence[Credit], new: Credit) -> None:
    """Raise ConflictError when ``new`` shares a serial with a recorded block of its registry."""
    for credit in existing:
        if credit.overlaps(new):
            serial = max(credit.serial_start, new.serial_start)
            raise ConflictError(
                f"serial {serial} in registry '{new.registry}' is already recorded (block "
                f"{credit.serial_start}-{credit.serial_end}); credits cannot be retired twice"
            )


@dataclass(frozen=True)
class NeutralisationStatement:
    """Credits set against residual emissions, in t CO2e.

    Net-zero neutralisation counts retired removals only; a carbon-neutral claim for the stated
    ``boundary`` counts all retired credits (removals and avoidance). Neither changes the
    inventory or target progress.
    """

    boundary: str
    residual_t: float
    removals_retired_t: float
    avoidance_retired_t: float
    not_retired_t: float
    neutralised_t: float
    shortfall_t: float
    is_neutralised: bool
    is_carbon_neutral_claim_covered: bool

    @property
    def retired_t(self) -> float:
        return self.removals_retired_t + self.avoidance_retired_t


def neutralisation(
    residual_t: float,
    credits: Sequence[Credit],
    *,
    boundary: str = "",
    retired_for: str | None = None,
) -> NeutralisationStatement:
    """Set retired credits against ``residual_t`` t CO2e of residual emissions.

    With ``retired_for`` only credits retired for that beneficiary count. Overlapping serials
    among ``credits`` raise ConflictError (a tonne is never counted twice).
    """
    if not math.isfinite(residual_t) or residual_t < 0:
        raise InvalidDataError(f"residual emissions {residual_t} t CO2e must be >= 0")
    for index, credit in enumerate(credits):
        check_no_double_retirement(credits[:index], credit)
    removals = avoidance = held = 0.0
    for credit in credits:
        counts = credit.is_retired and (retired_for is None or credit.retired_for == retired_for)
        if not counts:
            held += credit.quantity_t if not credit.is_retired else 0.0
            continue
        if credit.project_type is ProjectType.REMOVAL:
            removals += credit.quantity_t
        else:
            avoidance += credit.quantity_t
    neutralised = min(removals, residual_t)
    return NeutralisationStatement(
        boundary=boundary,
        residual_t=residual_t,
        removals_retired_t=removals,
        avoidance_retired_t=avoidance,
        not_retired_t=held,
        neutralised_t=neutralised,
        shortfall_t=residual_t - neutralised,
        is_neutralised=removals >= residual_t - _EPS,
        is_carbon_neutral_claim_covered=removals + avoidance >= residual_t - _EPS,
    )


# --- Roadmap what-ifs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplierTargets:
    """``top_n_share_of_scope3`` of Scope 3 falls by ``annual_rate`` a year, compounding."""

    top_n_share_of_scope3: float
    annual_rate: float
    start_year: int
    label: str = "supplier targets"


@dataclass(frozen=True)
class RenewableShare:
    """Renewable share rises linearly from ``current_share`` (latest year) to ``target_share``
    by ``by_year``; the electricity part of market Scope 2 falls in proportion.

    ``scope2_market_t`` is the electricity part of market-based Scope 2 in the latest year
    (None = all of it).
    """

    target_share: float
    by_year: int
    current_share: float
    scope2_market_t: float | None = None
    label: str = "renewable electricity"


@dataclass(frozen=True)
class Efficiency:
    """Emissions of ``scope`` fall by ``annual_rate`` a year, compounding."""

    scope: str
    annual_rate: float
    start_year: int
    label: str = "efficiency"


@dataclass(frozen=True)
class ReductionProject:
    """A project that saves ``t_co2e_per_year`` of ``scope`` each year from ``start_year``."""

    scope: str
    t_co2e_per_year: float
    start_year: int
    label: str = "reduction project"


Lever = SupplierTargets | RenewableShare | Efficiency | ReductionProject


@dataclass(frozen=True)
class LeverContribution:
    """What one lever saves in one year, t CO2e (``index`` is its position in the levers)."""

    index: int
    label: str
    scope: str
    saved_t_co2e: float


@dataclass(frozen=True)
class YearProjection:
    """One projected year: totals by scope and lever savings against the latest year held flat.

    ``total_t_co2e`` = Scope 1 + Scope 2 market-based (else location-based) + Scope 3.
    """

    year: int
    by_scope: dict[str, float]
    total_t_co2e: float
    baseline_total_t_co2e: float
    contributions: tuple[LeverContribution, ...]

    @property
    def saved_t_co2e(self) -> float:
        """Savings that count in the total (location-based Scope 2 does not when market is)."""
        counted = _total_scopes(self.by_scope)
        return sum(c.saved_t_co2e for c in self.contributions if c.scope in counted)


def _total_scopes(by_scope: Mapping[str, float]) -> tuple[str, ...]:
    scope2 = "2_market" if "2_market" in by_scope else "2_location"
    return tuple(s for s in ("1", scope2, "3") if s in by_scope)


def _total(by_scope: Mapping[str, float]) -> float:
    return sum(by_scope[s] for s in _total_scopes(by_scope))


def _validate_lever(index: int, lever: Lever) -> None:
    where = f"lever {index + 1} ({lever.label})"
    rates: list[tuple[str, float]] = []
    if isinstance(lever, SupplierTargets):
        rates = [("share of Scope 3", lever.top_n_share_of_scope3), ("rate", lever.annual_rate)]
    elif isinstance(lever, Efficiency):
        rates = [("rate", lever.annual_rate)]
    elif isinstance(lever, RenewableShare):
        rates = [("target share", lever.target_share), ("current share", lever.current_share)]
        if lever.current_share >= 1.0 or lever.target_share < lever.current_share:
            raise InvalidDataError(
                f"{where}: current share {lever.current_share} must be below 1 and not above "
                f"the target share {lever.target_share}"
            )
        if lever.scope2_market_t is not None and not lever.scope2_market_t >= 0:
            raise InvalidDataError(f"{where}: Scope 2 electricity {lever.scope2_market_t} t < 0")
    elif not (math.isfinite(lever.t_co2e_per_year) and lever.t_co2e_per_year >= 0):
        raise InvalidDataError(f"{where}: saving {lever.t_co2e_per_year} t CO2e/yr must be >= 0")
    for what, value in rates:
        if not _is_fraction(value):
            raise InvalidDataError(f"{where}: {what} {value} must be in [0, 1]")
    if isinstance(lever, Efficiency | ReductionProject) and lever.scope not in _KNOWN_SCOPES:
        raise InvalidDataError(f"{where}: unknown scope '{lever.scope}'")


def _years_active(start_year: int, latest_year: int, year: int) -> int:
    return max(0, year - max(start_year, latest_year + 1) + 1)


def _saving(
    lever: Lever, latest: Mapping[str, float], running: float, latest_year: int, year: int
) -> float:
    if isinstance(lever, SupplierTargets | Efficiency):
        share = lever.top_n_share_of_scope3 if isinstance(lever, SupplierTargets) else 1.0
        n = _years_active(lever.start_year, latest_year, year)
        return running * share * (1.0 - (1.0 - lever.annual_rate) ** n)
    if isinstance(lever, ReductionProject):
        active = _years_active(lever.start_year, latest_year, year) > 0
        return min(lever.t_co2e_per_year, running) if active else 0.0
    if lever.by_year <= latest_year:
        share = lever.target_share
    else:
        step = min(year, lever.by_year) - latest_year
        share = lever.current_share + (lever.target_share - lever.current_share) * (
            step / (lever.by_year - latest_year)
        )
    latest_market = latest.get("2_market", 0.0)
    if latest_market <= 0:
        return 0.0
    electricity = latest_market if lever.scope2_market_t is None else lever.scope2_market_t
    electricity_part = min(1.0, electricity / latest_market)
    fraction = (share - lever.current_share) / (1.0 - lever.current_share)
    return running * electricity_part * fraction


def _lever_scope(lever: Lever) -> str:
    if isinstance(lever, SupplierTargets):
        return "3"
    if isinstance(lever, RenewableShare):
        return "2_market"
    return lever.scope


def project(
    latest_year: int,
    latest: Mapping[str, float],
    levers: Sequence[Lever],
    until_year: int,
) -> list[YearProjection]:
    """Project emissions from ``latest_year`` to ``until_year`` under reduction levers.

    ``latest`` maps scope key to t CO2e in the latest year; without levers emissions stay flat.
    Each year is computed from ``latest``: levers act in the order given, each on what the
    levers before it left of its scope, so the savings add up to baseline minus projection.
    A lever's effect starts in ``start_year`` (not before ``latest_year + 1``); compounding
    levers save ``(1 - (1 - rate) ** years_active)`` of their part.
    """
    if until_year < latest_year:
        raise InvalidDataError(f"until year {until_year} is before the latest year {latest_year}")
    for scope, value in latest.items():
        if scope not in _KNOWN_SCOPES:
            raise InvalidDataError(f"latest year {latest_year}: unknown scope '{scope}'")
        if not (math.isfinite(value) and value >= 0):
            raise InvalidDataError(f"latest year {latest_year}: Scope {scope} {value} t < 0")
    for index, lever in enumerate(levers):
        _validate_lever(index, lever)
    baseline = _total(latest)
    result: list[YearProjection] = []
    for year in range(latest_year, until_year + 1):
        by_scope = dict(latest)
        contributions: list[LeverContribution] = []
        for index, lever in enumerate(levers):
            scope = _lever_scope(lever)
            running = by_scope.get(scope, 0.0)
            saved = _saving(lever, latest, running, latest_year, year) if running > 0 else 0.0
            if scope in by_scope:
                by_scope[scope] = running - saved
            contributions.append(LeverContribution(index, lever.label, scope, saved))
        result.append(
            YearProjection(
                year=year,
                by_scope=by_scope,
                total_t_co2e=_total(by_scope),
                baseline_total_t_co2e=baseline,
                contributions=tuple(contributions),
            )
        )
    return result

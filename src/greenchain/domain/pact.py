"""Product footprints as the PACT Technical Specifications v3 define them, and the rules a
PACT host applies to them: validation of a ``ProductFootprint`` against the v3 data model
(decimals as strings in the spec's patterns, URNs, enumerations, the geography rule), the
lifecycle (a change makes a new footprint with a new id and ``precedingPfIds``; the old one
becomes ``Deprecated``), the validity period, the ListFootprints / RequestCreated filters and
the CloudEvents the Events action accepts.

Source: PACT Technical Specifications for PCF Data Exchange v3.0.3 (WBCSD), sections "Data
Model", "Product Footprint Lifecycle", "Validity Period" and the OpenAPI schema
(``/3/footprints`` parameters, ``components/schemas``).

Footprints are plain JSON-like dicts in the spec's camelCase: they are exchanged as they are,
and the canonical JSON of each is what a host stores and serves.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from greenchain.domain.errors import (
    GreenchainError,
    InvalidDataError,
    NotFoundError,
    PermissionDeniedError,
)

#: The version of the Technical Specifications this host conforms to (``specVersion``).
SPEC_VERSION = "3.0.3"
#: Without a validity period a footprint is valid for 3 years after ``referencePeriodEnd``.
DEFAULT_VALIDITY_YEARS = 3
EVENT_PREFIX = "org.wbcsd.pact.ProductFootprint."


class FootprintStatus(StrEnum):
    ACTIVE = "Active"
    DEPRECATED = "Deprecated"


class EventType(StrEnum):
    PUBLISHED = EVENT_PREFIX + "PublishedEvent.3"
    REQUEST_CREATED = EVENT_PREFIX + "RequestCreatedEvent.3"
    REQUEST_FULFILLED = EVENT_PREFIX + "RequestFulfilledEvent.3"
    REQUEST_REJECTED = EVENT_PREFIX + "RequestRejectedEvent.3"


class ErrorCode(StrEnum):
    """The ``code`` values of the spec's ``Error`` object."""

    BAD_REQUEST = "BadRequest"
    ACCESS_DENIED = "AccessDenied"
    TOKEN_EXPIRED = "TokenExpired"
    NOT_FOUND = "NotFound"
    INTERNAL_ERROR = "InternalError"
    NOT_IMPLEMENTED = "NotImplemented"


class PactAuthenticationError(PermissionDeniedError):
    """A missing, malformed, revoked or expired access token (HTTP 401)."""

    code = "pact_authentication"

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class FootprintAccessDeniedError(PermissionDeniedError):
    """The footprint exists at this data owner but was not shared with the caller (HTTP 403)."""

    code = "pact_access_denied"


class FootprintNotFoundError(NotFoundError):
    code = "pact_footprint_not_found"


# --- basic types -------------------------------------------------------------------------
DECIMAL = re.compile(r"[+-]?\d+(\.\d+)?")
URN = re.compile(r"[uU][rR][nN]:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
SPEC_VERSION_PATTERN = re.compile(r"\d+\.\d+\.\d+(-\d{8})?")
COUNTRY = re.compile(r"[A-Z]{2}")
SUBDIVISION = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")
IPCC = re.compile(r"AR\d+")

DECLARED_UNITS = frozenset(
    {
        "liter",
        "kilogram",
        "cubic meter",
        "kilowatt hour",
        "megajoule",
        "ton kilometer",
        "square meter",
        "piece",
        "hour",
        "megabit second",
    }
)
UN_REGIONS = frozenset(
    {
        "Africa",
        "Americas",
        "Asia",
        "Europe",
        "Oceania",
        "Australia and New Zealand",
        "Central Asia",
        "Eastern Asia",
        "Eastern Europe",
        "Latin America and the Caribbean",
        "Melanesia",
        "Micronesia",
        "Northern Africa",
        "Northern America",
        "Northern Europe",
        "Polynesia",
        "South-eastern Asia",
        "Southern Asia",
        "Southern Europe",
        "Sub-Saharan Africa",
        "Western Asia",
        "Western Europe",
    }
)
RULE_OPERATORS = frozenset({"PEF", "EPD International", "Other"})
VERIFICATION_COVERAGE = frozenset({"PCF calculation model", "PCF program", "product level"})
CCU_APPROACHES = frozenset({"Cut-off", "Credit"})


class Sign(StrEnum):
    ANY = "any"
    POSITIVE = "> 0"
    POSITIVE_OR_ZERO = ">= 0"
    NEGATIVE_OR_ZERO = "<= 0"


#: The decimal properties of a CarbonFootprint and the sign each must have.
PCF_DECIMALS: Mapping[str, Sign] = {
    "declaredUnitAmount": Sign.POSITIVE,
    "productMassPerDeclaredUnit": Sign.ANY,
    "pcfExcludingBiogenicUptake": Sign.ANY,
    "pcfIncludingBiogenicUptake": Sign.ANY,
    "fossilCarbonContent": Sign.POSITIVE_OR_ZERO,
    "biogenicCarbonContent": Sign.POSITIVE_OR_ZERO,
    "recycledCarbonContent": Sign.POSITIVE_OR_ZERO,
    "fossilGhgEmissions": Sign.POSITIVE_OR_ZERO,
    "landUseChangeGhgEmissions": Sign.POSITIVE_OR_ZERO,
    "landCarbonLeakage": Sign.POSITIVE_OR_ZERO,
    "landManagementFossilGhgEmissions": Sign.POSITIVE_OR_ZERO,
    "landManagementBiogenicCO2Emissions": Sign.POSITIVE_OR_ZERO,
    "landManagementBiogenicCO2Removals": Sign.NEGATIVE_OR_ZERO,
    "biogenicCO2Uptake": Sign.NEGATIVE_OR_ZERO,
    "biogenicNonCO2Emissions": Sign.POSITIVE_OR_ZERO,
    "landAreaOccupation": Sign.POSITIVE_OR_ZERO,
    "aircraftGhgEmissions": Sign.POSITIVE_OR_ZERO,
    "packagingGhgEmissions": Sign.POSITIVE_OR_ZERO,
    "packagingBiogenicCarbonContent": Sign.POSITIVE_OR_ZERO,
    "outboundLogisticsGhgEmissions": Sign.POSITIVE_OR_ZERO,
    "ccsTechnologicalCO2Capture": Sign.NEGATIVE_OR_ZERO,
    "technologicalCO2Removals": Sign.NEGATIVE_OR_ZERO,
    "ccuCarbonContent": Sign.POSITIVE_OR_ZERO,
    "exemptedEmissionsPercent": Sign.ANY,
    "primaryDataShare": Sign.ANY,
}
PCF_REQUIRED = (
    "declaredUnitOfMeasurement",
    "declaredUnitAmount",
    "productMassPerDeclaredUnit",
    "referencePeriodStart",
    "referencePeriodEnd",
    "pcfExcludingBiogenicUptake",
    "pcfIncludingBiogenicUptake",
    "fossilGhgEmissions",
    "fossilCarbonContent",
    "ipccCharacterizationFactors",
    "crossSectoralStandards",
    "exemptedEmissionsPercent",
)
PF_REQUIRED = (
    "id",
    "specVersion",
    "created",
    "status",
    "companyName",
    "companyIds",
    "productDescription",
    "productIds",
    "productNameCompany",
    "pcf",
)
GEOGRAPHY_FIELDS = ("geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision")
#: Properties a host sets itself; a change of content is judged without them.
HOST_FIELDS = ("id", "specVersion", "created", "status", "precedingPfIds")
#: Removed in v3.0 (see "Obsolete Properties"); dropped on import.
OBSOLETE_FIELDS = ("version", "updated", "statusComment")


# --- parsing helpers ---------------------------------------------------------------------
def parse_datetime(text: str, field: str = "date-time") -> dt.datetime:
    """An ISO 8601 date-time (a date alone is midnight) as an aware UTC datetime; without
    an offset it is read as UTC."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidDataError(f"{field}: expected an ISO 8601 date-time")
    value = text.strip()
    try:
        if len(value) == 10:
            moment = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        else:
            moment = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise InvalidDataError(f"{field}: '{text}' is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def format_datetime(moment: dt.datetime) -> str:
    """``2025-04-24T12:13:44Z`` (UTC, whole seconds)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_decimal(value: Decimal | float | int | str) -> str:
    """A decimal string in the spec's pattern ``[+-]?\\d+(\\.\\d+)?`` (no exponent)."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidDataError(f"'{value}' is not a number") from None
    if not number.is_finite():
        raise InvalidDataError(f"'{value}' is not a finite number")
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def is_urn(value: object) -> bool:
    return isinstance(value, str) and URN.fullmatch(value) is not None


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and UUID.fullmatch(value) is not None


def canonical_json(document: Mapping[str, Any]) -> str:
    """Sorted keys, no insignificant whitespace, UTF-8 kept: equal content, equal text."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- validation ----------------------------------------------------------------------------
def _check_decimal(problems: list[str], path: str, value: object, sign: Sign) -> None:
    if not isinstance(value, str) or DECIMAL.fullmatch(value) is None:
        problems.append(f'{path}: expected a decimal string like "12.34", got {value!r}')
        return
    number = Decimal(value)
    bad = (
        (sign is Sign.POSITIVE and number <= 0)
        or (sign is Sign.POSITIVE_OR_ZERO and (number < 0 or value.startswith("-")))
        or (sign is Sign.NEGATIVE_OR_ZERO and number > 0)
    )
    if bad:
        problems.append(f"{path}: must be {sign.value}, got {value!r}")


def _check_range(problems: list[str], path: str, value: object, low: int, high: int) -> None:
    """A decimal string outside [low, high] (DQR 1..5, percentages 0..100, exemptions 0..5)."""
    valid = isinstance(value, str) and DECIMAL.fullmatch(value) is not None
    if valid and not Decimal(low) <= Decimal(str(value)) <= Decimal(high):
        problems.append(f"{path}: must be between {low} and {high}")


def _check_urns(problems: list[str], path: str, value: object, required: bool) -> None:
    if value is None:
        if required:
            problems.append(f"{path}: required")
        return
    if not isinstance(value, list) or not value:
        problems.append(f"{path}: expected a non-empty list of URNs")
        return
    for index, item in enumerate(value):
        if not is_urn(item):
            problems.append(f"{path}[{index}]: {item!r} is not a URN (urn:namespace:...)")
    if len({str(v) for v in value}) != len(value):
        problems.append(f"{path}: values must be unique")


def _check_datetime(problems: list[str], path: str, value: object, required: bool) -> None:
    if value is None:
        if required:
            problems.append(f"{path}: required")
        return
    try:
        parse_datetime(value, path)  # type: ignore[arg-type]
    except InvalidDataError as error:
        problems.append(error.message)


def _check_text(problems: list[str], path: str, value: object, *, required: bool) -> None:
    if value is None:
        if required:
            problems.append(f"{path}: required")
    elif not isinstance(value, str):
        problems.append(f"{path}: expected a string")


def _check_pcf(problems: list[str], pcf: Mapping[str, Any]) -> None:
    for name in PCF_REQUIRED:
        if pcf.get(name) is None:
            problems.append(f"pcf.{name}: required")
    unit = pcf.get("declaredUnitOfMeasurement")
    if unit is not None and unit not in DECLARED_UNITS:
        problems.append(
            f"pcf.declaredUnitOfMeasurement: {unit!r} is not one of {sorted(DECLARED_UNITS)}"
        )
    for name, sign in PCF_DECIMALS.items():
        if pcf.get(name) is not None:
            _check_decimal(problems, f"pcf.{name}", pcf[name], sign)
    for name in ("referencePeriodStart", "referencePeriodEnd"):
        _check_datetime(problems, f"pcf.{name}", pcf.get(name), required=False)
    given = [name for name in GEOGRAPHY_FIELDS if pcf.get(name) is not None]
    if len(given) > 1:
        problems.append(f"pcf: at most one of {', '.join(GEOGRAPHY_FIELDS)} may be defined")
    region = pcf.get("geographyRegionOrSubregion")
    if region is not None and region not in UN_REGIONS:
        problems.append(f"pcf.geographyRegionOrSubregion: {region!r} is not a UN (sub)region")
    country = pcf.get("geographyCountry")
    if country is not None and (not isinstance(country, str) or not COUNTRY.fullmatch(country)):
        problems.append(f"pcf.geographyCountry: {country!r} is not an ISO 3166-1 alpha-2 code")
    subdivision = pcf.get("geographyCountrySubdivision")
    if subdivision is not None and (
        not isinstance(subdivision, str) or not SUBDIVISION.fullmatch(subdivision)
    ):
        problems.append(
            f"pcf.geographyCountrySubdivision: {subdivision!r} is not an ISO 3166-2 code"
        )
    factors = pcf.get("ipccCharacterizationFactors")
    if factors is not None and (
        not isinstance(factors, list)
        or not factors
        or any(not isinstance(f, str) or not IPCC.fullmatch(f) for f in factors)
        or len(set(factors)) != len(factors)
    ):
        problems.append("pcf.ipccCharacterizationFactors: expected unique values like 'AR6'")
    standards = pcf.get("crossSectoralStandards")
    if standards is not None and (
        not isinstance(standards, list)
        or not standards
        or any(not isinstance(s, str) for s in standards)
        or len(set(standards)) != len(standards)
    ):
        problems.append("pcf.crossSectoralStandards: expected a non-empty list of unique names")
    for name in ("packagingEmissionsIncluded", "ccsTechnologicalCO2CaptureIncluded"):
        if pcf.get(name) is not None and not isinstance(pcf[name], bool):
            problems.append(f"pcf.{name}: expected true or false")
    approach = pcf.get("ccuCalculationApproach")
    if approach is not None and approach not in CCU_APPROACHES:
        problems.append(f"pcf.ccuCalculationApproach: {approach!r} is not Cut-off or Credit")
    rules = pcf.get("productOrSectorSpecificRules")
    if rules is not None:
        if not isinstance(rules, list) or not rules:
            problems.append("pcf.productOrSectorSpecificRules: expected a non-empty list")
        else:
            for index, rule in enumerate(rules):
                path = f"pcf.productOrSectorSpecificRules[{index}]"
                if not isinstance(rule, dict) or rule.get("operator") not in RULE_OPERATORS:
                    problems.append(f"{path}.operator: expected one of {sorted(RULE_OPERATORS)}")
                    continue
                names = rule.get("ruleNames")
                if not isinstance(names, list) or not names:
                    problems.append(f"{path}.ruleNames: expected a non-empty list")
    sources = pcf.get("secondaryEmissionFactorSources")
    if sources is not None:
        if not isinstance(sources, list) or not sources:
            problems.append("pcf.secondaryEmissionFactorSources: expected a non-empty list")
        else:
            for index, source in enumerate(sources):
                if not isinstance(source, dict) or not all(
                    isinstance(source.get(k), str) and source[k] for k in ("name", "version")
                ):
                    problems.append(
                        f"pcf.secondaryEmissionFactorSources[{index}]: name and version needed"
                    )
    dqi = pcf.get("dqi")
    if dqi is not None:
        if not isinstance(dqi, dict):
            problems.append("pcf.dqi: expected an object")
        else:
            for name in ("technologicalDQR", "geographicalDQR", "temporalDQR"):
                value = dqi.get(name)
                if value is None:
                    problems.append(f"pcf.dqi.{name}: required")
                    continue
                _check_decimal(problems, f"pcf.dqi.{name}", value, Sign.ANY)
                _check_range(problems, f"pcf.dqi.{name}", value, 1, 5)
    verification = pcf.get("verification")
    if verification is not None:
        if not isinstance(verification, dict):
            problems.append("pcf.verification: expected an object")
        else:
            coverage = verification.get("coverage")
            if coverage is not None and coverage not in VERIFICATION_COVERAGE:
                problems.append(f"pcf.verification.coverage: {coverage!r} is not allowed")
            _check_datetime(
                problems,
                "pcf.verification.completedAt",
                verification.get("completedAt"),
                required=False,
            )
    _check_range(problems, "pcf.primaryDataShare", pcf.get("primaryDataShare"), 0, 100)
    _check_range(
        problems, "pcf.exemptedEmissionsPercent", pcf.get("exemptedEmissionsPercent"), 0, 5
    )


def footprint_problems(document: object) -> list[str]:
    """What keeps ``document`` from being a valid v3 ``ProductFootprint`` (empty if valid)."""
    if not isinstance(document, dict):
        return ["a ProductFootprint must be a JSON object"]
    problems: list[str] = []
    for name in PF_REQUIRED:
        if document.get(name) is None:
            problems.append(f"{name}: required")
    pf_id = document.get("id")
    if pf_id is not None and not is_uuid(pf_id):
        problems.append(f"id: {pf_id!r} is not a UUID")
    version = document.get("specVersion")
    if version is not None and (
        not isinstance(version, str) or not SPEC_VERSION_PATTERN.fullmatch(version)
    ):
        problems.append(f"specVersion: {version!r} is not major.minor.patch")
    preceding = document.get("precedingPfIds")
    if preceding is not None and (
        not isinstance(preceding, list)
        or not preceding
        or not all(is_uuid(p) for p in preceding)
        or len(set(preceding)) != len(preceding)
    ):
        problems.append("precedingPfIds: expected a non-empty list of unique UUIDs")
    _check_datetime(problems, "created", document.get("created"), required=False)
    status = document.get("status")
    if status is not None and status not in tuple(FootprintStatus):
        problems.append(f"status: {status!r} is not Active or Deprecated")
    for name in ("validityPeriodStart", "validityPeriodEnd"):
        _check_datetime(problems, name, document.get(name), required=False)
    for name in ("companyName", "productNameCompany"):
        value = document.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            problems.append(f"{name}: expected a non-empty string")
    _check_text(problems, "productDescription", document.get("productDescription"), required=False)
    _check_text(problems, "comment", document.get("comment"), required=False)
    _check_urns(problems, "companyIds", document.get("companyIds"), required=False)
    _check_urns(problems, "productIds", document.get("productIds"), required=False)
    _check_urns(
        problems, "productClassifications", document.get("productClassifications"), required=False
    )
    pcf = document.get("pcf")
    if pcf is not None:
        if isinstance(pcf, dict):
            _check_pcf(problems, pcf)
        else:
            problems.append("pcf: expected an object")
    extensions = document.get("extensions")
    if extensions is not None:
        if not isinstance(extensions, list):
            problems.append("extensions: expected a list")
        else:
            for index, extension in enumerate(extensions):
                if not isinstance(extension, dict) or not all(
                    extension.get(k) is not None for k in ("specVersion", "dataSchema", "data")
                ):
                    problems.append(f"extensions[{index}]: specVersion, dataSchema, data needed")
    return problems


def reporting_warnings(document: Mapping[str, Any]) -> list[str]:
    """Breaches of the spec's validity-period rules (the period lies within
    [referencePeriodEnd, referencePeriodEnd + 3 years]). They are not part of the OpenAPI
    schema, which alone governs exchange, so a host accepts such footprints and shows these
    to the data owner. ``document`` must be valid."""
    reference_end = parse_datetime(document["pcf"]["referencePeriodEnd"])
    reference_start = parse_datetime(document["pcf"]["referencePeriodStart"])
    problems: list[str] = []
    if reference_start > reference_end:
        problems.append("pcf.referencePeriodStart: must not be after referencePeriodEnd")
    start = document.get("validityPeriodStart")
    end = document.get("validityPeriodEnd")
    if start is not None and parse_datetime(start) < reference_end:
        problems.append("validityPeriodStart: must not be before pcf.referencePeriodEnd")
    if end is not None and parse_datetime(end) > _plus_years(reference_end, 3):
        problems.append("validityPeriodEnd: must not be after pcf.referencePeriodEnd + 3 years")
    if start is not None and end is not None and parse_datetime(end) <= parse_datetime(start):
        problems.append("validityPeriodEnd: must be after validityPeriodStart")
    return problems


def validate_footprint(document: object) -> dict[str, Any]:
    """``document`` if it is a valid ProductFootprint, else InvalidDataError listing why."""
    problems = footprint_problems(document)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise InvalidDataError("invalid ProductFootprint: " + "; ".join(problems[:5]) + more)
    assert isinstance(document, dict)
    return document


def _plus_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def validity_period(document: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of validity: the stated period, else ``referencePeriodEnd`` + 3 years
    (spec section "Validity Period"); a missing bound is taken from that default."""
    reference_end = parse_datetime(document["pcf"]["referencePeriodEnd"])
    start_text = document.get("validityPeriodStart")
    end_text = document.get("validityPeriodEnd")
    start = parse_datetime(start_text) if start_text else reference_end
    end = (
        parse_datetime(end_text) if end_text else _plus_years(reference_end, DEFAULT_VALIDITY_YEARS)
    )
    return start, end


# --- lifecycle ---------------------------------------------------------------------------
def content_of(document: Mapping[str, Any]) -> dict[str, Any]:
    """The footprint without the properties a host sets: two footprints with equal content
    describe the same thing; any other difference is a change (spec "Change Definition")."""
    return {
        k: v
        for k, v in document.items()
        if k not in HOST_FIELDS and k not in OBSOLETE_FIELDS and v is not None
    }


def without_nulls(value: Any) -> Any:
    """Undefined properties (``null``) are left out of what a host stores and serves."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def new_footprint(
    content: Mapping[str, Any],
    *,
    footprint_id: str,
    created: dt.datetime,
    preceding_ids: Sequence[str] = (),
    status: FootprintStatus = FootprintStatus.ACTIVE,
) -> dict[str, Any]:
    """A valid ProductFootprint of ``content`` with the host's properties set.

    ``preceding_ids`` are the ids of the footprints this one replaces, oldest first (the
    spec's ``precedingPfIds``). Obsolete v2 properties are dropped.
    """
    document: dict[str, Any] = {
        "id": footprint_id.lower(),
        "specVersion": SPEC_VERSION,
        "created": format_datetime(created),
        "status": status.value,
    }
    unique_preceding = list(dict.fromkeys(p.lower() for p in preceding_ids))
    if unique_preceding:
        document["precedingPfIds"] = unique_preceding
    document.update(without_nulls(content_of(content)))
    return validate_footprint(document)


def revised_content(previous: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The content of ``previous`` with ``changes`` merged in (objects merge key by key; a
    ``null`` removes a property)."""

    def merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
        merged = dict(base)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            elif isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = merge(merged[key], value)
            else:
                merged[key] = value
        return merged

    return merge(content_of(previous), changes)


def preceding_chain(previous: Mapping[str, Any]) -> list[str]:
    """``precedingPfIds`` of the footprint that replaces ``previous``."""
    return [*previous.get("precedingPfIds", []), previous["id"]]


def same_product(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Two footprints of the same product and geography: one replaces the other on import."""

    def key(doc: Mapping[str, Any]) -> tuple[frozenset[str], tuple[str | None, ...]]:
        pcf = doc.get("pcf") or {}
        return (
            frozenset(p.lower() for p in doc.get("productIds") or []),
            tuple((pcf.get(name) or "").lower() or None for name in GEOGRAPHY_FIELDS),
        )

    return key(a) == key(b)


# --- filters -----------------------------------------------------------------------------
class KeyKind(StrEnum):
    PRODUCT = "product"
    COMPANY = "company"
    CLASSIFICATION = "classification"
    GEOGRAPHY = "geography"


@functools.cache
def _m49_members() -> dict[str, frozenset[str]]:
    """UN M49 regions and subregions (lower-cased names, as ``geographyRegionOrSubregion``
    takes them) to what lies inside: their subregions and their countries' ISO 3166-1 codes
    (from the ``countryinfo`` data set)."""
    import countryinfo

    inside: dict[str, set[str]] = {}
    for country in countryinfo.all_countries():
        try:
            code, region, subregion = country.iso(2), country.region(), country.subregion()
        except (KeyError, AttributeError, TypeError):
            continue
        if not code or not region:
            continue
        inside.setdefault(region.lower(), set()).add(code.lower())
        if subregion:
            inside[region.lower()].add(subregion.lower())
            inside.setdefault(subregion.lower(), set()).add(code.lower())
    return {name: frozenset(members) for name, members in inside.items()}


def expand_geography(values: Iterable[str]) -> tuple[str, ...]:
    """Geography filter values (lower-cased) with what lies inside each UN region or
    subregion: ``europe`` also finds footprints of ``western europe`` and of ``de``
    (spec: the filter "will return all footprints within the specified geography")."""
    members = _m49_members()
    out: dict[str, None] = {}
    for value in values:
        out[value] = None
        for inner in sorted(members.get(value, ())):
            out[inner] = None
    return tuple(out)


def filter_keys(document: Mapping[str, Any]) -> list[tuple[KeyKind, str]]:
    """The (kind, lower-cased value) pairs a footprint is found by; a country subdivision is
    also found by its country (a footprint for US-TX lies within US)."""
    keys: set[tuple[KeyKind, str]] = set()
    for kind, name in (
        (KeyKind.PRODUCT, "productIds"),
        (KeyKind.COMPANY, "companyIds"),
        (KeyKind.CLASSIFICATION, "productClassifications"),
    ):
        keys.update((kind, str(value).lower()) for value in document.get(name) or [])
    pcf = document.get("pcf") or {}
    for name in GEOGRAPHY_FIELDS:
        value = pcf.get(name)
        if value:
            keys.add((KeyKind.GEOGRAPHY, value.lower()))
    subdivision = pcf.get("geographyCountrySubdivision")
    if subdivision:
        keys.add((KeyKind.GEOGRAPHY, subdivision.split("-", 1)[0].lower()))
    return sorted(keys)


@dataclass(frozen=True)
class FootprintFilter:
    """The ListFootprints criteria: OR within a criterion, AND between criteria; matching is
    case-insensitive. ``valid_on``: start <= valid_on <= end; ``valid_after``: start >
    valid_after; ``valid_before``: end < valid_before (spec "Filtering")."""

    product_ids: tuple[str, ...] = ()
    company_ids: tuple[str, ...] = ()
    geographies: tuple[str, ...] = ()
    classifications: tuple[str, ...] = ()
    valid_on: dt.datetime | None = None
    valid_after: dt.datetime | None = None
    valid_before: dt.datetime | None = None
    status: FootprintStatus | None = None
    #: A ``status`` that is neither Active nor Deprecated: no footprint has it.
    unknown_status: str | None = None

    def key_criteria(self) -> list[tuple[KeyKind, tuple[str, ...]]]:
        """The multi-valued criteria that are set, values lower-cased; a UN region or
        subregion in ``geography`` brings in the subregions and countries inside it."""
        pairs = (
            (KeyKind.PRODUCT, self.product_ids),
            (KeyKind.COMPANY, self.company_ids),
            (KeyKind.GEOGRAPHY, self.geographies),
            (KeyKind.CLASSIFICATION, self.classifications),
        )
        out = []
        for kind, values in pairs:
            if values:
                lowered = tuple(v.lower() for v in values)
                out.append(
                    (kind, expand_geography(lowered) if kind is KeyKind.GEOGRAPHY else lowered)
                )
        return out

    def matches(self, document: Mapping[str, Any]) -> bool:
        if self.unknown_status is not None:
            return False
        keys = set(filter_keys(document))
        for kind, values in self.key_criteria():
            if not any((kind, value) in keys for value in values):
                return False
        if self.status is not None and document.get("status") != self.status.value:
            return False
        start, end = validity_period(document)
        if self.valid_on is not None and not start <= self.valid_on <= end:
            return False
        if self.valid_after is not None and not start > self.valid_after:
            return False
        return self.valid_before is None or end < self.valid_before

    def as_criteria(self) -> dict[str, Any]:
        """The filter as the ``data`` of a RequestCreated event."""
        data: dict[str, Any] = {}
        for name, values in (
            ("productId", self.product_ids),
            ("companyId", self.company_ids),
            ("geography", self.geographies),
            ("classification", self.classifications),
        ):
            if values:
                data[name] = list(values)
        for name, moment in (
            ("validOn", self.valid_on),
            ("validAfter", self.valid_after),
            ("validBefore", self.valid_before),
        ):
            if moment is not None:
                data[name] = format_datetime(moment)
        if self.status is not None:
            data["status"] = self.status.value
        elif self.unknown_status is not None:
            data["status"] = self.unknown_status
        return data


FILTER_NAMES = {
    "productid": "productId",
    "companyid": "companyId",
    "geography": "geography",
    "classification": "classification",
    "validon": "validOn",
    "validafter": "validAfter",
    "validbefore": "validBefore",
    "status": "status",
}


def _strings(name: str, value: object) -> tuple[str, ...]:
    items: Iterable[object] = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise InvalidDataError(f"{name}: expected non-empty strings")
        out.extend(part.strip() for part in item.split(",") if part.strip())
    return tuple(dict.fromkeys(out))


def parse_filter(criteria: Mapping[str, object]) -> FootprintFilter:
    """A filter from query parameters (names matched case-insensitively, a list of values
    each; comma-separated values are split) or from a RequestCreated event's ``data``.

    Unknown names are ignored (host-specific filters are ``x-...``-prefixed).
    """
    values: dict[str, object] = {}
    for raw_name, value in criteria.items():
        name = FILTER_NAMES.get(raw_name.lower())
        if name is None or value is None or value == []:
            continue
        if name in values and isinstance(value, list) and isinstance(values[name], list):
            values[name] = [*values[name], *value]  # type: ignore[misc]
        else:
            values[name] = value

    def single(name: str) -> str | None:
        value = values.get(name)
        if value is None:
            return None
        if isinstance(value, list):
            if len(value) != 1:
                raise InvalidDataError(f"{name}: give one value")
            value = value[0]
        if not isinstance(value, str):
            raise InvalidDataError(f"{name}: expected a string")
        return value

    moments: dict[str, dt.datetime | None] = {}
    for name in ("validOn", "validAfter", "validBefore"):
        text = single(name)
        moments[name] = parse_datetime(text, name) if text is not None else None
    status_text = single("status")
    status: FootprintStatus | None = None
    if status_text is not None:
        lookup = {s.value.lower(): s for s in FootprintStatus}
        status = lookup.get(status_text.strip().lower())
    return FootprintFilter(
        product_ids=_strings("productId", values["productId"]) if "productId" in values else (),
        company_ids=_strings("companyId", values["companyId"]) if "companyId" in values else (),
        geographies=_strings("geography", values["geography"]) if "geography" in values else (),
        classifications=(
            _strings("classification", values["classification"])
            if "classification" in values
            else ()
        ),
        valid_on=moments["validOn"],
        valid_after=moments["validAfter"],
        valid_before=moments["validBefore"],
        status=status,
        unknown_status=status_text[:100] if status_text is not None and status is None else None,
    )


# --- CSV ---------------------------------------------------------------------------------
#: CSV columns and where they go; lists are separated by ``;`` or ``|``.
CSV_LIST_COLUMNS = {
    "product_ids": "productIds",
    "company_ids": "companyIds",
    "product_classifications": "productClassifications",
}
CSV_TEXT_COLUMNS = {
    "company_name": "companyName",
    "product_name": "productNameCompany",
    "product_description": "productDescription",
    "comment": "comment",
    "validity_period_start": "validityPeriodStart",
    "validity_period_end": "validityPeriodEnd",
}
CSV_PCF_COLUMNS = {
    "declared_unit": "declaredUnitOfMeasurement",
    "reference_period_start": "referencePeriodStart",
    "reference_period_end": "referencePeriodEnd",
    "geography_region": "geographyRegionOrSubregion",
    "geography_country": "geographyCountry",
    "geography_subdivision": "geographyCountrySubdivision",
    "boundary_processes": "boundaryProcessesDescription",
    "allocation_rules": "allocationRulesDescription",
    "exempted_emissions_description": "exemptedEmissionsDescription",
}
#: Decimal columns named after the spec's property in snake_case.
CSV_DECIMAL_COLUMNS = {re.sub(r"(?<!^)(?=[A-Z])", "_", k).lower(): k for k in PCF_DECIMALS}
CSV_DECIMAL_COLUMNS["pcf_excluding_biogenic_uptake_kg_co2e"] = "pcfExcludingBiogenicUptake"
CSV_DECIMAL_COLUMNS["pcf_including_biogenic_uptake_kg_co2e"] = "pcfIncludingBiogenicUptake"
CSV_DQR_COLUMNS = {
    "technological_dqr": "technologicalDQR",
    "geographical_dqr": "geographicalDQR",
    "temporal_dqr": "temporalDQR",
}


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;|]", text) if part.strip()]


def _iso(text: str, column: str) -> str:
    return format_datetime(parse_datetime(text, column))


def footprint_from_csv_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    """Footprint content (no host properties) from one row of the simple CSV format.

    Columns: ``id`` (optional: the footprint this row replaces), ``product_ids``,
    ``company_ids``, ``product_classifications`` (lists separated by ``;``),
    ``company_name``, ``product_name``, ``product_description``, ``comment``,
    ``validity_period_start/end``, ``declared_unit``, ``reference_period_start/end``,
    ``geography_region|country|subdivision``, the decimals in snake_case
    (``declared_unit_amount``, ``pcf_excluding_biogenic_uptake``, ``fossil_ghg_emissions``,
    ``primary_data_share``...), ``technological_dqr``, ``geographical_dqr``,
    ``temporal_dqr``, ``ipcc_characterization_factors``, ``cross_sectoral_standards``,
    ``packaging_emissions_included`` (true/false), ``verification_coverage``,
    ``verification_provider``, ``verification_completed_at``, ``verification_standard``.
    """
    cells = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
    content: dict[str, Any] = {}
    pcf: dict[str, Any] = {}
    for column, name in CSV_LIST_COLUMNS.items():
        if cells.get(column):
            content[name] = _split(cells[column])
    for column, name in CSV_TEXT_COLUMNS.items():
        if cells.get(column):
            content[name] = (
                _iso(cells[column], column) if column.startswith("validity") else cells[column]
            )
    content.setdefault("productDescription", "")
    for column, name in CSV_PCF_COLUMNS.items():
        if cells.get(column):
            pcf[name] = (
                _iso(cells[column], column) if column.startswith("reference") else cells[column]
            )
    for column, name in CSV_DECIMAL_COLUMNS.items():
        if cells.get(column):
            pcf[name] = format_decimal(cells[column])
    dqi = {name: format_decimal(cells[c]) for c, name in CSV_DQR_COLUMNS.items() if cells.get(c)}
    if dqi:
        pcf["dqi"] = dqi
    pcf["ipccCharacterizationFactors"] = _split(cells.get("ipcc_characterization_factors") or "AR6")
    pcf["crossSectoralStandards"] = _split(cells.get("cross_sectoral_standards") or "GHGP-Product")
    flag = cells.get("packaging_emissions_included", "").lower()
    if flag:
        if flag not in ("true", "false", "yes", "no", "1", "0"):
            raise InvalidDataError(f"packaging_emissions_included: '{flag}' is not true/false")
        pcf["packagingEmissionsIncluded"] = flag in ("true", "yes", "1")
    verification = {
        name: cells[column]
        for column, name in (
            ("verification_coverage", "coverage"),
            ("verification_provider", "providerName"),
            ("verification_standard", "standardName"),
        )
        if cells.get(column)
    }
    if cells.get("verification_completed_at"):
        verification["completedAt"] = _iso(
            cells["verification_completed_at"], "verification_completed_at"
        )
    if verification:
        pcf["verification"] = verification
    content["pcf"] = pcf
    return content


# --- events ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PactEvent:
    """A CloudEvent (structured JSON mode) received at the Events action."""

    type: EventType
    id: str
    source: str
    time: dt.datetime
    data: Mapping[str, Any]


def parse_event(body: object) -> PactEvent:
    """The event in ``body``, checked against the spec's event schemas, else
    InvalidDataError (answered 400 BadRequest)."""
    if not isinstance(body, dict):
        raise InvalidDataError("the event must be a JSON object (CloudEvents structured mode)")
    for name in ("type", "specversion", "id", "source", "time", "data"):
        if body.get(name) is None:
            raise InvalidDataError(f"event: '{name}' is required")
    for name in ("type", "specversion", "id", "source", "time"):
        if not isinstance(body[name], str) or not body[name].strip():
            raise InvalidDataError(f"event: '{name}' must be a non-empty string")
    if body["specversion"] != "1.0":
        raise InvalidDataError("event: 'specversion' must be '1.0' (CloudEvents 1.0)")
    try:
        kind = EventType(body["type"])
    except ValueError:
        raise InvalidDataError(f"event: unknown type '{body['type']}'") from None
    time = parse_datetime(body["time"], "event.time")
    data = body["data"]
    if not isinstance(data, dict):
        raise InvalidDataError("event: 'data' must be an object")
    if kind is EventType.REQUEST_CREATED:
        parse_filter(data)
        if data.get("comment") is not None and not isinstance(data["comment"], str):
            raise InvalidDataError("event: data.comment must be a string")
    elif kind is EventType.PUBLISHED:
        ids = data.get("pfIds")
        if not isinstance(ids, list) or not ids or not all(is_uuid(i) for i in ids):
            raise InvalidDataError("event: data.pfIds must be a non-empty list of UUIDs")
    else:
        if not isinstance(data.get("requestEventId"), str) or not data["requestEventId"]:
            raise InvalidDataError("event: data.requestEventId is required")
        if kind is EventType.REQUEST_FULFILLED:
            pfs = data.get("pfs")
            if not isinstance(pfs, list) or not pfs:
                raise InvalidDataError("event: data.pfs must be a non-empty list")
            for index, pf in enumerate(pfs):
                problems = footprint_problems(pf)
                if problems:
                    raise InvalidDataError(f"event: data.pfs[{index}]: {problems[0]}")
        else:
            error = data.get("error")
            if not (
                isinstance(error, dict)
                and error.get("code") in tuple(ErrorCode)
                and isinstance(error.get("message"), str)
            ):
                raise InvalidDataError("event: data.error must be an Error (code, message)")
    return PactEvent(kind, body["id"], body["source"], time, data)


def make_event(
    kind: EventType, *, event_id: str, source: str, time: dt.datetime, data: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "type": kind.value,
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "time": format_datetime(time),
        "data": dict(data),
    }


def error_body(code: ErrorCode, message: str) -> dict[str, str]:
    """The spec's ``Error`` object."""
    return {"code": code.value, "message": message}


def error_code_for(error: GreenchainError) -> tuple[int, ErrorCode]:
    """HTTP status and ``Error.code`` for a failed host action."""
    if isinstance(error, PactAuthenticationError):
        # An unknown, forged or revoked token is a bad request made without authority (the
        # code the PACT conformance cases expect); an expired one says so.
        return 401, ErrorCode.TOKEN_EXPIRED if error.expired else ErrorCode.BAD_REQUEST
    if isinstance(error, PermissionDeniedError):
        return 403, ErrorCode.ACCESS_DENIED
    if isinstance(error, NotFoundError):
        return 404, ErrorCode.NOT_FOUND
    if isinstance(error, InvalidDataError):
        return 400, ErrorCode.BAD_REQUEST
    return 400, ErrorCode.BAD_REQUEST

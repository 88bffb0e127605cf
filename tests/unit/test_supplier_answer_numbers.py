"""A supplier's answer reads numbers as people type them (one reading with every other form),
refuses figures no company has, and a currency that is not an ISO 4217 code."""

from __future__ import annotations

import pytest

from greenchain.domain.engagement import CLIMATE_TEMPLATE_V2, validate_answers
from greenchain.domain.numbers import parse_number


def _checked(**answers: str):
    return validate_answers(
        CLIMATE_TEMPLATE_V2, answers, final=False, currencies={"USD", "EUR", "TWD"}
    )


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("3174,5", 3174.5),  # a decimal comma, not a thousands separator
        ("3.174,5", 3174.5),
        ("1,240,000", 1_240_000.0),
        ("1.240.000", 1_240_000.0),
        ("12 000", 12_000.0),
        ("0,32", 0.32),
    ],
)
def test_a_number_reads_as_people_type_it(typed: str, value: float):
    assert parse_number(typed) == value


def test_a_decimal_comma_in_an_answer_is_a_decimal_mark():
    checked = _checked(scope1_t="3174,5", renewable_share="0,32")
    assert checked.problems == []
    assert checked.values["scope1_t"] == 3174.5
    assert checked.values["renewable_share"] == 0.32


def test_a_figure_no_company_has_is_refused_at_its_field():
    checked = _checked(scope1_t="1e300", revenue="99999999999999999999999")
    problems = {p.field: p.message for p in checked.problems}
    assert "above the maximum 10,000,000,000" in problems["scope1_t"]
    assert "above the maximum" in problems["revenue"]
    assert "scope1_t" not in checked.values


def test_a_currency_that_is_not_an_iso_code_is_refused():
    checked = _checked(currency="xyz")
    assert [p.field for p in checked.problems] == ["currency"]
    assert "ISO 4217" in checked.problems[0].message
    assert _checked(currency="twd").values["currency"] == "TWD"

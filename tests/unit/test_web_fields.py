"""Numbers typed in forms are read as people mean them: thousands separators never shrink a
value (30,000 is thirty thousand), a decimal comma is understood, anything else is refused with
the field's name."""

from __future__ import annotations

import pytest

from greenchain.domain.errors import InvalidDataError
from greenchain.entrypoints.web.fields import number


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("30,000", 30_000.0),
        ("1,240,000", 1_240_000.0),
        ("1,234.5", 1234.5),
        ("1.240.000", 1_240_000.0),
        ("1.234,5", 1234.5),
        ("1 240 000", 1_240_000.0),
        ("1'240'000", 1_240_000.0),
        ("0,25", 0.25),
        ("30,5", 30.5),
        ("12.5", 12.5),
        ("-3", -3.0),
        ("2e6", 2e6),
    ],
)
def test_a_typed_number_is_read_as_its_writer_means_it(typed, value):
    assert number(typed, "Total") == pytest.approx(value)


def test_a_percent_becomes_a_fraction_and_empty_is_not_given():
    assert number("42 %", "Reduction", percent=True) == pytest.approx(0.42)
    assert number("  ", "Reduction") is None


@pytest.mark.parametrize("typed", ["12x", "1,2,3.4.5", "nan", "inf"])
def test_what_is_not_a_number_is_refused_with_the_field(typed):
    with pytest.raises(InvalidDataError, match=r"^Total: "):
        number(typed, "Total")

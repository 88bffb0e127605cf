"""Form fields as people type them, read into values: each error is an ``InvalidDataError``
that names the field, so a form handler shows it on the page like any other refusal
(``ui.form_result``). An empty field is ``None`` unless it is required."""

from __future__ import annotations

import datetime as dt

from greenchain.domain.errors import InvalidDataError
from greenchain.domain.numbers import parse_number


def number(text: str, field: str, *, percent: bool = False) -> float | None:
    """A number ('' = not given; thousands separators and a decimal comma are understood, see
    ``domain.numbers``); percentages become fractions."""
    shown = text.strip().rstrip("%").strip()
    if not shown:
        return None
    try:
        value = parse_number(shown)
    except ValueError:
        raise InvalidDataError(f"{field}: '{shown}' is not a number") from None
    return value / 100 if percent else value


def year(text: str, field: str) -> int:
    found = optional_year(text, field)
    if found is None:
        raise InvalidDataError(f"{field}: a year is needed")
    return found


def optional_year(text: str, field: str) -> int | None:
    value = number(text, field)
    if value is None:
        return None
    if value != int(value):
        raise InvalidDataError(f"{field}: '{text}' is not a year")
    return int(value)


def whole_number(text: str, field: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidDataError(f"{field}: '{text.strip()}' is not a whole number") from None


def date(text: str, field: str) -> dt.date:
    found = optional_date(text, field)
    if found is None:
        raise InvalidDataError(f"{field}: a date is needed")
    return found


def optional_date(text: str, field: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidDataError(f"{field}: '{text}' is not a date (YYYY-MM-DD)") from None


def lines(text: str) -> list[str]:
    """The non-empty lines of a text area (a ';' also starts a line)."""
    return [line.strip() for line in text.replace(";", "\n").splitlines() if line.strip()]

"""Numbers as people type them, read into floats: one reading for every form and answer.

Why: a supplier in Germany or Taiwan types "3174,5" or "1.240.000", one in the US "1,240,000";
read with a rule of its own per form, "3174,5" became 31,745 in one place and 3,174.5 in
another. Here spaces and apostrophes group digits; where both a comma and a point appear, the
last one is the decimal mark; a lone comma is a thousands separator when it groups digits in
threes ("30,000", "1,240,000") and a decimal comma otherwise ("0,25", "3174,5"); points that
group more than once ("1.240.000") are separators.
"""

from __future__ import annotations

import math
import re

_GROUPED_COMMA = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")
_GROUPED_POINT = re.compile(r"^[-+]?\d{1,3}(\.\d{3}){2,}(,\d*)?$|^[-+]?\d{1,3}(\.\d{3})+,\d*$")


def plain(text: str) -> str:
    """``text`` in Python's notation (see the module's rules)."""
    text = re.sub(r"[\s'\u00a0\u202f_]", "", text)
    if _GROUPED_COMMA.match(text):
        return text.replace(",", "")
    if _GROUPED_POINT.match(text):
        return text.replace(".", "").replace(",", ".")
    return text.replace(",", ".")


def parse_number(text: str) -> float:
    """The finite number ``text`` holds; ``ValueError`` when it holds none."""
    value = float(plain(text.strip()))
    if not math.isfinite(value):
        raise ValueError(text)
    return value

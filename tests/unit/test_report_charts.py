"""The progress report's charts read on paper: axis labels are short enough never to be cut
("10,000..." said nothing)."""

from __future__ import annotations

import re

from greenchain.adapters.report_render import category_chart


def _texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_axis_labels_of_tens_of_thousands_of_tonnes_are_compact_and_whole():
    inventory = {
        "by_category": [
            {"category": 1, "name": "Purchased goods and services", "t_co2e": 75_146.1},
            {"category": 2, "name": "Capital goods", "t_co2e": 19_948.0},
        ]
    }
    texts = _texts(str(category_chart(inventory)))
    assert "70k" in texts
    assert "0" in texts
    assert not [t for t in texts if t.endswith("…") or t.endswith("...")]

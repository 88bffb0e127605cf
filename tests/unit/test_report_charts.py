"""The progress report's charts read on paper: axis labels are short enough never to be cut
("10,000..." said nothing)."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_the_printed_charts_use_the_web_apps_colours():
    from greenchain.adapters.report_render import METHOD_COLOURS, PALETTE, method_chart

    script = (Path(__file__).parents[2] / "src/greenchain/entrypoints/web/static/app.js").read_text(
        encoding="utf-8"
    )
    palette = re.search(r"const PALETTE = \[(.*?)\];", script, re.S).group(1)  # type: ignore[union-attr]
    assert tuple(re.findall(r'"(#[0-9a-f]{6})"', palette)) == PALETTE
    methods = re.search(r"const METHOD_COLOURS = \{(.*?)\};", script, re.S).group(1)  # type: ignore[union-attr]
    assert dict(re.findall(r'"([^"]+)": "(#[0-9a-f]{6})"', methods)) == METHOD_COLOURS
    inventory = {"by_method": [{"label": "Spend-based", "t_co2e": 5.0, "share": 1.0}]}
    assert METHOD_COLOURS["Spend-based"] in str(method_chart(inventory))

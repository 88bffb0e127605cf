"""Renders the annual progress report: HTML from a Jinja2 template with SVG charts drawn by
pygal (inline, without scripts), and PDF from that HTML with WeasyPrint (which draws the inline
SVG, so the charts are in the PDF too).

The document model comes from ``greenchain.services.progress_report.build_progress_report``:
plain numbers in t CO2e and fractions 0..1; this module only formats and draws them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pygal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from pygal.style import Style

# pygal 3.1.3 appends a legacy import hook for its map plugins (``find_module`` without
# ``find_spec``) to ``sys.meta_path``; Python then warns (ImportWarning) on every import that
# reaches it, such as a library probing for an optional package. No map charts are drawn here.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

_SCRIPTS = re.compile(r"<script\b[^>]*>.*?</script>", re.S)
_LEGEND_IDS = re.compile(r' id="activate-serie-\d+"')
TEMPLATES = Path(__file__).with_name("templates")
TEMPLATE = "progress_report.html"

SCOPE_SERIES = (("1", "Scope 1"), ("2_market", "Scope 2 (market-based)"), ("3", "Scope 3"))
#: The web app's chart colours (``static/app.js``: PALETTE and METHOD_COLOURS), so that the
#: printed report and the dashboard look alike.
PALETTE = (
    "#1d6b45", "#f0a500", "#4f9d69", "#3a6ea5", "#d96c06", "#8cc084", "#7a4eab", "#9c2f2f",
    "#5b6b62", "#2a9d8f", "#e9c46a", "#344e41", "#b56576", "#a3b18a", "#264653", "#c9e4b4",
)  # fmt: skip
METHOD_COLOURS = {
    "Product footprints": "#1d6b45",
    "Supplier-specific": "#4f9d69",
    "Average data": "#f0a500",
    "Spend-based": "#8a978f",
}
CHART_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#222222",
    foreground_strong="#111111",
    foreground_subtle="#777777",
    font_family="DejaVu Sans, Helvetica, Arial, sans-serif",
    colors=PALETTE,
    title_font_size=14,
    label_font_size=10,
    major_label_font_size=10,
    legend_font_size=10,
    value_font_size=9,
    tooltip_font_size=10,
)


def _styled(colours: tuple[str, ...]) -> Style:
    """The chart style with its series in ``colours``."""
    return Style(**{**CHART_STYLE.to_dict(), "colors": colours})


def _config(**options: Any) -> pygal.Config:
    """A pygal configuration for print: no JavaScript, no XML declaration (inline in HTML)."""
    config = pygal.Config(
        js=[],
        disable_xml_declaration=True,
        style=CHART_STYLE,
        width=700,
        height=320,
        explicit_size=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        # pygal sizes the legend row from its own font estimate, smaller than the rendered
        # DejaVu text: without room below, the legend is cut at the chart's edge
        margin_bottom=24,
        print_values=False,
        margin=10,
        truncate_label=-1,  # axis labels are short (see _axis_*); never cut to "10,000..."
    )
    for key, value in options.items():
        setattr(config, key, value)
    return config


def _svg(chart: Any) -> Markup:
    """The chart as inline SVG, without scripts.

    pygal builds the SVG as an XML tree, so the labels in it are escaped (a ``<`` in a text is
    ``&lt;``, hence no ``</script>`` inside a script's text). It embeds its configuration in a
    ``<script>`` even with ``js=[]``: that element is dropped, and so are the legend ids it
    repeats in every chart for its scripts.
    """
    try:
        rendered = chart.render(is_unicode=True)
    except (ArithmeticError, ValueError):
        # pygal's axis scaling fails on values near the ends of the float range; the figures
        # stay in the report's tables, the chart says why it is missing.
        return Markup(
            '<p class="chart-missing">Chart not drawn: its values are outside the range a '
            "chart can show; see the table.</p>"
        )
    svg = _SCRIPTS.sub("", rendered)
    return Markup(_LEGEND_IDS.sub("", svg))


def _tonnes(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def _axis_tonnes(value: float | None) -> str:
    """A compact axis label: 850, 12k, 1.5M (the tables give the exact figures)."""
    if value is None:
        return ""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:,.1f}M".replace(".0M", "M")
    if size >= 1e4:
        return f"{value / 1e3:,.0f}k"
    if size >= 10 or value == 0:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _axis_percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f} %"


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def scope_chart(model: Mapping[str, Any]) -> Markup | None:
    """Stacked bars of Scope 1, 2 (market-based) and 3 by year, t CO2e."""
    history = list(model.get("history") or [])
    inventory = model.get("inventory")
    if not any(h["year"] == model["year"] for h in history) and inventory:
        by_scope = {row["scope"]: row["t_co2e"] for row in inventory["by_scope"]}
        history.append({"year": model["year"], "by_scope": by_scope})
    if not history:
        return None
    chart = pygal.StackedBar(_config(title="Emissions by scope (t CO2e)"))
    chart.x_labels = [str(h["year"]) for h in history]
    for key, label in SCOPE_SERIES:
        chart.add(label, [h["by_scope"].get(key) or 0.0 for h in history])
    chart.value_formatter = _axis_tonnes
    return _svg(chart)


def category_chart(inventory: Mapping[str, Any] | None) -> Markup | None:
    """Scope 3 by category, t CO2e (categories with emissions only)."""
    if not inventory or not inventory["by_category"]:
        return None
    rows = inventory["by_category"]
    chart = pygal.HorizontalBar(
        _config(
            title="Scope 3 by category (t CO2e)",
            show_legend=False,
            height=max(200, 40 + 28 * len(rows)),
        )
    )
    chart.x_labels = [f"{r['category']}. {r['name']}" for r in rows]
    chart.add("t CO2e", [r["t_co2e"] for r in rows])
    chart.value_formatter = _axis_tonnes
    return _svg(chart)


def method_chart(inventory: Mapping[str, Any] | None) -> Markup | None:
    """Emissions by calculation method (share of the total)."""
    if not inventory:
        return None
    rows = [r for r in inventory["by_method"] if r["t_co2e"] > 0]
    if not rows:
        return None
    colours = tuple(
        METHOD_COLOURS.get(str(row["label"]), PALETTE[i % len(PALETTE)])
        for i, row in enumerate(rows)
    )
    chart = pygal.Pie(
        _config(
            title="Emissions by calculation method",
            inner_radius=0.45,
            height=360,
            legend_at_bottom_columns=2,
            style=_styled(colours),
        )
    )
    for row in rows:
        chart.add(f"{row['label']} ({_percent(row['share'])})", row["t_co2e"])
    chart.value_formatter = _tonnes
    return _svg(chart)


def trajectory_chart(target: Mapping[str, Any]) -> Markup | None:
    """A target's linear path from base to target value next to the actual values by year."""
    path = target.get("trajectory")
    if not path:
        return None
    share = not target["is_emission_target"]
    unit = target.get("unit_label") or target["unit"]
    chart = pygal.Line(
        _config(
            title=f"{target['name']}: path and actuals ({unit})",
            allow_interruptions=True,
            show_minor_x_labels=len(path["years"]) <= 16,
            x_labels_major_every=5 if len(path["years"]) > 16 else None,
            height=310,
            range=(0, 1) if share else None,
            include_x_axis=True,
        )
    )
    chart.x_labels = [str(y) for y in path["years"]]
    chart.add("Target path", path["path"], stroke_style={"dasharray": "6,4"}, show_dots=False)
    chart.add("Actual", path["actual"])
    chart.value_formatter = _axis_percent if share else _axis_tonnes
    return _svg(chart)


def coverage_chart(model: Mapping[str, Any]) -> Markup | None:
    """Supplier engagement coverage and renewable electricity share, with target shares."""
    engagement = model["supplier_engagement"]
    renewable = model["renewable_electricity"]
    bars: list[tuple[str, float | None, float | None]] = []
    if engagement.get("suppliers"):
        bars.append(("Suppliers with own data (by count)", engagement["share_by_count"], None))
        bars.append(
            ("Suppliers with own data (by emissions)", engagement["share_by_emissions"], None)
        )
    for target in engagement.get("targets", []):
        bars.append((f"SBT suppliers: {target['name']}", target["actual_value"], _goal(target)))
    if renewable.get("share") is not None or renewable.get("targets"):
        bars.append(("Renewable electricity", renewable.get("share"), None))
    for target in renewable.get("targets", []):
        bars.append((f"Renewable: {target['name']}", target["actual_value"], _goal(target)))
    if not bars:
        return None
    chart = pygal.HorizontalBar(
        _config(
            title="Supplier engagement and renewable electricity (share)",
            range=(0, 1),
            y_labels=[0, 0.25, 0.5, 0.75, 1],  # ten labels run together beside long names
            height=max(220, 80 + 36 * len(bars)),
        )
    )
    chart.x_labels = [b[0] for b in bars]
    chart.add("Reached", [b[1] for b in bars])
    chart.add("Target", [b[2] for b in bars])
    chart.value_formatter = _axis_percent
    return _svg(chart)


def _goal(target: Mapping[str, Any]) -> float | None:
    value = target.get("target_value")
    return value if value is not None else target.get("target_share")


def credits_chart(credits: Mapping[str, Any]) -> Markup | None:
    """Retired credits by what they were retired for, split into removals and avoidance."""
    retired = [c for c in credits.get("items", []) if c.get("retired_for")]
    if not retired:
        return None
    uses = sorted({c["retired_for"] for c in retired})
    chart = pygal.StackedBar(
        _config(title="Credits retired, by use (t CO2e)", height=260, x_label_rotation=0)
    )
    chart.x_labels = uses
    for kind, label in (("removal", "Removals"), ("avoidance", "Avoidance")):
        chart.add(
            label,
            [
                sum(
                    c["quantity_t"]
                    for c in retired
                    if c["retired_for"] == u and c["project_type"] == kind
                )
                for u in uses
            ],
        )
    chart.value_formatter = _axis_tonnes
    return _svg(chart)


def charts(model: Mapping[str, Any]) -> dict[str, Any]:
    inventory = model.get("inventory")
    targets: Sequence[Mapping[str, Any]] = model.get("targets", [])
    return {
        "scopes": scope_chart(model),
        "categories": category_chart(inventory),
        "methods": method_chart(inventory),
        "trajectories": {t["name"]: trajectory_chart(t) for t in targets},
        "coverage": coverage_chart(model),
        "credits": credits_chart(model.get("credits", {})),
    }


def print_environment(templates: Path = TEMPLATES) -> Environment:
    """The Jinja2 environment of the printed documents (escaped HTML, tidy whitespace)."""
    return Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def pdf_of(html: str) -> bytes:
    """The PDF of a printed document's HTML (inline styles and SVG, no scripts)."""
    import weasyprint  # heavy import (fonts, layout engine): only when a PDF is made

    document: bytes = weasyprint.HTML(string=html).write_pdf()
    return document


class ReportRenderer:
    """The ``ReportRenderer`` port: Jinja2 + pygal for HTML, WeasyPrint for PDF."""

    def __init__(self, templates: Path = TEMPLATES) -> None:
        self.env = print_environment(templates)
        self.env.filters["tonnes"] = _tonnes
        self.env.filters["percent"] = _percent
        self.env.filters["number"] = _number

    def html(self, model: Mapping[str, Any]) -> str:
        return self.env.get_template(TEMPLATE).render(report=model, charts=charts(model))

    def pdf(self, html: str) -> bytes:
        return pdf_of(html)

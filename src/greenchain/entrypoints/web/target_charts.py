"""The charts of the target pages as plain data for ``static/targets-charts.js``: a target's
path against its actual values, and the what-if roadmap's projection and savings by lever."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from greenchain.domain.targets import Target, YearData, expected_value
from greenchain.entrypoints.web.roadmap import _path, _value
from greenchain.services.progress_report import SCOPE_LABELS

UNIT_LABELS = {
    "t_co2e": "t CO2e",
    "t_co2e_per_million_revenue": "t CO2e per million revenue",
    "fraction": "share",
}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _target_chart(index: int, target: Target, years: Mapping[int, YearData]) -> dict[str, Any]:
    points = _path(target, years)
    first = min([target.base_year, *years]) if years else target.base_year
    first = max(first, target.base_year)
    labels = list(range(first, target.target_year + 1))
    path = [_round(expected_value(points, y)) if points else None for y in labels]
    actual = [_round(_value(target, years.get(y))) for y in labels]
    unit = UNIT_LABELS.get(target.unit, target.unit.replace("_", " "))
    return {
        "canvas": f"chart-target-{index}",
        "kind": "line",
        "labels": labels,
        "unit": unit,
        "datasets": [
            {"label": "Target path", "data": path, "dashed": True},
            {"label": "Actual", "data": actual},
        ],
    }


def _roadmap_charts(result: dict[str, Any]) -> list[dict[str, Any]]:
    labels = [row["year"] for row in result["years"]]
    datasets: list[dict[str, Any]] = [
        {"label": "Projected total", "data": [_round(r["total_t_co2e"]) for r in result["years"]]},
        {
            "label": f"No further action ({result['latest_year']} held flat)",
            "data": [_round(r["baseline_total_t_co2e"]) for r in result["years"]],
            "dashed": True,
        },
    ]
    for target in result["targets"]:
        scopes = " + ".join(SCOPE_LABELS.get(s, s) for s in target["scopes"])
        datasets.append(
            {
                "label": f"Projected {scopes} ({target['name']})",
                "data": [_round(p["t_co2e"]) for p in target["projected"]],
            }
        )
        datasets.append(
            {
                "label": f"Target path: {target['name']}",
                "data": [_round(p["t_co2e"]) for p in target["path"]],
                "dashed": True,
            }
        )
    steps = [
        {"label": f"{result['latest_year']} (latest)", "value": result["baseline_total_t_co2e"]}
    ]
    bars: list[list[float]] = [[0.0, result["baseline_total_t_co2e"]]]
    running = result["baseline_total_t_co2e"]
    for saving in result["savings_by_lever"]:
        if not saving["counted"]:
            continue
        low = running - saving["saved_t_co2e"]
        steps.append({"label": saving["label"], "value": -saving["saved_t_co2e"]})
        bars.append([low, running])
        running = low
    steps.append(
        {"label": f"{result['until']} projected", "value": result["projected_total_t_co2e"]}
    )
    bars.append([0.0, result["projected_total_t_co2e"]])
    return [
        {
            "canvas": "chart-roadmap",
            "kind": "line",
            "labels": labels,
            "unit": "t CO2e",
            "datasets": datasets,
        },
        {
            "canvas": "chart-levers",
            "kind": "waterfall",
            "labels": [s["label"] for s in steps],
            "values": [_round(s["value"]) for s in steps],
            "bars": [[_round(a), _round(b)] for a, b in bars],
            "totals": [0, len(steps) - 1],
            "unit": "t CO2e",
        },
    ]

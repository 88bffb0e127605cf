"""Climate targets over HTTP, on SQLite and PostgreSQL: the JSON API (history, targets, SBTi
checks, progress, credits, roadmap) with hand-checked numbers, bad input, roles, tenant
isolation, and the targets page with its add-target form."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.entrypoints.web.app import create_app
from greenchain.services.accounts import add_user, create_api_token
from greenchain.services.context import Context
from greenchain.services.orgs import add_organisation

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}
API = "/api/v1/orgs/org-a"

# History: 2020 = 1000 (Scope 1) + 1000 (Scope 2 market) = 2000 t; 2024 = 800 + 700 = 1500 t.
HISTORY = [
    (2020, "1", 1000.0),
    (2020, "2_market", 1000.0),
    (2024, "1", 800.0),
    (2024, "2_market", 700.0),
]


def _target(name: str, reduction: float, **extra: object) -> dict[str, object]:
    return {
        "name": name,
        "kind": "absolute",
        "scopes": ["1", "2_market"],
        "base_year": 2020,
        "target_year": 2030,
        "reduction": reduction,
        "submitted_year": 2022,
        **extra,
    }


@pytest.fixture
def world(ctx: Context, tmp_path: Path):
    """Organisation A (admin Alice, viewer Victor) and organisation B (admin Bob), no data."""
    add_organisation(ctx, "org-a", "Alpha Chips")
    add_organisation(ctx, "org-b", "Beta Modules")
    add_user(ctx, "alice@a.example", PASSWORD, "org-a", Role.ADMIN)
    add_user(ctx, "victor@a.example", PASSWORD, "org-a", Role.VIEWER)
    add_user(ctx, "bob@b.example", PASSWORD, "org-b", Role.ADMIN)
    settings = Settings(upload_dir=tmp_path / "uploads", job_workers=0)
    client = TestClient(create_app(settings, ctx))
    tokens = {
        who: create_api_token(ctx, who).token
        for who in ("alice@a.example", "victor@a.example", "bob@b.example")
    }
    return ctx, client, tokens


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _enter_history(client: TestClient, token: str) -> None:
    for year, scope, t_co2e in HISTORY:
        response = client.post(
            f"{API}/history",
            json={"year": year, "scope": scope, "t_co2e": t_co2e, "source": "annual report"},
            headers=_auth(token),
        )
        assert response.status_code == 201, response.text
        assert response.json()["replaced"] is False


def _csrf(client: TestClient, path: str = "/login") -> str:
    page = client.get(path, headers=HTML).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _login(client: TestClient, email: str, password: str = PASSWORD, next: str = "/") -> object:
    return client.post(
        "/login",
        data={"csrf_token": _csrf(client), "email": email, "password": password, "next": next},
        headers=HTML,
        follow_redirects=False,
    )


def _title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page)
    assert match, page
    return match.group(1)


def test_targets_are_added_listed_checked_and_tracked(world):
    _, client, tokens = world
    token = tokens["alice@a.example"]
    _enter_history(client, token)
    history = client.get(f"{API}/history", headers=_auth(token)).json()
    assert [h["year"] for h in history] == [2020, 2024]
    assert history[0]["emissions"] == {"1": 1000.0, "2_market": 1000.0}
    assert history[1]["sources"]["1"] == "annual report"

    added = client.post(f"{API}/targets", json=_target("SBT 42", 0.42), headers=_auth(token))
    assert added.status_code == 201, added.text
    assert added.json()["ledger_seq"] is not None
    weak = client.post(f"{API}/targets", json=_target("Weak 30", 0.30), headers=_auth(token))
    assert weak.status_code == 201, weak.text
    again = client.post(f"{API}/targets", json=_target("SBT 42", 0.5), headers=_auth(token))
    assert again.status_code == 409

    listed = client.get(f"{API}/targets", headers=_auth(token)).json()
    assert [(t["name"], t["reduction"], t["unit"]) for t in listed] == [
        ("SBT 42", 0.42, "t_co2e"),
        ("Weak 30", 0.30, "t_co2e"),
    ]

    checks = {c["name"]: c for c in client.get(f"{API}/targets/check", headers=_auth(token)).json()}
    ambition = {
        name: next(c for c in check["criteria"] if c["code"] == "ambition")
        for name, check in checks.items()
    }
    # 42 % over 10 years = 4.2 %/yr linear: meets the 4.2 %/yr 1.5 °C minimum; 30 % = 3 %/yr.
    assert ambition["SBT 42"]["passed"] is True
    assert "4.20 %/yr" in ambition["SBT 42"]["reason"]
    assert ambition["Weak 30"]["passed"] is False
    assert "3.00 %/yr" in ambition["Weak 30"]["reason"]
    assert checks["Weak 30"]["meets_all"] is False
    assert checks["SBT 42"]["criteria_version"].startswith("SBTi Corporate Near-Term Criteria")

    rows = client.get(f"{API}/targets/progress?year=2024", headers=_auth(token)).json()
    progress = {r["name"]: r for r in rows}
    strong = progress["SBT 42"]
    # Base 2000 t; target 2030 = 2000 x 0.58 = 1160 t; expected 2024 = 2000 - 840 x 4/10 = 1664.
    assert strong["base_value"] == pytest.approx(2000.0)
    assert strong["target_value"] == pytest.approx(1160.0)
    assert strong["expected_value"] == pytest.approx(1664.0)
    assert strong["actual_value"] == pytest.approx(1500.0)
    assert strong["gap"] == pytest.approx(-164.0)
    assert strong["on_track"] is True
    # (1500 - 1160) / 6 years / 2000 base = 2.833 % of the base a year.
    assert strong["required_annual_reduction"] == pytest.approx(340 / 6 / 2000)
    assert progress["Weak 30"]["expected_value"] == pytest.approx(1760.0)

    removed = client.delete(f"{API}/targets", params={"name": "Weak 30"}, headers=_auth(token))
    assert removed.status_code == 200, removed.text
    assert [t["name"] for t in client.get(f"{API}/targets", headers=_auth(token)).json()] == [
        "SBT 42"
    ]
    gone = client.delete(f"{API}/targets", params={"name": "Weak 30"}, headers=_auth(token))
    assert gone.status_code == 404


def test_behind_a_target_and_years_without_data(world):
    _, client, tokens = world
    token = tokens["alice@a.example"]
    _enter_history(client, token)
    client.post(
        f"{API}/history", json={"year": 2024, "scope": "1", "t_co2e": 1200.0}, headers=_auth(token)
    )
    client.post(f"{API}/targets", json=_target("SBT 42", 0.42), headers=_auth(token))
    row = client.get(f"{API}/targets/progress?year=2024", headers=_auth(token)).json()[0]
    assert row["actual_value"] == pytest.approx(1900.0)
    assert row["on_track"] is False
    assert row["gap"] == pytest.approx(1900.0 - 1664.0)
    empty = client.get(f"{API}/targets/progress?year=2023", headers=_auth(token)).json()[0]
    assert empty["on_track"] is None
    assert empty["actual_value"] is None


def test_credits_are_listed_apart_and_never_retired_twice(world):
    _, client, tokens = world
    token = tokens["alice@a.example"]
    _enter_history(client, token)
    client.post(f"{API}/targets", json=_target("SBT 42", 0.42), headers=_auth(token))
    before = client.get(f"{API}/targets/progress?year=2024", headers=_auth(token)).json()
    credit = {
        "registry": "Verra",
        "serial_start": 100,
        "serial_end": 599,
        "vintage": 2023,
        "project_type": "removal",
        "standard": "VCS",
        "quantity_t": 500,
        "retired_for": "Alpha Chips 2024",
        "cancelled_on": "2024-11-30",
    }
    response = client.post(f"{API}/credits", json=credit, headers=_auth(token))
    assert response.status_code == 201, response.text
    assert response.json()["cancelled_on"] == "2024-11-30"
    future = client.post(
        f"{API}/credits",
        json={**credit, "serial_start": 900, "serial_end": 909, "cancelled_on": "2999-01-01"},
        headers=_auth(token),
    )
    assert future.status_code == 422
    assert "in the future" in future.text
    twice = client.post(
        f"{API}/credits",
        json={**credit, "serial_start": 599, "serial_end": 700, "quantity_t": 10},
        headers=_auth(token),
    )
    assert twice.status_code == 409
    listed = client.get(f"{API}/credits", headers=_auth(token)).json()
    assert [(c["serial_start"], c["quantity_t"]) for c in listed] == [(100, 500.0)]
    after = client.get(f"{API}/targets/progress?year=2024", headers=_auth(token)).json()
    assert after == before


def test_the_roadmap_projects_the_latest_year_under_levers(world):
    _, client, tokens = world
    token = tokens["alice@a.example"]
    _enter_history(client, token)
    client.post(f"{API}/targets", json=_target("SBT 42", 0.42), headers=_auth(token))
    flat = client.get(f"{API}/roadmap?until=2026", headers=_auth(token)).json()
    assert flat["latest_year"] == 2024
    assert [y["total_t_co2e"] for y in flat["years"]] == [1500.0, 1500.0, 1500.0]
    plan = client.get(
        f"{API}/roadmap",
        params={"until": 2026, "efficiency_rate": 0.1, "renewable_share": 0.5},
        headers=_auth(token),
    ).json()
    # 2025: Scope 1 800 x 0.9 = 720; Scope 2 700 x 0.9 = 630, renewables at 25 % of the way
    # (0.5 by 2026) cut 630 x 0.25 = 157.5 -> 472.5; total 1192.5.
    # 2026: Scope 1 800 x 0.81 = 648; Scope 2 567 x (1 - 0.5) = 283.5; total 931.5.
    totals = {y["year"]: y["total_t_co2e"] for y in plan["years"]}
    assert totals[2025] == pytest.approx(1192.5)
    assert totals[2026] == pytest.approx(931.5)
    assert plan["baseline_total_t_co2e"] == pytest.approx(1500.0)
    savings = {s["label"]: s["saved_t_co2e"] for s in plan["savings_by_lever"]}
    assert savings == pytest.approx(
        {
            "efficiency (Scope 1)": 152.0,
            "efficiency (Scope 2)": 133.0,
            "renewable electricity": 283.5,
        }
    )
    assert sum(savings.values()) == pytest.approx(1500.0 - 931.5)
    target = plan["targets"][0]
    # The 2026 point of the path: 2000 - 840 x 6/10 = 1496 t.
    assert target["path"][-1] == {"year": 2026, "t_co2e": pytest.approx(1496.0)}
    assert target["meets_target"] is None
    bad = client.get(f"{API}/roadmap?until=2020", headers=_auth(token))
    assert bad.status_code == 422
    assert "until year 2020" in bad.json()["message"]


def test_no_history_gives_a_roadmap_404_with_the_reason(world):
    _, client, tokens = world
    response = client.get(f"{API}/roadmap", headers=_auth(tokens["alice@a.example"]))
    assert response.status_code == 404
    assert "enter history" in response.json()["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("targets", {**_target("x", 1.5)}, "reduction"),
        ("targets", {**_target("x", 0.4), "scopes": ["4"]}, "scopes"),
        ("targets", {**_target("x", 0.4), "kind": "vibes"}, "kind"),
        ("history", {"year": 2024, "scope": "1", "t_co2e": -1}, "t_co2e"),
        ("history", {"year": 1066, "scope": "1", "t_co2e": 1}, "year"),
        ("credits", {"registry": "Verra", "serial_start": 1}, "serial_end"),
    ],
)
def test_a_bad_body_is_refused_naming_the_field(world, path, body, field):
    _, client, tokens = world
    response = client.post(f"{API}/{path}", json=body, headers=_auth(tokens["alice@a.example"]))
    assert response.status_code == 422, response.text
    assert field in response.json()["message"]


def test_a_target_the_domain_refuses_is_a_422_with_the_reason(world):
    _, client, tokens = world
    body = _target("Backwards", 0.42, target_year=2019, submitted_year=None)
    response = client.post(f"{API}/targets", json=body, headers=_auth(tokens["alice@a.example"]))
    assert response.status_code == 422
    assert "target year 2019 must be after base year 2020" in response.json()["message"]


def test_viewers_read_but_cannot_change_targets(world):
    _, client, tokens = world
    _enter_history(client, tokens["alice@a.example"])
    token = tokens["victor@a.example"]
    assert client.get(f"{API}/targets", headers=_auth(token)).status_code == 200
    assert client.get(f"{API}/history", headers=_auth(token)).status_code == 200
    assert client.get(f"{API}/roadmap", headers=_auth(token)).status_code == 200
    assert (
        client.post(f"{API}/targets", json=_target("x", 0.42), headers=_auth(token)).status_code
        == 403
    )
    assert (
        client.post(
            f"{API}/history", json={"year": 2024, "scope": "1", "t_co2e": 1}, headers=_auth(token)
        ).status_code
        == 403
    )
    assert client.delete(f"{API}/targets?name=x", headers=_auth(token)).status_code == 403


def test_another_organisation_gets_404_from_every_targets_route(world):
    _, client, tokens = world
    _enter_history(client, tokens["alice@a.example"])
    client.post(
        f"{API}/targets",
        json=_target("Secret plan", 0.42),
        headers=_auth(tokens["alice@a.example"]),
    )
    bob = _auth(tokens["bob@b.example"])
    calls = [
        ("GET", "targets", None),
        ("POST", "targets", _target("x", 0.42)),
        ("DELETE", "targets?name=Secret%20plan", None),
        ("GET", "targets/check", None),
        ("GET", "targets/progress?year=2024", None),
        ("GET", "history", None),
        ("POST", "history", {"year": 2024, "scope": "1", "t_co2e": 1}),
        ("POST", "history/revenue", {"year": 2024, "revenue": 1e6, "currency": "USD"}),
        ("GET", "credits", None),
        (
            "POST",
            "credits",
            {
                "registry": "R",
                "serial_start": 1,
                "serial_end": 1,
                "vintage": 2024,
                "project_type": "removal",
                "standard": "VCS",
                "quantity_t": 1,
                "retired_for": "b",
            },
        ),
        ("GET", "roadmap", None),
    ]
    for method, path, body in calls:
        response = client.request(method, f"{API}/{path}", json=body, headers=bob)
        assert response.status_code == 404, (method, path, response.text)
        assert "Secret plan" not in response.text
    page = client.get("/orgs/org-a/targets", headers={**bob, **HTML})
    assert page.status_code == 404
    assert "Secret plan" not in page.text
    # Alice's data is untouched.
    assert [
        t["name"]
        for t in client.get(f"{API}/targets", headers=_auth(tokens["alice@a.example"])).json()
    ] == ["Secret plan"]


def test_the_targets_page_shows_checks_progress_charts_and_credits(world):
    _, client, tokens = world
    token = tokens["alice@a.example"]
    _enter_history(client, token)
    client.post(f"{API}/targets", json=_target("SBT 42", 0.42), headers=_auth(token))
    client.post(f"{API}/targets", json=_target("Weak 30", 0.30), headers=_auth(token))
    assert _login(client, "alice@a.example").status_code == 303  # type: ignore[attr-defined]
    page = client.get("/orgs/org-a/targets", headers=HTML)
    assert page.status_code == 200, page.text
    assert _title(page.text) == "Targets – Alpha Chips · Greenchain"
    text = page.text
    assert "Progress in 2024" in text
    assert "on track" in text
    assert "SBTi Corporate Near-Term Criteria" in text
    assert '<span class="bad">fail</span>' in text
    # the page holds the targets only: history, roadmap and credits are pages of their own
    assert "never count towards reduction targets" not in text
    for sub in ("history", "roadmap", "credits"):
        assert f'href="/orgs/org-a/targets/{sub}"' in text
    credits = client.get("/orgs/org-a/targets/credits", headers=HTML).text
    assert "never count towards reduction targets" in credits
    roadmap = client.get("/orgs/org-a/targets/roadmap?efficiency_rate=5", headers=HTML).text
    assert _title(roadmap) == "What-if roadmap – Alpha Chips · Greenchain"
    assert 'src="/static/vendor/chart.umd.min.js"' in text
    assert 'src="/static/targets-charts.js"' in text
    assert 'aria-current="page">Targets</a>' in text
    data = json.loads(
        re.search(
            r'<script type="application/json" id="targets-chart-data">(.*?)</script>', text, re.S
        ).group(1)  # type: ignore[union-attr]
    )
    charts = {c["canvas"]: c for c in data["charts"]}
    path = charts["chart-target-0"]
    assert path["labels"][0] == 2020
    assert path["labels"][-1] == 2030
    assert path["datasets"][0]["data"][0] == pytest.approx(2000.0)
    assert path["datasets"][0]["data"][-1] == pytest.approx(1160.0)
    assert path["datasets"][1]["data"][4] == pytest.approx(1500.0)  # 2024 actual
    for canvas in charts:
        assert f'id="{canvas}"' in text
    plan = json.loads(
        re.search(
            r'<script type="application/json" id="targets-chart-data">(.*?)</script>', roadmap, re.S
        ).group(1)  # type: ignore[union-attr]
    )
    plan_charts = {c["canvas"]: c for c in plan["charts"]}
    assert plan_charts["chart-levers"]["kind"] == "waterfall"
    assert plan_charts["chart-roadmap"]["labels"][0] == 2024
    for canvas in plan_charts:
        assert f'id="{canvas}"' in roadmap
    # Every input and select has a label; table headers carry a scope.
    for control in re.findall(r"<(?:input|select)\b[^>]*>", text):
        if 'type="hidden"' in control:
            continue
        ident = re.search(r'id="([^"]+)"', control)
        assert ident, control
        assert f'for="{ident.group(1)}"' in text, control
    assert "<th>" not in text
    script = client.get("/static/targets-charts.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "targets-chart-data" in script.text


def test_the_add_target_form_needs_csrf_and_shows_errors_on_the_page(world):
    _, client, tokens = world
    _enter_history(client, tokens["alice@a.example"])
    _login(client, "alice@a.example")
    form = {
        "name": "SBT 42",
        "kind": "absolute",
        "scopes": ["1", "2_market"],
        "base_year": "2020",
        "target_year": "2030",
        "reduction_pct": "42",
        "coverage_pct": "100",
        "submitted_year": "2022",
    }
    refused = client.post("/orgs/org-a/targets", data=form, headers=HTML)
    assert refused.status_code == 403
    token = _csrf(client, "/orgs/org-a/targets")
    added = client.post("/orgs/org-a/targets", data={**form, "csrf_token": token}, headers=HTML)
    assert added.status_code == 200, added.text
    assert "Target &#39;SBT 42&#39; added" in added.text or "Target 'SBT 42' added" in added.text
    listed = client.get(f"{API}/targets", headers=_auth(tokens["alice@a.example"])).json()
    assert [(t["name"], t["reduction"], t["scopes"], t["submitted_year"]) for t in listed] == [
        ("SBT 42", 0.42, ["1", "2_market"], 2022)
    ]
    bad = client.post(
        "/orgs/org-a/targets",
        data={**form, "name": "Too much", "reduction_pct": "150", "csrf_token": token},
        headers=HTML,
    )
    assert bad.status_code == 422
    assert "reduction 1.5 must be a fraction in (0, 1]" in bad.text
    assert "Traceback" not in bad.text
    assert 'value="Too much"' in bad.text
    not_a_number = client.post(
        "/orgs/org-a/targets",
        data={**form, "name": "Odd", "base_year": "soon", "csrf_token": token},
        headers=HTML,
    )
    assert not_a_number.status_code == 422
    assert "base year: &#39;soon&#39; is not a number" in not_a_number.text
    entered = client.post(
        "/orgs/org-a/history",
        data={"year": "2023", "scope": "1", "t_co2e": "900", "csrf_token": token},
        headers=HTML,
    )
    assert entered.status_code == 200
    assert "Scope 1 2023 entered" in entered.text
    withdrawn = client.post(
        "/orgs/org-a/targets/remove", data={"name": "SBT 42", "csrf_token": token}, headers=HTML
    )
    assert withdrawn.status_code == 200
    assert client.get(f"{API}/targets", headers=_auth(tokens["alice@a.example"])).json() == []


def test_viewers_see_the_page_without_forms_and_cannot_post(world):
    _, client, _ = world
    _login(client, "victor@a.example")
    page = client.get("/orgs/org-a/targets", headers=HTML)
    assert page.status_code == 200
    assert "Add a target" not in page.text
    history = client.get("/orgs/org-a/targets/history", headers=HTML).text
    assert "No emissions recorded yet" in history
    assert "Enter a year" not in history
    token = _csrf(client, "/orgs/org-a/targets")
    response = client.post(
        "/orgs/org-a/targets", data={"name": "x", "csrf_token": token}, headers=HTML
    )
    assert response.status_code == 403


def test_a_roadmap_scenario_is_saved_listed_reopened_and_deleted(world):
    client, tokens = world[1], world[2]
    alice = _auth(tokens["alice@a.example"])
    bad = client.post(
        "/api/v1/orgs/org-a/roadmap/scenarios",
        json={"name": "x", "levers": {"efficiency_rate": 2}},
        headers=alice,
    )
    assert bad.status_code == 422
    assert "efficiency_rate" in bad.json()["message"]
    saved = client.post(
        "/api/v1/orgs/org-a/roadmap/scenarios",
        json={"name": "2030 plan", "levers": {"efficiency_rate": 0.05, "until": 2030}},
        headers=alice,
    )
    assert saved.status_code == 201, saved.text
    assert saved.json()["levers"] == {"efficiency_rate": 0.05, "until": 2030}
    listed = client.get("/api/v1/orgs/org-a/roadmap/scenarios", headers=alice).json()
    assert [s["name"] for s in listed] == ["2030 plan"]
    removed = client.delete("/api/v1/orgs/org-a/roadmap/scenarios?name=2030 plan", headers=alice)
    assert removed.status_code == 204
    assert client.get("/api/v1/orgs/org-a/roadmap/scenarios", headers=alice).json() == []


def test_recorded_reduction_projects_are_a_roadmap_lever(world):
    _, client, tokens = world
    alice = _auth(tokens["alice@a.example"])
    _enter_history(client, tokens["alice@a.example"])
    claim = client.post(
        "/api/v1/orgs/org-a/reductions",
        json={"name": "Heat recovery", "scope": "1", "year": 2024, "t_co2e": 100.0},
        headers=alice,
    )
    assert claim.status_code == 201, claim.text
    without = client.get(f"{API}/roadmap?until=2027", headers=alice).json()
    with_projects = client.get(f"{API}/roadmap?until=2027&projects=true", headers=alice).json()
    saved = with_projects["years"][-1]["savings"]
    assert [(s["label"], s["saved_t_co2e"]) for s in saved] == [("Heat recovery", 100.0)]
    assert with_projects["years"][-1]["total_t_co2e"] == pytest.approx(
        without["years"][-1]["total_t_co2e"] - 100.0
    )


def test_credits_are_retired_from_the_page_and_a_serial_is_never_retired_twice(world):
    _, client, _ = world
    _login(client, "alice@a.example")
    form = {
        "registry": "Puro.earth",
        "serial_start": "1001",
        "serial_end": "1100",
        "vintage": "2024",
        "project_type": "removal",
        "standard": "Puro Standard",
        "quantity_t": "100",
        "retired_for": "Alpha Chips net zero 2024",
    }
    token = _csrf(client, "/orgs/org-a/targets")
    done = client.post("/orgs/org-a/credits", data={**form, "csrf_token": token}, headers=HTML)
    assert done.status_code == 200, done.text
    assert "recorded as retired for Alpha Chips net zero 2024" in done.text
    again = client.post(
        "/orgs/org-a/credits",
        data={**form, "serial_start": "1050", "serial_end": "1060", "csrf_token": token},
        headers=HTML,
    )
    assert again.status_code == 422
    assert "1050" in again.text
    assert "Puro.earth" in again.text


def test_the_roadmap_form_sent_as_a_browser_sends_it_with_empty_fields_shows_the_page(world):
    """A GET form sends its empty optional fields as ``name=``: they mean "not given"."""
    _, client, tokens = world
    _enter_history(client, tokens["alice@a.example"])
    _login(client, "alice@a.example")
    response = client.get(
        "/orgs/org-a/targets/roadmap?until=2030&supplier_share=&supplier_rate=&renewable_share="
        "&renewable_by=&renewable_current=&efficiency_rate=",
        headers=HTML,
    )
    assert response.status_code == 200, response.text[:500]
    assert "Input should be a valid" not in response.text


def test_the_roadmap_levers_are_percent_on_the_page_and_in_saved_scenario_links(world):
    _, client, tokens = world
    alice = _auth(tokens["alice@a.example"])
    _enter_history(client, tokens["alice@a.example"])
    _login(client, "alice@a.example")
    page = client.get(
        "/orgs/org-a/targets/roadmap?until=2027&efficiency_rate=5%25", headers=HTML
    ).text
    assert 'name="efficiency_rate" inputmode="decimal" value="5"' in page
    api = client.get(f"{API}/roadmap?until=2027&efficiency_rate=0.05", headers=alice).json()
    saved_api = sum(s["saved_t_co2e"] for s in api["savings_by_lever"])
    assert f"{saved_api:,.1f}" in page  # 5 % on the page is the API's 0.05
    client.post(
        f"{API}/roadmap/scenarios",
        json={"name": "Efficiency", "levers": {"efficiency_rate": 0.05, "until": 2027}},
        headers=alice,
    )
    listed = client.get("/orgs/org-a/targets/roadmap", headers=HTML).text
    assert "efficiency_rate=5&amp;" in listed or "efficiency_rate=5#" in listed


def test_a_roadmap_lever_that_cannot_be_read_is_named_next_to_the_form(world):
    _, client, tokens = world
    _enter_history(client, tokens["alice@a.example"])
    _login(client, "alice@a.example")
    for query, message in (
        ("efficiency_rate=lots", "Efficiency gain: 'lots' is not a number"),
        ("renewable_share=150", "Renewable share to reach: 150 % is not between 0 and 100 %"),
        ("renewable_by=soon", "Reached by: 'soon' is not a number"),
    ):
        response = client.get(f"/orgs/org-a/targets/roadmap?{query}", headers=HTML)
        assert response.status_code == 422, query
        assert 'id="rm-error">' + message in response.text.replace("&#39;", "'")
        assert 'aria-current="page">Targets</a>' in response.text  # the navigation stays

"""A supplier allocates its emissions to one customer on that customer's request page (CDP
SC1.1), on SQLite and PostgreSQL: a value that cannot be used is shown at its field with 422
and nothing is stored; the other customer never sees the allocation; the customer sees it
beside the answer, and after accepting that its run uses it.

Hand values: Scope 1 1,200 t + Scope 2 market-based 800 t; 30,000 of 200,000 wafers sold to
Chip Co = 15 % = 300 t CO2e."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.e2e.test_engagement_web import ANSWER, HTML, _csrf, _login, _send, world

__all__ = ["world"]


def _answer_url(client: TestClient, buyer_name: str) -> str:
    portal = client.get("/orgs/steelco/portal", headers=HTML).text
    found = re.search(rf'href="(/orgs/steelco/portal/requests/\d+)"[^>]*>[^<]*{buyer_name}', portal)
    assert found, portal
    return found.group(1)


def _text(page: str) -> str:
    return page.replace("&#39;", "'").replace("&#x27;", "'")


def test_a_supplier_allocates_on_the_request_page_and_only_that_customer_sees_it(world):
    _, client, auth = world
    a = _send(client, "chipco", auth["alice"], ("ST-1", "sam@steel.example"))
    _send(client, "osatco", auth["oscar"], ("ST-1", "sam@steel.example"))
    _login(client, "sam@steel.example")
    for_chip = _answer_url(client, "Chip Co")
    for_osat = _answer_url(client, "OSAT Co")
    page = client.get(for_chip, headers=HTML).text
    assert "Allocate your emissions to Chip Co" in page
    assert "No allocation to Chip Co yet" in page
    token = _csrf(client, for_chip)
    fields = {k: str(v) for k, v in ANSWER.items()}
    client.post(f"{for_chip}/submit", data={"csrf_token": token, **fields}, headers=HTML)
    # the revenue form starts in the answer's currency over its revenue
    page = client.get(for_chip, headers=HTML).text
    assert 'name="unit" maxlength="40" value="USD"' in page
    assert 'name="total_value" inputmode="decimal" maxlength="40" value="50000000"' in page

    form = {"csrf_token": token, "method": "quantity", "customer_value": "30000",
            "unit": "wafers", "uncertainty_pct": "10"}  # fmt: skip
    bad = client.post(f"{for_chip}/allocation", data={**form, "total_value": "0"}, headers=HTML)
    assert bad.status_code == 422
    text = _text(bad.text)
    assert "Allocation not saved: check Total." in text
    assert 'id="alloc-total" name="total_value" inputmode="decimal" maxlength="40" value="0" ' \
        'required aria-invalid="true" aria-describedby="ae-total_value"' in text  # fmt: skip
    assert '<p class="field-error" id="ae-total_value">0.0 must be more than 0</p>' in text
    assert 'value="30000"' in text  # what was typed stays
    unreadable = client.post(
        f"{for_chip}/allocation", data={**form, "total_value": "lots"}, headers=HTML
    )
    assert unreadable.status_code == 422
    assert "'lots' is not a number</p>" in _text(unreadable.text)
    assert client.get(
        f"/api/v1/orgs/steelco/portal/requests/{for_chip.rsplit('/', 1)[1]}/allocation",
        headers=auth["sam"],
    ).status_code == 404  # nothing stored  # fmt: skip

    saved = client.post(
        f"{for_chip}/allocation", data={**form, "total_value": "200000"}, headers=HTML
    )
    assert saved.status_code == 200
    assert "Allocation saved: 300.0 t CO2e, 15.00 % of your output" in saved.text
    assert "<strong>300.0 t CO2e</strong> ± 10 %" in saved.text
    assert "15.00 % (30,000 of 200,000 wafers)" in saved.text
    assert "Allocation based on the quantity of product purchased" in saved.text
    assert '<option value="quantity" selected>' in saved.text
    # the other customer's request shows no allocation, through the page or the API
    other = client.get(for_osat, headers=HTML).text
    assert "No allocation to OSAT Co yet" in other
    assert "300.0 t CO2e" not in other
    osat_id = for_osat.rsplit("/", 1)[1]
    assert client.get(
        f"/api/v1/orgs/steelco/portal/requests/{osat_id}/allocation", headers=auth["sam"]
    ).status_code == 404  # fmt: skip
    client.post("/logout", data={"csrf_token": token}, headers=HTML)

    # the customer sees the allocation beside the answer, and its run uses it once accepted
    _login(client, "alice@chip.example")
    request_url = f"/orgs/chipco/requests/{a}"
    detail = client.get(request_url, headers=HTML).text
    assert "Allocation of Steel Co to you" in detail
    assert "300.0 t CO2e ± 10 %" in detail
    assert "Allocation based on the quantity of product purchased" in detail
    assert "15.00 % (30,000 of 200,000 wafers)" in detail
    accept = re.search(r'action="(/orgs/chipco/requests/\d+/accept/\d+)"', detail).group(1)  # type: ignore[union-attr]
    client.post(accept, data={"csrf_token": _csrf(client, request_url)}, headers=HTML)
    after = client.get(request_url, headers=HTML).text
    assert "allocation of 300.0 t CO2e used" in after
    api = client.get(f"/api/v1/orgs/chipco/requests/{a}", headers=auth["alice"]).json()
    assert api["recipients"][0]["answer"]["allocation"]["allocated_t"] == 300.0
    client.post("/logout", data={"csrf_token": _csrf(client, request_url)}, headers=HTML)

    # the other customer, whose request the answer is not shared with, sees nothing of it
    _login(client, "oscar@osat.example")
    theirs = client.get("/api/v1/orgs/osatco/requests", headers=auth["oscar"]).json()
    seen = client.get(f"/orgs/osatco/requests/{theirs[0]['id']}", headers=HTML).text
    assert "Allocation of" not in seen
    assert "300.0" not in seen


def test_the_allocation_api_sets_and_reads_the_allocation_of_a_request(world):
    _, client, auth = world
    _send(client, "chipco", auth["alice"], ("ST-1", "sam@steel.example"))
    portal = client.get("/api/v1/orgs/steelco/portal", headers=auth["sam"]).json()
    recipient = portal["requests"][0]["id"]
    url = f"/api/v1/orgs/steelco/portal/requests/{recipient}/allocation"
    body = {"method": "revenue", "customer_value": 5_000_000, "total_value": 50_000_000,
            "unit": "USD", "include_upstream": True}  # fmt: skip
    early = client.put(url, json=body, headers=auth["sam"])
    assert early.status_code == 422
    assert "save your answer" in early.json()["message"]
    client.put(
        f"/api/v1/orgs/steelco/portal/requests/{recipient}/draft",
        json={"answers": ANSWER},
        headers=auth["sam"],
    )
    too_much = client.put(url, json={**body, "customer_value": 60_000_000}, headers=auth["sam"])
    assert too_much.status_code == 422
    assert "more than the total" in too_much.json()["message"]
    made = client.put(url, json=body, headers=auth["sam"])
    assert made.status_code == 200, made.text
    assert made.json()["allocated_t"] == 600.0  # 10 % of 1,200 + 800 + 4,000 t
    read = client.get(url, headers=auth["sam"]).json()
    assert (read["method"], read["share"], read["include_upstream"]) == ("revenue", 0.1, True)
    assert client.get(url, headers=auth["alice"]).status_code == 404  # the buyer's own API

"""PACT v3 host: import and the read path (ListFootprints, filters, GetFootprint) at N
footprints in one supplier organisation, against plain SQL on the same database, same run.

Footprints are made from the spec's example-1.json with new ids, 10 footprints per productId,
16 geographies (countries, subdivisions, UN subregions on four continents) and 50
classifications; every 10th footprint is then set Deprecated by a plain UPDATE (setup, not
timed). The sizes are cumulative (the 10,000 set is the 1,000 set plus 9,000 more). The first
``--service-import`` footprints (default 3,000) go through ``pact.import_footprints`` in JSON
files of ``--batch`` footprints, timed against the same rows inserted by ``executemany`` in
one transaction per batch (then removed); the service imports ~100-150 footprints/s on
SQLite here, so the rest are bulk-inserted (the same rows, made by the same domain functions)
to keep the run near 3 minutes: ``--service-import 111000`` imports all of them through the
service (~15 minutes).

Reads, for a customer credential with share_all=True, pages of limit=100:
  (a) ListFootprints walking the whole set through the cursor;
  (b) filters walked to the end through the cursor: geography=Europe (a UN region: its
      subregions and countries too) and status=Active; and one productId (10 footprints,
      one page; ``--filter-queries`` different products);
  (c) GetFootprint of ``--gets`` random ids.
Each runs through the service functions (``list_visible_footprints`` /
``get_visible_footprint``) and, for a subset (the first ``--http-pages`` pages of each walk,
``--http-gets`` ids), over HTTP against a real uvicorn server (one worker, access log off;
one keep-alive connection with the stdlib http.client, one request at a time, a bearer token
from POST /auth/token). Baselines: the same pages as plain SQL through the driver on one open
connection of the same database (``SELECT seq, id, document FROM pact_footprints WHERE
org_id = ? AND seq > ? ORDER BY seq LIMIT 101``; a filter through the key table as the store
does it: ``AND EXISTS (SELECT 1 FROM pact_footprint_keys WHERE footprint_seq = seq AND kind =
? AND value IN (...))``), with the documents as text and with ``json.loads`` of each; for
one productId also ``AND seq IN (SELECT footprint_seq FROM pact_footprint_keys WHERE kind = ?
AND value IN (...))``, which the planner drives from the (kind, value) index. Every read
checks that the service, HTTP and SQL return the same ids. Figures are per second; best of
``--repeat`` runs (one run from N = ``--large`` on, to keep the run near 3 minutes).

    python benchmarks/bench_pact.py [--sizes 1000 10000 100000] [--postgres URL] [--repeat 3]

``--postgres URL`` runs on that PostgreSQL database instead of a temporary SQLite file; its
public schema is dropped and recreated first.
"""

from __future__ import annotations

import argparse
import base64
import copy
import datetime as dt
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

from greenchain.adapters.db import tables as t
from greenchain.adapters.db.pact import SqlPact
from greenchain.bootstrap import bootstrap
from greenchain.config import Settings, new_key
from greenchain.domain import pact
from greenchain.domain.access import Role
from greenchain.services import pact as service
from greenchain.services.accounts import add_user
from greenchain.services.orgs import add_organisation

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EXAMPLE = ROOT.parent / "shared" / "specs" / "pact-v3" / "examples" / "example-1.json"
SUPPLIER, CUSTOMER, BASELINE_ORG = "bench-supplier", "bench-customer", "bench-baseline"
SECRET = new_key()  # this run's session and sealing key
PAGE = 100
PER_PRODUCT = 10
GEOGRAPHIES = [
    ("geographyCountry", "DE"),
    ("geographyCountry", "FR"),
    ("geographyCountrySubdivision", "DE-BY"),
    ("geographyRegionOrSubregion", "Western Europe"),
    ("geographyCountry", "PL"),
    ("geographyCountry", "IT"),
    ("geographyCountry", "US"),
    ("geographyCountrySubdivision", "US-TX"),
    ("geographyCountry", "CN"),
    ("geographyCountry", "JP"),
    ("geographyCountry", "IN"),
    ("geographyCountry", "BR"),
    ("geographyRegionOrSubregion", "South-eastern Asia"),
    ("geographyCountry", "ZA"),
    ("geographyCountry", "AU"),
    ("geographyCountry", "MX"),
]
GEOGRAPHY_FIELDS = ("geographyCountry", "geographyCountrySubdivision", "geographyRegionOrSubregion")


# -- data ----------------------------------------------------------------------------------
def product_id(group: int) -> str:
    return f"urn:gtin:{4_000_000_000_000 + group:013d}"


def make_footprints(template: dict[str, Any], start: int, stop: int, rng: random.Random) -> list:
    out = []
    for i in range(start, stop):
        doc = copy.deepcopy(template)
        doc["id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        doc["productIds"] = [product_id(i // PER_PRODUCT)]
        doc["productNameCompany"] = f"Product {i // PER_PRODUCT}"
        doc["productClassifications"] = [f"urn:pact:productclassification:cas:{1000 + i % 50}"]
        pcf = doc["pcf"]
        for name in GEOGRAPHY_FIELDS:
            pcf.pop(name, None)
        name, value = GEOGRAPHIES[i % len(GEOGRAPHIES)]
        pcf[name] = value
        pcf["pcfExcludingBiogenicUptake"] = f"{0.1 + (i % 997) / 1000:.3f}"
        pcf["fossilGhgEmissions"] = f"{0.05 + (i % 991) / 1000:.3f}"
        out.append(doc)
    return out


# -- plain SQL through the driver ----------------------------------------------------------
class Sql:
    """A DB-API connection of the same engine (same pool settings and pragmas)."""

    def __init__(self, engine: Any) -> None:
        self.conn = engine.raw_connection()
        self.qmark = engine.dialect.paramstyle == "qmark"

    def run(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        cur = self.conn.cursor()
        cur.execute(sql if self.qmark else sql.replace("?", "%s"), params)
        rows = cur.fetchall()
        cur.close()
        return rows

    def execute(self, sql: str, params: tuple | list = ()) -> None:
        cur = self.conn.cursor()
        cur.execute(sql if self.qmark else sql.replace("?", "%s"), params)
        cur.close()

    def many(self, sql: str, rows: list[tuple]) -> None:
        cur = self.conn.cursor()
        cur.executemany(sql if self.qmark else sql.replace("?", "%s"), rows)
        cur.close()

    def end(self, commit: bool = False) -> None:
        (self.conn.commit if commit else self.conn.rollback)()


def sql_page(sql: Sql, org_id: int, where: str, params: list, after: int) -> list[tuple]:
    return sql.run(
        "SELECT seq, id, document FROM pact_footprints WHERE org_id = ? AND seq > ?"
        f"{where} ORDER BY seq LIMIT {PAGE + 1}",
        [org_id, after, *params],
    )


def key_condition(criteria: pact.FootprintFilter, by_key: bool = False) -> tuple[str, list]:
    """The filter in SQL: per key criterion a correlated EXISTS on the key table's primary key
    (the plan the store uses: walk the organisation's footprints in seq order, probe each), or
    with ``by_key`` an IN-subquery the planner drives from the (kind, value) index."""
    where, params = "", []
    for kind, values in criteria.key_criteria():
        marks = ", ".join("?" * len(values))
        if by_key:
            where += (
                " AND seq IN (SELECT footprint_seq FROM pact_footprint_keys"
                f" WHERE kind = ? AND value IN ({marks}))"
            )
        else:
            where += (
                " AND EXISTS (SELECT 1 FROM pact_footprint_keys WHERE footprint_seq = seq"
                f" AND kind = ? AND value IN ({marks}))"
            )
        params += [kind.value, *values]
    if criteria.status is not None:
        where += " AND status = ?"
        params.append(criteria.status.value)
    return where, params


# -- walks ---------------------------------------------------------------------------------
def walk_service(store: SqlPact, credential: dict, criteria: pact.FootprintFilter, pages: int):
    ids, cursor, count = [], 0, 0
    while count < pages:
        docs, nxt = service.list_visible_footprints(
            store, credential, criteria, limit=PAGE, after_seq=cursor
        )
        ids += [d["id"] for d in docs]
        count += 1
        if nxt is None:
            break
        cursor = nxt
    return ids, count


def walk_sql(
    sql: Sql,
    org_id: int,
    criteria: pact.FootprintFilter,
    pages: int,
    decode: bool,
    by_key: bool = False,
):
    where, params = key_condition(criteria, by_key)
    ids: list[str] = []
    cursor, count = 0, 0
    while count < pages:
        rows = sql_page(sql, org_id, where, params, cursor)
        more = len(rows) > PAGE
        rows = rows[:PAGE]
        if decode:
            ids += [json.loads(r[2])["id"] for r in rows]
        else:
            ids += [r[1] for r in rows]
        count += 1
        if not more:
            break
        cursor = rows[-1][0]
    sql.end()
    return ids, count


class Http:
    """One persistent connection to the uvicorn server."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        self.conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise SystemExit(f"{method} {path}: HTTP {response.status} {data[:300]!r}")
        return response, data

    def login(self, client_id: str, client_secret: str) -> None:
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        _, data = self.request(
            "POST",
            "/auth/token",
            b"grant_type=client_credentials",
            {
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        self.headers = {"Authorization": f"Bearer {json.loads(data)['access_token']}"}

    def walk(self, query: dict[str, str], pages: int) -> tuple[list[str], int]:
        path = "/3/footprints?" + urllib.parse.urlencode({**query, "limit": str(PAGE)})
        ids: list[str] = []
        count = 0
        while count < pages:
            response, data = self.request("GET", path)
            ids += [d["id"] for d in json.loads(data)["data"]]
            count += 1
            link = response.getheader("Link")
            if not link:
                break
            url = urllib.parse.urlsplit(link.split(">", 1)[0].lstrip("<"))
            path = f"{url.path}?{url.query}"
        return ids, count


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def uvicorn_server(db: str) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "GREENCHAIN_DB": db,
        "GREENCHAIN_SECRET_KEY": SECRET,
        "GREENCHAIN_SEALING_KEY": SECRET,
        "GREENCHAIN_JOB_WORKERS": "0",
    }
    server = subprocess.Popen(
        [
            BIN / "uvicorn",
            "greenchain.entrypoints.web.main:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-keep-alive",
            "600",
        ],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the uvicorn server did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def best(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    elapsed, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        elapsed = min(elapsed, time.perf_counter() - start)
    return elapsed, result


# -- import --------------------------------------------------------------------------------
def import_service(ctx, admin, store, docs: list, batch: int) -> float:
    start = time.perf_counter()
    for offset in range(0, len(docs), batch):
        part = docs[offset : offset + batch]
        done = service.import_footprints(
            ctx, admin, store, SUPPLIER, json.dumps(part).encode(), "batch.json"
        )
        assert done["created"] == len(part), done
    return time.perf_counter() - start


def stored_rows(org_id: int, docs: list) -> list[tuple[dict, list[dict]]]:
    """The rows the service stores for ``docs`` (the same domain functions), Active."""
    out = []
    for doc in docs:
        document = pact.new_footprint(
            doc, footprint_id=doc["id"], created=pact.parse_datetime(doc["created"])
        )
        start, end = pact.validity_period(document)
        row = {
            "id": document["id"],
            "org_id": org_id,
            "status": document["status"],
            "product_name": document["productNameCompany"][:300],
            "created_at": pact.parse_datetime(document["created"]),
            "valid_from": start,
            "valid_until": end,
            "document": pact.canonical_json(document),
        }
        keys = [{"kind": k.value, "value": v[:500]} for k, v in pact.filter_keys(document)]
        out.append((row, keys))
    return out


def bulk_insert(engine: Any, rows: list[tuple[dict, list[dict]]], batch: int) -> float:
    """executemany of the footprint rows, their seqs read back by id, executemany of the key
    rows: one transaction per batch, on one connection."""
    fp, keys = t.pact_footprints, t.pact_footprint_keys
    with engine.connect() as conn:
        start = time.perf_counter()
        for offset in range(0, len(rows), batch):
            part = rows[offset : offset + batch]
            with conn.begin():
                conn.execute(fp.insert(), [r for r, _ in part])
                seqs = dict(
                    conn.execute(
                        select(fp.c.id, fp.c.seq).where(fp.c.id.in_([r["id"] for r, _ in part]))
                    ).all()
                )
                conn.execute(
                    keys.insert(),
                    [{**k, "footprint_seq": seqs[r["id"]]} for r, ks in part for k in ks],
                )
        return time.perf_counter() - start


def import_baseline(engine: Any, baseline_org: int, docs: list, batch: int) -> float:
    """The same rows by plain bulk inserts (for another organisation, under new ids), timed;
    removed afterwards."""
    rows = stored_rows(baseline_org, docs)
    for row, _ in rows:
        old, row["id"] = row["id"], str(uuid.uuid4())
        row["document"] = row["document"].replace(old, row["id"])
    elapsed = bulk_insert(engine, rows, batch)
    fp, keys = t.pact_footprints, t.pact_footprint_keys
    with engine.begin() as conn:
        conn.execute(
            keys.delete().where(
                keys.c.footprint_seq.in_(select(fp.c.seq).where(fp.c.org_id == baseline_org))
            )
        )
        conn.execute(fp.delete().where(fp.c.org_id == baseline_org))
    return elapsed


# -- report --------------------------------------------------------------------------------
HEADER = (
    f"{'measure (limit=100 pages)':<34} {'N':>7} {'service':>10} {'HTTP':>10} {'plain SQL':>10} "
    f"{'SQL+json':>10} {'svc/SQL+json':>12} {'HTTP/svc':>8}"
)


def line(name: str, n: int, *figures: float | None) -> str:
    svc, web, plain, decoded = figures
    cells = " ".join(f"{v:>10,.0f}" if v else f"{'-':>10}" for v in figures)
    base = decoded or plain  # import: against the plain inserts
    ratio = f"{svc / base:>12.0%}" if svc and base else f"{'-':>12}"
    http_ratio = f"{web / svc:>8.0%}" if web and svc else f"{'-':>8}"
    row = f"{name:<34} {n:>7,} {cells} {ratio} {http_ratio}"
    print(row, flush=True)
    return row


class Bench:
    def __init__(self, args: argparse.Namespace, db: str) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.template = json.loads(EXAMPLE.read_text())
        pact.expand_geography(["europe"])  # loads the UN M49 table once, not timed
        self.ctx = bootstrap(Settings(db=db, secret_key=SECRET, sealing_key=SECRET))
        self.engine = self.ctx.workspace.engine  # type: ignore[attr-defined]
        self.org_id = add_organisation(self.ctx, SUPPLIER, "Bench Supplier").id
        add_organisation(self.ctx, CUSTOMER, "Bench Customer")
        self.baseline_org = add_organisation(self.ctx, BASELINE_ORG, "Bench Baseline").id
        self.admin = add_user(
            self.ctx, "admin@supplier.example", "correct horse battery", SUPPLIER, Role.ADMIN
        )
        self.store = SqlPact(self.engine, SECRET)
        self.cred = service.create_credential(
            self.ctx, self.admin, self.store, SUPPLIER, CUSTOMER, share_all=True
        )
        credential = self.store.credential_by_client_id(self.cred["client_id"])
        assert credential is not None
        self.credential = credential
        self.sql = Sql(self.engine)
        self.ids: list[str] = []
        self.through_service = 0
        self.rows: list[str] = []

    def repeat(self, n: int) -> int:
        return self.args.repeat if n < self.args.large else 1

    def grow(self, n: int) -> None:
        """Add footprints up to ``n``: through the service up to ``--service-import`` in all,
        the rest by bulk insert of the same rows; then every 10th one Deprecated."""
        args = self.args
        docs = make_footprints(self.template, len(self.ids), n, self.rng)
        self.ids += [d["id"] for d in docs]
        by_service = max(0, min(len(docs), args.service_import - self.through_service))
        if by_service:
            part = docs[:by_service]
            elapsed = import_service(self.ctx, self.admin, self.store, part, args.batch)
            plain = import_baseline(self.engine, self.baseline_org, part, args.batch)
            self.through_service += by_service
            self.rows.append(
                line(
                    f"import +{by_service:,} (footprints/s)",
                    n,
                    by_service / elapsed,
                    None,
                    by_service / plain,
                    None,
                )
            )
        rest = docs[by_service:]
        if rest:
            loaded = bulk_insert(self.engine, stored_rows(self.org_id, rest), args.batch)
            print(f"  (bulk-loaded {len(rest):,} more footprints in {loaded:.1f} s)", flush=True)
        self.sql.execute(
            "UPDATE pact_footprints SET status = 'Deprecated' WHERE org_id = ? "
            "AND seq - (seq / 10) * 10 = 0 AND status = 'Active'",
            [self.org_id],
        )
        self.sql.end(commit=True)

    def walks(self, n: int, client: Http) -> None:
        """(a) and (b): whole walks through the cursor, footprints/s."""
        repeat, http_pages = self.repeat(n), self.args.http_pages
        every = 10**9
        for name, query in (
            ("list all", {}),
            ("geography=Europe", {"geography": "Europe"}),
            ("status=Active", {"status": "Active"}),
        ):
            criteria = pact.parse_filter({k: [v] for k, v in query.items()})
            t_svc, (ids, _) = best(
                repeat, lambda c=criteria: walk_service(self.store, self.credential, c, every)
            )
            t_raw, (raw_ids, _) = best(
                repeat, lambda c=criteria: walk_sql(self.sql, self.org_id, c, every, False)
            )
            t_json, (json_ids, _) = best(
                repeat, lambda c=criteria: walk_sql(self.sql, self.org_id, c, every, True)
            )
            assert ids, name
            assert ids == raw_ids == json_ids, name
            t_web, (web_ids, _) = best(repeat, lambda q=query: client.walk(q, http_pages))
            assert web_ids == ids[: len(web_ids)], name
            self.rows.append(
                line(
                    f"{name}: {len(ids):,} fp (fp/s)",
                    n,
                    len(ids) / t_svc,
                    len(web_ids) / t_web,
                    len(ids) / t_raw,
                    len(ids) / t_json,
                )
            )

    def products(self, n: int, client: Http) -> None:
        """(b) one productId (10 footprints, one page): queries/s."""
        repeat = self.repeat(n)
        groups = self.rng.sample(range(n // PER_PRODUCT), min(self.args.filter_queries, n // 10))
        products = [product_id(g) for g in groups]
        filters = [pact.parse_filter({"productId": [p]}) for p in products]

        def by_service() -> list:
            return [walk_service(self.store, self.credential, f, 1)[0] for f in filters]

        def by_sql(decode: bool, by_key: bool = False) -> list:
            return [walk_sql(self.sql, self.org_id, f, 1, decode, by_key)[0] for f in filters]

        t_svc, found = best(repeat, by_service)
        t_raw, raw_found = best(repeat, lambda: by_sql(False))
        t_json, _ = best(repeat, lambda: by_sql(True))
        t_key_raw, key_found = best(repeat, lambda: by_sql(False, True))
        t_key_json, _ = best(repeat, lambda: by_sql(True, True))
        assert key_found == found
        t_web, web_found = best(
            repeat, lambda: [client.walk({"productId": p}, 1)[0] for p in products]
        )
        assert found == raw_found == web_found
        assert all(len(f) == PER_PRODUCT for f in found)
        count = len(filters)
        self.rows.append(
            line(
                "one productId (queries/s)",
                n,
                count / t_svc,
                count / t_web,
                count / t_raw,
                count / t_json,
            )
        )
        self.rows.append(
            line(
                "  same, SQL by (kind, value) index",
                n,
                None,
                None,
                count / t_key_raw,
                count / t_key_json,
            )
        )

    def gets(self, n: int, client: Http) -> None:
        """(c) GetFootprint of random ids: requests/s."""
        repeat = self.repeat(n)
        sample = self.rng.sample(self.ids, min(self.args.gets, len(self.ids)))
        web_sample = sample[: self.args.http_gets]

        def by_service() -> list:
            get = service.get_visible_footprint
            return [get(self.store, self.credential, i)["id"] for i in sample]

        def by_sql(decode: bool) -> list:
            out = []
            for i in sample:
                found = self.sql.run(
                    "SELECT id, document FROM pact_footprints WHERE id = ? AND org_id = ?",
                    [i, self.org_id],
                )[0]
                out.append(json.loads(found[1])["id"] if decode else found[0])
            self.sql.end()
            return out

        def by_http() -> list:
            out = []
            for i in web_sample:
                _, data = client.request("GET", f"/3/footprints/{i}")
                out.append(json.loads(data)["data"]["id"])
            return out

        t_svc, got = best(repeat, by_service)
        t_raw, raw_got = best(repeat, lambda: by_sql(False))
        t_json, _ = best(repeat, lambda: by_sql(True))
        t_web, web_got = best(repeat, by_http)
        assert got == raw_got == sample
        assert web_got == web_sample
        self.rows.append(
            line(
                "GetFootprint (requests/s)",
                n,
                len(sample) / t_svc,
                len(web_sample) / t_web,
                len(sample) / t_raw,
                len(sample) / t_json,
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database (emptied!)")
    parser.add_argument(
        "--service-import",
        type=int,
        default=3_000,
        help="footprints imported through the service in all (the rest: bulk insert)",
    )
    parser.add_argument("--batch", type=int, default=1000, help="footprints per import file")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each read (best kept)")
    parser.add_argument(
        "--large", type=int, default=50_000, help="from this size on, each read runs once"
    )
    parser.add_argument("--gets", type=int, default=1000, help="GetFootprint ids per size")
    parser.add_argument("--filter-queries", type=int, default=20, help="productIds per size")
    parser.add_argument("--http-pages", type=int, default=50, help="pages per HTTP walk")
    parser.add_argument("--http-gets", type=int, default=300, help="GetFootprint over HTTP")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    began = time.perf_counter()

    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            db = args.postgres
            engine = create_engine(db.replace("postgresql://", "postgresql+psycopg://", 1))
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
        else:
            db = str(Path(tmp) / "greenchain.db")
        bench = Bench(args, db)
        backend = bench.engine.dialect.name
        print(
            f"PACT v3 host on {backend}, {os.cpu_count()} CPUs, Python "
            f"{sys.version.split()[0]}, {dt.date.today()}; best of {args.repeat} runs of "
            f"each read (one run from N = {args.large:,}).\n"
            "service: the service functions in this process (the product's engine: a fresh "
            "connection per store call on SQLite); HTTP: a real uvicorn server (1 worker, "
            "access log off) over one keep-alive connection (http.client), one request at a "
            f"time, first {args.http_pages} pages of each walk, {args.http_gets} GETs; plain "
            "SQL: the same queries (filters: the store's correlated EXISTS on the key table) "
            "through the driver on one open connection, documents as text; SQL+json: plus "
            "json.loads of each document. Figures are per second; import: "
            f"{args.service_import:,} footprints in all through import_footprints (batches "
            f"of {args.batch}), baseline: the same rows by executemany.\n",
            flush=True,
        )
        print(HEADER, flush=True)
        with uvicorn_server(db) as port:
            for n in sorted(args.sizes):
                bench.grow(n)
                client = Http(port)
                client.login(bench.cred["client_id"], bench.cred["client_secret"])
                client.walk({"geography": "Europe"}, 1)  # warm-up, not timed
                bench.walks(n, client)
                bench.products(n, client)
                bench.gets(n, client)
                client.conn.close()
        bench.sql.conn.close()
        bench.ctx.workspace.close()  # type: ignore[attr-defined]

    print("\n" + HEADER)
    print("\n".join(bench.rows))
    print(f"\ntotal {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()

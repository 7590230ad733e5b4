"""Rates refresh from configured feeds: S3 objects in moto and a loopback HTTP server, the refresh key,
the daily scheduled function, and the rate history every change leaves behind."""

from __future__ import annotations

import csv
import io
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest

from creditpilot.loans import repo
from creditpilot.loans.catalogue import seed_demo_products
from creditpilot.loans.feeds import MAX_FEED_BYTES
from creditpilot.loans.refresh import FeedSource, FeedUnavailable, fetch_feed
from creditpilot.platform import config
from tests.support.events import api_event, body_of, invoke, load_function

EVENTS = Path(__file__).resolve().parents[2] / "events"
BUCKET = "test-rate-feeds"
KEY = "s3cret-refresh-key"
MAYBANK = "maybank|personal financing-i|personal"
ROW = {
    "bank": "Maybank",
    "product": "Personal Financing-i",
    "loan_type": "personal",
    "rate_type": "flat",
    "rate_min": "5.49",
    "rate_max": "8.25",
    "tenure_min_months": 12,
    "tenure_max_months": 72,
    "amount_min": "5000.00",
    "amount_max": "150000.00",
    "min_monthly_income": "3500.00",
}
NEW_ROW = {**ROW, "bank": "Feed Bank", "product": "Cash Now", "rate_min": "4.10", "rate_max": None}


@pytest.fixture(scope="session")
def s3(moto_endpoint):
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="ap-southeast-5")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-5"})
    return client


@pytest.fixture
def configure(app_env):
    """Set LOANS_FEEDS / LOANS_REFRESH_KEY and return a freshly imported loans function that reads them."""

    def apply(*feeds: str, key: str | None = KEY, function: str = "loans"):
        app_env.setenv("LOANS_FEEDS", ",".join(feeds))
        if key is None:
            app_env.delenv("LOANS_REFRESH_KEY", raising=False)
        else:
            app_env.setenv("LOANS_REFRESH_KEY", key)
        config.reset_settings_cache()
        return load_function(function)

    return apply


def put(s3, key: str, data: bytes) -> str:
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    return f"s3://{BUCKET}/{key}"


def feed_json(*rows: dict) -> bytes:
    return json.dumps({"products": list(rows)}).encode()


def feed_csv(*rows: dict) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(ROW))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue().encode()


def refresh(loans, key: str | None = KEY) -> tuple[int, dict]:
    headers = {"X-Refresh-Key": key} if key is not None else {}
    response = invoke(loans, api_event("POST", "/loans/rates/refresh", headers=headers, groups=None))
    return response["statusCode"], body_of(response)


def snapshot(db) -> list:
    with db.connection() as conn:
        return [
            conn.run("SELECT * FROM loan_products ORDER BY id"),
            conn.run("SELECT * FROM savings_products ORDER BY id"),
            conn.run("SELECT * FROM product_rate_history ORDER BY id"),
        ]


def loan(db, key: str):
    with db.connection() as conn:
        return next((p for p in repo.list_active_loans(conn) if p.product_key == key), None)


# ------------------------------------------------------------------ S3 feeds


def test_a_good_s3_feed_updates_rates_adds_products_and_keeps_history(configure, s3, db):
    seed_demo_products(db)
    loans = configure("loan=" + put(s3, "feeds/good.json", feed_json(ROW, NEW_ROW)))

    status, body = refresh(loans)

    assert status == 200 and body["ok"] is True
    [report] = body["sources"]
    assert report == {
        "source": f"s3://{BUCKET}/feeds/good.json",
        "kind": "loan",
        "status": "applied",
        "applied": 2,
        "unchanged": 0,
        "error_count": 0,
        "errors": [],
    }
    maybank = loan(db, MAYBANK)
    assert maybank.rate_min == Decimal("5.49") and maybank.source == f"s3://{BUCKET}/feeds/good.json"
    assert loan(db, "feed bank|cash now|personal").rate_min == Decimal("4.10")
    with db.connection() as conn:
        history = repo.rate_history(conn, "loan", MAYBANK)
    assert [(h.old_rate, h.new_rate) for h in history][-1] == (Decimal("5.99"), Decimal("5.49"))
    assert history[-1].source == report["source"]


def test_the_same_feed_again_reports_unchanged_and_adds_no_history(configure, s3, db):
    loans = configure(put(s3, "feeds/again.json", feed_json(ROW)))  # no prefix: a loan feed
    assert refresh(loans)[1]["sources"][0]["status"] == "applied"
    before = snapshot(db)[2]

    status, body = refresh(loans)

    assert status == 200 and body["sources"][0]["status"] == "unchanged"
    assert body["sources"][0]["unchanged"] == 1 and snapshot(db)[2] == before


def test_a_partly_bad_feed_applies_the_good_rows_and_reports_the_rest_by_row_and_field(configure, s3, db):
    seed_demo_products(db)
    rows = [
        ROW,
        {**NEW_ROW, "rate_min": "abc"},
        {**NEW_ROW, "product": "No type", "loan_type": "boat"},
        {k: v for k, v in NEW_ROW.items() if k != "amount_max"},
    ]
    loans = configure("loan=" + put(s3, "feeds/partial.json", feed_json(*rows)))

    status, body = refresh(loans)

    [report] = body["sources"]
    assert status == 200 and report["status"] == "partial" and report["applied"] == 1
    assert {(e["row"], e["field"]) for e in report["errors"]} == {
        (2, "rate_min"),
        (3, "loan_type"),
        (4, "amount_max"),
    }
    assert loan(db, MAYBANK).rate_min == Decimal("5.49")
    assert loan(db, "feed bank|cash now|personal") is None


@pytest.mark.parametrize("content", [b"{not json", b'{"products": 5}', b"\xff\xfe\x00"])
def test_an_unreadable_s3_feed_changes_nothing_and_is_reported(configure, s3, db, content):
    seed_demo_products(db)
    loans = configure("loan=" + put(s3, "feeds/broken.json", content))
    before = snapshot(db)

    status, body = refresh(loans)

    [report] = body["sources"]
    assert status == 200 and report["status"] == "failed" and report["applied"] == 0
    assert report["errors"][0]["row"] is None and report["errors"][0]["message"]
    assert snapshot(db) == before


def test_a_feed_whose_every_row_is_wrong_fails_and_changes_nothing(configure, s3, db):
    seed_demo_products(db)
    loans = configure(put(s3, "feeds/allbad.json", feed_json({**ROW, "rate_min": "-1"}, {"bank": "X"})))
    before = snapshot(db)
    report = refresh(loans)[1]["sources"][0]
    assert report["status"] == "failed" and report["error_count"] >= 2 and snapshot(db) == before


def test_a_missing_object_or_bad_entry_fails_alone_while_the_other_feeds_apply(configure, s3, db):
    good = put(
        s3,
        "feeds/savings.csv",
        (
            b"bank,product,kind,rate,compounding,tenure_months,min_deposit,pidm_insured\n"
            b"Feed Bank,Super FD,fixed_deposit,3.10,simple,12,1000,true\n"
            b"Feed Bank,Saver,savings,1.25,monthly,,10,true\n"
        ),
    )
    loans = configure(
        f"s3://{BUCKET}/feeds/nothing-here.json",
        "savings=" + good,
        "ftp://host/x.json",
        "loan=s3://bucket/no-extension",
    )

    status, body = refresh(loans)

    reports = {r["source"]: r for r in body["sources"]}
    assert status == 200 and len(reports) == 4
    assert reports[f"s3://{BUCKET}/feeds/nothing-here.json"]["status"] == "failed"
    assert (
        reports[f"s3://{BUCKET}/feeds/nothing-here.json"]["errors"][0]["message"]
        == "feed object not found in S3"
    )
    assert reports["ftp://host/x.json"]["status"] == "failed"
    assert "json or .csv" in reports["s3://bucket/no-extension"]["errors"][0]["message"]
    savings = reports[good]
    assert savings["kind"] == "savings" and savings["status"] == "applied" and savings["applied"] == 2
    assert body["summary"] == {"applied": 1, "partial": 0, "failed": 3, "unchanged": 0}
    with db.connection() as conn:
        history = repo.rate_history(conn, "savings", "feed bank|super fd|fixed_deposit|12m")
    assert [(h.old_rate, h.new_rate) for h in history] == [(None, Decimal("3.10"))]


def test_a_refresh_is_seen_by_the_next_ranking_in_the_same_process(configure, s3, db):
    seed_demo_products(db)
    loans = configure(put(s3, "feeds/cheap.json", feed_json({**NEW_ROW, "rate_min": "1.00"})))
    query = {"type": "personal", "amount": "50000", "tenure_months": "60", "monthly_income": "8000"}
    first = body_of(invoke(loans, api_event("GET", "/loans/ranking", query=query)))["products"][0]
    assert first["bank"] != "Feed Bank"
    refresh(loans)
    top = body_of(invoke(loans, api_event("GET", "/loans/ranking", query=query)))["products"][0]
    assert top["bank"] == "Feed Bank" and top["flat_rate"] == 1.0 and top["demo"] is False


# ------------------------------------------------------------------ HTTP feeds


class FeedServer:
    """Serves fixed bodies by path on loopback; anything else is a 404."""

    def __init__(self, routes: dict[str, bytes]):
        self.routes = routes
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                outer.requests.append(self.path)
                body = outer.routes.get(self.path.split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                self.wfile.write(body or b"not found")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def feed_server():
    server = FeedServer({"/rates/loans.csv": feed_csv(ROW, NEW_ROW), "/rates/loans.json": feed_json(ROW)})
    yield server
    server.close()


def test_a_loopback_http_csv_feed_is_applied_in_test(configure, feed_server, db):
    seed_demo_products(db)
    loans = configure(f"loan={feed_server.url}/rates/loans.csv?token=abc")

    status, body = refresh(loans)

    [report] = body["sources"]
    assert status == 200 and report["status"] == "applied" and report["applied"] == 2
    assert report["source"] == f"{feed_server.url}/rates/loans.csv"  # the query (a token) is never shown
    assert feed_server.requests == ["/rates/loans.csv?token=abc"]
    assert loan(db, MAYBANK).rate_min == Decimal("5.49")


def test_an_http_404_or_an_unreachable_server_fails_and_changes_nothing(configure, feed_server, db):
    seed_demo_products(db)
    dead = FeedServer({})
    dead_url = dead.url
    dead.close()
    loans = configure(f"{feed_server.url}/rates/missing.json", f"{dead_url}/rates/loans.json")
    before = snapshot(db)

    body = refresh(loans)[1]

    missing, unreachable = body["sources"]
    assert missing["status"] == unreachable["status"] == "failed"
    assert "HTTP 404" in missing["errors"][0]["message"]
    assert "could not be reached" in unreachable["errors"][0]["message"]
    assert snapshot(db) == before


def test_plain_http_is_refused_outside_local_and_test_and_big_feeds_are_refused(feed_server):
    source = FeedSource("loan", f"{feed_server.url}/rates/loans.json", "json")
    with pytest.raises(FeedUnavailable, match="plain http"):
        fetch_feed(source, store=None, allow_plain_http=False)
    with pytest.raises(FeedUnavailable, match="larger than"):
        fetch_feed(source, store=None, allow_plain_http=True, max_bytes=10)
    assert fetch_feed(source, store=None, allow_plain_http=True) == feed_json(ROW)
    assert MAX_FEED_BYTES == 5 * 1024 * 1024


# ------------------------------------------------------------------ the refresh key


def test_with_no_refresh_key_configured_the_route_is_disabled(configure, db):
    loans = configure(key=None)
    status, body = refresh(loans, key="anything")
    assert status == 403 and body["error"] == "refresh_disabled"


@pytest.mark.parametrize("presented", [None, "", "wrong-key", KEY + "x", KEY.upper()])
def test_a_missing_or_wrong_refresh_key_is_a_401_and_nothing_is_fetched(
    configure, feed_server, db, presented
):
    loans = configure(f"{feed_server.url}/rates/loans.json")
    status, body = refresh(loans, key=presented)
    assert status == 401 and body["ok"] is False
    assert feed_server.requests == []


def test_the_right_refresh_key_runs_the_refresh_whatever_the_header_s_case(configure, feed_server, db):
    loans = configure(f"{feed_server.url}/rates/loans.json")
    status, body = refresh(loans, key=KEY)
    assert status == 200 and body["sources"][0]["status"] == "applied"
    response = invoke(
        loans, api_event("POST", "/loans/rates/refresh", headers={"x-refresh-key": KEY}, groups=None)
    )
    assert response["statusCode"] == 200 and body_of(response)["sources"][0]["status"] == "unchanged"


# ------------------------------------------------------------------ the daily schedule


def test_the_scheduled_function_runs_the_same_refresh_and_logs_failed_feeds(configure, feed_server, s3, db):
    seed_demo_products(db)
    rates_refresh = configure(
        f"{feed_server.url}/rates/loans.csv", f"{feed_server.url}/rates/gone.csv", function="rates_refresh"
    )
    event = json.loads((EVENTS / "rates_refresh_schedule.json").read_text())

    result = invoke(rates_refresh, event)

    assert result["ok"] is True
    assert [s["status"] for s in result["sources"]] == ["applied", "failed"]
    assert loan(db, MAYBANK).rate_min == Decimal("5.49")
    with db.connection() as conn:
        [logged] = conn.run("SELECT level, function, message, detail FROM processing_logs")
    assert logged["level"] == "WARNING" and logged["function"] == "rates_refresh"
    assert logged["detail"]["feeds"][0]["source"].endswith("/rates/gone.csv")

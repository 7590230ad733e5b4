"""The invoices function over API Gateway events: downloads, JSON, batch, archive and every bad input."""

import io
import zipfile
from datetime import date
from urllib.parse import unquote

import pytest
from pypdf import PdfReader

from creditpilot.invoices import service
from creditpilot.platform.clock import SystemClock
from tests.support.events import api_event, body_of, header, invoke, raw_body_of

# Invoices issued over HTTP are dated today (Malaysia time), so their numbers carry this year.
THIS_YEAR = SystemClock().today().year


def get(app, path, query=None, groups=("finance",), headers=None):
    return invoke(app, api_event("GET", path, query=query, groups=groups, headers=headers))


def post(app, path, body, groups=("finance",), headers=None):
    return invoke(app, api_event("POST", path, body=body, groups=groups, headers=headers))


def test_make_issues_a_real_invoice_and_answers_it_as_a_sanitised_download(invoices_app, db):
    response = get(
        invoices_app,
        "/invoices/make",
        {"layout": "service", "bill_to_name": "DINAS RESTAURANT", "amount": "8.50", "lang": "en"},
    )
    assert response["statusCode"] == 200
    assert header(response, "Content-Type") == "application/pdf"
    assert 'filename="INV-' + str(THIS_YEAR) + '-0001_DINAS-RESTAURANT.pdf"' in header(
        response, "Content-Disposition"
    ) or "_DINAS-RESTAURANT.pdf" in header(response, "Content-Disposition")
    text = PdfReader(io.BytesIO(raw_body_of(response))).pages[0].extract_text()
    assert "DINAS RESTAURANT" in text and "8.50" in text


def test_preview_is_inline_marked_preview_and_takes_no_number(invoices_app, db):
    response = get(invoices_app, "/invoices/preview.pdf", {"layout": "itemised", "lang": "zh"})
    assert response["statusCode"] == 200
    assert header(response, "Content-Disposition").startswith("inline")
    assert "PREVIEW" in PdfReader(io.BytesIO(raw_body_of(response))).pages[0].extract_text()
    with db.connection() as conn:
        assert conn.scalar("SELECT count(*) FROM invoices") == 0
        assert conn.scalar("SELECT count(*) FROM invoice_sequences") == 0


@pytest.mark.parametrize(
    "query, field",
    [
        ({"layout": "letter", "bill_to_name": "A", "amount": "1"}, "layout"),
        ({"lang": "fr", "bill_to_name": "A", "amount": "1"}, "lang"),
        ({"bill_to_name": "A", "amount": "-5"}, "amount"),
        ({"bill_to_name": "A", "amount": "0"}, "amount"),
        ({"bill_to_name": "A", "amount": "1.005"}, "amount"),
        ({"bill_to_name": "A", "amount": "abc"}, "amount"),
        ({"bill_to_name": "", "amount": "1"}, "bill_to_name"),
        ({"bill_to_name": "N" * 2000, "amount": "1"}, "bill_to_name"),
        ({"amount": "1"}, "bill_to_name"),
        ({"bill_to_name": "A", "amount": "1", "tax_rate": "0.5"}, "tax_rate"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field_and_writes_nothing(invoices_app, db, query, field):
    response = get(invoices_app, "/invoices/make", query)
    assert 400 <= response["statusCode"] < 500
    assert field in body_of(response)["fields"]
    with db.connection() as conn:
        assert conn.scalar("SELECT count(*) FROM invoices") == 0
        assert conn.scalar("SELECT coalesce(max(last_number), 0) FROM invoice_sequences") == 0


def test_month_like_2026_13_is_refused(invoices_app, db):
    assert get(invoices_app, "/invoices", {"month": "2026-13"})["statusCode"] == 422
    response = post(invoices_app, "/invoices/batch", {"month": "2026-13"})
    assert response["statusCode"] == 422 and "month" in body_of(response)["fields"]


def test_viewer_cannot_issue_but_can_list(invoices_app, db):
    assert (
        get(invoices_app, "/invoices/make", {"bill_to_name": "A", "amount": "1"}, groups=("viewer",))[
            "statusCode"
        ]
        == 403
    )
    assert get(invoices_app, "/invoices", {"month": "2026-01"}, groups=("viewer",))["statusCode"] == 200


def test_post_json_itemised_with_idempotency_key_replays_the_same_invoice(invoices_app, db):
    body = {
        "layout": "itemised",
        "lang": "zh",
        "bill_to_name": "丁娜斯餐饮有限公司",
        "tax_rate": "0.08",
        "items": [
            {"description": "信用卡管理服务", "quantity": 2, "unit_price": 120.5},
            {"description": "Receipt matching", "quantity": "3", "unit_price": "2.50"},
        ],
    }
    first = post(invoices_app, "/invoices", body, headers={"Idempotency-Key": "k-1"})
    again = post(invoices_app, "/invoices", body, headers={"Idempotency-Key": "k-1"})
    assert first["statusCode"] == 201 and again["statusCode"] == 200
    one, two = body_of(first)["invoice"], body_of(again)["invoice"]
    assert one["number"] == two["number"] == f"INV-{THIS_YEAR}-0001"
    assert one["subtotal"] == "248.50" and one["tax"] == "19.88" and one["total"] == "268.38"
    assert body_of(again)["replayed"] is True


def test_get_one_gives_metadata_and_a_presigned_download(invoices_app, db):
    get(invoices_app, "/invoices/make", {"bill_to_name": "99 SPEED MART", "amount": "12.00"})
    response = invoke(
        invoices_app,
        api_event(
            "GET",
            f"/invoices/INV-{THIS_YEAR}-0001",
            resource="/invoices/{number}",
            path_params={"number": f"INV-{THIS_YEAR}-0001"},
        ),
    )
    body = body_of(response)
    assert response["statusCode"] == 200
    assert body["invoice"]["bill_to_name"] == "99 SPEED MART" and body["invoice"]["pdf_status"] == "stored"
    assert "X-Amz-Signature" in body["download_url"] and f"INV-{THIS_YEAR}-0001" in unquote(
        body["download_url"]
    )
    missing = invoke(
        invoices_app,
        api_event(
            "GET",
            f"/invoices/INV-{THIS_YEAR}-0099",
            resource="/invoices/{number}",
            path_params={"number": f"INV-{THIS_YEAR}-0099"},
        ),
    )
    assert missing["statusCode"] == 404


def _seed_transactions(db, month_start: date):
    with db.transaction() as tx:
        card = tx.scalar("""INSERT INTO cards (bank, holder_name, last4, credit_limit, statement_day, due_day)
                            VALUES ('Maybank', 'X', '4821', 1000, 25, 15) RETURNING id""")
        for name in ("DINAS RESTAURANT", "../../etc/passwd", "CON", "KEDAI\x07 PAPAN 😀", "丁娜斯餐饮"):
            supplier = tx.scalar("INSERT INTO suppliers (name) VALUES (:n) RETURNING id", n=name)
            for day in (3, 9):
                tx.run(
                    """INSERT INTO supplier_transactions (card_id, supplier_id, txn_date, amount, description)
                          VALUES (:c, :s, :d, 10.10, 'Purchase')""",
                    c=card,
                    s=supplier,
                    d=month_start.replace(day=day),
                )


def test_batch_issues_one_invoice_per_supplier_once_and_the_zip_reads_back(invoices_app, db):
    _seed_transactions(db, date(2026, 4, 1))
    response = post(invoices_app, "/invoices/batch", {"month": "2026-04"})
    assert response["statusCode"] == 201 and body_of(response)["count"] == 5
    assert {i["total"] for i in body_of(response)["invoices"]} == {"20.20"}
    again = post(invoices_app, "/invoices/batch", {"month": "2026-04"})
    assert body_of(again)["count"] == 0  # nothing left to invoice: no duplicates
    with db.connection() as conn:
        assert conn.scalar("SELECT count(*) FROM supplier_transactions WHERE invoice_id IS NULL") == 0

    archive = get(invoices_app, "/invoices/archive.zip", {"month": "2026-04"})
    assert archive["statusCode"] == 200 and header(archive, "Content-Type") == "application/zip"
    with zipfile.ZipFile(io.BytesIO(raw_body_of(archive))) as bundle:
        assert bundle.testzip() is None
        names = bundle.namelist()
    assert len(names) == len(set(names)) == 5
    for name in names:
        assert "/" not in name and "\\" not in name and ".." not in name and name.endswith(".pdf")
        assert not any(ord(c) < 32 for c in name)
        assert name.split("_", 1)[0].startswith(f"INV-{THIS_YEAR}-")


def test_archive_over_the_response_limit_is_built_in_s3_and_redirected(invoices_app, db, monkeypatch):
    monkeypatch.setattr(service, "MAX_INLINE_ZIP_BYTES", 10_000)
    _seed_transactions(db, date(2026, 5, 1))
    post(invoices_app, "/invoices/batch", {"month": "2026-05"})
    response = get(invoices_app, "/invoices/archive.zip", {"month": "2026-05"})
    assert response["statusCode"] == 302
    location = header(response, "Location")
    assert "X-Amz-Signature" in location and "exports/invoices/2026-05/" in unquote(location)


def test_archive_of_an_empty_month_is_404(invoices_app, db):
    assert get(invoices_app, "/invoices/archive.zip", {"month": "2025-01"})["statusCode"] == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({"issue_date": "2099-01-01"}, "issue_date"),
        ({"issue_date": "2001-01-01"}, "issue_date"),
        ({"supplier_id": 2**64}, "supplier_id"),
        ({"supplier_id": 424242}, "supplier_id"),
        ({"items": [{"description": "x", "quantity": 2, "unit_price": "999999999999.99"}]}, "items.0"),
        ({"items": [{"description": "x", "unit_price": "5", "amount": "abc"}]}, "items.0"),
    ],
)
def test_invalid_invoice_bodies_are_422_naming_the_field_and_take_no_number(invoices_app, db, body, field):
    base = {
        "layout": "itemised",
        "bill_to_name": "DINAS RESTAURANT",
        "items": [{"description": "Card fee", "unit_price": "10.00"}],
    }
    response = post(invoices_app, "/invoices", {**base, **body})
    assert response["statusCode"] == 422, body_of(response)
    assert any(name.startswith(field) for name in body_of(response)["fields"]), body_of(response)["fields"]
    with db.connection() as conn:
        assert conn.scalar("SELECT count(*) FROM invoices") == 0
        assert conn.scalar("SELECT coalesce(max(last_number), 0) FROM invoice_sequences") == 0


def test_a_link_on_another_site_cannot_issue_an_invoice(invoices_app, db):
    query = {"bill_to_name": "DINAS RESTAURANT", "amount": "8.50"}
    response = get(invoices_app, "/invoices/make", query, headers={"Sec-Fetch-Site": "cross-site"})
    assert response["statusCode"] == 403 and body_of(response)["error"] == "cross_site"
    assert (
        get(invoices_app, "/invoices/make", query, headers={"Sec-Fetch-Site": "same-origin"})["statusCode"]
        == 200
    )
    with db.connection() as conn:
        assert conn.scalar("SELECT count(*) FROM invoices") == 1


def test_the_bill_to_email_is_stored_only_encrypted(invoices_app, db):
    body = {
        "layout": "service",
        "bill_to_name": "DINAS RESTAURANT",
        "amount": "8.50",
        "description": "Fee",
        "bill_to_email": "secret.person@example.my",
    }
    assert post(invoices_app, "/invoices", body)["statusCode"] == 201
    with db.connection() as conn:
        row = conn.one("SELECT document::text AS document, bill_to_email_enc FROM invoices")
    assert "secret.person" not in row["document"]
    assert row["bill_to_email_enc"] and "secret.person" not in row["bill_to_email_enc"]

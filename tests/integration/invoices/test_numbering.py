"""Gapless INV-YYYY-NNNN numbers under concurrency, year rollover, retries and every failure point."""

import os
import signal
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest

from creditpilot.invoices import service
from creditpilot.invoices.numbering import check_invoice_numbers, format_invoice_number
from creditpilot.invoices.service import draft_from, issue_invoice
from creditpilot.platform.errors import ConflictError, DatabaseUnavailableError, StorageUnavailableError


def draft(deps, name="DINAS RESTAURANT", amount="8.50", issued=date(2026, 3, 2), **extra):
    return draft_from(
        {
            "layout": "service",
            "lang": "en",
            "bill_to_name": name,
            "amount": amount,
            "description": "Card management fee",
            "issue_date": issued,
            **extra,
        },
        deps.profile,
    )


def numbers(db):
    with db.connection() as conn:
        return [r["number"] for r in conn.run("SELECT number FROM invoices ORDER BY year, seq")]


def assert_gapless(db):
    with db.connection() as conn:
        result = check_invoice_numbers(conn)
    assert result.ok, result.problems


def test_first_invoice_of_the_year_is_0001_and_numbers_follow_in_order(deps):
    first = issue_invoice(deps, draft(deps))
    second = issue_invoice(deps, draft(deps, name="99 SPEED MART"))
    assert (first.record.number, second.record.number) == ("INV-2026-0001", "INV-2026-0002")
    assert first.filename == "INV-2026-0001_DINAS-RESTAURANT.pdf"
    assert first.pdf.startswith(b"%PDF") and first.record.pdf_status == "pending"  # record as committed
    assert_gapless(deps.db)


def test_numbers_restart_each_year_and_grow_past_four_digits(deps):
    issue_invoice(deps, draft(deps, issued=date(2026, 12, 31)))
    assert issue_invoice(deps, draft(deps, issued=date(2027, 1, 1))).record.number == "INV-2027-0001"
    assert format_invoice_number(2027, 10000) == "INV-2027-10000"
    with deps.db.transaction() as tx:
        tx.run("UPDATE invoice_sequences SET last_number = 9999 WHERE year = 2027")
        for seq in range(2, 10000):  # fill the year so the check stays gapless
            tx.run(
                """INSERT INTO invoices (number, year, seq, layout, lang, bill_to_name, issue_date, due_date,
                      subtotal, tax, total) VALUES (:n, 2027, :s, 'service', 'en', 'X', '2027-01-01',
                      '2027-01-31', 1, 0, 1)""",
                n=format_invoice_number(2027, seq),
                s=seq,
            )
    assert issue_invoice(deps, draft(deps, issued=date(2027, 2, 1))).record.number == "INV-2027-10000"
    assert_gapless(deps.db)


def test_32_concurrent_issuers_get_unique_gapless_numbers(deps):
    def issue(i):
        return issue_invoice(deps, draft(deps, name=f"SUPPLIER {i}", amount=f"{i + 1}.25")).record.number

    with ThreadPoolExecutor(max_workers=32) as pool:
        issued = list(pool.map(issue, range(96)))
    assert len(set(issued)) == 96
    assert sorted(issued) == [format_invoice_number(2026, n) for n in range(1, 97)]
    assert_gapless(deps.db)


def test_previews_never_take_a_number(deps):
    from creditpilot.invoices.pdf import render_invoice_pdf

    pdf, name = service.preview_pdf("itemised", "zh", deps.profile, render_invoice_pdf)
    assert pdf.startswith(b"%PDF") and name.startswith("PREVIEW")
    assert numbers(deps.db) == []
    assert issue_invoice(deps, draft(deps)).record.number == "INV-2026-0001"


def test_retry_with_the_same_idempotency_key_returns_the_same_invoice(deps):
    first = issue_invoice(deps, draft(deps), idempotency_key="order-42")
    again = issue_invoice(deps, draft(deps), idempotency_key="order-42")
    assert again.replayed and again.record.number == first.record.number
    assert again.pdf == first.pdf or again.pdf.startswith(b"%PDF")
    assert numbers(deps.db) == ["INV-2026-0001"]


def test_same_key_for_a_different_invoice_is_a_conflict_and_takes_no_number(deps):
    issue_invoice(deps, draft(deps), idempotency_key="order-43")
    with pytest.raises(ConflictError):
        issue_invoice(deps, draft(deps, amount="9.00"), idempotency_key="order-43")
    assert numbers(deps.db) == ["INV-2026-0001"]


def test_concurrent_retries_with_one_key_issue_one_invoice(deps):
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(
                lambda _: issue_invoice(deps, draft(deps), idempotency_key="dup").record.number, range(8)
            )
        )
    assert set(results) == {"INV-2026-0001"}
    assert numbers(deps.db) == ["INV-2026-0001"]
    assert_gapless(deps.db)


# ---- fault points -------------------------------------------------------------------------------


def test_render_failure_after_commit_keeps_the_invoice_and_regenerates_the_pdf_on_demand(deps):
    broken = service.InvoiceDeps(
        **{**deps.__dict__, "render": lambda doc: (_ for _ in ()).throw(RuntimeError("font"))}
    )
    issued = issue_invoice(broken, draft(deps))
    assert issued.pdf is None and issued.record.number == "INV-2026-0001"
    record, url = service.get_invoice(deps, "INV-2026-0001")  # working renderer: made on demand
    assert record.pdf_status == "stored" and "INV-2026-0001" in url
    assert deps.store.get_bytes(deps.bucket, record.s3_key or "").startswith(b"%PDF")
    assert issue_invoice(deps, draft(deps)).record.number == "INV-2026-0002"
    assert_gapless(deps.db)


def test_s3_failure_after_commit_keeps_the_invoice_pending_then_stores_it(deps, store):
    class DownStore:
        def put_bytes(self, *args, **kwargs):
            raise StorageUnavailableError("storage unavailable (put)")

    issued = issue_invoice(service.InvoiceDeps(**{**deps.__dict__, "store": DownStore()}), draft(deps))
    assert issued.pdf is None
    with deps.db.connection() as conn:
        assert conn.scalar("SELECT pdf_status FROM invoices WHERE number = 'INV-2026-0001'") == "pending"
    pdf = service.ensure_pdf(
        deps, service.repo.get_by_number(deps.db.connection().__enter__(), "INV-2026-0001")
    )
    assert pdf.startswith(b"%PDF")
    assert_gapless(deps.db)


def test_pdf_lost_from_s3_is_regenerated_with_the_same_content(deps, buckets):
    issued = issue_invoice(deps, draft(deps, name="TEO HENG STATIONERY"))
    with deps.db.connection() as conn:
        record = service.repo.get_by_number(conn, issued.record.number)
    buckets.delete_object(Bucket=deps.bucket, Key=record.s3_key)
    again = service.ensure_pdf(deps, record)
    import io

    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(again)).pages[0].extract_text()
    assert "INV-2026-0001" in text and "TEO HENG STATIONERY" in text


def test_database_failure_before_commit_consumes_no_number(deps, monkeypatch):
    issue_invoice(deps, draft(deps))

    def failing_link(*args, **kwargs):
        raise DatabaseUnavailableError("the database is unreachable")

    monkeypatch.setattr(service.repo, "link_transactions", failing_link)
    with pytest.raises(DatabaseUnavailableError):  # fails after the invoice row and lines were written
        issue_invoice(deps, draft(deps, name="LOST"), transaction_ids=[None])
    monkeypatch.undo()
    assert numbers(deps.db) == ["INV-2026-0001"]
    assert issue_invoice(deps, draft(deps)).record.number == "INV-2026-0002"
    assert_gapless(deps.db)


def test_statement_timeout_inside_the_transaction_rolls_the_number_back(deps, monkeypatch):
    original = service.repo.insert_lines

    def slow_after_insert(tx, *args, **kwargs):
        written = original(tx, *args, **kwargs)
        tx.run("SET LOCAL statement_timeout = 50")
        tx.run("SELECT pg_sleep(1)")
        return written

    monkeypatch.setattr(service.repo, "insert_lines", slow_after_insert)
    with pytest.raises(Exception, match="statement timeout|canceling statement"):
        issue_invoice(deps, draft(deps))
    monkeypatch.undo()
    assert numbers(deps.db) == []
    assert issue_invoice(deps, draft(deps)).record.number == "INV-2026-0001"


KILLER = textwrap.dedent("""
    import os, signal, sys
    from datetime import date
    from creditpilot.invoices import service
    from creditpilot.invoices.profile import load_profile
    from creditpilot.platform.config import DatabaseSettings, StorageSettings
    from creditpilot.platform.db import Database
    from creditpilot.platform.storage import ObjectStore
    point = sys.argv[1]
    db = Database.from_settings(DatabaseSettings(url=os.environ["DATABASE_URL"]))
    deps = service.InvoiceDeps(db=db, store=ObjectStore(StorageSettings()), bucket="none", exports_bucket="none",
                               profile=load_profile(), render=lambda doc: os.kill(os.getpid(), signal.SIGKILL))
    original_items = service.repo.insert_lines
    def die_inside_transaction(*a, **k):
        original_items(*a, **k)
        os.kill(os.getpid(), signal.SIGKILL)
    original_numbered = service.repo.insert_numbered_invoice
    def die_after_numbering(*a, **k):
        original_numbered(*a, **k)  # the number is taken and the sequence row locked: die before COMMIT
        os.kill(os.getpid(), signal.SIGKILL)
    if point == "before_commit":
        service.repo.insert_lines = die_inside_transaction
    if point == "after_number_before_commit":
        service.repo.insert_numbered_invoice = die_after_numbering
    draft = service.draft_from({"layout": "service", "bill_to_name": "KILLED", "amount": "1.00",
                                "description": "x", "issue_date": date(2026, 5, 5)}, deps.profile)
    service.issue_invoice(deps, draft)
""")


@pytest.mark.parametrize("point", ["before_commit", "after_number_before_commit", "after_commit_before_pdf"])
def test_killed_process_leaves_no_gap(deps, database_url, point):
    issue_invoice(deps, draft(deps))
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, point],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    expected = ["INV-2026-0001", "INV-2026-0002"] if point == "after_commit_before_pdf" else ["INV-2026-0001"]
    assert numbers(deps.db) == expected
    nxt = issue_invoice(deps, draft(deps)).record.number
    assert nxt == format_invoice_number(2026, len(expected) + 1)
    assert_gapless(deps.db)
    if point == "after_commit_before_pdf":  # the killed invoice's PDF is made on demand
        record, _ = service.get_invoice(deps, "INV-2026-0002")
        assert record.pdf_status == "stored"


def test_money_is_exact_decimal_in_the_database(deps):
    issued = issue_invoice(deps, draft(deps, amount="8.50", tax_rate="0.06"))
    assert issued.record.subtotal == Decimal("8.50") and issued.record.tax == Decimal("0.51")
    assert issued.record.total == Decimal("9.01")


def test_failure_at_commit_itself_gives_the_number_back(deps, monkeypatch):
    original = service.repo.insert_numbered_invoice

    def orphan_lines(tx, **kwargs):  # the lines' deferred foreign key now fails at COMMIT
        return original(tx, **{**kwargs, "invoice_id": kwargs["invoice_id"] + 1_000_000})

    monkeypatch.setattr(service.repo, "insert_numbered_invoice", orphan_lines)
    with pytest.raises(Exception, match="foreign key"):
        issue_invoice(deps, draft(deps))
    monkeypatch.undo()
    assert numbers(deps.db) == []
    assert issue_invoice(deps, draft(deps)).record.number == "INV-2026-0001"
    assert_gapless(deps.db)


def test_check_invoice_numbers_command_passes_then_reports_a_gap(deps, app_env, capsys):
    from creditpilot.__main__ import main

    for i in range(3):
        issue_invoice(deps, draft(deps, name=f"SUPPLIER {i}"))
    assert main(["check-invoice-numbers"]) == 0
    assert '"ok": true' in capsys.readouterr().out
    with deps.db.transaction() as tx:
        tx.run("DELETE FROM invoices WHERE number = 'INV-2026-0002'")
    assert main(["check-invoice-numbers"]) == 1
    report = capsys.readouterr().out
    assert "missing [2]" in report and "sequence says 3 but 2 invoices exist" in report


def test_two_invoices_can_never_claim_the_same_card_transaction(deps):
    with deps.db.transaction() as tx:
        card = tx.scalar("""INSERT INTO cards (bank, holder_name, last4, credit_limit, statement_day, due_day)
                            VALUES ('Maybank', 'X', '4821', 1000, 25, 15) RETURNING id""")
        supplier = tx.scalar("INSERT INTO suppliers (name) VALUES ('DINAS RESTAURANT') RETURNING id")
        txn = tx.scalar(
            """INSERT INTO supplier_transactions (card_id, supplier_id, txn_date, amount)
                           VALUES (:c, :s, '2026-03-02', 10.10) RETURNING id""",
            c=card,
            s=supplier,
        )
    issue_invoice(deps, draft(deps), transaction_ids=[txn])
    with pytest.raises(ConflictError):  # a second batch that read the same open transaction
        issue_invoice(deps, draft(deps, name="AGAIN"), transaction_ids=[txn])
    with deps.db.connection() as conn:
        assert conn.scalar("SELECT invoice_id FROM supplier_transactions WHERE id = :t", t=txn) == 1
    assert numbers(deps.db) == ["INV-2026-0001"]
    assert_gapless(deps.db)


def test_a_retry_on_the_next_day_returns_the_same_invoice(deps):
    first = issue_invoice(deps, draft(deps, issued=date(2026, 3, 2)), idempotency_key="late-retry")
    again = issue_invoice(deps, draft(deps, issued=date(2026, 3, 3)), idempotency_key="late-retry")
    assert again.replayed and again.record.number == first.record.number


def test_a_download_link_is_never_handed_out_for_a_pdf_storage_lost(deps, buckets):
    issued = issue_invoice(deps, draft(deps))
    record, _ = service.get_invoice(deps, issued.record.number)
    buckets.delete_object(Bucket=deps.bucket, Key=record.s3_key)
    _, url = service.get_invoice(deps, issued.record.number)
    assert deps.store.get_bytes(deps.bucket, record.s3_key).startswith(b"%PDF")  # made again before the link
    assert record.s3_key in url

"""The same migrations as production, applied to the real PostgreSQL."""

import pytest

from creditpilot.platform import migrate
from creditpilot.platform.migrate import Migration, MigrationError, apply_migrations


def test_migrations_are_idempotent(session_db):
    assert apply_migrations(session_db) == []


def test_core_tables_indexes_and_constraints_exist(session_db):
    with session_db.connection() as conn:
        tables = {
            r["table_name"]
            for r in conn.run(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            )
        }
        indexes = {r["indexname"] for r in conn.run("SELECT indexname FROM pg_indexes")}
        unique = conn.scalar("""SELECT count(*) FROM pg_constraint WHERE conname = 'invoices_number_key'
                                AND contype = 'u'""")
        index_def = conn.scalar(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'supplier_transactions_supplier_date_idx'"
        )
    assert {
        "suppliers",
        "cards",
        "supplier_transactions",
        "invoices",
        "invoice_items",
        "invoice_sequences",
        "receipts",
        "loan_products",
        "savings_products",
        "reminders",
        "processing_logs",
        "schema_migrations",
    } <= tables
    assert "supplier_transactions_supplier_date_idx" in indexes
    assert "(supplier_id, txn_date)" in index_def
    assert unique == 1


def test_money_columns_are_numeric_never_float(session_db):
    with session_db.connection() as conn:
        floats = conn.run("""SELECT table_name, column_name FROM information_schema.columns
                             WHERE table_schema = current_schema() AND data_type IN ('real', 'double precision')""")
    assert floats == []


def test_an_applied_migration_that_changed_is_refused(session_db, monkeypatch):
    real = migrate.discover()
    tampered = [Migration(real[0].version, real[0].name, real[0].sql + "\n-- edited"), *real[1:]]
    monkeypatch.setattr(migrate, "discover", lambda: tampered)
    with pytest.raises(MigrationError, match="changed after it was applied"):
        apply_migrations(session_db)


def test_the_migrate_function_applies_nothing_on_an_up_to_date_database(app_env):
    from tests.support.events import Context, load_function

    assert load_function("migrate").lambda_handler({}, Context("migrate")) == {"ok": True, "applied": []}

"""Loan and savings products in the real PostgreSQL: demo seed, upsert by product_key, rate history."""

from __future__ import annotations

from decimal import Decimal

from creditpilot.loans import repo
from creditpilot.loans.catalogue import apply_loan_products, seed_demo_products
from creditpilot.loans.feeds import load_demo_loan_products, load_demo_savings_products
from creditpilot.loans.models import LoanProduct
from creditpilot.ops.seed import seed_demo_data
from creditpilot.savings import repo as savings_repo
from creditpilot.savings.service import apply_savings_products

MAYBANK_PERSONAL = "maybank|personal financing-i|personal"


def table_counts(db) -> dict[str, int]:
    with db.connection() as conn:
        return {
            name: int(conn.scalar(f"SELECT count(*) FROM {name}"))  # noqa: S608 - fixed names
            for name in ("loan_products", "savings_products", "product_rate_history")
        }


def test_seed_puts_every_demo_product_in_place_and_running_it_again_changes_nothing(db):
    demo_loans, demo_savings = load_demo_loan_products(), load_demo_savings_products()

    first = seed_demo_products(db)
    after_first = table_counts(db)
    second = seed_demo_products(db)

    assert first == second == {"loan_products": len(demo_loans), "savings_products": len(demo_savings)}
    assert (
        after_first
        == table_counts(db)
        == {
            "loan_products": len(demo_loans),
            "savings_products": len(demo_savings),
            # each product's first rate is history too; a re-seed with the same rates adds none
            "product_rate_history": len(demo_loans) + len(demo_savings),
        }
    )
    with db.connection() as conn:
        banks = {p.bank for p in repo.list_active_loans(conn)}
    assert len(banks) >= 12 and {"Maybank", "CIMB", "Public Bank"} <= banks


def test_the_platform_seed_command_seeds_loan_and_savings_products(db):
    counts = seed_demo_data(db)
    assert counts["loan_products"] == len(load_demo_loan_products())
    assert counts["savings_products"] == len(load_demo_savings_products())


def test_listed_products_come_back_as_models_with_their_stored_values(db):
    seed_demo_products(db)
    with db.connection() as conn:
        personal = repo.list_active_loans(conn, "personal")
        fixed = savings_repo.list_active_savings(conn, "fixed_deposit")
    assert personal and all(isinstance(p, LoanProduct) and p.loan_type == "personal" for p in personal)
    maybank = next(p for p in personal if p.product_key == MAYBANK_PERSONAL)
    assert maybank.rate_min == Decimal("5.99") and maybank.id is not None and maybank.refreshed_at is not None
    assert fixed and all(p.kind == "fixed_deposit" and p.tenure_months for p in fixed)
    rates = [p.rate for p in fixed]
    assert rates == sorted(rates, reverse=True)  # best rate first


def test_a_rate_change_updates_the_product_and_is_kept_in_history(db):
    seed_demo_products(db)
    [maybank] = [p for p in load_demo_loan_products() if p.product_key == MAYBANK_PERSONAL]
    for new_rate in ("5.49", "5.29"):
        with db.transaction() as tx:
            counts = apply_loan_products(
                tx, [maybank.model_copy(update={"rate_min": Decimal(new_rate), "source": "maybank-feed"})]
            )
        assert counts.applied == 1

    with db.connection() as conn:
        history = repo.rate_history(conn, "loan", MAYBANK_PERSONAL)
        [stored] = [p for p in repo.list_active_loans(conn, "personal") if p.product_key == MAYBANK_PERSONAL]
    assert [(h.old_rate, h.new_rate, h.source) for h in history] == [
        (None, Decimal("5.99"), "demo"),
        (Decimal("5.99"), Decimal("5.49"), "maybank-feed"),
        (Decimal("5.49"), Decimal("5.29"), "maybank-feed"),
    ]
    assert history[-1].detail["bank"] == "Maybank"
    assert stored.rate_min == Decimal("5.29") and stored.source == "maybank-feed"


def test_reseeding_never_puts_demo_rates_back_over_a_feed_s_rates(db):
    seed_demo_products(db)
    [maybank] = [p for p in load_demo_loan_products() if p.product_key == MAYBANK_PERSONAL]
    with db.transaction() as tx:
        apply_loan_products(tx, [maybank.model_copy(update={"rate_min": Decimal("4.99"), "source": "feed"})])

    counts = seed_demo_products(db)

    with db.connection() as conn:
        [stored] = [p for p in repo.list_active_loans(conn) if p.product_key == MAYBANK_PERSONAL]
    assert stored.rate_min == Decimal("4.99") and stored.source == "feed"
    assert counts["loan_products"] == len(load_demo_loan_products()) - 1


def test_a_savings_rate_change_is_kept_in_the_shared_history(db):
    [fd] = [p for p in load_demo_savings_products() if p.kind == "fixed_deposit"][:1]
    with db.transaction() as tx:
        apply_savings_products(tx, [fd])
    with db.transaction() as tx:
        unchanged = apply_savings_products(tx, [fd])
    with db.transaction() as tx:
        changed = apply_savings_products(tx, [fd.model_copy(update={"rate": fd.rate + Decimal("0.10")})])

    assert (unchanged.unchanged, unchanged.applied, changed.applied) == (1, 0, 1)
    with db.connection() as conn:
        history = repo.rate_history(conn, "savings", fd.product_key)
    assert [(h.old_rate, h.new_rate) for h in history] == [
        (None, fd.rate),
        (fd.rate, fd.rate + Decimal("0.10")),
    ]
    assert history[0].detail["tenure_months"] == fd.tenure_months

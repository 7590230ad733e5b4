from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditpilot.loans.feeds import (
    MAX_FEED_BYTES,
    MAX_FEED_ROWS,
    FeedError,
    RowError,
    load_demo_loan_products,
    load_demo_savings_products,
    parse_loan_feed,
    parse_savings_feed,
)

LOAN_ROW = {
    "bank": "CIMB",
    "product": "Cash Plus",
    "loan_type": "personal",
    "rate_type": "flat",
    "rate_min": "6.88",
    "tenure_min_months": 24,
    "tenure_max_months": 60,
    "amount_min": "2000",
    "amount_max": "100000",
    "min_monthly_income": "2000",
    "source": "cimb-feed",
}
LOAN_HEADER = (
    "id,bank,product,loan_type,rate_type,rate_min,rate_max,tenure_min_months,tenure_max_months,"
    "amount_min,amount_max,min_monthly_income,fees,rule_of_78,source,refreshed_at"
)
SAVINGS_HEADER = (
    "id,bank,product,kind,rate,compounding,tenure_months,min_deposit,max_deposit,pidm_insured,islamic,"
    "source,refreshed_at"
)


def as_json(rows, wrapped: bool = True) -> bytes:
    return json.dumps({"products": rows} if wrapped else rows).encode()


@pytest.mark.parametrize("wrapped", [True, False])
def test_json_feed_as_object_or_bare_list(wrapped: bool) -> None:
    result = parse_loan_feed(as_json([LOAN_ROW], wrapped), "json")
    assert result.errors == []
    [product] = result.good
    assert product.rate_min == Decimal("6.88") and product.amount_max == Decimal("100000.00")


def test_json_numbers_are_read_as_decimal_not_float() -> None:
    result = parse_loan_feed(
        b'[{"bank": "CIMB", "product": "P", "loan_type": "personal", "rate_type": "flat",'
        b' "rate_min": 6.1, "tenure_min_months": 12, "tenure_max_months": 60,'
        b' "amount_min": 1000.10, "amount_max": 5000, "min_monthly_income": 0, "source": "s"}]',
        "json",
    )
    [product] = result.good
    assert product.rate_min == Decimal("6.1") and product.amount_min == Decimal("1000.10")


def test_bad_rows_are_reported_and_good_rows_still_load() -> None:
    rows = [
        LOAN_ROW,
        {**LOAN_ROW, "product": "Other", "rate_min": "abc"},
        "not a row",
        {**LOAN_ROW, "product": "Third"},
    ]
    result = parse_loan_feed(as_json(rows), "json")
    assert [p.product for p in result.good] == ["Cash Plus", "Third"]
    assert [(e.row, e.field) for e in result.errors] == [(2, "rate_min"), (3, None)]


def test_a_row_breaking_a_rule_across_fields_is_a_row_error() -> None:
    result = parse_loan_feed(as_json([{**LOAN_ROW, "rate_max": "5"}]), "json")
    assert result.errors == [RowError(1, None, "rate_max must not be below rate_min")]


def test_the_same_product_twice_is_an_error_on_the_second() -> None:
    result = parse_loan_feed(as_json([LOAN_ROW, {**LOAN_ROW, "bank": " cimb ", "rate_min": "7"}]), "json")
    assert len(result.good) == 1
    assert result.errors == [RowError(2, None, "same product as row 1")]


def test_the_configured_source_fills_rows_without_one() -> None:
    row = {k: v for k, v in LOAN_ROW.items() if k != "source"}
    result = parse_loan_feed(as_json([row, {**LOAN_ROW, "product": "Own"}]), "json", source="cimb-rates")
    assert [p.source for p in result.good] == ["cimb-rates", "cimb-feed"]


def test_csv_feed_with_every_column_and_empty_optional_cells() -> None:
    content = (
        f"{LOAN_HEADER}\r\n"
        ",Public Bank,Hire Purchase,car,flat,2.30,,12,108,10000,500000,2000,,yes,pb-feed,2025-01-01T00:00:00+08:00\r\n"
        "\r\n"
        "7,RHB,Personal,personal,flat,abc,,24,84,10000,200000,3000,0,false,rhb-feed,\r\n"
    ).encode()
    result = parse_loan_feed(content, "csv")
    [product] = result.good
    assert product.id is None and product.rate_max is None and product.fees == Decimal("0")
    assert product.rule_of_78 is True and product.refreshed_at is not None
    assert result.errors == [RowError(2, "rate_min", "Input should be a valid decimal")]


def test_csv_columns_may_come_in_any_order_with_a_bom() -> None:
    header = ",".join(reversed(list(LOAN_ROW)))
    cells = ",".join(str(v) for v in reversed(list(LOAN_ROW.values())))
    result = parse_loan_feed(f"\ufeff{header}\n{cells}\n".encode(), "csv")
    assert len(result.good) == 1 and result.errors == []


def test_csv_row_with_more_cells_than_the_header_is_a_row_error() -> None:
    header = ",".join(LOAN_ROW)
    cells = ",".join(str(v) for v in LOAN_ROW.values())
    result = parse_loan_feed(f"{header}\n{cells},extra\n".encode(), "csv")
    assert result.errors == [RowError(1, None, "row has more cells than the header")]


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        (b"{not json", "json", "not valid JSON"),
        (b'{"items": []}', "json", "must be a list"),
        (b'"products"', "json", "must be a list"),
        (b"\xff\xfe\x00", "json", "not UTF-8"),
        (b"", "csv", "no header"),
        (b"\n\n", "csv", "no header"),
        (f"{LOAN_HEADER},colour\n".encode(), "csv", "unknown columns: colour"),
        (b"bank,product\n", "csv", "lacks required columns"),
        (b"bank,bank\n", "csv", "twice"),
        (f'{LOAN_HEADER}\n"unterminated,1\n'.encode(), "csv", "cannot be read"),
        (b"[]", "xml", "unknown feed format"),
    ],
)
def test_unreadable_documents_raise_feed_error(content: bytes, fmt, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse_loan_feed(content, fmt)


def test_feeds_larger_than_5_mb_are_refused() -> None:
    with pytest.raises(FeedError, match="larger than 5 MB"):
        parse_loan_feed(b" " * (MAX_FEED_BYTES + 1), "json")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_feeds_of_more_than_5000_rows_are_refused(fmt) -> None:
    if fmt == "json":
        content = as_json([{}] * (MAX_FEED_ROWS + 1))
    else:
        content = (",".join(LOAN_ROW) + "\n" + "x\n" * (MAX_FEED_ROWS + 1)).encode()
    with pytest.raises(FeedError, match="more than 5000 rows"):
        parse_loan_feed(content, fmt)


def test_savings_feed_in_csv() -> None:
    content = (
        f"{SAVINGS_HEADER}\n"
        ",Maybank,eFixed Deposit,fixed_deposit,2.60,simple,12,1000,,true,false,mbb,\n"
        ",Maybank,Savings Account,savings,0.25,monthly,,10,,true,false,mbb,\n"
        ",Maybank,Broken FD,fixed_deposit,2.60,simple,,1000,,true,false,mbb,\n"
    ).encode()
    result = parse_savings_feed(content, "csv")
    assert [p.kind for p in result.good] == ["fixed_deposit", "savings"]
    assert result.errors == [RowError(3, None, "a fixed deposit needs tenure_months")]


def test_demo_data_loads_without_errors_and_covers_the_banks() -> None:
    loans, savings = load_demo_loan_products(), load_demo_savings_products()
    assert len({p.bank for p in loans}) >= 12 and len({p.bank for p in savings}) >= 12
    assert {p.loan_type for p in loans} == {"personal", "home", "car", "refinance"}
    assert any(p.rule_of_78 for p in loans if p.loan_type == "car")
    assert all(p.source == "demo" for p in loans + savings)
    assert {p.compounding for p in savings} == {"simple", "monthly", "quarterly", "annually"}


rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("30"), places=2).map(str)
amounts = st.decimals(min_value=Decimal("1"), max_value=Decimal("9999999"), places=2)


@given(rate=rates, low=amounts, spread=amounts, months=st.integers(1, 600), r78=st.booleans())
def test_products_survive_a_csv_round_trip(
    rate: str, low: Decimal, spread: Decimal, months: int, r78: bool
) -> None:
    row = {
        **LOAN_ROW,
        "rate_min": rate,
        "amount_min": low,
        "amount_max": low + spread,
        "tenure_min_months": 1,
        "tenure_max_months": months,
        "rule_of_78": r78,
    }
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    from_csv = parse_loan_feed(buffer.getvalue().encode(), "csv")
    from_json = parse_loan_feed(
        as_json([{k: str(v) if isinstance(v, Decimal) else v for k, v in row.items()}]), "json"
    )
    assert from_csv.errors == [] and from_csv.good == from_json.good
    assert from_csv.good[0].amount_max == low + spread

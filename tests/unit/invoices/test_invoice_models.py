from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from creditpilot.invoices.models import (
    InvoiceDocument,
    InvoiceDraft,
    InvoiceItem,
    compute_totals,
    sample_draft,
)
from creditpilot.invoices.profile import load_profile

SEN = Decimal("0.01")
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("999"), places=3)
rates = st.sampled_from([Decimal("0.00"), Decimal("0.06"), Decimal("0.08")])


def draft(**changes):
    data = {
        "layout": "itemised",
        "bill_to_name": "DINAS RESTAURANT",
        "issue_date": "2026-01-15",
        "items": [{"description": "Service fee", "unit_price": "100.00"}],
    }
    data.update(changes)
    return InvoiceDraft.model_validate(data)


def error_fields(exc_info):
    return {".".join(str(part) for part in error["loc"]) for error in exc_info.value.errors()}


@given(st.lists(st.tuples(quantities, money), min_size=1, max_size=30), rates)
def test_total_is_subtotal_plus_tax_and_every_amount_is_in_sen(lines, rate):
    items = [InvoiceItem(description="x", quantity=qty, unit_price=price) for qty, price in lines]
    totals = compute_totals(items, rate)
    assert totals.total == totals.subtotal + totals.tax
    for amount in (totals.subtotal, totals.tax, totals.total, *(item.amount for item in items)):
        assert amount.as_tuple().exponent == -2
    assert totals.subtotal == sum(item.amount for item in items)


@pytest.mark.parametrize(
    ("quantity", "unit_price", "amount"),
    [
        ("1", "0.01", "0.01"),
        ("0.5", "0.01", "0.01"),
        ("1.5", "0.03", "0.05"),
        ("3", "120.00", "360.00"),
        ("0.333", "10.00", "3.33"),
        ("0.125", "0.04", "0.01"),
    ],
)
def test_each_line_rounds_half_up_to_the_sen(quantity, unit_price, amount):
    assert InvoiceItem(description="x", quantity=quantity, unit_price=unit_price).amount == Decimal(amount)


@pytest.mark.parametrize(
    ("subtotal", "rate", "tax"),
    [
        ("8.50", "0.06", "0.51"),
        ("0.05", "0.08", "0.00"),
        ("0.07", "0.08", "0.01"),
        ("1280.50", "0.08", "102.44"),
        ("10.25", "0.06", "0.62"),
        ("100.00", "0.00", "0.00"),
    ],
)
def test_tax_rounds_half_up_on_the_subtotal(subtotal, rate, tax):
    totals = compute_totals([InvoiceItem(description="x", unit_price=subtotal)], Decimal(rate))
    assert totals.tax == Decimal(tax)
    assert totals.total == Decimal(subtotal) + Decimal(tax)


def test_due_date_defaults_to_the_profiles_payment_terms():
    assert draft().due_date == date(2026, 2, 14)
    profile = load_profile({"COMPANY_PAYMENT_TERMS_DAYS": "14"})
    data = {
        "layout": "service",
        "bill_to_name": "A",
        "issue_date": "2026-01-15",
        "amount": "5",
        "description": "x",
    }
    assert InvoiceDraft.model_validate(data, context={"profile": profile}).due_date == date(2026, 1, 29)


def test_validation_errors_name_each_bad_field():
    with pytest.raises(ValidationError) as exc_info:
        draft(
            bill_to_name="   ",
            due_date="2026-01-01",
            tax_rate="0.07",
            month="2026-13",
            items=[{"description": "x", "unit_price": "1.005"}],
        )
    assert {"bill_to_name", "due_date", "tax_rate", "month", "items.0.unit_price"} <= error_fields(exc_info)


@pytest.mark.parametrize("name", ["ACME\x00", "ACME\u202eSDN", "A\nB", "x" * 201])
def test_bill_to_name_refuses_control_characters_and_overlong_names(name):
    with pytest.raises(ValidationError) as exc_info:
        draft(bill_to_name=name)
    assert error_fields(exc_info) == {"bill_to_name"}


def test_tax_rate_must_be_one_the_profile_allows():
    profile = load_profile({"COMPANY_ALLOWED_TAX_RATES": "0.00,0.08"})
    data = {
        "layout": "service",
        "bill_to_name": "A",
        "issue_date": "2026-01-15",
        "amount": "5",
        "description": "x",
    }
    with pytest.raises(ValidationError) as exc_info:
        InvoiceDraft.model_validate({**data, "tax_rate": "0.06"}, context={"profile": profile})
    assert error_fields(exc_info) == {"tax_rate"}
    assert InvoiceDraft.model_validate(data, context={"profile": profile}).tax_rate == Decimal("0.00")


def test_python_floats_are_refused_for_money_but_json_numbers_are_exact():
    with pytest.raises(ValidationError) as exc_info:
        InvoiceItem(description="x", unit_price=8.5)
    assert error_fields(exc_info) == {"unit_price"}
    parsed = InvoiceDraft.model_validate_json(
        '{"layout": "service", "bill_to_name": "A", "issue_date": "2026-01-15", "amount": 8.50,'
        ' "description": "x", "tax_rate": 0.06}'
    )
    assert parsed.totals().tax == Decimal("0.51")


def test_service_and_debit_take_one_line_from_amount_and_description():
    debit = draft(layout="debit", items=[], amount="236.40", description="Late fee")
    assert [(item.description, item.amount) for item in debit.items] == [("Late fee", Decimal("236.40"))]
    with pytest.raises(ValidationError) as exc_info:
        draft(layout="service", items=[{"description": "a", "unit_price": "1"}] * 2)
    assert error_fields(exc_info) == {"items"}
    with pytest.raises(ValidationError):
        draft(amount="5", description="x")  # itemised takes items


def test_itemised_takes_between_one_and_five_hundred_lines():
    line = {"description": "x", "unit_price": "1"}
    assert len(draft(items=[line] * 500).items) == 500
    for items in ([], [line] * 501):
        with pytest.raises(ValidationError) as exc_info:
            draft(items=items)
        assert error_fields(exc_info) == {"items"}


def test_document_round_trips_through_json_without_changing_money():
    doc = InvoiceDocument.build(sample_draft("itemised", "zh"), load_profile(), number="INV-2026-0001")
    assert InvoiceDocument.model_validate_json(doc.model_dump_json()) == doc


def test_a_stated_line_amount_that_disagrees_is_refused():
    with pytest.raises(ValidationError):
        InvoiceItem.model_validate(
            {"description": "x", "quantity": "2", "unit_price": "1.00", "amount": "3.00"}
        )


def test_document_filename_joins_number_and_bill_to():
    doc = InvoiceDocument.build(draft(), load_profile(), number="INV-2026-0001")
    assert doc.filename == "INV-2026-0001_DINAS-RESTAURANT.pdf"


@pytest.mark.parametrize("layout", ["service", "debit", "itemised"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sample_drafts_are_valid_and_chinese_for_zh(layout, lang):
    sample = sample_draft(layout, lang)
    assert sample.layout == layout and sample.lang == lang
    assert any("\u4e00" <= char <= "\u9fff" for char in sample.bill_to_name) == (lang == "zh")


def test_importing_models_does_not_load_the_pdf_libraries():
    import subprocess
    import sys

    code = "import sys, creditpilot.invoices.models; print(any(m.split('.')[0] in ('fpdf', 'fontTools') for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": "layers/shared"},
    )
    assert result.stdout.strip() == "False"

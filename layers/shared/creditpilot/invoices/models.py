"""Invoice drafts, lines, totals and the document the PDF renderer prints.

Validation needs the company profile (payment terms for the default due date, the allowed SST rates).
Pass it as validation context, `InvoiceDraft.model_validate(data, context={"profile": profile})`;
without one the default profile (`load_profile()`) applies.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    computed_field,
    field_validator,
    model_validator,
)

from creditpilot.invoices.profile import CompanyProfile, load_profile
from creditpilot.platform.files import sanitize_filename
from creditpilot.platform.money import MoneyError, parse_amount, to_sen

Layout = Literal["service", "debit", "itemised"]
Lang = Literal["en", "zh"]

SINGLE_LINE_LAYOUTS: frozenset[str] = frozenset({"service", "debit"})
MAX_ITEMS = 500
MAX_AMOUNT = Decimal("999999999999.99")  # NUMERIC(14,2): the largest amount the books can hold
INVOICE_NUMBER_PATTERN = r"^INV-\d{4}-\d{4,}$"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MAX_QUANTITY_PLACES = 3


def _refuse_python_float(value: Any, info: ValidationInfo) -> Any:
    # A JSON number is exact text until the parser makes it a float; its shortest repr restores that
    # text. A float handed over in Python has already lost precision somewhere, so it is refused.
    if isinstance(value, float):
        if info.mode != "json":
            raise ValueError("must be a Decimal or a string, not a float")
        return repr(value)
    return value


def _money(value: Any, info: ValidationInfo) -> Decimal:
    try:
        return parse_amount(_refuse_python_float(value, info))
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc


def _quantity(value: Any, info: ValidationInfo) -> Decimal:
    raw = _refuse_python_float(value, info)
    try:
        quantity = Decimal(raw.strip() if isinstance(raw, str) else raw)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError("must be a number") from exc
    if not quantity.is_finite() or quantity <= 0:
        raise ValueError("must be a number greater than zero")
    exponent = quantity.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > _MAX_QUANTITY_PLACES:
        raise ValueError(f"must have at most {_MAX_QUANTITY_PLACES} decimal places")
    if quantity >= Decimal("1e6"):
        raise ValueError("is too large")
    return quantity


def _rate(value: Any, info: ValidationInfo) -> Any:
    return _refuse_python_float(value, info)


def _text_without_controls(text: str, *, allow_newlines: bool) -> str:
    for char in text:
        if allow_newlines and char == "\n":
            continue
        # Cc are control characters; Cf include bidi overrides that can make a name print reversed.
        if unicodedata.category(char) in ("Cc", "Cf"):
            raise ValueError(f"must not contain control characters (found U+{ord(char):04X})")
    return text


def _one_line_text(value: Any) -> Any:
    return _text_without_controls(value.strip(), allow_newlines=False) if isinstance(value, str) else value


def _multi_line_text(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    lines = [line.strip() for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text = "\n".join(lines).strip()
    return _text_without_controls(text, allow_newlines=True) or None


Money = Annotated[Decimal, BeforeValidator(_money)]
Quantity = Annotated[Decimal, BeforeValidator(_quantity)]
TaxRate = Annotated[Decimal, BeforeValidator(_rate)]
OneLineText = Annotated[str, BeforeValidator(_one_line_text)]
MultiLineText = Annotated[str, BeforeValidator(_multi_line_text)]


def _profile(info: ValidationInfo) -> CompanyProfile:
    context = info.context or {}
    profile = context.get("profile")
    return profile if isinstance(profile, CompanyProfile) else load_profile()


class InvoiceItem(BaseModel):
    """One line: quantity x unit price, rounded half-up to the sen."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: OneLineText = Field(min_length=1, max_length=500)
    quantity: Quantity = Decimal(1)
    unit_price: Money

    @model_validator(mode="wrap")
    @classmethod
    def _stated_amount_matches(cls, data: Any, handler: Any) -> InvoiceItem:
        # A dumped item carries its computed amount; reading it back must not silently change money.
        if not isinstance(data, dict) or "amount" not in data:
            return handler(data)  # type: ignore[no-any-return]
        fields = {key: value for key, value in data.items() if key != "amount"}
        stated = data["amount"]
        item: InvoiceItem = handler(fields)
        try:
            stated_amount = to_sen(Decimal(str(stated)))
        except (InvalidOperation, TypeError, ValueError):
            raise ValueError("amount must be a number") from None
        if stated_amount != item.amount:
            raise ValueError(f"amount {stated} does not match quantity x unit price ({item.amount})")
        return item

    @model_validator(mode="after")
    def _fits_the_books(self) -> InvoiceItem:
        if self.amount > MAX_AMOUNT:
            raise ValueError(f"quantity x unit price must not exceed {MAX_AMOUNT:,}")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amount(self) -> Decimal:
        return to_sen(self.quantity * self.unit_price)


class Totals(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    subtotal: Decimal
    tax: Decimal
    total: Decimal


def compute_totals(items: Iterable[InvoiceItem], tax_rate: Decimal) -> Totals:
    """Sum of the rounded lines; SST on that sum, rounded half-up; total = subtotal + tax."""
    subtotal = to_sen(sum((item.amount for item in items), Decimal("0")))
    tax = to_sen(subtotal * tax_rate)
    return Totals(subtotal=subtotal, tax=tax, total=subtotal + tax)


class InvoiceDraft(BaseModel):
    """What a user asks for. `service` and `debit` take one line, given as `amount` + `description`
    (or as a one-element `items`); `itemised` takes 1..500 `items`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Field order matters: each validator below reads the fields declared before it.
    layout: Layout
    lang: Lang = "en"
    bill_to_name: OneLineText = Field(min_length=1, max_length=200)
    bill_to_address: MultiLineText | None = Field(default=None, max_length=500)
    bill_to_email: OneLineText | None = Field(default=None, max_length=254)
    issue_date: date
    due_date: date | None = Field(default=None, validate_default=True)
    tax_rate: TaxRate | None = Field(default=None, validate_default=True)
    amount: Money | None = Field(default=None, exclude=True)
    description: OneLineText | None = Field(default=None, max_length=500, exclude=True)
    items: list[InvoiceItem] = Field(default_factory=list, max_length=MAX_ITEMS, validate_default=True)
    currency: Literal["MYR"] = "MYR"
    supplier_id: int | None = Field(default=None, gt=0, le=2**63 - 1)
    notes: MultiLineText | None = Field(default=None, max_length=1000)
    month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")

    @field_validator("bill_to_email")
    @classmethod
    def _looks_like_email(cls, email: str | None) -> str | None:
        if email and not _EMAIL.match(email):
            raise ValueError("is not an email address")
        return email or None

    @field_validator("due_date")
    @classmethod
    def _due_on_or_after_issue(cls, due: date | None, info: ValidationInfo) -> date | None:
        issued = info.data.get("issue_date")
        if issued is None:
            return due
        if due is None:
            return issued + timedelta(days=_profile(info).payment_terms_days)
        if due < issued:
            raise ValueError(f"must be on or after the issue date {issued.isoformat()}")
        return due

    @field_validator("tax_rate")
    @classmethod
    def _allowed_rate(cls, rate: Decimal | None, info: ValidationInfo) -> Decimal:
        profile = _profile(info)
        if rate is None:
            return profile.default_tax_rate
        if not rate.is_finite() or to_sen(rate) != rate or to_sen(rate) not in profile.allowed_tax_rates:
            allowed = ", ".join(str(allowed) for allowed in profile.allowed_tax_rates)
            raise ValueError(f"must be one of {allowed}")
        return to_sen(rate)

    @field_validator("items")
    @classmethod
    def _items_fit_layout(cls, items: list[InvoiceItem], info: ValidationInfo) -> list[InvoiceItem]:
        lines = cls._lines_for_layout(items, info)
        rate = info.data.get("tax_rate")
        if rate is not None and compute_totals(lines, rate).total > MAX_AMOUNT:
            raise ValueError(f"the invoice total must not exceed {MAX_AMOUNT:,}")
        return lines

    @staticmethod
    def _lines_for_layout(items: list[InvoiceItem], info: ValidationInfo) -> list[InvoiceItem]:
        layout = info.data.get("layout")
        amount, description = info.data.get("amount"), info.data.get("description")
        if amount is not None or description is not None:
            if layout not in SINGLE_LINE_LAYOUTS:
                raise ValueError("amount and description are for the service and debit layouts; use items")
            if items:
                raise ValueError("give either amount + description or items, not both")
            if amount is None or description is None:
                raise ValueError("amount and description must be given together")
            return [InvoiceItem(description=description, unit_price=amount)]
        if not items:
            raise ValueError("must have at least one line")
        if layout in SINGLE_LINE_LAYOUTS and len(items) != 1:
            raise ValueError(f"the {layout} layout takes exactly one line")
        return items

    def totals(self) -> Totals:
        assert self.tax_rate is not None  # filled in by validation
        return compute_totals(self.items, self.tax_rate)


class InvoiceDocument(BaseModel):
    """Everything the renderer prints: the number (None for a preview), the draft, its totals and a
    snapshot of the company profile as it was when the invoice was issued."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: str | None = Field(default=None, pattern=INVOICE_NUMBER_PATTERN)
    draft: InvoiceDraft
    totals: Totals
    company: CompanyProfile

    @classmethod
    def build(
        cls, draft: InvoiceDraft, company: CompanyProfile, number: str | None = None
    ) -> InvoiceDocument:
        return cls(number=number, draft=draft, totals=draft.totals(), company=company)

    @property
    def filename(self) -> str:
        """`INV-2026-0001_DINAS-RESTAURANT.pdf`; previews are named `PREVIEW_...`."""
        return sanitize_filename(f"{self.number or 'PREVIEW'}_{self.draft.bill_to_name}.pdf")


_SAMPLE_LINES = [
    ("Corporate credit card management service fee", "1", "850.00"),
    ("Supplier payment reconciliation (per statement)", "3", "120.00"),
    ("Receipt digitisation and matching", "42", "2.50"),
    ("Monthly credit advisory report", "1", "300.00"),
]


def sample_draft(layout: Layout, lang: Lang, *, profile: CompanyProfile | None = None) -> InvoiceDraft:
    """A realistic draft for previews (a Chinese bill-to name for `zh`), dated 2026-01-15."""
    address = (
        "No. 12, Jalan Bukit Bintang\n55100 Kuala Lumpur\nMalaysia"
        if lang == "en"
        else "吉隆坡武吉免登路12号\n55100 Kuala Lumpur\nMalaysia"
    )
    data: dict[str, Any] = {
        "layout": layout,
        "lang": lang,
        "bill_to_name": "DINAS RESTAURANT SDN BHD" if lang == "en" else "丁娜斯餐饮有限公司",
        "bill_to_address": address,
        "bill_to_email": "accounts@dinas.example.my",
        "issue_date": date(2026, 1, 15),
        "tax_rate": "0.08",
        "month": "2025-12",
    }
    if layout in SINGLE_LINE_LAYOUTS:
        data["description"] = (
            "Credit card management service, December 2025"
            if lang == "en"
            else "信用卡管理服务（2025年12月）"
        )
        data["amount"] = "1280.50" if layout == "service" else "236.40"
    else:
        data["items"] = [
            {"description": description, "quantity": quantity, "unit_price": price}
            for description, quantity, price in _SAMPLE_LINES
        ]
    return InvoiceDraft.model_validate(data, context={"profile": profile or load_profile()})

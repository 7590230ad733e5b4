"""Read a configured product feed (JSON or CSV) into validated products, row by row.

JSON: either `{"products": [ {...}, ... ]}` (other top-level keys are ignored) or a bare list `[ {...} ]`.
Each row is an object whose keys are the product model's fields (`LoanProduct` / `SavingsProduct`);
unknown keys are errors, so a misspelt optional field (say `rule_of78`) cannot silently fall back to
its default. Numbers may be JSON numbers or decimal text; they are read as Decimal, never float.

CSV: UTF-8 (a BOM is allowed), comma-separated, first line a header naming the model's fields in any
order. Optional columns may be left out; an empty cell means "not given" (default or null). Booleans
are `true`/`false` (also `yes`/`no`, `1`/`0`). Loan header, all columns:
    id,bank,product,loan_type,rate_type,rate_min,rate_max,tenure_min_months,tenure_max_months,
    amount_min,amount_max,min_monthly_income,fees,rule_of_78,source,refreshed_at
Savings header, all columns:
    id,bank,product,kind,rate,compounding,tenure_months,min_deposit,max_deposit,pidm_insured,islamic,
    source,refreshed_at

A bad row becomes a `RowError` (1-based data row, not counting the CSV header) and the rest still load;
a second row with the same `product_key` is an error too, as the upsert would overwrite the first.
A document that cannot be read at all raises `FeedError`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.resources import files
from typing import Any, Generic, Literal, TypeVar

from pydantic import ValidationError

from creditpilot.loans.models import LoanProduct
from creditpilot.savings.models import SavingsProduct

FeedFormat = Literal["json", "csv"]
MAX_FEED_BYTES = 5 * 1024 * 1024
MAX_FEED_ROWS = 5000

ProductT = TypeVar("ProductT", LoanProduct, SavingsProduct)


class FeedError(ValueError):
    """The whole document is unreadable; no row of it was loaded."""


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based data row
    field: str | None  # None when the problem is the row as a whole
    message: str


@dataclass(frozen=True)
class _UnreadableRow:
    message: str


@dataclass(frozen=True)
class FeedResult(Generic[ProductT]):
    good: list[ProductT] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def parse_loan_feed(content: bytes, fmt: FeedFormat, *, source: str | None = None) -> FeedResult[LoanProduct]:
    """`source` names the configured feed; it fills rows that do not name their own."""
    return _parse_feed(content, fmt, LoanProduct, source)


def parse_savings_feed(
    content: bytes, fmt: FeedFormat, *, source: str | None = None
) -> FeedResult[SavingsProduct]:
    """`source` names the configured feed; it fills rows that do not name their own."""
    return _parse_feed(content, fmt, SavingsProduct, source)


def load_demo_loan_products() -> list[LoanProduct]:
    """Seed data (`source: "demo"`): plausible rates for development, not current rates, not advice."""
    return _load_demo("creditpilot.loans", parse_loan_feed)


def load_demo_savings_products() -> list[SavingsProduct]:
    """Seed data (`source: "demo"`): plausible rates for development, not current rates, not advice."""
    return _load_demo("creditpilot.savings", parse_savings_feed)


def _load_demo(package: str, parse: Callable[[bytes, FeedFormat], FeedResult[ProductT]]) -> list[ProductT]:
    result = parse(files(package).joinpath("demo_products.json").read_bytes(), "json")
    if result.errors:
        first = result.errors[0]
        raise FeedError(f"{package} demo data row {first.row}, {first.field}: {first.message}")
    return result.good


def _parse_feed(
    content: bytes, fmt: FeedFormat, model: type[ProductT], source: str | None
) -> FeedResult[ProductT]:
    text = _decode(content)
    if fmt == "json":
        rows = _json_rows(text)
    elif fmt == "csv":
        rows = _csv_rows(text, model, source_given=source is not None)
    else:
        raise FeedError(f"unknown feed format {fmt!r}; expected 'json' or 'csv'")
    result: FeedResult[ProductT] = FeedResult()
    first_row_of_key: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        if isinstance(row, _UnreadableRow):
            result.errors.append(RowError(number, None, row.message))
            continue
        if not isinstance(row, dict):
            result.errors.append(RowError(number, None, "row must be an object"))
            continue
        if source is not None and not row.get("source"):
            row = {**row, "source": source}
        try:
            product = model.model_validate(row)
        except ValidationError as exc:
            result.errors.extend(_row_errors(number, exc))
            continue
        earlier = first_row_of_key.setdefault(product.product_key, number)
        if earlier != number:
            result.errors.append(RowError(number, None, f"same product as row {earlier}"))
            continue
        result.good.append(product)
    return result


def _decode(content: bytes) -> str:
    if len(content) > MAX_FEED_BYTES:
        raise FeedError(f"feed is larger than {MAX_FEED_BYTES // (1024 * 1024)} MB")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FeedError(f"feed is not UTF-8 (byte {exc.start} cannot be read)") from exc


def _json_rows(text: str) -> list[Any]:
    try:
        document = json.loads(text, parse_float=Decimal, parse_constant=Decimal)
    except ValueError as exc:  # JSONDecodeError, or an integer too long to read
        raise FeedError(f"feed is not valid JSON: {exc}") from exc
    rows = document.get("products") if isinstance(document, dict) else document
    if not isinstance(rows, list):
        raise FeedError('feed must be a list of products or an object {"products": [...]}')
    if len(rows) > MAX_FEED_ROWS:
        raise FeedError(f"feed has more than {MAX_FEED_ROWS} rows")
    return rows


def _csv_rows(
    text: str, model: type[ProductT], *, source_given: bool
) -> list[dict[str, str] | _UnreadableRow]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # bad quoting makes row edges unknowable
    try:
        header = [name.strip() for name in next(reader, [])]
        if not any(header):
            raise FeedError("CSV feed has no header row")
        _check_header(header, model, source_given=source_given)
        rows: list[dict[str, str] | _UnreadableRow] = []
        for cells in _limited(reader):
            if len(cells) > len(header):
                rows.append(_UnreadableRow("row has more cells than the header"))
                continue
            # An empty (or missing trailing) cell means "not given", so the model's default applies.
            rows.append({name: cell for name, cell in zip(header, cells, strict=False) if cell.strip()})
    except csv.Error as exc:
        raise FeedError(f"CSV feed cannot be read: {exc}") from exc
    return rows


def _limited(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    count = 0
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue  # blank line
        count += 1
        if count > MAX_FEED_ROWS:
            raise FeedError(f"feed has more than {MAX_FEED_ROWS} rows")
        yield cells


def _check_header(header: list[str], model: type[ProductT], *, source_given: bool) -> None:
    known = set(model.model_fields)
    if len(set(header)) != len(header):
        raise FeedError("CSV header names a column twice")
    unknown = [name for name in header if name not in known]
    if unknown:
        raise FeedError(f"CSV header has unknown columns: {', '.join(unknown)}")
    required = {name for name, info in model.model_fields.items() if info.is_required()}
    if source_given:
        required.discard("source")
    missing = sorted(required - set(header))
    if missing:
        raise FeedError(f"CSV header lacks required columns: {', '.join(missing)}")


def _row_errors(number: int, exc: ValidationError) -> list[RowError]:
    errors = []
    for error in exc.errors(include_url=False, include_input=False):
        location = error["loc"]
        field_name = str(location[0]) if location else None
        message = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
        errors.append(RowError(number, field_name, message))
    return errors

"""Personal data never reaches a log line; dates, money and ids stay readable.

Every masking test goes through the real app logger and reads back the JSON lines it wrote.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditpilot.platform.clock import MALAYSIA_TIME
from creditpilot.platform.logging import (
    CARD_NUMBER_MASK_PREFIX,
    IC_NUMBER_MASK,
    REDACTED,
    get_logger,
    get_metrics,
    mask_text,
    mask_value,
)

LAYER_PATH = Path(__file__).resolve().parents[3] / "layers" / "shared"


@dataclass
class CapturedLog:
    buffer: io.StringIO

    @property
    def raw(self) -> str:
        return self.buffer.getvalue()

    def records(self) -> list[dict[str, Any]]:
        # raw_decode rather than splitlines: POWERTOOLS_DEV pretty-prints records over several lines.
        decoder, text, position, records = json.JSONDecoder(), self.raw, 0, []
        while position < len(text):
            if text[position].isspace():
                position += 1
                continue
            record, position = decoder.raw_decode(text, position)
            records.append(record)
        return records

    def only_record(self) -> dict[str, Any]:
        (record,) = self.records()
        return record


@contextmanager
def captured_log() -> Iterator[CapturedLog]:
    """Point the app logger's own handler (with its masking formatter) at a buffer for a while."""
    logger = get_logger()
    handler = logger.registered_handler
    buffer = io.StringIO()
    previous_stream = handler.setStream(buffer)  # type: ignore[attr-defined]
    previous_level = logger.log_level
    logger.setLevel("INFO")
    try:
        yield CapturedLog(buffer)
    finally:
        logger.setLevel(previous_level)
        if previous_stream is not None:
            handler.setStream(previous_stream)  # type: ignore[attr-defined]


@pytest.fixture
def log() -> Iterator[CapturedLog]:
    with captured_log() as captured:
        yield captured


PERSONAL_DATA = {
    "ic_dashed": "900101-14-5678",
    "ic_plain": "850615105234",
    "card_spaced": "4111 1111 1111 1111",
    "card_plain": "5500005555555559",
    "account": "7012345678",
    "phone_mobile": "012-345 6789",
    "phone_international": "+60 12-987 6543",
    "phone_e164": "+447911123456",
    "email": "dina.tan@example.com",
}


def assert_no_personal_data(raw: str) -> None:
    for name, value in PERSONAL_DATA.items():
        assert value not in raw, f"{name} leaked into the log"
        assert value.replace(" ", "").replace("-", "") not in raw, f"{name} leaked (digits) into the log"


def test_personal_data_in_a_message_is_masked_in_the_json_line(log: CapturedLog) -> None:
    get_logger().info(
        "Customer IC 900101-14-5678 / 850615105234 paid with 4111 1111 1111 1111 and 5500005555555559, "
        "refund to account 7012345678, call 012-345 6789 or +60 12-987 6543 or +447911123456, "
        "mail dina.tan@example.com"
    )

    message = log.only_record()["message"]
    assert_no_personal_data(log.raw)
    assert message.count(IC_NUMBER_MASK) == 2
    assert "****-****-****-1111" in message
    assert "****-****-****-5559" in message
    assert "******5678" in message
    assert "***-*** **89" in message
    assert "+** **-*** **43" in message
    assert "d***@example.com" in message


def test_keyword_fields_are_masked_in_nested_dicts_and_lists(log: CapturedLog) -> None:
    get_logger().info(
        "Reminder queued",
        reminder={
            "channel": "whatsapp",
            "to": "+60 12-987 6543",
            "customer": {"notes": ["IC 900101-14-5678", ("card", "4111 1111 1111 1111")]},
        },
        contacts=["dina.tan@example.com", {"backup": "012-345 6789"}],
        bank_reference="refund to 7012345678",
    )

    record = log.only_record()
    assert_no_personal_data(log.raw)
    assert record["reminder"]["channel"] == "whatsapp"
    assert record["reminder"]["to"] == "+** **-*** **43"
    assert record["reminder"]["customer"]["notes"] == [
        f"IC {IC_NUMBER_MASK}",
        ["card", "****-****-****-1111"],
    ]
    assert record["contacts"] == ["d***@example.com", {"backup": "***-*** **89"}]
    assert record["bank_reference"] == "refund to ******5678"


def test_money_invoice_numbers_request_ids_and_times_stay_readable(log: CapturedLog) -> None:
    request_id = "c6af9ac6-7b61-11e6-9a41-934512345678"
    get_logger().info(
        "Invoice INV-2026-0001 issued for RM 1234.50 (RM 12,345,678.90 limit) on 2026-01-15T10:20:30.123+08:00",
        invoice_number="INV-2026-0042",
        total=Decimal("1234567890.50"),
        request_id=request_id,
        issued_on=date(2026, 1, 15),
        issued_at=datetime(2026, 1, 15, 10, 20, 30, 123456, tzinfo=MALAYSIA_TIME),
        s3_event_time=1767225600,
        sqs_sent_timestamp="1767225600123",
        statement_file="statement-20260115103045.csv",
        row_count=1234,
    )

    record = log.only_record()
    assert record["message"] == (
        "Invoice INV-2026-0001 issued for RM 1234.50 (RM 12,345,678.90 limit) on 2026-01-15T10:20:30.123+08:00"
    )
    assert record["invoice_number"] == "INV-2026-0042"
    assert record["total"] == "1234567890.50"
    assert record["request_id"] == request_id
    assert record["issued_on"] == "2026-01-15"
    assert record["issued_at"] == "2026-01-15 10:20:30.123456+08:00"
    assert record["s3_event_time"] == 1767225600
    assert record["sqs_sent_timestamp"] == "1767225600123"
    assert record["statement_file"] == "statement-20260115103045.csv"
    assert record["row_count"] == 1234


def test_exception_text_and_stack_frames_are_masked(log: CapturedLog) -> None:
    try:
        raise ValueError("duplicate key (ic_number)=(900101-14-5678) for dina.tan@example.com")
    except ValueError:
        get_logger().exception("Customer import failed")

    record = log.only_record()
    assert_no_personal_data(log.raw)
    assert record["exception_name"] == "ValueError"
    assert f"(ic_number)=({IC_NUMBER_MASK}) for d***@example.com" in record["exception"]
    assert "Traceback (most recent call last)" in record["exception"]
    assert "d***@example.com" in record["stack_trace"]["value"]
    assert any(IC_NUMBER_MASK in frame["statement"] for frame in record["stack_trace"]["frames"])


def test_secret_fields_are_redacted_whatever_they_hold(log: CapturedLog) -> None:
    get_logger().info(
        "Calling SendGrid",
        headers={
            "Authorization": "Bearer eyJhbGciOi.abc.def",
            "Cookie": "id_token=xyz",
            "X-Amz-Security-Token": None,
            "Accept": "application/json",
        },
        api_key="SG.abcdef",
        fernet_key="q0vJ3n5d0mK9",
        password="hunter2",
    )

    record = log.only_record()
    for secret in ("eyJhbGciOi", "xyz", "SG.abcdef", "q0vJ3n5d0mK9", "hunter2"):
        assert secret not in log.raw
    assert record["headers"] == {
        "Authorization": REDACTED,
        "Cookie": REDACTED,
        "X-Amz-Security-Token": None,  # a missing credential is worth seeing
        "Accept": "application/json",
    }
    assert record["api_key"] == record["fernet_key"] == record["password"] == REDACTED


def test_personal_fields_hide_values_the_text_rules_cannot_recognise(log: CapturedLog) -> None:
    get_logger().info(
        "Reminder sent",
        phone=123456789,  # a mobile number stored as an int has lost its leading 0
        recipient="Tan Ah Kow",
        email="dina.tan@example.com",
        ic_number="900101145678",
        phone_verified=True,
    )

    record = log.only_record()
    assert "Tan Ah Kow" not in log.raw
    assert "123456789" not in log.raw
    assert record["phone"] == REDACTED
    assert record["recipient"] == REDACTED
    assert record["email"] == "d***@example.com"
    assert record["ic_number"] == IC_NUMBER_MASK
    assert record["phone_verified"] is True


def test_appended_keys_are_masked_on_every_later_record(log: CapturedLog) -> None:
    logger = get_logger()
    logger.append_keys(customer_contact="dina.tan@example.com")
    try:
        logger.info("Receipt uploaded")
        logger.info("Receipt matched")
    finally:
        logger.remove_keys(["customer_contact"])

    assert [record["customer_contact"] for record in log.records()] == ["d***@example.com"] * 2
    assert_no_personal_data(log.raw)


def test_a_record_that_cannot_be_formatted_is_replaced_without_its_arguments(
    log: CapturedLog, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytest's capture handler on the root logger would re-raise the formatting error itself.
    monkeypatch.setattr(logging.getLogger(get_logger().service), "propagate", False)
    get_logger().info("IC %s has %d invoices", "900101-14-5678", "three")

    record = log.only_record()
    assert record["message"] == "log record could not be formatted"
    assert record["formatting_error"] == "TypeError"
    assert "900101-14-5678" not in log.raw
    assert "900101-14-5678" not in capsys.readouterr().err


def test_mask_value_masks_a_processing_log_row_for_storage() -> None:
    detail = {
        "route": "/invoices/make",
        "amount": Decimal("1234.50"),
        "body": {"bill_to_email": "dina.tan@example.com", "items": [{"note": "acct 7012345678"}]},
        "authorization": "Bearer abc",
    }

    assert mask_value(detail) == {
        "route": "/invoices/make",
        "amount": "1234.50",
        "body": {"bill_to_email": "d***@example.com", "items": [{"note": "acct ******5678"}]},
        "authorization": REDACTED,
    }


def test_masking_already_masked_text_changes_nothing() -> None:
    once = mask_text(
        "IC 900101-14-5678 card 4111 1111 1111 1111 phone 012-345 6789 mail dina.tan@example.com"
    )

    assert mask_text(once) == once


ic_numbers = st.builds(
    lambda born, place, serial, separator: f"{born:%y%m%d}{separator}{place:02d}{separator}{serial:04d}",
    st.dates(min_value=date(1930, 1, 1), max_value=date(2029, 12, 31)),
    st.integers(min_value=1, max_value=99),
    st.integers(min_value=0, max_value=9999),
    st.sampled_from(["-", " ", ""]),
)


@given(ic=ic_numbers)
def test_any_ic_number_is_masked_in_message_and_fields(ic: str) -> None:
    with captured_log() as log:
        get_logger().info(f"Customer IC {ic} verified", customer={"nric": ic, "note": f"MyKad {ic}."})  # noqa: G004

    record = log.only_record()
    digits = ic.replace("-", "").replace(" ", "")
    assert ic not in log.raw
    assert digits not in log.raw
    assert record["message"] == f"Customer IC {IC_NUMBER_MASK} verified"
    assert record["customer"] == {"nric": IC_NUMBER_MASK, "note": f"MyKad {IC_NUMBER_MASK}."}


def _with_luhn_check_digit(partial: str) -> str:
    total = 0
    for position, char in enumerate(reversed(partial)):
        digit = int(char)
        if position % 2 == 0:  # these positions are doubled once the check digit is appended
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return partial + str((10 - total % 10) % 10)


@st.composite
def card_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(digits, as written): Luhn-valid numbers of the major networks, 13 to 19 digits."""
    prefix = draw(st.sampled_from(["4", "51", "55", "2221", "2720", "34", "37", "6011", "35", "62"]))
    length = draw(st.integers(min_value=13, max_value=19))
    body = draw(
        st.text(alphabet="0123456789", min_size=length - len(prefix) - 1, max_size=length - len(prefix) - 1)
    )
    digits = _with_luhn_check_digit(prefix + body)
    separator = draw(st.sampled_from(["", " ", "-"]))
    written = separator.join(digits[start : start + 4] for start in range(0, len(digits), 4))
    return digits, written


@given(card=card_numbers())
def test_any_luhn_valid_card_number_is_masked_keeping_the_last_four(card: tuple[str, str]) -> None:
    digits, written = card
    with captured_log() as log:
        get_logger().info(f"Charged card {written} for RM 12.50", payment={"card": written})  # noqa: G004

    record = log.only_record()
    assert written not in log.raw
    assert digits not in log.raw
    masked = CARD_NUMBER_MASK_PREFIX + digits[-4:]
    assert record["message"] == f"Charged card {masked} for RM 12.50"
    assert record["payment"] == {"card": masked}


@st.composite
def malaysian_mobile_numbers(draw: st.DrawFn) -> str:
    """As people write them: 012-345 6789, 0123456789, 011-1234 5678, +60 12-345 6789, +60123456789."""
    second_digit = draw(st.sampled_from("0123456789"))
    subscriber = draw(
        st.text(
            alphabet="0123456789",
            min_size=8 if second_digit == "1" else 7,
            max_size=8 if second_digit == "1" else 7,
        )
    )
    local = f"01{second_digit}{subscriber}"
    writings = [
        local,
        f"{local[:3]}-{local[3:-4]} {local[-4:]}",
        f"{local[:3]}-{local[3:]}",
        f"+6{local}",
        f"+60 {local[1:3]}-{local[3:-4]} {local[-4:]}",
    ]
    return draw(st.sampled_from(writings))


@given(phone=malaysian_mobile_numbers())
def test_any_malaysian_mobile_number_is_masked_but_its_last_two_digits(phone: str) -> None:
    masked = mask_text(f"WhatsApp reminder to {phone} sent")

    assert phone not in masked
    assert sum(character.isdigit() for character in masked) == 2
    assert masked.endswith(f"{phone[-2:]} sent")


@given(amount=st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2))
def test_amounts_of_money_are_never_masked(amount: Decimal) -> None:
    for text in (f"total RM {amount:.2f}", f"total RM {amount:,.2f}", f"RM{amount:.2f} due"):
        assert mask_text(text) == text


@given(year=st.integers(min_value=2000, max_value=2099), number=st.integers(min_value=1, max_value=9999))
def test_invoice_numbers_are_never_masked(year: int, number: int) -> None:
    text = f"issued INV-{year}-{number:04d}"
    assert mask_text(text) == text


@given(request_id=st.uuids())
def test_request_ids_are_never_masked(request_id: uuid.UUID) -> None:
    for text in (str(request_id), f"request {request_id} failed", request_id.hex):
        assert mask_text(text) == text


@given(moment=st.datetimes(timezones=st.sampled_from([MALAYSIA_TIME, None])))
def test_dates_and_timestamps_are_never_masked(moment: datetime) -> None:
    for text in (moment.isoformat(), str(moment), f"at {moment:%Y-%m-%d %H:%M:%S}", f"on {moment:%d/%m/%Y}"):
        assert mask_text(text) == text


def _run_fresh_python(script: str, **environment: str) -> str:
    """Run `script` in a new interpreter: the logger, tracer and metrics are built once per process."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("POWERTOOLS_", "LAMBDA_", "AWS_SAM_", "AWS_LAMBDA_"))
    }
    env.update(environment, PYTHONPATH=str(LAYER_PATH))
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], env=env, capture_output=True, text=True, check=True
    )
    return completed.stdout


LOG_ONE_INFO_AND_ONE_WARNING = """
    from creditpilot.platform.logging import logger
    logger.info("Invoice issued")
    logger.warning("Receipt unreadable")
"""


def test_logger_writes_json_for_the_creditpilot_service_by_default() -> None:
    lines = [json.loads(line) for line in _run_fresh_python(LOG_ONE_INFO_AND_ONE_WARNING).splitlines()]

    assert [(line["level"], line["message"], line["service"]) for line in lines] == [
        ("INFO", "Invoice issued", "creditpilot"),
        ("WARNING", "Receipt unreadable", "creditpilot"),
    ]


def test_logger_takes_service_name_and_level_from_powertools_variables() -> None:
    output = _run_fresh_python(
        LOG_ONE_INFO_AND_ONE_WARNING, POWERTOOLS_SERVICE_NAME="invoices", POWERTOOLS_LOG_LEVEL="WARNING"
    )

    lines = [json.loads(line) for line in output.splitlines()]
    assert [(line["message"], line["service"]) for line in lines] == [("Receipt unreadable", "invoices")]


TRACER_REPORT = """
    import json, sys
    import creditpilot.platform.logging as observability
    sdk_loaded_on_import = "aws_xray_sdk.core" in sys.modules
    tracer = observability.tracer

    @tracer.capture_method
    def allocate_invoice_number():
        return "INV-2026-0001"

    print(json.dumps({
        "sdk_loaded_on_import": sdk_loaded_on_import,
        "disabled": tracer.disabled,
        "sdk_loaded": "aws_xray_sdk.core" in sys.modules,
        "traced_call": allocate_invoice_number(),
    }))
"""


def test_tracer_outside_lambda_is_disabled_and_loads_no_xray_sdk() -> None:
    report = json.loads(_run_fresh_python(TRACER_REPORT))

    assert report == {
        "sdk_loaded_on_import": False,
        "disabled": True,
        "sdk_loaded": False,
        "traced_call": "INV-2026-0001",
    }


def test_tracer_in_lambda_honours_powertools_trace_disabled() -> None:
    report = json.loads(
        _run_fresh_python(TRACER_REPORT, LAMBDA_TASK_ROOT="/var/task", POWERTOOLS_TRACE_DISABLED="true")
    )

    assert report["disabled"] is True
    assert report["sdk_loaded"] is False
    assert report["traced_call"] == "INV-2026-0001"


def test_tracer_in_lambda_traces_with_xray() -> None:
    report = json.loads(_run_fresh_python(TRACER_REPORT, LAMBDA_TASK_ROOT="/var/task"))

    assert report["sdk_loaded_on_import"] is False
    assert report["disabled"] is False
    assert report["sdk_loaded"] is True


def test_metrics_are_emitted_in_the_creditpilot_namespace(capsys: pytest.CaptureFixture[str]) -> None:
    metrics = get_metrics()
    metrics.add_metric(name="InvoicesIssued", unit="Count", value=1)
    metrics.flush_metrics()

    emitted = json.loads(capsys.readouterr().out)
    (directive,) = emitted["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "CreditPilot"
    assert directive["Metrics"] == [{"Name": "InvoicesIssued", "Unit": "Count"}]
    assert emitted["InvoicesIssued"] == [1.0]
    assert emitted["service"] == os.getenv("POWERTOOLS_SERVICE_NAME", "creditpilot")

"""The one Logger, Tracer and Metrics of the app, and the masking of personal data in every log record.

Handlers do `from creditpilot.platform.logging import logger, tracer, metrics` (or call the `get_*`
accessors); each object is built on first use and then shared by the whole execution environment.

Masking happens in the formatter, after Powertools has assembled the record and before it is written, so
it covers the message, every keyword field (nested dicts and lists too), appended keys and exception
text and frames. `mask_text` / `mask_value` expose the same rules for data stored elsewhere, such as
`processing_logs` rows. The rules lean towards masking: a number that could be personal data and is
not clearly a date, a timestamp, an amount or part of an identifier is masked.
"""

from __future__ import annotations

import functools
import os
import re
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

if TYPE_CHECKING:
    import logging
    from collections.abc import AsyncGenerator, Generator

    from aws_lambda_powertools.metrics import Metrics
    from aws_lambda_powertools.tracing import Tracer

DEFAULT_SERVICE_NAME = "creditpilot"
DEFAULT_METRICS_NAMESPACE = "CreditPilot"

REDACTED = "[REDACTED]"
IC_NUMBER_MASK = "******-**-****"
CARD_NUMBER_MASK_PREFIX = "****-****-****-"
ACCOUNT_NUMBER_MASK_PREFIX = "******"

_TOO_DEEPLY_NESTED = "[too deeply nested to log]"
_MAX_DEPTH = 32
_UNFORMATTABLE_RECORD_MESSAGE = "log record could not be formatted"

# Keys Powertools fills from the Lambda context or its own settings, never from user data. They skip
# masking because `function_arn` carries the 12-digit AWS account id, which looks like an account number.
_POWERTOOLS_OWNED_KEYS = frozenset(
    {
        "level",
        "location",
        "timestamp",
        "service",
        "sampling_rate",
        "xray_trace_id",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
    }
)

# Key names are compared lower-cased with everything but letters and digits removed, so `apiKey`,
# `api-key` and `X_API_KEY` all match "apikey". Secrets are matched anywhere in the name
# (`csrf_token`, `x_amz_security_token`): redacting a harmless `token_count` costs less than a leak.
_SECRET_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "fernet",
    "apikey",
    "privatekey",
    "credential",
    "signature",
)
_PERSONAL_KEY_PARTS = (
    "icnumber",
    "icno",
    "nric",
    "mykad",
    "phone",
    "mobile",
    "msisdn",
    "email",
    "accountnumber",
    "accountno",
    "acctno",
    "bankaccount",
    "cardnumber",
    "recipient",
)
# Too short to match inside longer names ("ic" is in "topic", "pan" in "company").
_PERSONAL_KEYS_EXACT = frozenset({"ic", "pan", "acct"})

_NOT_KEY_CHARACTERS = re.compile(r"[^a-z0-9]")

# The local part must start at a word boundary of email characters; without that lookbehind a long run
# of such characters with no "@" would be rescanned from every position (quadratic time).
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])([A-Za-z0-9_%+\-])[A-Za-z0-9._%+\-]*@((?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,})",
)
_EMAIL_MASK = r"\1***@\2"

# A run of digits in groups joined by single spaces or dashes, optionally led by "+". The lookbehinds
# leave alone the tail of an identifier (INV-2026-0001, a UUID's last group, hex ids), digits glued to
# letters and the fraction of a decimal. re.ASCII keeps Chinese or Malay text before a number from
# counting as "letters" that would hide it.
_DIGIT_RUN = re.compile(r"(?<![\w+])(?<!\w-)(?<![0-9][.,])\+?[0-9]+(?:[ \-][0-9]+)*", re.ASCII)
# What may follow a run when its last group belongs to something else: letters (2026-01-15T10:00, an
# id like 1234567890abc), the integer part of an amount (1234567890.50) or the hour of a time.
_GLUED_TAIL = re.compile(r"[A-Za-z_]|[.,:][0-9]|-[A-Za-z]")
# Cheap pre-check: nothing shorter than nine digits is ever masked, and most messages have none.
_NINE_DIGITS = re.compile(r"[0-9](?:[ \-]?[0-9]){8}")
_SEPARATORS = str.maketrans("", "", " -+")
_SHORTEST_MASKABLE_TEXT = 6  # "a@b.my"

# Epoch seconds (and milli-, micro-, nanoseconds) from 2015 to 2035 stay readable. Bank account numbers
# that fall in this range (10/13/16 digits starting 142..205) are the price of readable timestamps; no
# card network issues numbers starting with 1 or 20.
_EPOCH_SECONDS_LOW = 1_420_070_400
_EPOCH_SECONDS_HIGH = 2_051_222_400
_LONGEST_CARD = 19
_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_TRUTHY = frozenset({"1", "true", "t", "yes", "y", "on"})


def mask_text(text: str) -> str:
    """Mask IC numbers, card and account numbers, phone numbers and emails inside free text."""
    if len(text) < _SHORTEST_MASKABLE_TEXT:
        return text
    if "@" in text:
        text = _EMAIL.sub(_EMAIL_MASK, text)
    if _NINE_DIGITS.search(text):
        text = _DIGIT_RUN.sub(_mask_digit_run, text)
    return text


def mask_value(value: Any) -> Any:
    """Mask personal data in any JSON-like value; dict values are also judged by their key's name.

    Values the JSON encoder would turn into text with str() (Decimal, datetime, exceptions...) come back
    as that masked text, so the logged JSON reads the same as without masking.
    """
    return _mask(value, personal=False, depth=0)


class PersonalDataMaskingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter with personal data masked in every field it writes."""

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        masked = {
            key: value if key in _POWERTOOLS_OWNED_KEYS else _mask_field(key, value, personal=False, depth=0)
            for key, value in log.items()
        }
        return super().serialize(masked)  # type: ignore[arg-type]

    def format(self, record: logging.LogRecord) -> str:
        try:
            return super().format(record)
        except Exception as exc:
            # A record that cannot be formatted (e.g. "%d" given a str) would otherwise reach
            # logging.Handler.handleError, which prints its raw message and arguments to stderr.
            return self.serialize(
                {
                    "level": record.levelname,
                    "location": f"{record.funcName}:{record.lineno}",
                    "message": _UNFORMATTABLE_RECORD_MESSAGE,
                    "timestamp": self.formatTime(record),
                    "service": self.log_format.get("service"),
                    "formatting_error": type(exc).__name__,
                }
            )


@functools.cache
def get_logger() -> Logger:
    """The app's JSON logger; POWERTOOLS_LOG_LEVEL (or Lambda's log level setting) picks the level."""
    return Logger(service=_service_name(), logger_formatter=PersonalDataMaskingFormatter(use_rfc3339=True))


@functools.cache
def get_tracer() -> Tracer:
    """X-Ray tracer in Lambda; outside it (or with POWERTOOLS_TRACE_DISABLED) a no-op that loads no SDK."""
    from aws_lambda_powertools.tracing import Tracer

    if _tracing_wanted():
        return Tracer(service=_service_name())
    # Even a disabled Powertools Tracer imports the X-Ray SDK (about 0.3 s) unless given a provider.
    return Tracer(service=_service_name(), disabled=True, provider=_NoTracingProvider())


@functools.cache
def get_metrics() -> Metrics:
    """CloudWatch EMF metrics in POWERTOOLS_METRICS_NAMESPACE (default "CreditPilot")."""
    from aws_lambda_powertools.metrics import Metrics

    namespace = os.getenv("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_METRICS_NAMESPACE
    return Metrics(namespace=namespace, service=_service_name())


_LAZY_ATTRIBUTES = {"logger": get_logger, "tracer": get_tracer, "metrics": get_metrics}


def __getattr__(name: str) -> Any:
    # Lets handlers import `logger`, `tracer` and `metrics` by name while each is still built on first use.
    try:
        build = _LAZY_ATTRIBUTES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return build()


def _service_name() -> str:
    return os.getenv("POWERTOOLS_SERVICE_NAME") or DEFAULT_SERVICE_NAME


def _tracing_wanted() -> bool:
    # The same rule Powertools applies: trace only inside a real Lambda (not SAM local) unless disabled.
    disabled = os.getenv("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in _TRUTHY
    in_lambda = bool(os.getenv("LAMBDA_TASK_ROOT")) and not os.getenv("AWS_SAM_LOCAL")
    return in_lambda and not disabled


class _NoTracingSegment(BaseSegment):
    def close(self, end_time: int | None = None) -> None:
        pass

    def add_subsegment(self, subsegment: Any) -> None:
        pass

    def remove_subsegment(self, subsegment: Any) -> None:
        pass

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None:
        pass


class _NoTracingProvider(BaseProvider):
    @contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Generator[BaseSegment, None, None]:
        yield _NoTracingSegment()

    @asynccontextmanager
    async def in_subsegment_async(
        self, name: str | None = None, **kwargs: Any
    ) -> AsyncGenerator[BaseSegment, None]:
        yield _NoTracingSegment()

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def patch(self, modules: Any) -> None:
        pass

    def patch_all(self) -> None:
        pass


# ---- masking rules ---------------------------------------------------------------------------------


def _mask_field(key: Any, value: Any, *, personal: bool, depth: int) -> Any:
    key_kind = _key_kind(key if isinstance(key, str) else str(key))
    if key_kind == "secret":
        # An absent secret is worth seeing ("token missing"); a present one never is.
        return value if value is None or (isinstance(value, str) and not value) else REDACTED
    return _mask(value, personal=personal or key_kind == "personal", depth=depth)


@functools.lru_cache(maxsize=4096)
def _key_kind(key: str) -> str | None:
    normalised = _NOT_KEY_CHARACTERS.sub("", key.lower())
    if any(part in normalised for part in _SECRET_KEY_PARTS):
        return "secret"
    if normalised in _PERSONAL_KEYS_EXACT or any(part in normalised for part in _PERSONAL_KEY_PARTS):
        return "personal"
    return None


def _mask(value: Any, *, personal: bool, depth: int) -> Any:
    """`personal`: the value sits under a personal-data key, so what the text rules do not recognise
    (a name, a phone number stored as an int without its leading 0) is redacted outright."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        masked = mask_text(value)
        return REDACTED if personal and masked == value and value else masked
    if isinstance(value, int | float):
        text = str(value)
        masked = mask_text(text)
        if masked != text:
            return masked
        return REDACTED if personal else value
    if depth >= _MAX_DEPTH:
        return _TOO_DEEPLY_NESTED
    if isinstance(value, dict):
        return {
            mask_text(key if isinstance(key, str) else str(key)): _mask_field(
                key, item, personal=personal, depth=depth + 1
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_mask(item, personal=personal, depth=depth + 1) for item in value]
    return _mask(_printable(value), personal=personal, depth=depth)


def _printable(value: Any) -> str:
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def _mask_digit_run(match: re.Match[str]) -> str:
    run = match.group()
    if len(run) < 9:
        return run
    groups = run.split(" ")
    if _GLUED_TAIL.match(match.string, match.end()):
        tail = groups.pop()
        return f"{_mask_groups(groups)} {tail}" if groups else tail
    return _mask_groups(groups)


def _mask_groups(groups: list[str]) -> str:
    """Mask space-separated digit groups. A number may span several groups ("012 345 6789") and one run
    may hold several numbers ("4111 1111 1111 1111 12"), so the longest window of groups that reads as
    one number wins, trying IC/card/phone before the looser account-number rule."""
    if len(groups) == 1:
        return _mask_number(groups[0], allow_account=True) or groups[0]
    digit_counts = [len(group.translate(_SEPARATORS)) for group in groups]
    masked_parts: list[str] = []
    start = 0
    while start < len(groups):
        masked, end = _longest_number_window(groups, digit_counts, start)
        if masked is None:
            masked_parts.append(groups[start])
            start += 1
        else:
            masked_parts.append(masked)
            start = end
    return " ".join(masked_parts)


def _longest_number_window(groups: list[str], digit_counts: list[int], start: int) -> tuple[str | None, int]:
    end_limit = start + 1
    total = digit_counts[start]
    while end_limit < len(groups) and total + digit_counts[end_limit] <= _LONGEST_CARD:
        total += digit_counts[end_limit]
        end_limit += 1
    # A lone digit in front ("qty 5 0123456789") is a separate number, not the start of a longer one.
    can_span = digit_counts[start] >= 2 or groups[start].startswith("+")
    for allow_account in (False, True):
        for end in range(end_limit if can_span else start + 1, start, -1):
            masked = _mask_number(" ".join(groups[start:end]), allow_account=allow_account)
            if masked is not None:
                return masked, end
    return None, start


def _mask_number(text: str, *, allow_account: bool) -> str | None:
    """The masked form of `text` when it reads as personal data, else None."""
    digits = text.translate(_SEPARATORS)
    length = len(digits)
    if text.startswith("+"):
        return _mask_phone(text) if 8 <= length <= 15 else None
    if length < 9:
        return None
    separated = length != len(text)
    if length == 12 and _is_birth_date(digits):
        return IC_NUMBER_MASK
    if not separated and (_is_epoch_timestamp(digits) or _is_compact_datetime(digits)):
        return None
    # Card numbers are written as one block or with one kind of separator; "2026-01-15 1234..." is not one.
    if 13 <= length <= _LONGEST_CARD and not (" " in text and "-" in text) and _passes_luhn(digits):
        return CARD_NUMBER_MASK_PREFIX + digits[-4:]
    if _is_malaysian_phone(digits):
        return _mask_phone(text)
    if allow_account and 10 <= length <= 16:
        return ACCOUNT_NUMBER_MASK_PREFIX + digits[-4:]
    return None


def _is_birth_date(digits: str) -> bool:
    """MyKad numbers start with the holder's birth date, YYMMDD."""
    month, day = int(digits[2:4]), int(digits[4:6])
    return 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month]


def _is_epoch_timestamp(digits: str) -> bool:
    return len(digits) in (10, 13, 16, 19) and _EPOCH_SECONDS_LOW <= int(digits[:10]) < _EPOCH_SECONDS_HIGH


def _is_compact_datetime(digits: str) -> bool:
    """YYYYMMDDhhmm[ss] in this century, as in file names and bank references."""
    if len(digits) not in (12, 14) or not digits.startswith("20"):
        return False
    month, day, hour, minute = int(digits[4:6]), int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    second = int(digits[12:14]) if len(digits) == 14 else 0
    is_date = 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month]
    return is_date and hour < 24 and minute < 60 and second < 60


def _passes_luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _is_malaysian_phone(digits: str) -> bool:
    length = len(digits)
    if digits.startswith("01"):  # mobile: 01x-xxx xxxx, 011-xxxx xxxx
        return length in (10, 11)
    if digits.startswith("601"):  # mobile with the country code but no "+"
        return length in (11, 12)
    if digits[0] == "0" and digits[1] in "3456789":  # landline: 03-xxxx xxxx, 04-xxx xxxx
        return length in (9, 10)
    if digits.startswith("60") and digits[2] in "3456789":
        return length in (10, 11)
    return False


def _mask_phone(text: str) -> str:
    """Keep "+", the separators and the last two digits: enough to tell two numbers apart in a log."""
    characters = list(text)
    visible_digits = 2
    for index in range(len(characters) - 1, -1, -1):
        if characters[index].isdigit():
            if visible_digits:
                visible_digits -= 1
            else:
                characters[index] = "*"
    return "".join(characters)

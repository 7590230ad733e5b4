"""The issuing company's profile: what every invoice prints about the seller.

Defaults live in `company.json` beside this module; each deployment overrides them with
environment-like keys (pass `os.environ`, or a dict in tests):

| key                          | field               | format                                   |
| ---------------------------- | ------------------- | ---------------------------------------- |
| `COMPANY_NAME`               | name                | text                                     |
| `COMPANY_REGISTRATION_NO`    | registration_no     | text (SSM number)                        |
| `COMPANY_SST_NO`             | sst_no              | text                                     |
| `COMPANY_TIN`                | tin                 | text (LHDN tax identification number)    |
| `COMPANY_ADDRESS`            | address             | text; lines split by newlines or `\\n`   |
| `COMPANY_PHONE`              | phone               | text                                     |
| `COMPANY_EMAIL`              | email               | text                                     |
| `COMPANY_BANK_NAME`          | bank_name           | text                                     |
| `COMPANY_BANK_ACCOUNT`       | bank_account        | text                                     |
| `COMPANY_LOGO_PATH`          | logo_path           | path to a PNG/JPEG readable at render    |
| `COMPANY_PAYMENT_TERMS_DAYS` | payment_terms_days  | integer 0..365                           |
| `COMPANY_DEFAULT_TAX_RATE`   | default_tax_rate    | decimal fraction, e.g. `0.08`            |
| `COMPANY_ALLOWED_TAX_RATES`  | allowed_tax_rates   | comma-separated, e.g. `0.00,0.06,0.08`   |
| `COMPANY_TERMS_EN`           | terms_en            | text                                     |
| `COMPANY_TERMS_ZH`           | terms_zh            | text                                     |

An empty value counts as not given. A field that stays unset is `None`, and the PDF prints it
visibly ("[unset: SST registration no.]") so a missing registration number is never silently blank.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from creditpilot.platform.money import to_sen

_COMPANY_JSON = Path(__file__).with_name("company.json")

OVERRIDE_KEYS: Mapping[str, str] = {
    "COMPANY_NAME": "name",
    "COMPANY_REGISTRATION_NO": "registration_no",
    "COMPANY_SST_NO": "sst_no",
    "COMPANY_TIN": "tin",
    "COMPANY_ADDRESS": "address",
    "COMPANY_PHONE": "phone",
    "COMPANY_EMAIL": "email",
    "COMPANY_BANK_NAME": "bank_name",
    "COMPANY_BANK_ACCOUNT": "bank_account",
    "COMPANY_LOGO_PATH": "logo_path",
    "COMPANY_PAYMENT_TERMS_DAYS": "payment_terms_days",
    "COMPANY_DEFAULT_TAX_RATE": "default_tax_rate",
    "COMPANY_ALLOWED_TAX_RATES": "allowed_tax_rates",
    "COMPANY_TERMS_EN": "terms_en",
    "COMPANY_TERMS_ZH": "terms_zh",
}

# Rates Malaysian SST can take on our services: none, the 6% band and the 8% band.
LEGAL_TAX_RATES = frozenset({Decimal("0.00"), Decimal("0.06"), Decimal("0.08")})


class ProfileError(ValueError):
    """The company profile (company.json or an override) is not usable; the message names the key."""


class CompanyProfile(BaseModel):
    """A snapshot of the seller's details, frozen so an issued invoice keeps what it printed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    registration_no: str | None = None
    sst_no: str | None = None
    tin: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    logo_path: str | None = None
    payment_terms_days: int = Field(default=30, ge=0, le=365)
    default_tax_rate: Decimal = Decimal("0.00")
    allowed_tax_rates: tuple[Decimal, ...] = (Decimal("0.00"), Decimal("0.06"), Decimal("0.08"))
    terms_en: str | None = None
    terms_zh: str | None = None

    @field_validator("default_tax_rate")
    @classmethod
    def _rate_to_sen(cls, rate: Decimal) -> Decimal:
        return _legal_rate(rate)

    @field_validator("allowed_tax_rates")
    @classmethod
    def _rates_to_sen(cls, rates: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
        if not rates:
            raise ValueError("must list at least one rate")
        return tuple(sorted({_legal_rate(rate) for rate in rates}))

    @model_validator(mode="after")
    def _default_rate_is_allowed(self) -> CompanyProfile:
        if self.default_tax_rate not in self.allowed_tax_rates:
            raise ValueError(
                f"default_tax_rate {self.default_tax_rate} is not one of allowed_tax_rates"
                f" {', '.join(str(rate) for rate in self.allowed_tax_rates)}"
            )
        return self

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in (self.address or "").splitlines() if line.strip()]


def _legal_rate(rate: Decimal) -> Decimal:
    rate = to_sen(rate)
    if rate not in LEGAL_TAX_RATES:
        raise ValueError(f"{rate} is not an SST rate (allowed: 0.00, 0.06, 0.08)")
    return rate


@cache
def _company_defaults() -> Mapping[str, Any]:
    # Parsed once per execution environment: every invoice of a warm Lambda reuses it.
    return json.loads(_COMPANY_JSON.read_text(encoding="utf-8"))


def _override_value(key: str, raw: str) -> Any:
    field = OVERRIDE_KEYS[key]
    if field == "allowed_tax_rates":
        return [part.strip() for part in raw.split(",") if part.strip()]
    if field == "address":
        return raw.replace("\\n", "\n")
    return raw.strip()


def load_profile(overrides: Mapping[str, str] | None = None) -> CompanyProfile:
    """The company profile: company.json, then any `COMPANY_*` keys in `overrides` (see module docstring)."""
    values = dict(_company_defaults())
    given = {key: raw for key, raw in (overrides or {}).items() if key in OVERRIDE_KEYS and raw.strip()}
    for key, raw in given.items():
        values[OVERRIDE_KEYS[key]] = _override_value(key, raw)
    try:
        return CompanyProfile.model_validate(values)
    except ValidationError as exc:
        field_to_key = {field: key for key, field in OVERRIDE_KEYS.items()}
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "profile"
            source = field_to_key.get(field) if field_to_key.get(field) in given else "company.json"
            problems.append(f"{field} (from {source}): {error['msg']}")
        raise ProfileError("company profile is invalid: " + "; ".join(problems)) from exc

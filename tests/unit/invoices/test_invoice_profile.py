from decimal import Decimal

import pytest

from creditpilot.invoices.profile import ProfileError, load_profile


def test_default_profile_is_the_company_with_unknown_identifiers_left_unset():
    profile = load_profile()
    assert profile.name == "INFINITE GZ SDN BHD"
    assert profile.sst_no is None and profile.bank_account is None
    assert profile.payment_terms_days == 30
    assert profile.default_tax_rate == Decimal("0.00")
    assert profile.allowed_tax_rates == (Decimal("0.00"), Decimal("0.06"), Decimal("0.08"))
    assert profile.terms_en and profile.terms_zh


def test_environment_keys_override_the_json():
    profile = load_profile(
        {
            "COMPANY_NAME": "INFINITE GZ SDN BHD (KL)",
            "COMPANY_SST_NO": "W10-1808-32000123",
            "COMPANY_BANK_ACCOUNT": "5140 1234 5678",
            "COMPANY_ADDRESS": "Level 5, Menara X\\nKuala Lumpur",
            "COMPANY_DEFAULT_TAX_RATE": "0.08",
            "COMPANY_PAYMENT_TERMS_DAYS": "14",
            "COMPANY_TIN": "",  # empty counts as not given
            "PATH": "/usr/bin",
        }
    )
    assert profile.name == "INFINITE GZ SDN BHD (KL)"
    assert profile.sst_no == "W10-1808-32000123"
    assert profile.address_lines == ["Level 5, Menara X", "Kuala Lumpur"]
    assert profile.default_tax_rate == Decimal("0.08")
    assert profile.payment_terms_days == 14
    assert profile.tin is None


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"COMPANY_DEFAULT_TAX_RATE": "0.10"}, "COMPANY_DEFAULT_TAX_RATE"),
        ({"COMPANY_PAYMENT_TERMS_DAYS": "soon"}, "COMPANY_PAYMENT_TERMS_DAYS"),
        ({"COMPANY_ALLOWED_TAX_RATES": "0.06"}, "company.json"),
    ],  # default 0.00 is no longer allowed
)
def test_a_bad_override_fails_naming_the_key(overrides, key):
    with pytest.raises(ProfileError, match=key):
        load_profile(overrides)

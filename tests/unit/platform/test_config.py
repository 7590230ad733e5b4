import pytest

from creditpilot.platform.config import settings_from
from creditpilot.platform.errors import ConfigError


def test_empty_optional_integrations_are_disabled_not_errors():
    settings = settings_from({"ENV": "dev", "SENDGRID_API_KEY": "", "MAIL_FROM": "", "TWILIO_SID": " "})
    assert settings.integrations()["sendgrid"] == "disabled"
    assert settings.integrations()["twilio_sms"] == "disabled"
    assert settings.integrations()["twilio_whatsapp"] == "disabled"


def test_integrations_enable_when_fully_configured():
    settings = settings_from(
        {
            "SENDGRID_API_KEY": "SG.x",
            "MAIL_FROM": "billing@example.my",
            "TWILIO_SID": "AC1",
            "TWILIO_TOKEN": "t",
            "TWILIO_FROM": "+60123456789",
            "ENABLE_WHATSAPP": "true",
            "TWILIO_WHATSAPP_FROM": "whatsapp:+60123456789",
        }
    )
    states = settings.integrations()
    assert states["sendgrid"] == states["twilio_sms"] == states["twilio_whatsapp"] == "enabled"


def test_whatsapp_stays_off_until_enabled_even_with_a_sender():
    settings = settings_from(
        {"TWILIO_SID": "AC1", "TWILIO_TOKEN": "t", "TWILIO_WHATSAPP_FROM": "whatsapp:+6012"}
    )
    assert settings.integrations()["twilio_whatsapp"] == "disabled"


def test_every_documented_variable_is_read():
    env = {
        "ENV": "prod",
        "VERSION": "2.0.0",
        "FERNET_KEY": "k",
        "CORS_ALLOW": "https://a.my, https://b.my",
        "LOANS_REFRESH_KEY": "r",
        "OCR_PROVIDER": "textract",
        "DATABASE_URL": "postgresql://u@h/db",
        "SENDGRID_API_KEY": "SG",
        "MAIL_FROM": "m@x.my",
        "TWILIO_SID": "AC",
        "TWILIO_TOKEN": "tok",
        "TWILIO_FROM": "+601",
        "TWILIO_WHATSAPP_FROM": "whatsapp:+601",
        "ENABLE_WHATSAPP": "1",
    }
    settings = settings_from(env)
    assert settings.env == "prod" and settings.version == "2.0.0"
    assert settings.cors_allow == ("https://a.my", "https://b.my")
    assert settings.ocr_provider == "textract"
    assert settings.fernet_key == "k"
    assert settings.sms.enable_whatsapp is True
    assert settings.db.url == "postgresql://u@h/db"


def test_missing_required_value_in_prod_names_the_variable():
    settings = settings_from({"ENV": "prod"})
    with pytest.raises(ConfigError, match="FERNET_KEY"):
        settings.require("FERNET_KEY", "DATABASE_URL")


def test_missing_value_outside_prod_does_not_stop_the_function():
    settings_from({"ENV": "dev"}).require("FERNET_KEY")


def test_malformed_value_is_reported_with_its_variable_name():
    with pytest.raises(ConfigError, match="OCR_PROVIDER"):
        settings_from({"OCR_PROVIDER": "paper"})
    with pytest.raises(ConfigError, match="DB_PORT"):
        settings_from({"DB_PORT": "five"})


def test_secrets_are_not_printed_in_settings_repr():
    settings = settings_from({"FERNET_KEY": "super-secret-key", "TWILIO_TOKEN": "tok-123"})
    assert "super-secret-key" not in repr(settings)
    assert "tok-123" not in repr(settings)

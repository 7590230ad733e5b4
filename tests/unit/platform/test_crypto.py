"""Personal data at rest: Fernet tokens, key rotation and blind indexes."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditpilot.platform.crypto import CryptoConfigError, DecryptionError, FieldCipher, generate_key

OLD_KEY = generate_key()
NEW_KEY = generate_key()
IC_NUMBER = "900101-14-5678"


@given(plaintext=st.text())
def test_any_text_survives_encrypt_then_decrypt(plaintext: str) -> None:
    cipher = FieldCipher(OLD_KEY)

    assert cipher.decrypt(cipher.encrypt(plaintext)) == plaintext


def test_a_token_reveals_nothing_of_the_value_and_differs_every_time() -> None:
    cipher = FieldCipher(OLD_KEY)

    first, second = cipher.encrypt(IC_NUMBER), cipher.encrypt(IC_NUMBER)

    assert first != second
    assert "5678" not in first
    assert IC_NUMBER.encode() not in base64.urlsafe_b64decode(first)


@given(plaintext=st.text(min_size=1))
def test_tokens_from_the_old_key_still_decrypt_after_a_new_key_is_put_first(plaintext: str) -> None:
    old_token = FieldCipher(OLD_KEY).encrypt(plaintext)

    assert FieldCipher(f"{NEW_KEY},{OLD_KEY}").decrypt(old_token) == plaintext


@given(plaintext=st.text(min_size=1))
def test_rotate_re_encrypts_under_the_new_key_so_the_old_key_can_be_dropped(plaintext: str) -> None:
    old_token = FieldCipher(OLD_KEY).encrypt(plaintext)

    rotated = FieldCipher(f"{NEW_KEY},{OLD_KEY}").rotate(old_token)

    assert FieldCipher(NEW_KEY).decrypt(rotated) == plaintext
    with pytest.raises(DecryptionError):
        FieldCipher(OLD_KEY).decrypt(rotated)


def test_spaces_and_a_trailing_comma_in_fernet_key_are_tolerated() -> None:
    token = FieldCipher(OLD_KEY).encrypt(IC_NUMBER)

    assert FieldCipher(f" {NEW_KEY} , {OLD_KEY} ,").decrypt(token) == IC_NUMBER


def test_a_tampered_token_is_refused_without_echoing_anything() -> None:
    cipher = FieldCipher(OLD_KEY)
    token = cipher.encrypt(IC_NUMBER)
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[-40] ^= 0x01  # flip one bit of the ciphertext
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode()

    with pytest.raises(DecryptionError) as raised:
        cipher.decrypt(tampered)

    message = str(raised.value)
    assert IC_NUMBER not in message and OLD_KEY not in message and tampered not in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


@pytest.mark.parametrize(
    "token",
    [FieldCipher(generate_key()).encrypt(IC_NUMBER), "not a token", "", "gAAAAAB\u00f1"],
    ids=["other key", "garbage", "empty", "non-ascii"],
)
def test_tokens_no_configured_key_can_open_raise_decryption_error(token: str) -> None:
    cipher = FieldCipher(f"{NEW_KEY},{OLD_KEY}")

    with pytest.raises(DecryptionError):
        cipher.decrypt(token)
    with pytest.raises(DecryptionError):
        cipher.rotate(token)


def test_a_token_holding_bytes_that_are_not_text_raises_decryption_error() -> None:
    from cryptography.fernet import Fernet

    token = Fernet(OLD_KEY).encrypt(b"\xff\xfe IC 900101").decode()

    with pytest.raises(DecryptionError) as raised:
        FieldCipher(OLD_KEY).decrypt(token)
    assert "900101" not in str(raised.value)


@pytest.mark.parametrize("fernet_key", ["", " , ", "   "], ids=["empty", "only commas", "blank"])
def test_an_empty_fernet_key_is_a_configuration_error(fernet_key: str) -> None:
    with pytest.raises(CryptoConfigError, match="FERNET_KEY is empty"):
        FieldCipher(fernet_key)


@pytest.mark.parametrize(
    "bad_key",
    ["my-secret-password", base64.urlsafe_b64encode(b"too short").decode(), OLD_KEY[:-2], "%%%not-base64%%%"],
    ids=["plain text", "16 bytes", "truncated", "not base64"],
)
def test_a_bad_key_is_a_configuration_error_naming_its_position_not_its_value(bad_key: str) -> None:
    with pytest.raises(CryptoConfigError) as raised:
        FieldCipher(f"{OLD_KEY},{bad_key}")

    assert "entry 2 of 2" in str(raised.value)
    assert bad_key not in str(raised.value)
    assert OLD_KEY not in str(raised.value)


def test_repr_does_not_show_the_keys() -> None:
    assert repr(FieldCipher(f"{NEW_KEY},{OLD_KEY}")) == "FieldCipher(keys=2)"


def test_generated_keys_are_distinct_fernet_keys() -> None:
    keys = {generate_key() for _ in range(5)}

    assert len(keys) == 5
    assert all(len(base64.urlsafe_b64decode(key)) == 32 for key in keys)


def test_blind_index_finds_equal_values_and_separates_different_ones() -> None:
    cipher = FieldCipher(OLD_KEY)

    index = cipher.blind_index("900101145678")

    assert index == FieldCipher(OLD_KEY).blind_index("900101145678")
    assert index != cipher.blind_index("900101145679")
    assert len(index) == 64 and int(index, 16) >= 0


def test_blind_index_cannot_be_recomputed_without_the_key() -> None:
    value = "900101145678"

    index = FieldCipher(OLD_KEY).blind_index(value)

    assert index != hashlib.sha256(value.encode()).hexdigest()
    assert index != FieldCipher(NEW_KEY).blind_index(value)


def test_blind_index_follows_the_first_key_only() -> None:
    value = "dina.tan@example.com"

    assert FieldCipher(f"{OLD_KEY},{NEW_KEY}").blind_index(value) == FieldCipher(OLD_KEY).blind_index(value)
    assert FieldCipher(f"{NEW_KEY},{OLD_KEY}").blind_index(value) == FieldCipher(NEW_KEY).blind_index(value)

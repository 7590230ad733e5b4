"""Encryption at rest for personal data (IC numbers, phones, emails, bank account numbers).

`FERNET_KEY` holds one or more Fernet keys separated by commas. The first encrypts; every key decrypts,
so a key is rotated by putting the new key first, running `rotate` over the stored tokens, and then
dropping the old key. Error messages never contain a key, a token or a plaintext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Changing this string changes every blind index, so it carries a version.
_BLIND_INDEX_INFO = b"creditpilot/blind-index/v1"
_UNREADABLE_VALUE_MESSAGE = (
    "encrypted value cannot be decrypted with the configured keys "
    "(tampered, truncated, or encrypted under a key no longer in FERNET_KEY)"
)


class CryptoError(Exception):
    """Base of the errors raised by this module."""


class CryptoConfigError(CryptoError):
    """FERNET_KEY is missing or holds something that is not a Fernet key."""


class DecryptionError(CryptoError):
    """A token that none of the configured keys can open: tampered, truncated or from another key."""


def generate_key() -> str:
    """A new random Fernet key, in the form FERNET_KEY expects."""
    return Fernet.generate_key().decode("ascii")


class FieldCipher:
    """Encrypts and decrypts single text fields, and computes their blind index."""

    def __init__(self, fernet_keys: str) -> None:
        keys = [key.strip() for key in fernet_keys.split(",") if key.strip()]
        if not keys:
            raise CryptoConfigError("FERNET_KEY is empty; set it to one or more comma-separated Fernet keys")
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, binascii.Error) as exc:
                raise CryptoConfigError(
                    f"FERNET_KEY entry {position} of {len(keys)} is not a Fernet key "
                    "(32 url-safe base64-encoded bytes, e.g. from generate_key())"
                ) from exc
        self._key_count = len(keys)
        self._fernet = MultiFernet(fernets)
        self._blind_index_key = _derive_blind_index_key(keys[0])

    def __repr__(self) -> str:
        return f"FieldCipher(keys={self._key_count})"

    def encrypt(self, plaintext: str) -> str:
        """A fresh token under the first key; the same plaintext gives a different token each time."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            # `from None`: a UnicodeDecodeError would carry the decrypted bytes along with it.
            raise DecryptionError(_UNREADABLE_VALUE_MESSAGE) from None

    def rotate(self, token: str) -> str:
        """The same plaintext re-encrypted under the first key, for a rotation job to write back."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise DecryptionError(_UNREADABLE_VALUE_MESSAGE) from None

    def blind_index(self, value: str) -> str:
        """A deterministic keyed hash of `value` (64 hex characters), stored beside its ciphertext.

        Fernet tokens are randomised, so `WHERE ic_number = %s` cannot work on an encrypted column;
        `WHERE ic_number_index = %s` with this value can. HMAC (not a plain hash) because IC and phone
        numbers are few enough to hash exhaustively: without the key the index reveals nothing. The key
        is derived with HKDF so it is never the Fernet key itself. Callers canonicalise first (e.g. IC
        digits only, email lower-cased), since equal index means byte-equal input. The index follows the
        first key: after a rotation the indexes must be recomputed together with `rotate`.
        """
        return hmac.new(self._blind_index_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _derive_blind_index_key(fernet_key: str) -> bytes:
    key_material = base64.urlsafe_b64decode(fernet_key)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_BLIND_INDEX_INFO).derive(key_material)

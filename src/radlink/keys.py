"""Keys derived from SECRET_KEY, one per purpose, so no two uses ever share a key."""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


def derive(secret_key: str, purpose: str, length: int = 32) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=None, info=b"radlink/" + purpose.encode()
    ).derive(secret_key.encode())


class DecryptError(Exception):
    """Sealed data was altered or was sealed under another key."""


@dataclass(frozen=True)
class Sealer:
    """AES-256-GCM with a random nonce; ``aad`` binds a ciphertext to the row it belongs to."""

    key: bytes

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self.key).encrypt(nonce, plaintext, aad)

    def open(self, sealed: bytes, aad: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag

        try:
            return AESGCM(self.key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
        except (InvalidTag, ValueError):
            raise DecryptError("sealed data cannot be opened") from None

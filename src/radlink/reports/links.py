"""Report link ids: a launch row id encrypted as one AES block, written in base32.

One block (8-byte row id followed by 8 zero bytes) under a key derived from SECRET_KEY gives a
26-character id that reveals nothing, cannot be enumerated, and is recognised as forged before
any database query (the zero half must come back). Base32 in upper case lets the whole link use
the QR alphanumeric mode, which keeps the 80 px code at 2 px per module.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from radlink.keys import derive

ID_LENGTH = 26
_ID_RE = re.compile(r"^[A-Za-z2-7]{26}$")
_CHECK = bytes(8)


@dataclass(frozen=True)
class LinkCodec:
    key: bytes
    _cipher: Cipher[modes.ECB] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # ECB on exactly one block is a keyed permutation, which is all we want here.
        object.__setattr__(self, "_cipher", Cipher(algorithms.AES(self.key), modes.ECB()))

    @classmethod
    def from_secret(cls, secret_key: str) -> LinkCodec:
        return cls(derive(secret_key, "link-id"))

    def encode(self, launch_id: int) -> str:
        enc = self._cipher.encryptor()
        block = enc.update(launch_id.to_bytes(8, "big") + _CHECK) + enc.finalize()
        return base64.b32encode(block).decode().rstrip("=")

    def decode(self, link_id: str) -> int | None:
        """The launch row id, or None for anything that is not a link we issued."""
        if not _ID_RE.match(link_id):
            return None
        try:
            block = base64.b32decode(link_id.upper() + "======")
        except binascii.Error:
            return None
        dec = self._cipher.decryptor()
        plain = dec.update(block) + dec.finalize()
        if plain[8:] != _CHECK:
            return None
        return int.from_bytes(plain[:8], "big")


def link_url(base_url: str, link_id: str) -> str:
    return f"{base_url}/r/{link_id}"

"""QR codes for report links, as exact-size 1-bit PNG data URIs.

The image is drawn at an integer number of pixels per module and padded to the exact width
(never resampled, which blurs a code until phones cannot read it). Links are stable per report,
so each (link, size, mode) is drawn once per process and then served from a small cache.
"""

from __future__ import annotations

import base64
import struct
import zlib
from enum import StrEnum
from functools import lru_cache

import segno

QUIET_ZONE = 4  # modules; ISO/IEC 18004 asks for at least 4


class QrSize(StrEnum):
    standard = "standard"
    small = "small"


class QrMode(StrEnum):
    light = "light"
    dark = "dark"


WIDTH_PX = {QrSize.standard: 400, QrSize.small: 80}
# QR alphanumeric mode holds only these characters; an upper-cased link in it is ~30 % shorter.
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def qr_text(link: str) -> str:
    """What the code encodes: the link upper-cased when that allows alphanumeric mode.

    Scheme, host and our ``/r/<id>`` route are case-insensitive, so the upper-cased link opens
    the same report.
    """
    upper = link.upper()
    return upper if set(upper) <= _ALNUM else link


def modules(text: str) -> int:
    return int(_symbol(text).symbol_size(scale=1, border=0)[0])


def pixels_per_module(text: str, size: QrSize) -> int:
    return WIDTH_PX[size] // (modules(text) + 2 * QUIET_ZONE)


@lru_cache(maxsize=4096)
def qr_data_uri(link: str, size: QrSize, mode: QrMode) -> str:
    png = qr_png(qr_text(link), WIDTH_PX[size], dark_background=mode is QrMode.dark)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@lru_cache(maxsize=256)
def _symbol(text: str) -> segno.QRCode:
    # Smallest version first, then the strongest error correction that fits that version.
    return segno.make(text, error="L", boost_error=True, micro=False)


def qr_png(text: str, width: int, *, dark_background: bool) -> bytes:
    matrix = _symbol(text).matrix
    n = len(matrix)
    scale = width // (n + 2 * QUIET_ZONE)
    if scale < 1:
        raise ValueError(f"a {n}-module code does not fit in {width} px")
    left = (width - scale * n) // 2
    # Grey 1-bit PNG: bit 1 is white. Light mode draws dark modules as 0 (black) on white.
    module_bit, background_bit = ("1", "0") if dark_background else ("0", "1")
    row_bytes = (width + 7) // 8
    pad_bits = row_bytes * 8 - width
    blank = _scanline(background_bit * width + "0" * pad_bits, row_bytes)
    lines = [blank] * left
    for row in matrix:
        bits = "".join(module_bit * scale if cell & 1 else background_bit * scale for cell in row)
        line = _scanline(
            background_bit * left
            + bits
            + background_bit * (width - left - scale * n)
            + "0" * pad_bits,
            row_bytes,
        )
        lines.extend([line] * scale)
    lines.extend([blank] * (width - len(lines)))
    return _png(width, b"".join(lines))


def _scanline(bits: str, row_bytes: int) -> bytes:
    return b"\x00" + int(bits, 2).to_bytes(row_bytes, "big")  # filter type 0 (None)


def _png(width: int, raw: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(raw, 9)),
            _chunk(b"IEND", b""),
        ]
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

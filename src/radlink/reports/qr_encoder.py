"""A fast QR encoder for report links: one symbol shape per link length, integer bit operations.

Every link of a deployment has the same length and character set, so its symbol shape (version,
error level, function patterns, codeword placement) is the same; it is built once with segno's
help, and each link is then encoded with whole-matrix integer operations: Reed-Solomon as a shift
register on one integer, codeword placement by nibble lookup tables, and the ISO/IEC 18004
penalty (N1-N4) of all 8 masks on the matrix packed into one integer. About 0.1 ms per code
instead of segno's ~5 ms (80 % of which is its module-by-module mask scoring); the result is
module-for-module what segno draws with the same mask (tests/reports/test_qr.py checks this).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import segno
from segno import consts as _segno_consts

ALNUM_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
ALNUM = frozenset(ALNUM_CHARS)
_ALNUM_VALUE = {c: i for i, c in enumerate(ALNUM_CHARS)}

# --- Encoder ------------------------------------------------------------------------------
#
# A matrix is one int: row i, column j is bit GUARD + i * stride + j, with stride = n + GUARD,
# so that 4 light guard bits separate rows (and precede row 0). A set bit is a dark module.
# The same layout of the transposed matrix gives the columns.

GUARD = 4
_ERRORS = "LMQH"
# segno's table of error-correction blocks per version and level (ISO/IEC 18004 table 9).
_ECC: Any = _segno_consts.ECC
_SEGNO_ERROR = {
    "L": _segno_consts.ERROR_LEVEL_L,
    "M": _segno_consts.ERROR_LEVEL_M,
    "Q": _segno_consts.ERROR_LEVEL_Q,
    "H": _segno_consts.ERROR_LEVEL_H,
}


@dataclass(frozen=True)
class Code:
    version: int
    error: str
    mask: int
    size: int
    stride: int
    matrix: int  # rows, layout above


@lru_cache(maxsize=256)
def encode(text: str) -> Code:
    alnum = set(text) <= ALNUM
    data = b"" if alnum else _text_bytes(text)
    count = len(text) if alnum else len(data)
    version, error = _version_and_error(alnum, count)
    shape = _shape(version, error)
    bits, length = _bitstream(text, data, alnum, version)
    codewords = _codewords(bits, length, shape)
    rows = cols = 0
    for c, cw in enumerate(codewords):
        hi, lo = shape.place[c]
        rows |= hi[0][cw >> 4] | lo[0][cw & 15]
        cols |= hi[1][cw >> 4] | lo[1][cw & 15]
    best = min(
        range(8),
        key=lambda m: (
            _penalty(
                shape.fixed_rows[m] | (rows ^ shape.mask_rows[m]),
                shape.fixed_cols[m] | (cols ^ shape.mask_cols[m]),
                shape,
            ),
            m,
        ),
    )
    matrix = shape.fixed_rows[best] | (rows ^ shape.mask_rows[best])
    return Code(version, error, best, shape.size, shape.stride, matrix)


def _text_bytes(text: str) -> bytes:
    try:
        return text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _count_bits(alnum: bool, version: int) -> int:
    if alnum:
        return 9 if version < 10 else 11 if version < 27 else 13
    return 8 if version < 10 else 16


def _data_codewords(version: int, error: str) -> int:
    blocks = _ECC[version][_SEGNO_ERROR[error]]
    return sum(b.num_blocks * b.num_data for b in blocks)


def _bit_length(alnum: bool, count: int, version: int) -> int:
    body = 11 * (count // 2) + 6 * (count % 2) if alnum else 8 * count
    return 4 + _count_bits(alnum, version) + body


@lru_cache(maxsize=64)
def _version_and_error(alnum: bool, count: int) -> tuple[int, str]:
    """The smallest version that holds the text at ECC L, then the strongest ECC that still fits
    in that version (segno's ``error="L", boost_error=True``)."""
    for version in range(1, 41):
        if _bit_length(alnum, count, version) <= 8 * _data_codewords(version, "L"):
            need = _bit_length(alnum, count, version)
            error = "L"
            for better in "MQH":
                if need > 8 * _data_codewords(version, better):
                    break
                error = better
            return version, error
    raise ValueError("text too long for a QR code")


def _bitstream(text: str, data: bytes, alnum: bool, version: int) -> tuple[int, int]:
    acc = 0b0010 if alnum else 0b0100
    length = 4
    count_bits = _count_bits(alnum, version)
    acc = (acc << count_bits) | (len(text) if alnum else len(data))
    length += count_bits
    if alnum:
        values = [_ALNUM_VALUE[c] for c in text]
        for k in range(0, len(values) - 1, 2):
            acc = (acc << 11) | (values[k] * 45 + values[k + 1])
        length += 11 * (len(values) // 2)
        if len(values) % 2:
            acc = (acc << 6) | values[-1]
            length += 6
    else:
        acc = (acc << 8 * len(data)) | int.from_bytes(data, "big")
        length += 8 * len(data)
    return acc, length


@dataclass(frozen=True)
class _Block:
    start: int  # first data codeword
    count: int  # data codewords


@dataclass(frozen=True)
class _Shape:
    version: int
    error: str
    size: int
    stride: int
    data_codewords: int
    ec_count: int
    blocks: tuple[_Block, ...]
    ec_table: tuple[int, ...]  # generator polynomial times each byte value, as ints
    # Per final codeword index: (high-nibble, low-nibble) tables of (rows, cols) contributions.
    place: tuple[tuple[tuple[tuple[int, ...], tuple[int, ...]], ...], ...]
    fixed_rows: tuple[int, ...]  # per mask: function patterns and format/version information
    fixed_cols: tuple[int, ...]
    mask_rows: tuple[int, ...]  # per mask: the mask pattern over the encoding region only
    mask_cols: tuple[int, ...]
    valid_rows: int  # every module of the symbol


def _codewords(bits: int, length: int, shape: _Shape) -> list[int]:
    capacity = 8 * shape.data_codewords
    terminator = min(4, capacity - length)
    bits <<= terminator
    length += terminator
    pad = -length % 8
    bits <<= pad
    length += pad
    data = list(bits.to_bytes(length // 8, "big"))
    data.extend((0xEC, 0x11) * ((shape.data_codewords - len(data)) // 2 + 1))
    del data[shape.data_codewords :]
    top = 8 * (shape.ec_count - 1)
    full = (1 << 8 * shape.ec_count) - 1
    table = shape.ec_table
    ec_blocks = []
    for block in shape.blocks:
        reg = 0
        for value in data[block.start : block.start + block.count]:
            reg = ((reg << 8) & full) ^ table[value ^ (reg >> top)]
        ec_blocks.append(reg.to_bytes(shape.ec_count, "big"))
    out: list[int] = []
    for k in range(max(b.count for b in shape.blocks)):
        out.extend(data[b.start + k] for b in shape.blocks if k < b.count)
    for k in range(shape.ec_count):
        out.extend(ec[k] for ec in ec_blocks)
    return out


def _penalty(rows: int, cols: int, shape: _Shape) -> int:
    valid = shape.valid_rows
    stride = shape.stride
    n = shape.size
    # N4: dark proportion (segno's formula: 10 points per full 5 % away from 50 %).
    dark = rows.bit_count()
    score = 10 * int(abs(dark * 100 / (n * n) - 50) / 5)
    # N2: 2x2 blocks of one colour, 3 points each.
    light = valid & ~rows
    score += 3 * (
        (rows & rows >> 1 & rows >> stride & rows >> (stride + 1)).bit_count()
        + (light & light >> 1 & light >> stride & light >> (stride + 1)).bit_count()
    )
    for lines in (rows, cols):
        light = valid & ~lines
        # N1: a run of 5 + i modules of one colour scores 3 + i = (windows of 5) + 2.
        d5 = lines & lines >> 1 & lines >> 2 & lines >> 3 & lines >> 4
        l5 = light & light >> 1 & light >> 2 & light >> 3 & light >> 4
        for w in (d5, l5):
            score += w.bit_count() + 2 * (w & ~(w << 1)).bit_count()
        # N3: dark-light-dark-dark-dark-light-dark with 4 light modules (or the edge) on a side.
        finder = (
            lines
            & ~(lines >> 1)
            & lines >> 2
            & lines >> 3
            & lines >> 4
            & ~(lines >> 5)
            & lines >> 6
            & valid
        )
        if finder:
            before = lines << 1 | lines << 2 | lines << 3 | lines << 4
            after = lines >> 7 | lines >> 8 | lines >> 9 | lines >> 10
            score += 40 * (finder & ~(before & after)).bit_count()
    return score


@lru_cache(maxsize=16)
def _shape(version: int, error: str) -> _Shape:
    n = 17 + 4 * version
    stride = n + GUARD

    def bit(i: int, j: int) -> int:
        return 1 << (GUARD + i * stride + j)

    function = [[False] * n for _ in range(n)]

    def reserve(r0: int, r1: int, c0: int, c1: int) -> None:
        for i in range(max(r0, 0), min(r1, n)):
            for j in range(max(c0, 0), min(c1, n)):
                function[i][j] = True

    # Finders with separators and format information; timing; alignment; version information.
    reserve(0, 9, 0, 9)
    reserve(0, 9, n - 8, n)
    reserve(n - 8, n, 0, 9)
    reserve(6, 7, 0, n)
    reserve(0, n, 6, 7)
    centres = _alignment_centres(version)
    for ci in centres:
        for cj in centres:
            if (ci, cj) in ((6, 6), (6, n - 7), (n - 7, 6)):
                continue
            reserve(ci - 2, ci + 3, cj - 2, cj + 3)
    if version >= 7:
        reserve(0, 6, n - 11, n - 8)
        reserve(n - 11, n - 8, 0, 6)

    # Codeword placement: two-column strips from the right, up then down, skipping column 6.
    order: list[tuple[int, int]] = []
    upward = True
    right = n - 1
    while right > 0:
        if right == 6:
            right = 5
        for step in range(n):
            i = n - 1 - step if upward else step
            for j in (right, right - 1):
                if not function[i][j]:
                    order.append((i, j))
        upward = not upward
        right -= 2

    blocks_spec = _ECC[version][_SEGNO_ERROR[error]]
    blocks: list[_Block] = []
    start = 0
    ec_count = 0
    for spec in blocks_spec:
        ec_count = spec.num_total - spec.num_data
        for _ in range(spec.num_blocks):
            blocks.append(_Block(start, spec.num_data))
            start += spec.num_data
    total = start + ec_count * len(blocks)

    place = []
    for c in range(total):
        positions = order[8 * c : 8 * c + 8]  # most significant bit first
        nibbles = []
        for half in (positions[:4], positions[4:]):
            row_table, col_table = [], []
            for value in range(16):
                r = cc = 0
                for k, (i, j) in enumerate(half):
                    if value >> (3 - k) & 1:
                        r |= bit(i, j)
                        cc |= bit(j, i)
                row_table.append(r)
                col_table.append(cc)
            nibbles.append((tuple(row_table), tuple(col_table)))
        place.append((nibbles[0], nibbles[1]))

    function_rows = 0
    for i in range(n):
        for j in range(n):
            if function[i][j]:
                function_rows |= bit(i, j)

    fixed_rows, fixed_cols, mask_rows, mask_cols = [], [], [], []
    probe = "0" if version == 1 else "0" * 5
    for m in range(8):
        # segno draws the function patterns and the format/version information for this mask.
        matrix = segno.make(
            probe, version=version, error=error, mask=m, boost_error=False, micro=False
        ).matrix
        fr = fc = mr = mc = 0
        for i in range(n):
            for j in range(n):
                if function[i][j]:
                    if matrix[i][j] & 1:
                        fr |= bit(i, j)
                        fc |= bit(j, i)
                elif _MASKS[m](i, j):
                    mr |= bit(i, j)
                    mc |= bit(j, i)
        fixed_rows.append(fr)
        fixed_cols.append(fc)
        mask_rows.append(mr)
        mask_cols.append(mc)

    valid = 0
    for i in range(n):
        valid |= ((1 << n) - 1) << (GUARD + i * stride)
    return _Shape(
        version=version,
        error=error,
        size=n,
        stride=stride,
        data_codewords=start,
        ec_count=ec_count,
        blocks=tuple(blocks),
        ec_table=_ec_table(ec_count),
        place=tuple(place),
        fixed_rows=tuple(fixed_rows),
        fixed_cols=tuple(fixed_cols),
        mask_rows=tuple(mask_rows),
        mask_cols=tuple(mask_cols),
        valid_rows=valid,
    )


_MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)


def _alignment_centres(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    n = 17 + 4 * version
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    return [6, *sorted(n - 7 - k * step for k in range(count - 1))]


_GF_EXP = [0] * 512
_GF_LOG = [0] * 256
_x = 1
for _k in range(255):
    _GF_EXP[_k] = _x
    _GF_LOG[_x] = _k
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _k in range(255, 512):
    _GF_EXP[_k] = _GF_EXP[_k - 255]


def _gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _GF_EXP[_GF_LOG[a] + _GF_LOG[b]]


@lru_cache(maxsize=32)
def _ec_table(ec_count: int) -> tuple[int, ...]:
    """Each byte value times the generator polynomial (without its leading 1), as one int."""
    poly = [1]
    for k in range(ec_count):
        nxt = [0] * (len(poly) + 1)
        for idx, coef in enumerate(poly):
            nxt[idx] ^= coef
            nxt[idx + 1] ^= _gf_mul(coef, _GF_EXP[k])
        poly = nxt
    return tuple(
        int.from_bytes(bytes(_gf_mul(g, value) for g in poly[1:]), "big") for value in range(256)
    )

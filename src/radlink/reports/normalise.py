"""Parsers that turn the many spellings clients send into one stored form.

Each raises ``ValueError`` with a message that says what is accepted and never repeats the value
(it may be patient data). Each is idempotent on its own output: feeding back what it returned
(in its canonical text form) gives the same result.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Literal

DateOrder = Literal["MDY", "DMY"]

LANGUAGES = ("en", "es", "fr", "ja", "de", "nl", "ko", "pl", "ro", "pt", "zh-CN", "zh-Hant")
_SIMPLE_LANGUAGES = frozenset(LANGUAGES[:10])
_CHINESE = {
    "zh-cn": "zh-CN",
    "zh-hans": "zh-CN",
    "zh-sg": "zh-CN",
    "zh-hans-cn": "zh-CN",
    "zh-hant": "zh-Hant",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-hant-tw": "zh-Hant",
}
_SEX = {
    "m": "M",
    "male": "M",
    "man": "M",
    "f": "F",
    "female": "F",
    "woman": "F",
    "o": "O",
    "other": "O",
    "u": "U",
    "unknown": "U",
}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_EIGHT_DIGITS = re.compile(r"^\d{8}$")
_TIME = re.compile(r"^(\d{2}):?(\d{2})(?::?(\d{2})(?:\.\d{1,6})?)?$")
_AGE = re.compile(r"^(\d{1,3})\s*([DWMY]?)$", re.IGNORECASE)
_UID = re.compile(r"^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$")
_AGE_LIMITS = {"D": 999, "W": 999, "M": 999, "Y": 150}

DATE_FORMATS = "YYYYMMDD, YYYY-MM-DD or an 8-digit month-first date (MMDDYYYY)"
DATE_FORMATS_DMY = "YYYYMMDD, YYYY-MM-DD or an 8-digit day-first date (DDMMYYYY)"


def parse_date(value: str, order: DateOrder = "MDY") -> date:
    """YYYY-MM-DD, YYYYMMDD, or 8 digits month-first (day-first when the site says DMY).

    YYYYMMDD and the 8-digit US/European forms never both make a valid date: a year of
    1800–2299 puts 18–22 where the other form needs a month, so the reading is unambiguous.
    """
    value = value.strip()
    accepted = DATE_FORMATS if order == "MDY" else DATE_FORMATS_DMY
    if m := _ISO_DATE.match(value):
        candidates = [(m[1], m[2], m[3])]
    elif _EIGHT_DIGITS.match(value):
        other = (
            (value[4:], value[:2], value[2:4])
            if order == "MDY"
            else (value[4:], value[2:4], value[:2])
        )
        candidates = [(value[:4], value[4:6], value[6:]), other]
    else:
        raise ValueError(f"not a date; accepted: {accepted}")
    for year, month, day in candidates:
        if 1800 <= int(year) <= 2299:
            try:
                return date(int(year), int(month), int(day))
            except ValueError:
                continue
    raise ValueError(f"not a valid calendar date; accepted: {accepted}")


def parse_birth_date(value: str, order: DateOrder = "MDY") -> date:
    parsed = parse_date(value, order)
    if parsed > datetime.now(UTC).date():
        raise ValueError("birth date is in the future")
    return parsed


def parse_time(value: str) -> time:
    """HHMMSS, HHMM, HH:MM or HH:MM:SS (DICOM fractions of a second are dropped)."""
    m = _TIME.match(value.strip())
    if not m:
        raise ValueError("not a time; accepted: HHMMSS, HHMM, HH:MM or HH:MM:SS")
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError("not a valid time of day (hours 00-23, minutes and seconds 00-59)")
    return time(hour, minute, second)


def parse_sex(value: str) -> str:
    try:
        return _SEX[value.strip().lower()]
    except KeyError:
        raise ValueError("accepted: M, F, O, U (or male, female, other, unknown)") from None


def parse_age(value: str) -> str:
    """Whole years (``50``) or DICOM AS (``050Y``, ``006M``, ``3W``, ``10D``) → DICOM AS."""
    m = _AGE.match(value.strip())
    if not m:
        raise ValueError("accepted: whole years (50) or a DICOM age (050Y, 006M, 003W, 010D)")
    number, unit = int(m[1]), (m[2] or "Y").upper()
    if number > _AGE_LIMITS[unit]:
        raise ValueError(f"age is out of range (at most {_AGE_LIMITS[unit]}{unit})")
    return f"{number:03d}{unit}"


def parse_language(value: str) -> str:
    key = value.strip().replace("_", "-").lower()
    if key in _CHINESE:
        return _CHINESE[key]
    base = key.split("-", 1)[0]
    if base in _SIMPLE_LANGUAGES:
        return base
    raise ValueError(
        "unsupported language; accepted: " + ", ".join(LANGUAGES) + " (and pt-BR, zh-Hans, zh-TW)"
    )


def parse_uid(value: str) -> str:
    value = value.strip()
    if len(value) > 64 or not _UID.match(value):
        raise ValueError(
            "not a DICOM UID; accepted: digits in dot-separated groups without leading zeros, "
            "at most 64 characters"
        )
    return value


def parse_return_format(value: str) -> str:
    if value.strip().upper() == "HL7":
        return "HL7"
    raise ValueError("accepted: HL7 (or leave it out for no return message)")


def parse_bool(value: bool | str) -> bool:
    if isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    raise ValueError('accepted: true or false (JSON booleans or the strings "true"/"false")')

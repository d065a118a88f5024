"""Parsers never raise anything but ValueError, and their output re-parses to itself."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radlink.reports import normalise as n


@given(st.text(max_size=20), st.sampled_from(["MDY", "DMY"]))
def test_date_parser_never_fails_unexpectedly_and_is_idempotent(value: str, order: str) -> None:
    try:
        parsed = n.parse_date(value, order)  # type: ignore[arg-type]
    except ValueError:
        return
    assert n.parse_date(parsed.isoformat(), order) == parsed  # type: ignore[arg-type]
    assert n.parse_date(parsed.strftime("%Y%m%d"), order) == parsed  # type: ignore[arg-type]


@given(st.dates(min_value=date(1800, 1, 1), max_value=date(2299, 12, 31)))
def test_every_form_of_a_date_reads_back(d: date) -> None:
    assert n.parse_date(d.strftime("%Y%m%d")) == d
    assert n.parse_date(d.isoformat()) == d
    assert n.parse_date(d.strftime("%m%d%Y"), "MDY") == d
    assert n.parse_date(d.strftime("%d%m%Y"), "DMY") == d


def test_the_seed_date_is_month_first_unless_the_site_says_otherwise() -> None:
    assert n.parse_date("01021975") == date(1975, 1, 2)
    assert n.parse_date("01021975", "DMY") == date(1975, 2, 1)


@given(st.text(max_size=12))
def test_time_parser(value: str) -> None:
    try:
        parsed = n.parse_time(value)
    except ValueError:
        return
    assert n.parse_time(parsed.isoformat()) == parsed
    assert n.parse_time(parsed.strftime("%H%M%S")) == parsed


@given(st.text(max_size=10))
def test_sex_parser(value: str) -> None:
    try:
        parsed = n.parse_sex(value)
    except ValueError:
        return
    assert parsed in {"M", "F", "O", "U"} and n.parse_sex(parsed) == parsed


@given(st.text(max_size=10) | st.sampled_from(["zh-tw", "ZH_hans", "pt-BR", "EN-us", "zh-Hant"]))
def test_language_parser(value: str) -> None:
    try:
        parsed = n.parse_language(value)
    except ValueError:
        return
    assert parsed in n.LANGUAGES and n.parse_language(parsed) == parsed


@given(st.text(max_size=8) | st.integers(0, 200).map(str))
def test_age_parser(value: str) -> None:
    try:
        parsed = n.parse_age(value)
    except ValueError:
        return
    assert len(parsed) == 4 and n.parse_age(parsed) == parsed


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("zh-TW", "zh-Hant"),
        ("zh-Hans", "zh-CN"),
        ("pt-BR", "pt"),
        ("PT", "pt"),
        ("ja-JP", "ja"),
        ("zh-cn", "zh-CN"),
        ("ZH-HANT", "zh-Hant"),
    ],
)
def test_language_variants(given: str, expected: str) -> None:
    assert n.parse_language(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [("50", "050Y"), ("050Y", "050Y"), ("6m", "006M"), ("3W", "003W"), ("10 D", "010D")],
)
def test_age_forms(given: str, expected: str) -> None:
    assert n.parse_age(given) == expected

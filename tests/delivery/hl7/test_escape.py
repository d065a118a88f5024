from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radlink.delivery.hl7 import Delimiters, escape, unescape

DELIMITERS = "|^~\\&"
# Arbitrary Unicode text, heavy on delimiters and on escape-sequence look-alikes.
no_controls = st.characters(exclude_categories=("Cc", "Cs"))
hostile_text = st.text(
    st.one_of(no_controls, st.sampled_from([*DELIMITERS, "E", "F", "S", "T", "R", "X", "H"]))
)
# Everything, including control characters and lone surrogates.
any_char = st.characters(codec=None, exclude_categories=())
any_text = st.text(st.one_of(any_char, st.sampled_from([*DELIMITERS, "\r", "\n", "\x0b", "\x1c"])))

ONLY_SAFE_ESCAPES = re.compile(r"(?:[^\\|^~&]|\\[EFSTR]\\)*")


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain", "plain"),
        ("a|b", "a\\F\\b"),
        ("a^b", "a\\S\\b"),
        ("a~b", "a\\R\\b"),
        ("a&b", "a\\T\\b"),
        ("a\\b", "a\\E\\b"),
        # A literal escape sequence in the text must not be decoded by the receiver.
        ("\\F\\", "\\E\\F\\E\\"),
        ("|^~\\&", "\\F\\\\S\\\\R\\\\E\\\\T\\"),
        ("日本語 zażółć ăîșț", "日本語 zażółć ăîșț"),
    ],
)
def test_known_vectors_escape_and_unescape(text: str, escaped: str) -> None:
    assert escape(text) == escaped
    assert unescape(escaped) == text


@pytest.mark.parametrize("control", ["\r", "\n", "\t", "\x00", "\x0b", "\x1c", "\x7f", "\x85"])
def test_stray_control_character_becomes_a_space(control: str) -> None:
    assert escape(f"a{control}b") == "a b"


def test_lone_surrogate_becomes_replacement_character() -> None:
    assert escape("a\ud800b") == "a\ufffdb"


@pytest.mark.parametrize(
    ("escaped", "text"),
    [
        ("\\H\\bold\\N\\", "bold"),  # highlighting is presentation only
        ("\\XE697A5\\", "日"),  # hex data, read as UTF-8
        ("line\\.br\\next", "line\nnext"),
        ("\\Z123\\", "\\Z123\\"),  # unknown sequences stay as they are
        ("\\XZZ\\", "\\XZZ\\"),
        ("\\XFF\\", "\\XFF\\"),  # not UTF-8
        ("C:\\temp", "C:\\temp"),  # unterminated
        ("\\\\", "\\\\"),
    ],
)
def test_unescape_is_lenient_with_sequences_we_never_write(escaped: str, text: str) -> None:
    assert unescape(escaped) == text


def test_unescape_uses_the_declared_delimiters() -> None:
    delims = Delimiters.from_msh("MSH#$*!@#APP")
    assert delims == Delimiters(
        field="#", component="$", repetition="*", escape="!", subcomponent="@"
    )
    assert unescape("a!F!b!S!c!E!", delims) == "a#b$c!"


@pytest.mark.parametrize("segment", ["PID|1", "MSH|^~", "MSH|^^\\&|x"])
def test_malformed_msh_delimiters_are_refused(segment: str) -> None:
    with pytest.raises(ValueError):
        Delimiters.from_msh(segment)


@given(hostile_text)
def test_unescape_reverses_escape(text: str) -> None:
    assert unescape(escape(text)) == text


@given(any_text)
def test_escaped_text_has_no_raw_delimiters_or_control_characters(text: str) -> None:
    out = escape(text)
    assert ONLY_SAFE_ESCAPES.fullmatch(out)
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in out)
    out.encode("utf-8")  # always encodable


@given(any_text)
def test_escape_replaces_each_unsafe_character_by_exactly_one_character(text: str) -> None:
    expected = "".join({"Cc": " ", "Cs": "\ufffd"}.get(unicodedata.category(c), c) for c in text)
    assert unescape(escape(text)) == expected

"""Escaping of text inside ER7 fields (HL7 v2.5.1 chapter 2.7, escape sequences).

We always send the standard encoding characters ``|^~\\&`` (MSH-1, MSH-2). ``escape`` is for one
line of text: the builder splits multi-line report text into separate OBX segments or TX
repetitions before calling it, so a control character that still reaches ``escape`` is a stray
(tab, NUL padding, a CR inside a name) and is replaced by one space. That keeps CR (the segment
terminator) and the MLLP framing bytes 0x0B/0x1C out of every field.

Lone surrogates cannot be encoded as UTF-8; they become U+FFFD so encoding never fails.
``unescape(escape(s)) == s`` holds for text without control characters or lone surrogates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The five ER7 delimiters, as declared by MSH-1 and MSH-2 of a message."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @property
    def encoding_characters(self) -> str:
        """MSH-2: component, repetition, escape, subcomponent, in that order."""
        return self.component + self.repetition + self.escape + self.subcomponent

    @classmethod
    def from_msh(cls, segment: str) -> Delimiters:
        """Read the delimiters a peer declared in its MSH segment.

        Raises ValueError when the segment is not an MSH or declares fewer than the four
        encoding characters (v2.7 allows a fifth, the truncation character; it is ignored).
        """
        if not segment.startswith("MSH") or len(segment) < 8:
            raise ValueError("not an MSH segment")
        field = segment[3]
        chars = segment[4:].split(field, 1)[0]
        if len(chars) < 4 or len(set(chars[:4] + field)) != 5:
            raise ValueError("MSH-2 does not declare four distinct encoding characters")
        return cls(field, chars[0], chars[1], chars[2], chars[3])


STANDARD = Delimiters()


def _build_escape_table() -> dict[int, str]:
    table: dict[int, str] = {}
    # Unicode category Cc: C0 controls, DEL and C1 controls.
    for code in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)):
        table[code] = " "
    for code in range(0xD800, 0xE000):
        table[code] = "\ufffd"
    # A single translate() pass escapes every delimiter at once, so the backslashes it
    # introduces are never escaped a second time (the "escape \\ first" rule, done atomically).
    table[ord("\\")] = "\\E\\"
    table[ord("|")] = "\\F\\"
    table[ord("^")] = "\\S\\"
    table[ord("&")] = "\\T\\"
    table[ord("~")] = "\\R\\"
    return table


_ESCAPE_TABLE = _build_escape_table()
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")


def escape(text: str) -> str:
    """Escape one line of text for use inside an ER7 field, component or subcomponent."""
    return text.translate(_ESCAPE_TABLE)


def unescape(text: str, delimiters: Delimiters = STANDARD) -> str:
    """Decode escape sequences written with ``delimiters``.

    Handles the delimiter escapes (E F S T R), drops highlighting on/off (H N), turns the FT
    line break ``.br`` into a newline and decodes ``X`` hex data as UTF-8. Anything else, and
    an unterminated escape character, is kept verbatim: this also reads text from peers whose
    escaping we do not control, and must not fail on it.
    """
    esc = delimiters.escape
    if esc not in text:
        return text
    simple = {
        "E": esc,
        "F": delimiters.field,
        "S": delimiters.component,
        "T": delimiters.subcomponent,
        "R": delimiters.repetition,
        "H": "",
        "N": "",
        ".br": "\n",
    }

    def replace(match: re.Match[str]) -> str:
        body = match.group(1)
        if body in simple:
            return simple[body]
        if body[:1] == "X" and _HEX.fullmatch(body, 1):
            try:
                return bytes.fromhex(body[1:]).decode("utf-8")
            except UnicodeDecodeError:
                return match.group(0)
        return match.group(0)

    quoted = re.escape(esc)
    return re.sub(f"{quoted}([^{quoted}]*){quoted}", replace, text)

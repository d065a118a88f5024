"""Reading acknowledgments (MSA, ERR) from receivers, and what each code means for delivery.

ACKs come from engines we do not control, so parsing is lenient about layout (LF or CRLF between
segments, MLLP framing left on, non-standard delimiters declared in MSH-1/MSH-2) but strict about
meaning: without an MSH, an MSA and a table 0008 code in MSA-1 there is no acknowledgment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from radlink.delivery.hl7.escape import Delimiters, unescape

# HL7 table 0008: original mode (AA/AE/AR) and enhanced mode commit codes (CA/CE/CR).
ACK_CODES = frozenset({"AA", "AE", "AR", "CA", "CE", "CR"})

Outcome = Literal["delivered", "retry", "park"]

_OUTCOMES: dict[str, Outcome] = {
    "AA": "delivered",
    "CA": "delivered",
    # Error: the receiver could not process it now (down stream system, lock, ...).
    "AE": "retry",
    "CE": "retry",
    # Reject: content or configuration problem; sending the same bytes again cannot help.
    "AR": "park",
    "CR": "park",
}

_SEGMENT_BREAK = re.compile(r"\r\n|\r|\n")


class AckError(ValueError):
    """The bytes received as an acknowledgment are not one."""


@dataclass(frozen=True, slots=True)
class Ack:
    """MSA-1 acknowledgment code, MSA-2 echoed control id, and any error text (MSA-3, ERR)."""

    code: str
    control_id: str
    text: str = ""


def classify(ack: Ack) -> Outcome:
    """Map an acknowledgment code to what the sender should do with the message."""
    return _OUTCOMES[ack.code]


def parse_ack(raw: bytes | str) -> Ack:
    """Parse an ACK message. Raises only ``AckError``, whatever the input."""
    text = _decode(raw) if isinstance(raw, bytes | bytearray) else str(raw)
    text = text.strip("\x0b\x1c\r\n")
    segments = [s.strip() for s in _SEGMENT_BREAK.split(text) if s.strip()]
    if not segments or not segments[0].startswith("MSH"):
        raise AckError("acknowledgment does not start with an MSH segment")
    try:
        delims = Delimiters.from_msh(segments[0])
    except ValueError as exc:
        raise AckError(str(exc)) from None
    msa = _segment_fields(segments, "MSA", delims)
    if not msa:
        raise AckError("acknowledgment has no MSA segment")
    fields = msa[0]
    code = _first_value(_get(fields, 1), delims).strip().upper()
    if code not in ACK_CODES:
        raise AckError("MSA-1 is not an HL7 table 0008 acknowledgment code")
    control_id = unescape(_first_value(_get(fields, 2), delims), delims).strip()
    notes = [_first_value(_get(fields, 3), delims)]
    for err in _segment_fields(segments, "ERR", delims):
        notes.extend(_err_notes(err, delims))
    return Ack(code=code, control_id=control_id, text=_join_notes(notes, delims))


def _decode(raw: bytes | bytearray) -> str:
    # Receivers are told to answer in UTF-8; anything else still yields readable codes.
    return bytes(raw).decode("utf-8", errors="replace")


def _segment_fields(segments: list[str], name: str, delims: Delimiters) -> list[list[str]]:
    found = []
    for segment in segments:
        fields = segment.split(delims.field)
        if fields[0] == name:
            found.append(fields)
    return found


def _get(items: list[str], index: int) -> str:
    return items[index] if index < len(items) else ""


def _first_value(field: str, delims: Delimiters) -> str:
    """First repetition, first component of a field (all that ST/ID fields should hold)."""
    return field.split(delims.repetition, 1)[0].split(delims.component, 1)[0]


def _err_notes(fields: list[str], delims: Delimiters) -> list[str]:
    notes = [_get(fields, 8), _get(fields, 7)]  # ERR-8 user message, ERR-7 diagnostics (v2.5)
    # ERR-3 (CWE, v2.5): HL7 error code, prefer its text component over the code.
    err3 = _get(fields, 3).split(delims.repetition, 1)[0].split(delims.component)
    notes.append(_get(err3, 1) or _get(err3, 0))
    # ERR-1 (ELD, v2.3): segment ^ sequence ^ field ^ code, the code being a CE in subcomponents.
    err1 = _get(fields, 1).split(delims.repetition, 1)[0].split(delims.component)
    code = _get(err1, 3).split(delims.subcomponent)
    notes.append(_get(code, 1) or _get(code, 0))
    return notes


def _join_notes(notes: list[str], delims: Delimiters) -> str:
    seen: list[str] = []
    for note in notes:
        clean = unescape(note, delims).strip()
        if clean and clean not in seen:
            seen.append(clean)
    return "; ".join(seen)

"""ER7 builder for ORU^R01 radiology results (HL7 v2.5.1 chapter 7, with a v2.3 variant).

Message shape: MSH PID PV1 ORC OBR OBX+ [ZDS]. The report is a "battery": one OBR for the exam and
one OBX per line of text (or one OBX per section with TX repetitions), grouped by a LOINC section
code in OBX-3. The ZDS segment (IHE Radiology Technical Framework) goes last because group-aware
parsers misplace Z-segments in the middle of a message.

We write ER7 by hand instead of through a library so every byte on the wire is explicit: segments
end with CR only, text is escaped with our own delimiter-only escape (no ``\\X..\\`` code points),
and empty trailing fields and components are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from radlink.delivery.hl7.escape import STANDARD, escape
from radlink.delivery.hl7.message import SEX_CODES, OruInput, Patient, Signer, Study

MAX_CONTROL_ID_LENGTH = 20  # MSH-10 is ST(20) in v2.3 to v2.5.1

# OBX-3 section codes (LOINC, as used by DICOM PS3.20 imaging reports).
FINDINGS_CODE = ("59776-5", "Procedure Findings")
IMPRESSION_CODE = ("19005-8", "Impression")
ADDENDUM_CODE = ("55107-7", "Addendum")
# OBR-4 fallback when the study has neither a description nor a modality.
GENERIC_PROCEDURE = ("18748-4", "Diagnostic imaging study")

_VERSIONS = ("2.5.1", "2.3")
_LAYOUTS = ("obx-per-line", "tx-repeat")
_STATUSES = ("F", "C")
_PROCESSING_IDS = ("P", "T", "D")  # MSH-11, table 0103


def build_oru_r01(msg: OruInput) -> str:
    """Return the ER7 text of one ORU^R01 message; every segment ends with a CR.

    Raises ValueError for inputs no receiver could use: a bad control id, a blank accession,
    a naive datetime, or an unknown version, layout or status. Free text never makes it raise.
    """
    _check(msg)
    segments = [_msh(msg), _pid(msg), _pv1(msg.study), _orc(msg.study), _obr(msg), *_obx_all(msg)]
    uid = (msg.study.study_instance_uid or "").strip("\0 \t\r\n")
    if uid:
        # ZDS-1 (RP): pointer ^ application id ^ type of data ^ subtype, per IHE RAD TF-2.
        segments.append(
            ["ZDS", _comp(escape(uid), _text(msg.routing.sending_app), "Application", "DICOM")]
        )
    return "".join(_segment(fields) + "\r" for fields in segments)


def message_bytes(er7: str) -> bytes:
    """Encode a built message for the wire (UTF-8, matching MSH-18 ``UNICODE UTF-8``)."""
    return er7.encode("utf-8")


def _check(msg: OruInput) -> None:
    cid = msg.control_id
    if not cid or len(cid) > MAX_CONTROL_ID_LENGTH:
        raise ValueError(f"control id must be 1 to {MAX_CONTROL_ID_LENGTH} characters")
    # The receiver echoes MSH-10 in MSA-2; it must come back byte for byte, so it may not
    # contain anything that would need escaping or that an engine might trim.
    if escape(cid) != cid or cid.strip() != cid:
        raise ValueError("control id may not contain delimiters, control characters or padding")
    if msg.routing.version not in _VERSIONS:
        raise ValueError(f"unsupported HL7 version {msg.routing.version!r}")
    if msg.routing.text_layout not in _LAYOUTS:
        raise ValueError(f"unsupported text layout {msg.routing.text_layout!r}")
    if msg.routing.processing_id not in _PROCESSING_IDS:
        raise ValueError(f"unsupported processing id {msg.routing.processing_id!r}")
    if msg.status not in _STATUSES:
        raise ValueError(f"report status must be F or C, not {msg.status!r}")
    if not _text(msg.study.accession):
        raise ValueError("an accession number is required to match the report to its order")
    for when in (msg.created_at, msg.signed_at, *(a.signed_at for a in msg.content.addenda)):
        if when.utcoffset() is None:
            raise ValueError("message datetimes must be timezone-aware")


# --- segments -------------------------------------------------------------------------------


def _msh(msg: OruInput) -> list[str]:
    r = msg.routing
    v251 = r.version == "2.5.1"
    # MSH-9: the message structure component (MSG.3) only exists from v2.4 on.
    msg_type = "ORU^R01^ORU_R01" if v251 else "ORU^R01"
    # MSH-18 (table 0211): "UNICODE UTF-8" is a v2.5+ value; v2.3 receivers rely on the
    # channel's configured encoding instead.
    charset = "UNICODE UTF-8" if v251 else ""
    # List index n holds MSH-(n+1): MSH-1 is the field separator written by the join itself.
    return [
        "MSH",
        STANDARD.encoding_characters,
        _text(r.sending_app),
        _text(r.sending_facility),
        _text(r.receiving_app),
        _text(r.receiving_facility),
        _dtm(msg.created_at),
        "",
        msg_type,
        msg.control_id,
        r.processing_id,
        r.version,
        *([""] * 5),  # MSH-13..17; MSH-15/16 empty = original acknowledgment mode
        charset,
    ]


def _pid(msg: OruInput) -> list[str]:
    p = msg.patient
    mrn = _text(p.mrn)
    # PID-3 (CX): ID ^^^ assigning authority ^ identifier type code (table 0203 "MR").
    pid3 = _comp(mrn, "", "", _text(msg.routing.site_id), "MR") if mrn else ""
    birth = _date(p.birth_date) if p.birth_date else ""
    return ["PID", "1", "", pid3, "", _patient_name(p), "", birth, _sex(p.sex)]


def _pv1(study: Study) -> list[str]:
    # PV1-2 patient class is required whenever PV1 is sent; "O" (outpatient) is what imaging
    # results usually carry when the order did not say. PV1-8 referring doctor (XCN).
    referring = _xcn("", study.referring_physician)
    return ["PV1", "1", "O", "", "", "", "", "", referring]


def _orc(study: Study) -> list[str]:
    # ORC-1 RE (observations to follow), ORC-3 filler order number = accession, ORC-5 CM
    # (order completed). Receivers match results to orders on ORC-3.1 / OBR-3.1.
    return ["ORC", "RE", "", _text(study.accession), "", "CM"]


def _obr(msg: OruInput) -> list[str]:
    s = msg.study
    fields = [""] * 33
    fields[0] = "OBR"
    fields[1] = "1"
    fields[3] = _text(s.accession)  # OBR-3 filler order number
    fields[4] = _procedure(s)  # OBR-4 universal service identifier (CE)
    fields[7] = _study_time(s)  # OBR-7 observation date/time = exam time
    fields[18] = _text(s.accession)  # OBR-18 placer field 1: IHE puts the accession here too
    fields[22] = _dtm(msg.signed_at)  # OBR-22 results report/status change
    fields[24] = _text(msg.routing.diagnostic_section)  # OBR-24, table 0074
    fields[25] = msg.status  # OBR-25, table 0123: F final, C corrected
    reason = _text(s.reason_for_exam)
    fields[31] = _comp("", reason) if reason else ""  # OBR-31 reason for study (CE text only)
    fields[32] = _ndl(msg.signer)  # OBR-32 principal result interpreter
    return fields


def _obx_all(msg: OruInput) -> Iterator[list[str]]:
    sections: list[tuple[tuple[str, str], str, Signer, dt.datetime]] = [
        (FINDINGS_CODE, msg.content.findings, msg.signer, msg.signed_at),
        (IMPRESSION_CODE, msg.content.impression, msg.signer, msg.signed_at),
        *((ADDENDUM_CODE, a.text, a.signer, a.signed_at) for a in msg.content.addenda),
    ]
    per_line = msg.routing.text_layout == "obx-per-line"
    sub_ids: dict[str, int] = {}
    seq = 0
    for (code, label), text, signer, when in sections:
        lines = report_lines(text)
        if not lines:
            continue
        # OBX-4 sub-ID stays constant within a section; a second addendum is a new observation
        # with the same OBX-3, so it gets the next sub-ID.
        sub_id = sub_ids[code] = sub_ids.get(code, 0) + 1
        values = [escape(line) for line in lines]
        if not per_line:
            values = [STANDARD.repetition.join(values)]  # TX repeats: one repetition per line
        for value in values:
            seq += 1
            yield [
                "OBX",
                str(seq),  # OBX-1 set ID, 1..n across the message
                "TX",  # OBX-2 value type
                _comp(code, label, "LN"),  # OBX-3 observation identifier (CE)
                str(sub_id),  # OBX-4 observation sub-ID
                value,  # OBX-5
                *([""] * 5),  # OBX-6..10
                msg.status,  # OBX-11 (table 0085) mirrors OBR-25
                "",
                "",
                _dtm(when),  # OBX-14 date/time of the observation = when this text was signed
                "",
                _xcn(signer.user_id, signer.name),  # OBX-16 responsible observer
            ]


def report_lines(text: str) -> list[str]:
    """Split report text into the lines the builder sends, one OBX (or repetition) each.

    Every line boundary ``str.splitlines`` knows counts; leading and trailing blank lines are
    dropped, blank lines in between are kept so paragraphs survive.
    """
    lines = text.splitlines()
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


# --- fields and data types ------------------------------------------------------------------


def _patient_name(p: Patient) -> str:
    # PID-5 (XPN) family ^ given. A display name is never split on guesswork: without
    # structured parts the whole of it goes into the family component.
    family, given = _text(p.family_name), _text(p.given_name)
    if not family and not given:
        family = _text(p.display_name)
    return _comp(family, given)


def _sex(value: str | None) -> str:
    code = (value or "").strip().upper()
    return code if code in SEX_CODES else "U"  # PID-8, table 0001; unknown or empty -> U


def _procedure(s: Study) -> str:
    description = _text(s.study_description)
    if not description:
        description = " ".join(x for x in (_text(s.modality), _text(s.body_part)) if x)
    if description:
        return _comp("", description)
    return _comp(*GENERIC_PROCEDURE, "LN")


def _study_time(s: Study) -> str:
    if s.study_date is None:
        return ""
    if s.study_time is None:
        return _date(s.study_date)
    return _dtm(dt.datetime.combine(s.study_date, s.study_time))


def _xcn(user_id: str, name: str | None) -> str:
    """XCN: ID ^ family ^ given ^ middle ^ suffix ^ prefix."""
    return _comp(_text(user_id), *_person_name(name))


def _ndl(signer: Signer) -> str:
    """NDL component 1 is a CN written as subcomponents: ID & family & given & ..."""
    parts = [_text(signer.user_id), *_person_name(signer.name)]
    return _comp(*parts, sep=STANDARD.subcomponent)


def _person_name(name: str | None) -> list[str]:
    """Family, given, middle, suffix, prefix (the XCN/CN name order) from a display name.

    A DICOM PN (``Family^Given^Middle^Prefix^Suffix``) is structured, so its parts are mapped;
    any other text goes whole into the family component. Only the first (alphabetic) PN
    component group is used.
    """
    value = (name or "").strip()
    if "^" not in value:
        return [_text(value)]
    group = next((g for g in value.split("=") if g.strip("^ ")), "")
    parts = [*group.split("^")[:5], "", "", "", "", ""]
    family, given, middle, prefix, suffix = (_text(x) for x in parts[:5])
    return [family, given, middle, suffix, prefix]


def _text(value: str | None) -> str:
    return escape(value or "").strip()


def _comp(*parts: str, sep: str = STANDARD.component) -> str:
    return sep.join(_trim(parts))


def _segment(fields: Sequence[str]) -> str:
    return STANDARD.field.join(_trim(fields))


def _trim(parts: Sequence[str]) -> Sequence[str]:
    end = len(parts)
    while end and not parts[end - 1]:
        end -= 1
    return parts[:end]


def _date(d: dt.date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"  # DT; strftime("%Y") does not zero-pad


def _dtm(when: dt.datetime) -> str:
    """DTM/TS ``YYYYMMDDHHMMSS[+/-ZZZZ]`` in the datetime's own offset."""
    text = f"{_date(when)}{when.hour:02d}{when.minute:02d}{when.second:02d}"
    offset = when.utcoffset()
    if offset is None:
        return text
    minutes = round(offset.total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    return f"{text}{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"

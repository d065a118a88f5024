from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from dataclasses import replace

import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.exceptions import MaxLengthReached, ValidationError, ValidationWarning
from hl7apy.parser import parse_message

from radlink.delivery.hl7 import (
    HL7Version,
    OruInput,
    Patient,
    ReportContent,
    Routing,
    TextLayout,
    build_oru_r01,
    message_bytes,
)

from .samples import (
    SIGNED_AT,
    field,
    make_input,
    obx_sections,
    parse,
    segment,
    segments,
    with_addendum,
)

VERSIONS = ["2.5.1", "2.3"]
LAYOUTS = ["obx-per-line", "tx-repeat"]
SHAPE = re.compile(r"MSH PID PV1 ORC OBR( OBX)+( ZDS)?")


def build(msg: OruInput, version: HL7Version = "2.5.1", layout: TextLayout = "obx-per-line") -> str:
    routing = replace(msg.routing, version=version, text_layout=layout)
    return build_oru_r01(replace(msg, routing=routing))


def hl7apy_errors(er7: str, level: int = VALIDATION_LEVEL.STRICT) -> list[str]:
    """Structural errors and table warnings hl7apy reports, Z-segments stripped first.

    hl7apy drops a trailing ZDS when grouping (and rejects its components when not grouping),
    so the Z-segment is checked by our own assertions instead.
    """
    plain = "\r".join(s for s in er7.split("\r") if s and not s.startswith("Z"))
    message = parse_message(plain, validation_level=level, find_groups=True)
    fd, report = tempfile.mkstemp(suffix=".txt")
    os.close(fd)
    try:
        # The report file lists every problem, not only the first one raised.
        with contextlib.suppress(ValidationError, ValidationWarning):
            message.validate(report_file=report)
        with open(report, encoding="utf-8") as handle:
            return [line.strip() for line in handle if line.strip()]
    finally:
        os.remove(report)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_message_parses_and_keeps_its_control_id(version: HL7Version, layout: TextLayout) -> None:
    er7 = build(with_addendum(make_input()), version, layout)
    message = parse(er7)
    assert str(message["MSH.10"]) == "RPT98765-0002"
    assert len(message) == er7.count("\r")
    assert str(message) == er7  # python-hl7 writes back exactly what we sent
    assert SHAPE.fullmatch(" ".join(s[0] for s in segments(er7)))
    assert "\n" not in er7


@pytest.mark.parametrize("layout", LAYOUTS)
def test_v251_message_passes_hl7apy_strict_validation(layout: TextLayout) -> None:
    # STRICT parsing also checks date formats; it works here because every line is short
    # (hl7apy's strict parser caps OBX-5 at 199 characters, see the next test).
    assert hl7apy_errors(build(with_addendum(make_input()), "2.5.1", layout)) == []


def test_long_lines_need_hl7apy_tolerant_parsing_but_still_validate() -> None:
    # A 300-character line is legal TX, but hl7apy's STRICT parser refuses any OBX-5 over 199
    # characters; TOLERANT parsing followed by validate() still runs every structural check.
    content = ReportContent(findings="word " * 60, impression="x")
    er7 = build(make_input(content=content))
    with pytest.raises(MaxLengthReached):
        hl7apy_errors(er7, VALIDATION_LEVEL.STRICT)
    assert hl7apy_errors(er7, VALIDATION_LEVEL.TOLERANT) == []


@pytest.mark.parametrize("layout", LAYOUTS)
def test_v23_message_fails_hl7apy_only_on_its_schema_quirk(layout: TextLayout) -> None:
    # hl7apy's v2.3 schema marks ORC-7 and OBR-27 (quantity/timing) as required; we do not
    # invent a timing/priority for a finished exam, so exactly these two are expected.
    errors = hl7apy_errors(build(make_input(), "2.3", layout))
    assert errors == [
        "Error: Missing required child ORC.ORC_7",
        "Error: Missing required child OBR.OBR_27",
    ]


@pytest.mark.parametrize(
    ("version", "msg_type", "charset"),
    [("2.5.1", "ORU^R01^ORU_R01", "UNICODE UTF-8"), ("2.3", "ORU^R01", "")],
)
def test_header_depends_on_version(version: HL7Version, msg_type: str, charset: str) -> None:
    er7 = build(make_input(), version)
    assert er7.startswith("MSH|^~\\&|RADLINK|SITE01|CUST_RIS|SITE01|20240502123505+0900||")
    assert field(er7, "MSH", 9) == msg_type
    assert field(er7, "MSH", 10) == "RPT98765-0001"
    assert field(er7, "MSH", 11) == "P"
    assert field(er7, "MSH", 12) == version
    assert field(er7, "MSH", 18) == charset
    assert field(er7, "MSH", 15) == field(er7, "MSH", 16) == ""  # original-mode ACK


def test_patient_identifier_name_birth_date_and_sex() -> None:
    er7 = build(make_input())
    assert segment(er7, "PID") == [
        "PID",
        "1",
        "",
        "MRN12345^^^SITE01^MR",
        "",
        "Doe^John",
        "",
        "19750102",
        "M",
    ]


def test_display_name_is_not_split() -> None:
    patient = Patient(mrn="1", display_name="van der Berg, Anna Maria")
    assert field(build(make_input(patient=patient)), "PID", 5) == "van der Berg, Anna Maria"


@pytest.mark.parametrize(("sex", "sent"), [(None, "U"), ("", "U"), ("X", "U"), ("f", "F")])
def test_empty_or_unknown_sex_is_sent_as_unknown(sex: str | None, sent: str) -> None:
    patient = Patient(mrn="1", family_name="Doe", sex=sex)
    assert field(build(make_input(patient=patient)), "PID", 8) == sent


def test_order_fields_carry_accession_times_status_reason_and_signer() -> None:
    er7 = build(make_input())
    assert segment(er7, "ORC") == ["ORC", "RE", "", "ACC98765", "", "CM"]
    assert field(er7, "OBR", 3) == field(er7, "OBR", 18) == "ACC98765"
    assert field(er7, "OBR", 4) == "^XR CHEST 2 VIEWS"
    assert field(er7, "OBR", 7) == "20240502122009+0900"
    assert field(er7, "OBR", 22) == "20240502123500+0900"
    assert field(er7, "OBR", 24) == "RAD"
    assert field(er7, "OBR", 25) == "F"
    assert field(er7, "OBR", 31) == "^Cough \\T\\ fever, r/o pneumonia"
    assert field(er7, "OBR", 32) == "1234&Alice Example, MD"
    assert field(er7, "PV1", 2) == "O"
    assert field(er7, "PV1", 8) == "^Smith^Anna"


def test_procedure_falls_back_to_modality_then_to_a_generic_code() -> None:
    base = make_input()
    study = replace(base.study, study_description=None)
    assert field(build(replace(base, study=study)), "OBR", 4) == "^CR CHEST"
    study = replace(study, modality=None, body_part=" ")
    assert (
        field(build(replace(base, study=study)), "OBR", 4) == "18748-4^Diagnostic imaging study^LN"
    )


@pytest.mark.parametrize("status", ["F", "C"])
def test_every_obx_status_equals_obr25(status: str) -> None:
    er7 = build(make_input(status=status))
    obx = [s for s in segments(er7) if s[0] == "OBX"]
    assert field(er7, "OBR", 25) == status
    assert obx and all(s[11] == status for s in obx)
    assert [s[1] for s in obx] == [str(n) for n in range(1, len(obx) + 1)]
    assert all(s[2] == "TX" and s[14] == "20240502123500+0900" for s in obx)


def test_zds_carries_the_study_uid_as_the_last_segment() -> None:
    er7 = build(make_input())
    last = segments(er7)[-1]
    assert last == [
        "ZDS",
        "1.2.392.200036.9116.2.6.1.48.1214834239.1714620009.123456^RADLINK^Application^DICOM",
    ]


@pytest.mark.parametrize("uid", [None, "", " \0"])
def test_no_zds_without_a_study_uid(uid: str | None) -> None:
    base = make_input()
    er7 = build(replace(base, study=replace(base.study, study_instance_uid=uid)))
    assert "ZDS" not in [s[0] for s in segments(er7)]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_addendum_message_is_a_correction_with_every_section(layout: TextLayout) -> None:
    msg = with_addendum(with_addendum(make_input()), "Second addendum.")
    er7 = build(msg, layout=layout)
    assert field(er7, "OBR", 25) == "C"
    assert obx_sections(er7) == [
        ("59776-5", "1", ["No focal consolidation.", "Heart size normal."]),
        ("19005-8", "1", ["Normal chest radiograph."]),
        ("55107-7", "1", ["Addendum: small left effusion."]),
        ("55107-7", "2", ["Second addendum."]),
    ]
    addendum_obx = [s for s in segments(er7) if s[0] == "OBX" and s[3].startswith("55107-7")]
    later = (SIGNED_AT + dt.timedelta(hours=2)).strftime("%Y%m%d%H%M%S+0900")
    assert all(
        s[11] == "C" and s[14] == later and s[16] == "5678^Bob Example" for s in addendum_obx
    )


@pytest.mark.parametrize("layout", LAYOUTS)
def test_delimiters_and_line_breaks_in_findings_survive(layout: TextLayout) -> None:
    findings = "a|b^c&d~e\\f \\F\\ end\r\nsecond line\rthird\nfourth\ttab"
    content = ReportContent(findings=findings, impression="x")
    er7 = build(make_input(content=content), layout=layout)
    assert obx_sections(er7)[0][2] == [
        "a|b^c&d~e\\f \\F\\ end",
        "second line",
        "third",
        "fourth tab",
    ]
    obx = [s for s in segments(er7) if s[0] == "OBX"]
    assert len(obx) == (5 if layout == "obx-per-line" else 2)
    assert hl7apy_errors(er7) == []  # escaping keeps the structure intact


def test_blank_lines_inside_a_section_are_kept_and_around_it_dropped() -> None:
    content = ReportContent(findings="\n\n  \nPara one.\n\nPara two.\n \n", impression="  \n")
    er7 = build(make_input(content=content))
    assert obx_sections(er7) == [("59776-5", "1", ["Para one.", "", "Para two."])]


MULTILINGUAL = {
    "ja": ("山田", "太郎", "右肺上葉に結節影を認めます。\n悪性の可能性は低いと考えます。"),
    "zh": ("王", "小明", "右肺上叶见结节影。\n考虑良性可能性大。"),
    "ko": ("김", "민준", "우상엽에 결절이 보입니다.\n양성 가능성이 높습니다."),
    "pl": ("Wójcik", "Zażółć", "Bez zmian ogniskowych w płucach.\nSerce niepowiększone."),
    "ro": ("Popescu", "Ștefan", "Fără leziuni pulmonare focale.\nCord în limite normale."),
}


@pytest.mark.parametrize("language", sorted(MULTILINGUAL))
def test_non_english_report_round_trips_byte_exact(language: str) -> None:
    family, given, findings = MULTILINGUAL[language]
    msg = make_input(
        patient=Patient(mrn="M1", family_name=family, given_name=given, sex="F"),
        content=ReportContent(findings=findings, impression=findings.splitlines()[0]),
    )
    er7 = build(msg)
    wire = message_bytes(er7)
    assert wire.decode("utf-8") == er7
    message = parse(wire)  # python-hl7 decodes UTF-8 bytes itself
    assert str(message).encode("utf-8") == wire
    assert str(message["PID.5.1.1"]) == family and str(message["PID.5.1.2"]) == given
    assert obx_sections(er7)[0][2] == findings.splitlines()
    assert hl7apy_errors(er7) == []


@pytest.mark.parametrize("layout", LAYOUTS)
def test_one_megabyte_report_builds_and_parses(layout: TextLayout) -> None:
    line = "Lorem ipsum dolor sit amet | consectetur ^ adipiscing & elit ~ sed \\ do eiusmod."
    lines = [f"{n:05d} {line}" for n in range(1_000_000 // len(line))]
    content = ReportContent(findings="\n".join(lines), impression="Long.")
    er7 = build(make_input(content=content), layout=layout)
    assert len(message_bytes(er7)) > 1_000_000
    message = parse(er7)
    assert len(message.segments("OBX")) == (len(lines) + 1 if layout == "obx-per-line" else 2)
    assert obx_sections(er7)[0][2] == lines


@pytest.mark.parametrize(
    "control_id", ["", "X" * 21, "RPT|1", "RPT^1", "RPT 1 ", "RPT\r1", "日本" * 11]
)
def test_unusable_control_id_is_refused(control_id: str) -> None:
    with pytest.raises(ValueError, match="control id"):
        build_oru_r01(make_input(control_id=control_id))


def test_twenty_character_control_id_is_accepted() -> None:
    assert field(build_oru_r01(make_input(control_id="X" * 20)), "MSH", 10) == "X" * 20


@pytest.mark.parametrize(
    "changes",
    [
        {"signed_at": dt.datetime(2024, 5, 2, 12, 35)},
        {"created_at": dt.datetime(2024, 5, 2, 12, 35)},
        {"status": "P"},
        {"routing": Routing(version="2.4")},  # type: ignore[arg-type]
        {"routing": Routing(text_layout="ft")},  # type: ignore[arg-type]
    ],
)
def test_inputs_no_receiver_could_use_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        build_oru_r01(make_input(**changes))


@pytest.mark.parametrize("accession", ["", " ", "\x00\t"])
def test_blank_accession_is_refused(accession: str) -> None:
    base = make_input()
    with pytest.raises(ValueError, match="accession"):
        build_oru_r01(replace(base, study=replace(base.study, accession=accession)))

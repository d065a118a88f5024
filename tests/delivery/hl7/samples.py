"""Report inputs shared by the HL7 tests, and helpers to read built messages back."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import hl7

from radlink.delivery.hl7 import (
    Addendum,
    OruInput,
    Patient,
    ReportContent,
    Routing,
    Signer,
    Study,
    unescape,
)

TOKYO = dt.timezone(dt.timedelta(hours=9))
SIGNED_AT = dt.datetime(2024, 5, 2, 12, 35, 0, tzinfo=TOKYO)
ALICE = Signer(user_id="1234", name="Alice Example, MD")
BOB = Signer(user_id="5678", name="Bob Example")


def make_input(**changes: Any) -> OruInput:
    """A plain final chest X-ray report; keyword arguments replace top-level fields."""
    base = OruInput(
        routing=Routing(
            sending_facility="SITE01",
            receiving_app="CUST_RIS",
            receiving_facility="SITE01",
            site_id="SITE01",
        ),
        patient=Patient(
            mrn="MRN12345",
            family_name="Doe",
            given_name="John",
            birth_date=dt.date(1975, 1, 2),
            sex="M",
        ),
        study=Study(
            accession="ACC98765",
            study_description="XR CHEST 2 VIEWS",
            modality="CR",
            body_part="CHEST",
            study_date=dt.date(2024, 5, 2),
            study_time=dt.time(12, 20, 9, tzinfo=TOKYO),
            reason_for_exam="Cough & fever, r/o pneumonia",
            referring_physician="Smith^Anna",
            study_instance_uid="1.2.392.200036.9116.2.6.1.48.1214834239.1714620009.123456",
        ),
        content=ReportContent(
            findings="No focal consolidation.\nHeart size normal.",
            impression="Normal chest radiograph.",
        ),
        signer=ALICE,
        signed_at=SIGNED_AT,
        status="F",
        control_id="RPT98765-0001",
        created_at=SIGNED_AT + dt.timedelta(seconds=5),
    )
    return replace(base, **changes)


def with_addendum(base: OruInput, text: str = "Addendum: small left effusion.") -> OruInput:
    addendum = Addendum(text=text, signer=BOB, signed_at=SIGNED_AT + dt.timedelta(hours=2))
    content = replace(base.content, addenda=(*base.content.addenda, addendum))
    return replace(base, content=content, status="C", control_id="RPT98765-0002")


def segments(er7: str) -> list[list[str]]:
    """Raw fields of each segment; index n is field n (MSH: index n is MSH-(n+1))."""
    assert er7.endswith("\r")
    return [s.split("|") for s in er7[:-1].split("\r")]


def segment(er7: str, name: str) -> list[str]:
    found = [s for s in segments(er7) if s[0] == name]
    assert len(found) == 1, f"expected one {name}, got {len(found)}"
    return found[0]


def field(er7: str, name: str, number: int) -> str:
    fields = segment(er7, name)
    index = number - 1 if name == "MSH" else number
    return fields[index] if index < len(fields) else ""


def obx_sections(er7: str) -> list[tuple[str, str, list[str]]]:
    """(OBX-3 code, OBX-4 sub-id, unescaped lines) per observation, in message order."""
    result: list[tuple[str, str, list[str]]] = []
    for fields in segments(er7):
        if fields[0] != "OBX":
            continue
        code, sub_id = fields[3].split("^")[0], fields[4]
        lines = [unescape(rep) for rep in fields[5].split("~")]
        if result and result[-1][:2] == (code, sub_id):
            result[-1][2].extend(lines)
        else:
            result.append((code, sub_id, lines))
    return result


def parse(er7: str | bytes) -> hl7.Message:
    return hl7.parse(er7)

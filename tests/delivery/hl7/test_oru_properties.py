"""Property tests: arbitrary text in any text field never breaks the message."""

from __future__ import annotations

import datetime as dt
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from radlink.delivery.hl7 import (
    Addendum,
    OruInput,
    Patient,
    ReportContent,
    Routing,
    Signer,
    Study,
    build_oru_r01,
    escape,
    message_bytes,
    report_lines,
)

from .samples import obx_sections, parse, segments

# Any code point (control characters and lone surrogates included), heavy on HL7 delimiters
# and line breaks.
text = st.text(
    st.one_of(
        st.characters(codec=None, exclude_categories=()),
        st.sampled_from(["|", "^", "~", "\\", "&", "\r", "\n", "\x0b", "\x1c", " "]),
    ),
    max_size=40,
)
maybe_text = st.none() | text
aware = st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-5))]))
signers = st.builds(Signer, user_id=text, name=text)

inputs = st.builds(
    OruInput,
    routing=st.builds(
        Routing,
        sending_app=text,
        sending_facility=text,
        receiving_app=text,
        receiving_facility=text,
        site_id=text,
        version=st.sampled_from(["2.5.1", "2.3"]),
        text_layout=st.sampled_from(["obx-per-line", "tx-repeat"]),
        diagnostic_section=text,
    ),
    patient=st.builds(
        Patient,
        mrn=maybe_text,
        family_name=maybe_text,
        given_name=maybe_text,
        display_name=maybe_text,
        birth_date=st.none() | st.dates(),
        sex=maybe_text,
    ),
    study=st.builds(
        Study,
        # The accession is the one field that must hold something: results are matched on it.
        accession=text.filter(lambda s: escape(s).strip()),
        study_description=maybe_text,
        modality=maybe_text,
        body_part=maybe_text,
        study_date=st.none() | st.dates(),
        study_time=st.none() | st.times(),
        reason_for_exam=maybe_text,
        referring_physician=maybe_text,
        study_instance_uid=maybe_text,
    ),
    content=st.builds(
        ReportContent,
        findings=text,
        impression=text,
        addenda=st.lists(
            st.builds(Addendum, text=text, signer=signers, signed_at=aware), max_size=2
        ).map(tuple),
    ),
    signer=signers,
    signed_at=aware,
    status=st.sampled_from(["F", "C"]),
    control_id=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.", min_size=1, max_size=20),
    created_at=aware,
)


def _as_sent(line: str) -> str:
    return "".join({"Cc": " ", "Cs": "\ufffd"}.get(unicodedata.category(c), c) for c in line)


@settings(max_examples=150)
@given(inputs)
def test_builder_never_raises_and_output_stays_well_formed(msg: OruInput) -> None:
    er7 = build_oru_r01(msg)
    wire = message_bytes(er7)
    assert b"\n" not in wire and b"\x0b" not in wire and b"\x1c" not in wire
    names = [s[0] for s in segments(er7)]
    assert names[:5] == ["MSH", "PID", "PV1", "ORC", "OBR"]
    assert set(names[5:]) <= {"OBX", "ZDS"}
    message = parse(wire)
    assert len(message) == er7.count("\r")
    assert str(message["MSH.10"]) == msg.control_id
    # Every OBX field count is fixed by the builder, so no text leaked a field separator.
    assert all(len(s) in (12, 15, 17) for s in segments(er7) if s[0] == "OBX")
    sections = [
        msg.content.findings,
        msg.content.impression,
        *(a.text for a in msg.content.addenda),
    ]
    expected = [[_as_sent(x) for x in report_lines(t)] for t in sections if report_lines(t)]
    assert [lines for _, _, lines in obx_sections(er7)] == expected

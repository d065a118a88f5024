"""What goes into an ORU^R01 result message, independent of the database.

These are plain frozen records. The outbox worker fills them from its rows; the builder in
``oru.py`` turns them into ER7 text. Validation that only matters on the wire (control id length,
time zones) happens in the builder so that every caller gets the same checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

HL7Version = Literal["2.5.1", "2.3"]
TextLayout = Literal["obx-per-line", "tx-repeat"]
ReportStatus = Literal["F", "C"]
ProcessingId = Literal["P", "T", "D"]

# HL7 table 0001 (administrative sex) values accepted in PID-8; anything else is sent as U.
SEX_CODES = frozenset({"M", "F", "O", "U", "A", "N"})


@dataclass(frozen=True, slots=True)
class Patient:
    """Demographics for PID. Free-text names are never split on guesswork."""

    mrn: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    display_name: str | None = None
    birth_date: dt.date | None = None
    sex: str | None = None


@dataclass(frozen=True, slots=True)
class Study:
    """The imaging study the report belongs to (OBR, ORC and ZDS)."""

    accession: str
    study_description: str | None = None
    modality: str | None = None
    body_part: str | None = None
    study_date: dt.date | None = None
    # DICOM StudyTime has no zone; give it a tzinfo if the site's offset is known.
    study_time: dt.time | None = None
    reason_for_exam: str | None = None
    referring_physician: str | None = None
    study_instance_uid: str | None = None


@dataclass(frozen=True, slots=True)
class Signer:
    """A radiologist: an identifier plus a display name in free text."""

    user_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Addendum:
    text: str
    signer: Signer
    signed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ReportContent:
    findings: str
    impression: str
    addenda: tuple[Addendum, ...] = ()


@dataclass(frozen=True, slots=True)
class Routing:
    """Per-destination header values and layout choices.

    ``site_id`` is used as the assigning authority of the MRN (PID-3.4).
    ``diagnostic_section`` fills OBR-24 and must be a table 0074 value; DICOM modality codes
    such as CR or MR are not, which is why it is not derived from the study.
    """

    sending_app: str = "RADLINK"
    sending_facility: str = ""
    receiving_app: str = ""
    receiving_facility: str = ""
    site_id: str = ""
    version: HL7Version = "2.5.1"
    text_layout: TextLayout = "obx-per-line"
    diagnostic_section: str = "RAD"
    processing_id: ProcessingId = "P"


@dataclass(frozen=True, slots=True)
class OruInput:
    """Everything needed for one ORU^R01 message (one version of one report).

    ``control_id`` becomes MSH-10. It must stay the same when the same report version is sent
    again, so receivers can drop duplicates, and change for every new version.
    ``signed_at``, ``created_at`` and addendum times must be timezone-aware.
    """

    routing: Routing
    patient: Patient
    study: Study
    content: ReportContent
    signer: Signer
    signed_at: dt.datetime
    status: ReportStatus
    control_id: str
    created_at: dt.datetime

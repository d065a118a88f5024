from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)

from radlink.db import UTCDateTime, metadata

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("accession", String(64), nullable=False),
    Column("patient_mrn", String(64)),
    Column("patient_name", String(200)),
    Column("patient_family_name", String(200)),
    Column("patient_given_name", String(200)),
    Column("patient_birth_date", Date),
    Column("patient_age", String(4)),  # DICOM AS, e.g. 050Y
    Column("patient_sex", String(1)),  # M F O U
    Column("modality", String(16)),
    Column("body_part", String(64)),
    Column("study_description", String(256)),
    Column("study_date", Date),
    Column("study_time", Time),
    Column("study_instance_uid", String(64)),
    Column("reason_for_exam", Text),
    Column("referring_physician", String(200)),
    Column("reporting_physician", String(200)),
    Column("notes", Text),
    Column("key_findings", Text),
    Column("findings", Text, nullable=False, server_default=""),
    Column("impression", Text, nullable=False, server_default=""),
    Column("status", String(16), nullable=False),  # Draft | Final
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("app_language", String(8), nullable=False),
    Column("speech_language", String(8), nullable=False),
    Column("return_format", String(8)),  # HL7 or NULL
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("signed_at", UTCDateTime),
    Column("signed_by", Integer, ForeignKey("users.id")),
    UniqueConstraint("site_id", "accession", name="uq_reports_site_accession"),
)

# One row per (site, accession): the link's id is this row's id, encrypted (see links.py).
launches = Table(
    "launches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("accession", String(64), nullable=False),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=True, unique=True),
    # The launch's context while no report exists yet (lazyLaunch), AES-GCM sealed.
    Column("pending_payload", LargeBinary, nullable=True),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("first_opened_at", UTCDateTime, nullable=True),
    # A site admin's userInfo: the user a pending launch's report will belong to when opened.
    Column("assignee_id", Integer, ForeignKey("users.id"), nullable=True),
    UniqueConstraint("site_id", "accession", name="uq_launches_site_accession"),
)

addenda = Table(
    "addenda",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("signed_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
)

# What happened to a report and who did it (take-overs, signatures); never patient values.
report_events = Table(
    "report_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False, index=True),
    Column(
        "kind", String(32), nullable=False
    ),  # created, opened, saved, signed, addendum, takeover
    Column("user_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("at", UTCDateTime, nullable=False),
)

Index("ix_reports_site_created", reports.c.site_id, reports.c.created_at)
Index("ix_reports_owner_status", reports.c.owner_id, reports.c.status)
Index("ix_reports_site_mrn", reports.c.site_id, reports.c.patient_mrn)

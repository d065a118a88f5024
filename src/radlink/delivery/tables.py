from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from radlink.db import UTCDateTime, metadata

hl7_destinations = Table(
    "hl7_destinations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False, index=True),
    Column("kind", String(8), nullable=False),  # mllp | http
    Column("host", String(255)),
    Column("port", Integer),
    Column("url", String(1000)),
    Column("tls", Boolean, nullable=False, server_default="0"),
    Column("ca_file", String(1000)),
    Column("cert_file", String(1000)),
    Column("key_file", String(1000)),
    Column("sending_app", String(180), nullable=False, server_default="RADLINK"),
    Column("sending_facility", String(180), nullable=False, server_default=""),
    Column("receiving_app", String(180), nullable=False, server_default=""),
    Column("receiving_facility", String(180), nullable=False, server_default=""),
    Column("version", String(8), nullable=False, server_default="2.5.1"),
    Column("text_layout", String(16), nullable=False, server_default="obx-per-line"),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
)

# The outbox. One row per (signature, destination); a site without destinations gets one row in
# state no-destination, picked up when a destination is configured.
hl7_messages = Table(
    "hl7_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False, index=True),
    Column("site_id", Integer, ForeignKey("sites.id"), nullable=False),
    Column("destination_id", Integer, ForeignKey("hl7_destinations.id"), nullable=True),
    Column("kind", String(16), nullable=False),  # final | addendum
    Column("control_id", String(20), nullable=False),  # MSH-10, the same on every retry
    Column("payload", Text, nullable=False),  # ER7, CR-separated
    # pending | sending | delivered | parked | no-destination
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(64)),
    Column("claim_expires_at", UTCDateTime),
    Column("last_error", Text),
    Column("ack_code", String(4)),
    Column("ack_text", Text),
    Column("delivered_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_hl7_messages_state_next", hl7_messages.c.state, hl7_messages.c.next_attempt_at)
Index("ix_hl7_messages_destination_state", hl7_messages.c.destination_id, hl7_messages.c.state)

hl7_attempts = Table(
    "hl7_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", Integer, ForeignKey("hl7_messages.id"), nullable=False, index=True),
    Column("worker", String(64), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    # sending (written before the network call) | delivered | retry | parked
    Column("outcome", String(16), nullable=False),
    Column("ack_code", String(4)),
    Column("detail", Text),
)

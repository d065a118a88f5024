"""The HL7 outbox: rows written with the signature, delivered later by workers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection


def enqueue_signed_report(
    conn: Connection, *, report_id: int, kind: str, now: datetime
) -> None:
    # Filled in by the HL7 delivery work (issue 4): builds the ORU^R01 and queues it per
    # destination. Until then a signature queues nothing.
    return None

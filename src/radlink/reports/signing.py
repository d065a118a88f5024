"""The one place that reacts to a signature, inside the signing transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Connection

SignatureKind = Literal["final", "addendum"]


def on_report_signed(
    conn: Connection, *, report_id: int, kind: SignatureKind, now: datetime
) -> None:
    """Called by the editor in the same transaction that marks the report signed.

    Whatever it writes (the HL7 outbox row) commits or rolls back together with the signature.
    """
    from radlink.delivery.outbox import enqueue_signed_report

    enqueue_signed_report(conn, report_id=report_id, kind=kind, now=now)
